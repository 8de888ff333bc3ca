/**
 * The AWS service models the installed SDK v3 clients ship, read by the engine (error names, timestamp members) and by
 * the harness (request members, error names in Retry/Catch).
 *
 * `@aws-sdk/client-<pkg>` exports, from `dist-*` `schemas/schemas_0.js`, one static schema per operation and shape:
 * - an operation `<Operation>$ = [9, namespace, name, traits, () => input, () => output]`;
 * - a structure `<Shape>$ = [3, namespace, name, traits, memberNames[], memberSchemas[], requiredCount?]`, whose
 *   first `requiredCount` members are the required ones (@smithy/core reads `schema[6]` the same way);
 * - an error `<Shape>$ = [-3, namespace, name, traits, memberNames[], memberSchemas[]]`, whose traits hold the HTTP
 *   status (`httpError`), `error: 'client' | 'server'` and, for query-protocol services, the wire code
 *   (`awsQueryError: [code, status]`); the service's base exception (`<Service>ServiceException`, traits `0`) is the
 *   one every unmodeled code becomes;
 * - an input without members is the string `"unit"`.
 */
import { createRequire } from 'node:module';

/** A service Step Functions can call, the SDK client that holds its model, and the names its errors take. */
export interface SdkService {
  readonly sdkPackage: string;
  /** The IAM service prefix (differs from the Step Functions service name for elasticloadbalancingv2 and sfn). */
  readonly iamPrefix: string;
  /**
   * The AWS SDK for Java 2.x service name (`DefaultNamingStrategy.getServiceName`: the model's serviceId in
   * PascalCase): the `ServiceName` of `aws-sdk:<service>:*` errors, and the `Service:` of their Cause.
   */
  readonly javaV2Name: string;
  /**
   * The optimized integration (`arn:aws:states:::dynamodb:putItem`, `sns:publish`, `states:startExecution`,
   * `lambda:invoke`), which reports errors as the AWS SDK for Java 1.x names them: `prefix.<Shape>Exception`, and
   * `prefix.baseException` for an unmodeled code; `serviceName` is the Cause's `Service:`.
   */
  readonly optimized?: { readonly prefix: string; readonly baseException: string; readonly serviceName: string };
  /**
   * The error codes the service answers when it throttles a caller (from the service's API reference, "Common
   * errors" / the operation's errors).
   */
  readonly throttlingCodes: readonly string[];
}

