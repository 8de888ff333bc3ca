/**
 * Check 4: every service call of a state machine against AWS's own service model, and against its role.
 *
 * The oracle is the model the installed SDK clients ship. `@aws-sdk/client-<pkg>` exports, from
 * `dist-*` `schemas/schemas_0.js`, one static schema per operation and per shape:
 * - an operation `<Operation>$ = [9, namespace, name, traits, () => input, () => output]`;
 * - a structure `<Shape>$ = [3, namespace, name, traits, memberNames[], memberSchemas[], requiredCount?]`, whose
 *   first `requiredCount` members are the required ones (@smithy/core reads `schema[6]` the same way, see
 *   `createBodySchema` in its HttpBindingNormalizedSchema);
 * - an input without members is the string `"unit"`.
 *
 * Step Functions writes the action camelCase in the ARN (`aws-sdk:ec2:describeInstances`) and parameter names
 * PascalCase (`InstanceIds`, also for services whose model has camelCase members, e.g. sfn's `taskToken`); the
 * model's operation and member names are compared with their first letter upper-cased. IAM action names are
 * case-insensitive and compared that way.
 */
import {
  type ModelShape,
  SDK_SERVICES,
  type SdkModule,
  isSchema,
  loadSdk,
  modelShape,
  upperFirst,
} from '../../local/region/sdk-model';
import type { CfnTemplate } from '../../local/template';
export { type ModelShape, SDK_SERVICES, type SdkService, modelShape } from '../../local/region/sdk-model';
import { type CheckOptions, type Finding, type RuleId, allStates, isRecord } from './findings';

/** Optimized integrations whose `Parameters` are the API's request, checked the same way. */
const OPTIMIZED_INTEGRATIONS: ReadonlySet<string> = new Set([
  'dynamodb:putItem',
  'dynamodb:getItem',
  'dynamodb:updateItem',
  'dynamodb:deleteItem',
  'sns:publish',
]);

/** A Task's service call, read from its Resource ARN. */
export interface ServiceCall {
  readonly kind: 'aws-sdk' | 'optimized';
  /** Step Functions service name, e.g. `elasticloadbalancingv2`. */
  readonly service: string;
  /** The model's operation name, e.g. `RegisterTargets`. */
  readonly operation: string;
}

/** The service call of a Task Resource; undefined for resources this check does not cover (Lambda, activities…). */
export function serviceCallOf(resource: unknown): ServiceCall | undefined {
  if (typeof resource !== 'string') return undefined;
  const arn = resource.replace(/\.(waitForTaskToken|sync(:2)?)$/, '');
  const sdk = /^arn:[\w-]+:states:::aws-sdk:([A-Za-z0-9]+):([A-Za-z0-9]+)$/.exec(arn);
  if (sdk) return { kind: 'aws-sdk', service: sdk[1], operation: upperFirst(sdk[2]) };
  const optimized = /^arn:[\w-]+:states:::([a-z0-9]+):([A-Za-z0-9]+)$/.exec(arn);
  if (optimized && OPTIMIZED_INTEGRATIONS.has(`${optimized[1]}:${optimized[2]}`)) {
    return { kind: 'optimized', service: optimized[1], operation: upperFirst(optimized[2]) };
  }
  return undefined;
}

/** The request shape of one operation, as the SDK's model has it. */
export interface OperationInput {
  readonly sdkPackage: string;
  readonly sdkVersion: string;
  readonly operation: string;
  /** e.g. `DescribeInstancesRequest`. */
  readonly shape: string;
  /** Member names with the first letter upper-cased, in model order. */
  readonly members: readonly string[];
  readonly required: readonly string[];
  /** The request shape, to walk nested parameters. */
  readonly input: ModelShape;
}

/** Why an operation could not be looked up. */
export interface LookupProblem {
  readonly rule: RuleId;
  readonly message: string;
}

/** The operations a loaded SDK module knows (PascalCase). */
function operationsOf(module: SdkModule): string[] {
  return Object.entries(module)
    .filter(([k, v]) => k.endsWith('$') && isSchema(v, 9))
    .map(([k]) => k.slice(0, -1));
}

