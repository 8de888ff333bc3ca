/**
 * Turns a synthesized CloudFormation template into runnable ASL: finds the state machines and resolves the
 * intrinsic functions in their `DefinitionString` against a modeled account and region.
 *
 * Physical names follow CloudFormation's documented return values (`Ref` / `Fn::GetAtt`) per resource type;
 * where a template gives no explicit name, the logical id stands in for the generated one.
 * Source: docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide (each resource type's "Return values").
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, unknown>;
}

export interface ResolveEnv {
  readonly account: string;
  readonly region: string;
  readonly partition?: string;
}

export const DEFAULT_ENV: ResolveEnv = { account: '123456789012', region: 'us-east-1', partition: 'aws' };

/** A template value this resolver cannot evaluate; names the intrinsic and where it was found. */

/**
 * Resource types whose `Ref` is their name, and the property that names them (CloudFormation's "Return values" of
 * each type): an explicit name, else the logical id (the engine's stand-in for a generated name).
 */
const REF_IS_NAME: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SSM::Document': 'Name',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
};

/** Resource types whose `Ref` is an id EC2 generates, by its prefix: a stable id made from the logical id. */
const REF_IS_GENERATED_ID: Record<string, string> = {
  'AWS::EC2::SecurityGroup': 'sg',
  'AWS::EC2::VPC': 'vpc',
  'AWS::EC2::Subnet': 'subnet',
};

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

type Resolved = string | number | boolean | null | Resolved[] | { [k: string]: Resolved };

/** Short hash used to fabricate stable resource ids (sg-…, vpc-…) from logical ids. */
export function stableHex(text: string, length = 17): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  let out = '';
  while (out.length < length) {
    for (let i = 0; i < text.length; i++) {
      h1 = Math.imul(h1 ^ text.charCodeAt(i), 16777619) >>> 0;
      h2 = Math.imul(h2 ^ (text.charCodeAt(i) + out.length), 2246822519) >>> 0;
    }
    out += h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}

export class TemplateResolver {
  private readonly env: Required<ResolveEnv>;

  constructor(
    readonly template: CfnTemplate,
    env: ResolveEnv = DEFAULT_ENV,
  ) {
    this.env = { partition: 'aws', ...env };
  }

  private resource(logicalId: string, where: string): CfnResource {
    const r = this.template.Resources?.[logicalId];
    if (!r) throw new TemplateError(`${where}: no resource with logical id "${logicalId}" in the template`);
    return r;
  }

  private nameOf(logicalId: string, r: CfnResource, prop: string): string {
    const explicit = r.Properties?.[prop];
    if (explicit === undefined) return logicalId;
    const v = this.resolve(explicit, `${logicalId}.Properties.${prop}`);
    if (typeof v !== 'string') throw new TemplateError(`${logicalId}.Properties.${prop} does not resolve to a string`);
    return v;
  }

  private arn(service: string, resource: string, regional = true): string {
    const { partition, region, account } = this.env;
    return `arn:${partition}:${service}:${regional ? region : ''}:${account}:${resource}`;
  }