/** Step Functions service name (as in `aws-sdk:<service>:…`) → model, names. Add a row per new service. */
export const SDK_SERVICES: Readonly<Record<string, SdkService>> = {
  ec2: {
    sdkPackage: '@aws-sdk/client-ec2',
    iamPrefix: 'ec2',
    javaV2Name: 'Ec2',
    throttlingCodes: ['RequestLimitExceeded'],
  },
  elasticloadbalancingv2: {
    sdkPackage: '@aws-sdk/client-elastic-load-balancing-v2',
    iamPrefix: 'elasticloadbalancing',
    javaV2Name: 'ElasticLoadBalancingV2',
    throttlingCodes: ['Throttling'],
  },
  ssm: {
    sdkPackage: '@aws-sdk/client-ssm',
    iamPrefix: 'ssm',
    javaV2Name: 'Ssm',
    throttlingCodes: ['ThrottlingException'],
  },
  dynamodb: {
    sdkPackage: '@aws-sdk/client-dynamodb',
    iamPrefix: 'dynamodb',
    javaV2Name: 'DynamoDb',
    optimized: { prefix: 'DynamoDB', baseException: 'AmazonDynamoDBException', serviceName: 'AmazonDynamoDBv2' },
    throttlingCodes: ['ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'ThrottlingException'],
  },
  cloudwatch: {
    sdkPackage: '@aws-sdk/client-cloudwatch',
    iamPrefix: 'cloudwatch',
    javaV2Name: 'CloudWatch',
    throttlingCodes: ['Throttling'],
  },
  sns: {
    sdkPackage: '@aws-sdk/client-sns',
    iamPrefix: 'sns',
    javaV2Name: 'Sns',
    optimized: { prefix: 'SNS', baseException: 'AmazonSNSException', serviceName: 'AmazonSNS' },
    throttlingCodes: ['Throttled'],
  },
  sfn: {
    sdkPackage: '@aws-sdk/client-sfn',
    iamPrefix: 'states',
    javaV2Name: 'Sfn',
    optimized: { prefix: 'StepFunctions', baseException: 'AWSStepFunctionsException', serviceName: 'AWSStepFunctions' },
    throttlingCodes: ['ThrottlingException'],
  },
  lambda: {
    sdkPackage: '@aws-sdk/client-lambda',
    iamPrefix: 'lambda',
    javaV2Name: 'Lambda',
    optimized: { prefix: 'Lambda', baseException: 'AWSLambdaException', serviceName: 'AWSLambda' },
    throttlingCodes: ['TooManyRequestsException'],
  },
};

type StaticSchema = readonly unknown[];
export type SdkModule = Readonly<Record<string, unknown>>;

const load = createRequire(__filename);
const modules = new Map<string, { module: SdkModule; version: string } | null>();

/** The installed SDK client package and its version; null when it is not installed. Loaded once. */
export function loadSdk(sdkPackage: string): { module: SdkModule; version: string } | null {
  if (!modules.has(sdkPackage)) {
    try {
      const module = load(sdkPackage) as SdkModule;
      let version = 'unknown version';
      try {
        version = (load(`${sdkPackage}/package.json`) as { version: string }).version;
      } catch {
        // The package does not export its package.json; the version is only for messages.
      }
      modules.set(sdkPackage, { module, version });
    } catch {
      modules.set(sdkPackage, null);
    }
  }
  return modules.get(sdkPackage) ?? null;
}

export const isSchema = (v: unknown, kind: number): v is StaticSchema => Array.isArray(v) && v[0] === kind;

/** One modeled error shape of a service. */
export interface ErrorShape {
  /** The shape's name, e.g. `TargetGroupNotFoundException`, `InvocationDoesNotExist`, `InternalServiceFault`. */
  readonly name: string;
  /** The code on the wire, when it differs from the name (query protocol's `awsQueryError`). */
  readonly code?: string;
  readonly fault: 'client' | 'server';
  readonly httpStatus?: number;
}

const errorShapeCache = new Map<string, readonly ErrorShape[]>();

/** Every modeled error shape of a service (not the base exception); [] for a service without a model. */
export function errorShapes(service: string): readonly ErrorShape[] {
  const cached = errorShapeCache.get(service);
  if (cached) return cached;
  const known = SDK_SERVICES[service];
  const sdk = known ? loadSdk(known.sdkPackage) : null;
  const shapes: ErrorShape[] = [];
  for (const [key, v] of Object.entries(sdk?.module ?? {})) {
    if (!key.endsWith('$') || !isSchema(v, -3)) continue;
    const traits = v[3];
    if (typeof traits !== 'object' || traits === null) continue; // the base exception
    const t = traits as { awsQueryError?: [string, number]; error?: string; httpError?: number };
    shapes.push({
      name: String(v[2]),
      ...(t.awsQueryError ? { code: t.awsQueryError[0] } : {}),
      fault: t.error === 'server' ? 'server' : 'client',
      ...(typeof t.httpError === 'number' ? { httpStatus: t.httpError } : {}),
    });
  }
  errorShapeCache.set(service, shapes);
  return shapes;
}

/**
 * The modeled shape of an error code, the way the SDKs resolve it (@aws-sdk/core ProtocolLib
 * `findQueryCompatibleError`): the shape named like the code, else the shape whose `awsQueryError` code it is.
 */
export function errorShapeFor(service: string, code: string): ErrorShape | undefined {
  const shapes = errorShapes(service);
  return shapes.find((s) => s.name === code) ?? shapes.find((s) => s.code === code);
}

/**
 * PascalCase as the AWS SDK for Java 2.x code generator writes class names (`CodegenNamingUtils.pascalCase`): split
 * on word boundaries, each word capitalised and the rest lower case (`EC2ThrottledException` → `Ec2ThrottledException`,
 * `SSLPolicyNotFoundException` → `SslPolicyNotFoundException`).
 */
export function javaPascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/)
    .filter((w) => w !== '')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
    .join('');
}