/** Looks up the request shape of `<service>:<operation>` in the installed SDK model. */
export function operationInput(service: string, operation: string): OperationInput | LookupProblem {
  const known = SDK_SERVICES[service];
  const sdkPackage = known?.sdkPackage ?? `@aws-sdk/client-${service}`;
  const sdk = known ? loadSdk(sdkPackage) : null;
  if (!sdk) {
    return {
      rule: 'sdk-unknown-service',
      message:
        `the harness has no SDK model for the service "${service}": install its client (npm install -D ` +
        `${sdkPackage}, or the matching @aws-sdk/client-* package) and add "${service}" to SDK_SERVICES in ` +
        'test/harness/sdk-model.ts',
    };
  }
  const op = sdk.module[`${operation}$`];
  if (!isSchema(op, 9)) {
    const suggestions = closest(operation, operationsOf(sdk.module));
    return {
      rule: 'sdk-unknown-action',
      message:
        `${service} has no operation "${operation}" in ${sdkPackage} ${sdk.version}` +
        (suggestions.length > 0 ? ` (did you mean ${suggestions.join(' or ')}?)` : ''),
    };
  }
  const rawInput = typeof op[4] === 'function' ? (op[4] as () => unknown)() : op[4];
  const base = { sdkPackage, sdkVersion: sdk.version, operation };
  if (!isSchema(rawInput, 3)) {
    return { ...base, shape: `${operation} (no input)`, members: [], required: [], input: { kind: 'simple' } };
  }
  const input = modelShape(rawInput);
  if (input.kind !== 'structure') throw new Error(`unexpected input schema of ${service}:${operation}`);
  return { ...base, shape: input.name, members: input.members, required: input.required, input };
}

/**
 * Parameters of every aws-sdk task (and of the optimized DynamoDB/SNS tasks) against the service model, at every
 * nesting level: each key of a structure must be one of its members (`Targets[0].InstanceId` fails, the member is
 * `Id`), each required member must be present, lists and maps are walked element by element. Below a `.$` key the
 * value is computed at run time (JSONPath or intrinsic) and cannot be checked.
 */
export function checkSdkParameters(definition: unknown, options: CheckOptions): Finding[] {
  const findings: Finding[] = [];
  for (const { state, path } of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const call = serviceCallOf(state.Resource);
    if (!call) continue;
    const report = (rule: RuleId, message: string) =>
      findings.push({ stateMachine: options.name, path, rule, message });
    const input = operationInput(call.service, call.operation);
    if ('rule' in input) {
      report(input.rule, `the Task calls ${String(state.Resource)}, but ${input.message}`);
      continue;
    }
    const api = `${call.service}:${call.operation}`;
    const model = `${input.sdkPackage} ${input.sdkVersion}`;
    const params = isRecord(state.Parameters) ? state.Parameters : {};

    const visitStructure = (value: Record<string, unknown>, shape: ModelShape & { kind: 'structure' }, at: string) => {
      const source = `${shape.name} (${model})`;
      const given = Object.keys(value).map((k) => k.replace(/\.\$$/, ''));
      for (const [rawKey, v] of Object.entries(value)) {
        const key = rawKey.replace(/\.\$$/, '');
        const where = at === '' ? key : `${at}.${key}`;
        if (!shape.members.includes(key)) {
          const hint = closest(key, shape.members);
          report(
            'sdk-unknown-parameter',
            `the Task passes the parameter "${where}" to ${api}, which has no such member` +
              (hint.length > 0 ? ` (did you mean ${hint.join(' or ')}?)` : '') +
              `; ${source} has: ${shape.members.join(', ') || '(no members)'}`,
          );
          continue;
        }
        if (rawKey.endsWith('.$')) continue; // a JSONPath or an intrinsic: its value is only known at run time
        visitValue(v, shape.memberShape(key), where);
      }
      for (const member of shape.required) {
        if (given.includes(member)) continue;
        const where = at === '' ? member : `${at}.${member}`;
        report(
          'sdk-missing-parameter',
          `the Task calls ${api} without the required parameter "${where}"; required members of ${source}: ` +
            shape.required.join(', '),
        );
      }
    };
    const visitValue = (value: unknown, shape: ModelShape, at: string) => {
      if (shape.kind === 'structure' && isRecord(value)) visitStructure(value, shape, at);
      else if (shape.kind === 'list' && Array.isArray(value)) {
        value.forEach((item, i) => visitValue(item, shape.member(), `${at}[${i}]`));
      } else if (shape.kind === 'map' && isRecord(value)) {
        for (const [k, item] of Object.entries(value)) {
          // A map's keys are data; a `.$` key's value is computed at run time.
          if (!k.endsWith('.$')) visitValue(item, shape.value(), `${at}.${k}`);
        }
      }
    };
    if (input.input.kind === 'structure') visitStructure(params, input.input, '');
    else {
      for (const key of Object.keys(params)) {
        report(
          'sdk-unknown-parameter',
          `the Task passes the parameter "${key.replace(/\.\$$/, '')}" to ${api}, which has no such member; ` +
            `${input.shape} (${model}) has: (no members)`,
        );
      }
    }
  }
  return findings;
}

/** The IAM action a service call needs, e.g. `elasticloadbalancing:RegisterTargets`. */
export function iamActionOf(call: ServiceCall): string {
  return `${SDK_SERVICES[call.service]?.iamPrefix ?? call.service}:${call.operation}`;
}