  /** The value `{ "Ref": logicalId }` returns for this resource type. */
  ref(logicalId: string): string {
    const { region, account, partition } = this.env;
    switch (logicalId) {
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return account;
      case 'AWS::Partition':
        return partition;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'stack';
      case 'AWS::NoValue':
        throw new TemplateError('AWS::NoValue is not supported inside a state machine definition');
    }
    const r = this.resource(logicalId, `Ref ${logicalId}`);
    switch (r.Type) {
      case 'AWS::SNS::Topic':
        return this.arn('sns', this.nameOf(logicalId, r, 'TopicName'));
      case 'AWS::StepFunctions::StateMachine':
        return this.arn('states', `stateMachine:${this.nameOf(logicalId, r, 'StateMachineName')}`);
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${this.nameOf(logicalId, r, 'QueueName')}`;
      case 'AWS::KMS::Key':
        return stableHex(logicalId, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
      // Ref of a version or an alias returns its ARN (CloudFormation Template Reference,
      // AWS::StepFunctions::StateMachineVersion / StateMachineAlias, "Return values").
      case 'AWS::StepFunctions::StateMachineVersion':
        return this.versionArn(logicalId, r);
      case 'AWS::StepFunctions::StateMachineAlias':
        return this.aliasArn(logicalId, r);
    }
    if (Object.hasOwn(REF_IS_NAME, r.Type)) return this.nameOf(logicalId, r, REF_IS_NAME[r.Type]);
    if (Object.hasOwn(REF_IS_GENERATED_ID, r.Type)) return `${REF_IS_GENERATED_ID[r.Type]}-${stableHex(logicalId)}`;
    return logicalId;
  }

  /**
   * A version's ARN: `<state machine ARN>:<version number>`, numbered 1, 2, … per state machine in template order (a
   * stack deployed once publishes each of its versions then).
   */
  private versionArn(logicalId: string, r: CfnResource): string {
    const machineArn = this.resolve(r.Properties?.StateMachineArn, `${logicalId}.Properties.StateMachineArn`);
    if (typeof machineArn !== 'string' || !/:stateMachine:[^:]+$/.test(machineArn)) {
      throw new TemplateError(`${logicalId}.Properties.StateMachineArn does not resolve to a state machine ARN`);
    }
    const siblings = Object.entries(this.template.Resources ?? {}).filter(
      ([, v]) =>
        v.Type === 'AWS::StepFunctions::StateMachineVersion' &&
        JSON.stringify(v.Properties?.StateMachineArn) === JSON.stringify(r.Properties?.StateMachineArn),
    );
    return `${machineArn}:${siblings.findIndex(([id]) => id === logicalId) + 1}`;
  }

  /** An alias's ARN: `<state machine ARN>:<alias name>`, the state machine being its versions'. */
  private aliasArn(logicalId: string, r: CfnResource): string {
    const name = r.Properties?.Name;
    const routes = r.Properties?.RoutingConfiguration as { StateMachineVersionArn?: unknown }[] | undefined;
    if (typeof name !== 'string' || !routes?.length) {
      throw new TemplateError(
        `${logicalId}: an alias needs a Name and a RoutingConfiguration (DeploymentPreference is not modeled)`,
      );
    }
    const version = this.resolve(routes[0].StateMachineVersionArn, `${logicalId}.RoutingConfiguration[0]`);
    return `${String(version).replace(/:\d+$/, '')}:${name}`;
  }

  /** The value `{ "Fn::GetAtt": [logicalId, attribute] }` returns. */
  getAtt(logicalId: string, attribute: string): string {
    const r = this.resource(logicalId, `Fn::GetAtt ${logicalId}.${attribute}`);
    const ref = this.ref(logicalId);
    const fail = () => new TemplateError(`Fn::GetAtt ${logicalId}.${attribute}: attribute not modeled for ${r.Type}`);
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
        if (attribute === 'Arn') return this.arn('dynamodb', `table/${ref}`);
        throw fail();
      case 'AWS::Lambda::Function':
        if (attribute === 'Arn') return this.arn('lambda', `function:${ref}`);
        throw fail();
      case 'AWS::SNS::Topic':
        if (attribute === 'TopicArn') return ref;
        if (attribute === 'TopicName') return ref.split(':').pop() as string;
        throw fail();
      case 'AWS::StepFunctions::StateMachine':
        if (attribute === 'Arn') return ref;
        if (attribute === 'Name') return ref.split(':').pop() as string;
        // A revision id is an opaque string; one per deployed definition.
        if (attribute === 'StateMachineRevisionId') return stableHex(`${logicalId}#revision`, 32);
        throw fail();
      case 'AWS::StepFunctions::StateMachineVersion':
      case 'AWS::StepFunctions::StateMachineAlias':
        if (attribute === 'Arn') return ref;
        throw fail();
      case 'AWS::SQS::Queue':
        if (attribute === 'Arn') return this.arn('sqs', ref.split('/').pop() as string);
        if (attribute === 'QueueUrl') return ref;
        if (attribute === 'QueueName') return ref.split('/').pop() as string;
        throw fail();
      case 'AWS::Logs::LogGroup':
        if (attribute === 'Arn') return this.arn('logs', `log-group:${ref}:*`);
        throw fail();
      case 'AWS::IAM::Role':
        if (attribute === 'Arn') return this.arn('iam', `role/${ref}`, false);
        throw fail();
      case 'AWS::IAM::InstanceProfile':
        if (attribute === 'Arn') return this.arn('iam', `instance-profile/${ref}`, false);
        throw fail();
      case 'AWS::EC2::SecurityGroup':
        if (attribute === 'GroupId') return ref;
        throw fail();
      case 'AWS::KMS::Key':
        if (attribute === 'Arn') return this.arn('kms', `key/${ref}`);
        throw fail();
      default:
        throw fail();
    }
  }