/**
 * The Java 2.x exception class of an error shape (`DefaultNamingStrategy.getExceptionName`): a `…Fault` shape becomes
 * `…Exception`, a name without the `Exception` suffix gets it.
 */
export function javaV2ExceptionName(shapeName: string): string {
  if (shapeName.endsWith('Fault')) return `${javaPascalCase(shapeName.slice(0, -'Fault'.length))}Exception`;
  if (shapeName.endsWith('Exception')) return javaPascalCase(shapeName);
  return `${javaPascalCase(shapeName)}Exception`;
}

/** The Java 1.x exception class of an error shape: the shape's name, with `Exception` appended when it lacks it. */
export function javaV1ExceptionName(shapeName: string): string {
  return shapeName.endsWith('Exception') ? shapeName : `${shapeName}Exception`;
}

/**
 * The `Error` a Retry/Catch sees when an SDK-integration Task's call fails with `code`:
 * `aws-sdk:<service>:*` → `<JavaV2Service>.<JavaV2ExceptionClass>` (`Ec2.Ec2Exception` when unmodeled);
 * optimized → `<prefix>.<JavaV1ExceptionClass>` (`DynamoDB.AmazonDynamoDBException` when unmodeled).
 */
export function integrationErrorName(service: string, code: string, optimized: boolean): string {
  const known = SDK_SERVICES[service];
  if (!known) throw new Error(`no SDK model is configured for the service "${service}" (SDK_SERVICES)`);
  const shape = errorShapeFor(service, code);
  if (optimized && known.optimized) {
    const { prefix, baseException } = known.optimized;
    return `${prefix}.${shape ? javaV1ExceptionName(shape.name) : baseException}`;
  }
  const prefix = known.javaV2Name;
  return `${prefix}.${shape ? javaV2ExceptionName(shape.name) : `${prefix}Exception`}`;
}

/**
 * Every error name an integration with the service can report: each modeled shape, the unmodeled code's base
 * exception and, for an optimized integration, the Java SDK's client-side `SdkClientException`.
 */
export function possibleIntegrationErrorNames(service: string, optimized: boolean): ReadonlySet<string> {
  const known = SDK_SERVICES[service];
  if (!known) return new Set();
  const shapes = errorShapes(service);
  if (optimized && known.optimized) {
    const { prefix, baseException } = known.optimized;
    return new Set([
      ...shapes.map((s) => `${prefix}.${javaV1ExceptionName(s.name)}`),
      `${prefix}.${baseException}`,
      `${prefix}.SdkClientException`,
    ]);
  }
  const prefix = known.javaV2Name;
  return new Set([...shapes.map((s) => `${prefix}.${javaV2ExceptionName(s.name)}`), `${prefix}.${prefix}Exception`]);
}

/**
 * The `name` the JavaScript SDK v3 gives the error it throws for `code`: the modeled exception class (its shape's
 * name: CloudWatch `ResourceNotFound` → `ResourceNotFound`, SNS `Throttled` → `ThrottledException`), or the code itself
 * when the model has no shape for it (every EC2 error, ELBv2 `Throttling`).
 */
export function sdkV3ErrorName(service: string, code: string): string {
  return errorShapeFor(service, code)?.name ?? code;
}

/** Bits of a numeric schema (@smithy/core's schema encoding): a list or a map of the simple type in the low bits. */
const LIST_BIT = 64;
const MAP_BIT = 128;
/** @smithy/core SCHEMA: TIMESTAMP_DEFAULT 4, DATE_TIME 5, HTTP_DATE 6, EPOCH_SECONDS 7. */
const isTimestampType = (n: number) => n >= 4 && n <= 7;