/** One policy statement that applies to a role, with where it came from. */
interface RoleStatement {
  readonly source: string;
  readonly statement: Record<string, unknown>;
}

function refersTo(v: unknown, logicalId: string): boolean {
  return isRecord(v) && v.Ref === logicalId;
}

function roleOf(resource: Record<string, unknown> | undefined): string | undefined {
  const arn = isRecord(resource?.Properties) ? resource.Properties.RoleArn : undefined;
  if (!isRecord(arn)) return undefined;
  const att = arn['Fn::GetAtt'];
  if (Array.isArray(att) && att[1] === 'Arn') return String(att[0]);
  if (typeof att === 'string' && att.endsWith('.Arn')) return att.slice(0, -'.Arn'.length);
  return undefined;
}

function statementsOf(document: unknown, source: string): RoleStatement[] {
  if (!isRecord(document)) return [];
  const list = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return list.filter(isRecord).map((statement) => ({ source, statement }));
}

/** Every statement of the role's inline policies and of the AWS::IAM::Policy / ManagedPolicy resources on it. */
function roleStatements(template: CfnTemplate, roleId: string): RoleStatement[] {
  const out: RoleStatement[] = [];
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    const props = r.Properties ?? {};
    if (id === roleId && Array.isArray(props.Policies)) {
      for (const p of props.Policies.filter(isRecord)) {
        out.push(...statementsOf(p.PolicyDocument, `inline policy ${String(p.PolicyName)}`));
      }
    }
    if (
      (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') &&
      Array.isArray(props.Roles) &&
      props.Roles.some((x) => refersTo(x, roleId))
    ) {
      out.push(...statementsOf(props.PolicyDocument, `policy ${id}`));
    }
  }
  return out;
}

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** An IAM action pattern (`*`, `?`) matches an action, case-insensitively as IAM does. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(action);
}

/**
 * The state machine's role grants the IAM action of every service call, and no Allow statement of it names a
 * wildcard action (`*`, `ec2:*`, `ec2:Describe*`) or uses NotAction.
 */
export function checkIamGrants(
  template: CfnTemplate,
  stateMachineLogicalId: string,
  definition: unknown,
  options: CheckOptions,
): Finding[] {
  const findings: Finding[] = [];
  const report = (path: string, rule: RuleId, message: string) =>
    findings.push({ stateMachine: options.name, path, rule, message });
  const resource = template.Resources?.[stateMachineLogicalId] as Record<string, unknown> | undefined;
  const roleId = roleOf(resource);
  if (roleId === undefined || template.Resources?.[roleId]?.Type !== 'AWS::IAM::Role') {
    report(
      '',
      'iam-unknown-role',
      `the RoleArn of ${stateMachineLogicalId} is not a role of this template, so its grants cannot be checked; ` +
        'every workflow must have a role of its own (HaStateMachine creates one)',
    );
    return findings;
  }
  const statements = roleStatements(template, roleId).filter(({ statement }) => statement.Effect === 'Allow');
  const granted: string[] = [];
  for (const { source, statement } of statements) {
    if (statement.NotAction !== undefined) {
      report(
        '',
        'iam-wildcard-action',
        `${source} of role ${roleId} allows NotAction ${JSON.stringify(statement.NotAction)}, i.e. every other ` +
          'action; name each action the tasks need instead',
      );
    }
    for (const action of asList(statement.Action).filter((a): a is string => typeof a === 'string')) {
      granted.push(action);
      if (/[*?]/.test(action)) {
        report(
          '',
          'iam-wildcard-action',
          `${source} of role ${roleId} allows the wildcard action "${action}"; name each action the tasks need ` +
            '(e.g. ec2:DescribeInstances), so that the role can do exactly what the workflow does',
        );
      }
    }
  }
  const managed = asList(template.Resources?.[roleId]?.Properties?.ManagedPolicyArns);
  if (managed.length > 0) {
    report(
      '',
      'iam-wildcard-action',
      `role ${roleId} has managed policies (${JSON.stringify(managed)}) whose actions cannot be checked; grant ` +
        "each action in the role's own policy instead",
    );
  }
  for (const { state, path } of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const call = serviceCallOf(state.Resource);
    if (!call) continue;
    const needed = iamActionOf(call);
    if (granted.some((a) => actionMatches(a, needed))) continue;
    report(
      path,
      'iam-missing-action',
      `the Task calls ${call.service}:${call.operation} but role ${roleId} is not granted ${needed}; it grants: ` +
        (granted.length > 0 ? [...new Set(granted)].join(', ') : '(nothing)'),
    );
  }
  return findings;
}

/** Up to three candidates within a small edit distance of `word` (case-insensitive). */
function closest(word: string, candidates: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(word.length / 4));
  return candidates
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .filter(({ d }) => d <= limit)
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map(({ c }) => c);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