  /** Resolves every intrinsic function in a template value. */
  resolve(value: unknown, where = 'value'): Resolved {
    if (value === null || typeof value !== 'object') return value as Resolved;
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(v, `${where}[${i}]`));
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      return this.intrinsic(keys[0], obj[keys[0]], where);
    }
    const out: Record<string, Resolved> = {};
    for (const k of keys) out[k] = this.resolve(obj[k], `${where}.${k}`);
    return out;
  }

  private intrinsic(name: string, arg: unknown, where: string): Resolved {
    switch (name) {
      case 'Ref':
        return this.ref(String(arg));
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
        return this.getAtt(String(id), String(attr));
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        const resolved = this.resolve(parts, where);
        if (!Array.isArray(resolved)) throw new TemplateError(`${where}: Fn::Join needs a list`);
        return resolved.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const l = this.resolve(list, where);
        if (!Array.isArray(l)) throw new TemplateError(`${where}: Fn::Select needs a list`);
        return l[Number(this.resolve(index, where))];
      }
      case 'Fn::Split': {
        const [sep, text] = arg as [string, unknown];
        return String(this.resolve(text, where)).split(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_m, expr: string) => {
          if (expr in vars) return String(this.resolve(vars[expr], where));
          const [id, attr] = expr.split(/\.(.*)/s);
          return attr ? this.getAtt(id, attr) : this.ref(id);
        });
      }
      default:
        throw new TemplateError(`${where}: intrinsic ${name} is not supported by the local resolver`);
    }
  }
}

/** A state machine found in a template, with its definition resolved to plain ASL. */
export interface ResolvedStateMachine {
  readonly logicalId: string;
  /** The ARN the state machine would have (Ref). */
  readonly arn: string;
  readonly name: string;
  readonly definition: Record<string, unknown>;
  readonly resource: CfnResource;
}

/** Freezes a parsed JSON value and everything in it, so a value shared between drills cannot be changed by one. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

interface MemoEntry<T> {
  /** Each state machine's raw `DefinitionString`/`Definition` when resolved: a replaced one makes the entry stale. */
  readonly sources: unknown[];
  readonly value: T;
}
const resolvedMemo = new WeakMap<CfnTemplate, Map<string, MemoEntry<readonly ResolvedStateMachine[]>>>();

const definitionSources = (template: CfnTemplate): unknown[] =>
  Object.values(template.Resources ?? {})
    .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map((r) => r.Properties?.DefinitionString ?? r.Properties?.Definition);

/**
 * Every `AWS::StepFunctions::StateMachine` in the template, resolved to runnable ASL. A drill calls this for each
 * run of the same synthesized template, so the result is kept per template object and environment (its definitions
 * frozen: callers share them) until a state machine's definition in the template is replaced.
 */
export function resolveStateMachines(
  template: CfnTemplate,
  env: ResolveEnv = DEFAULT_ENV,
): readonly ResolvedStateMachine[] {
  const key = `${env.partition ?? 'aws'}:${env.region}:${env.account}`;
  const sources = definitionSources(template);
  const perTemplate = resolvedMemo.get(template) ?? new Map<string, MemoEntry<readonly ResolvedStateMachine[]>>();
  resolvedMemo.set(template, perTemplate);
  const hit = perTemplate.get(key);
  if (hit && hit.sources.length === sources.length && hit.sources.every((s, i) => s === sources[i])) return hit.value;
  const value = Object.freeze(resolveAll(template, env));
  perTemplate.set(key, { sources, value });
  return value;
}