/** One shape of the model, resolved from its static schema. */
export type ModelShape =
  | {
      readonly kind: 'structure';
      readonly name: string;
      /** Member names with the first letter upper-cased, in model order. */
      readonly members: readonly string[];
      readonly required: readonly string[];
      /** The member's shape, by upper-cased member name. */
      readonly memberShape: (member: string) => ModelShape;
    }
  | { readonly kind: 'list'; readonly member: () => ModelShape }
  | { readonly kind: 'map'; readonly value: () => ModelShape }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'simple' };

/**
 * Resolves a member's schema: a number (simple type, or list/map of one), a thunk `() => Shape$`, a member with
 * traits `[schema, traits]`, or a static schema array: `[3 | 4, ns, name, traits, names, schemas, requiredCount?]`
 * (structure / union), `[1, ns, name, traits, member]` (list), `[2, ns, name, traits, key, value]` (map).
 */
export function modelShape(schema: unknown): ModelShape {
  if (typeof schema === 'function') return modelShape((schema as () => unknown)());
  if (typeof schema === 'number') {
    const simple = (n: number): ModelShape => (isTimestampType(n) ? { kind: 'timestamp' } : { kind: 'simple' });
    if (schema & LIST_BIT) return { kind: 'list', member: () => simple(schema & ~LIST_BIT) };
    if (schema & MAP_BIT) return { kind: 'map', value: () => simple(schema & ~MAP_BIT) };
    return simple(schema);
  }
  if (!Array.isArray(schema)) return { kind: 'simple' };
  if (schema.length === 2) return modelShape(schema[0]);
  const [kind] = schema as unknown[];
  if ((kind === 3 || kind === 4) && Array.isArray(schema[4])) {
    const names = (schema[4] as string[]).map(upperFirst);
    const schemas = Array.isArray(schema[5]) ? (schema[5] as unknown[]) : [];
    const requiredCount = kind === 3 && typeof schema[6] === 'number' ? schema[6] : 0;
    return {
      kind: 'structure',
      name: String(schema[2]),
      members: names,
      required: names.slice(0, requiredCount),
      memberShape: (member) => modelShape(schemas[names.indexOf(member)]),
    };
  }
  if (kind === 1) return { kind: 'list', member: () => modelShape(schema[4]) };
  if (kind === 2) return { kind: 'map', value: () => modelShape(schema[5]) };
  if (kind === 0 && typeof schema[4] === 'number') return modelShape(schema[4]);
  return { kind: 'simple' };
}

/** The output shape of `<service>:<Operation>`; undefined when the model does not know it. */
export function operationOutput(service: string, operation: string): ModelShape | undefined {
  const known = SDK_SERVICES[service];
  const sdk = known ? loadSdk(known.sdkPackage) : null;
  const op = sdk?.module[`${operation}$`];
  if (!isSchema(op, 9)) return undefined;
  const shape = modelShape(op[5]);
  return shape.kind === 'structure' ? shape : undefined;
}

/**
 * Converts the members the model types as timestamps into `Date`s, as the SDK v3 deserializers do (an ISO string or
 * epoch seconds in, a `Date` out), at every nesting level. Returns a new value; other members are kept as they are.
 */
export function withDates(value: unknown, shape: ModelShape | undefined): unknown {
  if (shape === undefined || value === null || value === undefined) return value;
  switch (shape.kind) {
    case 'timestamp':
      if (typeof value === 'string') return new Date(value);
      if (typeof value === 'number') return new Date(value * 1000);
      return value;
    case 'list':
      return Array.isArray(value) ? value.map((v) => withDates(v, shape.member())) : value;
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withDates(v, shape.value())]));
    case 'structure':
      if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return value;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) =>
          shape.members.includes(upperFirst(k)) ? [k, withDates(v, shape.memberShape(upperFirst(k)))] : [k, v],
        ),
      );
    default:
      return value;
  }
}

export function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