/** A state machine version or alias found in a template. */
export interface ResolvedQualifier {
  readonly logicalId: string;
  readonly kind: 'version' | 'alias';
  /** The qualified ARN: `<state machine ARN>:<version number | alias name>`. */
  readonly arn: string;
  /** The unqualified state machine ARN. */
  readonly stateMachineArn: string;
  /** An alias's versions and their weights (a version routes to itself, 100). */
  readonly routing: readonly { readonly versionArn: string; readonly weight: number }[];
}

/**
 * Every `AWS::StepFunctions::StateMachineVersion` and `AWS::StepFunctions::StateMachineAlias` of the template, with
 * its ARN and (for an alias) its routing. Refuses what CloudFormation refuses: an alias whose weights do not add up to
 * 100, or whose versions belong to two state machines ("The sum of the weights in the routing configuration must be
 * equal to 100"; "If you specify the ARN of a second version, it must belong to the same state machine as the first
 * version": CloudFormation Template Reference, AWS::StepFunctions::StateMachineAlias RoutingConfigurationVersion).
 */
export function resolveQualifiers(template: CfnTemplate, env: ResolveEnv = DEFAULT_ENV): readonly ResolvedQualifier[] {
  const resolver = new TemplateResolver(template, env);
  const out: ResolvedQualifier[] = [];
  for (const [logicalId, r] of Object.entries(template.Resources ?? {})) {
    if (r.Type === 'AWS::StepFunctions::StateMachineVersion') {
      const arn = resolver.ref(logicalId);
      out.push({
        logicalId,
        kind: 'version',
        arn,
        stateMachineArn: arn.replace(/:\d+$/, ''),
        routing: [{ versionArn: arn, weight: 100 }],
      });
    } else if (r.Type === 'AWS::StepFunctions::StateMachineAlias') {
      const arn = resolver.ref(logicalId);
      const routes = (r.Properties?.RoutingConfiguration as Record<string, unknown>[] | undefined) ?? [];
      const routing = routes.map((route, i) => ({
        versionArn: String(resolver.resolve(route.StateMachineVersionArn, `${logicalId}.RoutingConfiguration[${i}]`)),
        weight: Number(route.Weight),
      }));
      const machines = new Set(routing.map((v) => v.versionArn.replace(/:\d+$/, '')));
      const total = routing.reduce((sum, v) => sum + v.weight, 0);
      if (routing.length < 1 || routing.length > 2 || total !== 100 || machines.size !== 1) {
        throw new TemplateError(
          `${logicalId}: an alias routes to one or two versions of one state machine with weights adding up to 100 ` +
            `(got ${JSON.stringify(routing)})`,
        );
      }
      out.push({ logicalId, kind: 'alias', arn, stateMachineArn: [...machines][0], routing });
    }
  }
  return out;
}

function resolveAll(template: CfnTemplate, env: ResolveEnv): readonly ResolvedStateMachine[] {
  const resolver = new TemplateResolver(template, env);
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map(([logicalId, r]) => {
      const props = r.Properties ?? {};
      const raw = props.DefinitionString ?? props.Definition;
      if (raw === undefined) throw new TemplateError(`${logicalId}: state machine has no DefinitionString`);
      const text = resolver.resolve(raw, `${logicalId}.DefinitionString`);
      let definition: Record<string, unknown>;
      try {
        definition = (typeof text === 'string' ? JSON.parse(text) : text) as Record<string, unknown>;
      } catch (e) {
        throw new TemplateError(`${logicalId}: DefinitionString is not JSON after resolving: ${(e as Error).message}`);
      }
      const arn = resolver.ref(logicalId);
      return { logicalId, arn, name: arn.split(':').pop() as string, definition: deepFreeze(definition), resource: r };
    });
}
