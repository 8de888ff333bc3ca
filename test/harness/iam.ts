/**
 * Check 5: no IAM policy of a template lets anything terminate, stop, delete, modify or re-tag EC2 resources it did
 * not select (DESIGN.md, "Own only what you made": IAM policies are scoped by the project's tags).
 *
 * A statement that allows a destructive EC2 action (below) on a wildcard resource — `*`, or an EC2 ARN whose
 * resource id is a pattern such as `instance/*` — must carry a condition that selects the resources: a tag
 * (`aws:ResourceTag/<key>` or `ec2:ResourceTag/<key>`) or the VPC (`ec2:Vpc`), with a positive operator
 * (StringEquals, StringLike, ArnEquals, ArnLike; no `IfExists`, no `Not…`, no `ForAllValues:`, which all match when
 * the key is absent) and a value that is not just `*`. `ec2:CreateTags` may instead be limited to tagging at creation
 * (`ec2:CreateAction`), since it then only tags what the same call creates.
 *
 * Which actions support those conditions: Service Authorization Reference, "Actions, resources, and condition keys for
 * Amazon EC2" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html): the instance,
 * volume, snapshot, network-interface and security-group resource types carry `aws:ResourceTag/${TagKey}`,
 * `ec2:ResourceTag/${TagKey}` and (network-interface, security-group, subnet, instance) `ec2:Vpc`; actions without a
 * resource type (Describe*) must be granted on `*` and are not destructive.
 *
 * One documented exception: the network-interface actions Lambda needs to attach a function to a VPC, on a role that
 * Lambda assumes. The Lambda Developer Guide ("Giving Lambda functions access to resources in an Amazon VPC",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html, "Required IAM permissions") requires
 * `ec2:DescribeNetworkInterfaces` on `*` and warns that a `DeleteNetworkInterface` without all resource ids can break
 * the function's VPC access.
 */
import type { CfnTemplate } from '../../local/template';
import { type CheckOptions, type Finding, isRecord } from './findings';
import { actionMatches } from './sdk-model';

/** EC2 action name prefixes that destroy, stop, change or re-tag what they act on. */
export const DESTRUCTIVE_EC2_ACTION =
  /^ec2:(Terminate|Stop|Delete|Modify|Reboot|Detach|Disassociate|Replace|Reset|Revoke|Unassign|Disable|CreateTags$)/i;

/** Names a wildcard action is tested against: if it matches one of them, it grants something destructive. */
const DESTRUCTIVE_SAMPLES = [
  'ec2:TerminateInstances',
  'ec2:StopInstances',
  'ec2:DeleteVolume',
  'ec2:DeleteSnapshot',
  'ec2:ModifyInstanceAttribute',
  'ec2:ModifyNetworkInterfaceAttribute',
  'ec2:RebootInstances',
  'ec2:DetachVolume',
  'ec2:CreateTags',
  'ec2:DeleteTags',
];

/** Lambda's VPC network-interface actions (see the module comment), allowed on `*` on a role Lambda assumes. */
export const LAMBDA_VPC_ACTIONS: ReadonlySet<string> = new Set(
  [
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
  ].map((a) => a.toLowerCase()),
);

const SELECTING_KEY = /^(aws:ResourceTag\/.+|ec2:ResourceTag\/.+|ec2:Vpc)$/i;
const POSITIVE_OPERATOR = /^(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/;

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A CloudFormation value as text: `Fn::Join` joined, references as `<Id>` / `<Id.Attr>` (as cdk-nag prints them). */
export function flatten(v: unknown): string {
  if (typeof v === 'string') return v;
  if (!isRecord(v)) return JSON.stringify(v);
  if (typeof v.Ref === 'string') return `<${v.Ref}>`;
  const att = v['Fn::GetAtt'];
  if (Array.isArray(att)) return `<${att.join('.')}>`;
  const join = v['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) return (join[1] as unknown[]).map(flatten).join(String(join[0]));
  return JSON.stringify(v);
}

/** The destructive EC2 actions an `Action` entry grants (itself, or the samples a wildcard matches). */
export function destructiveActions(action: string): string[] {
  if (/[*?]/.test(action)) return DESTRUCTIVE_SAMPLES.filter((a) => actionMatches(action, a));
  return DESTRUCTIVE_EC2_ACTION.test(action) ? [action] : [];
}

/** `*`, or an ARN whose resource part is a pattern (`instance/*`, `*`, `instance/i-*`). */
export function isWildcardResource(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  return parts.length >= 6 && parts.slice(5).join(':').includes('*');
}

/** True when a condition block selects resources by tag or VPC (or, for CreateTags only, by creating action). */
export function selectsResources(condition: unknown, allowCreateAction: boolean): boolean {
  if (!isRecord(condition)) return false;
  return Object.entries(condition).some(
    ([operator, block]) =>
      POSITIVE_OPERATOR.test(operator) &&
      isRecord(block) &&
      Object.entries(block).some(([key, value]) => {
        const values = asList(value).map(flatten);
        const meaningful = values.length > 0 && values.every((x) => x.replace(/[*?]/g, '') !== '');
        return meaningful && (SELECTING_KEY.test(key) || (allowCreateAction && /^ec2:CreateAction$/i.test(key)));
      }),
  );
}

interface PolicyStatement {
  /** e.g. `policy RecoveryRoleDefaultPolicy` or `inline policy X of role Y`. */
  readonly source: string;
  /** The roles it applies to (logical ids). */
  readonly roles: readonly string[];
  readonly statement: Record<string, unknown>;
}

function statementsOf(document: unknown): Record<string, unknown>[] {
  if (!isRecord(document)) return [];
  return asList(document.Statement).filter(isRecord);
}

/** Every statement of every IAM policy in the template (policies, managed policies, roles' inline policies). */
export function policyStatements(template: CfnTemplate): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    const props = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of asList(props.Policies).filter(isRecord)) {
        for (const statement of statementsOf(p.PolicyDocument)) {
          out.push({ source: `inline policy ${String(p.PolicyName)} of role ${id}`, roles: [id], statement });
        }
      }
    }
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      const roles = asList(props.Roles)
        .map((x) => (isRecord(x) && typeof x.Ref === 'string' ? x.Ref : undefined))
        .filter((x): x is string => x !== undefined);
      for (const statement of statementsOf(props.PolicyDocument))
        out.push({ source: `policy ${id}`, roles, statement });
    }
  }
  return out;
}

/** The role is assumed by Lambda (its trust policy names the service principal lambda.amazonaws.com). */
function assumedByLambda(template: CfnTemplate, roleId: string): boolean {
  const trust = template.Resources?.[roleId]?.Properties?.AssumeRolePolicyDocument;
  return statementsOf(trust).some((s) =>
    asList(isRecord(s.Principal) ? s.Principal.Service : undefined)
      .map(flatten)
      .some((p) => p.startsWith('lambda.')),
  );
}

/**
 * Rule `iam-destructive-action`: every Allow statement of every policy in the template that grants a destructive EC2
 * action on a wildcard resource selects the resources by tag or VPC (see the module comment).
 */
export function checkDestructiveEc2Grants(template: CfnTemplate, options: CheckOptions): Finding[] {
  const findings: Finding[] = [];
  for (const { source, roles, statement } of policyStatements(template)) {
    if (statement.Effect !== 'Allow') continue;
    const actions = asList(statement.Action).filter((a): a is string => typeof a === 'string');
    const notAction = statement.NotAction !== undefined;
    const destructive = notAction ? ['(NotAction: every action not listed)'] : actions.flatMap(destructiveActions);
    if (destructive.length === 0) continue;
    const wide = asList(statement.Resource).map(flatten).filter(isWildcardResource);
    if (statement.NotResource !== undefined) wide.push('(NotResource)');
    if (wide.length === 0) continue;
    const lambdaVpc =
      !notAction &&
      actions.every((a) => LAMBDA_VPC_ACTIONS.has(a.toLowerCase())) &&
      roles.length > 0 &&
      roles.every((r) => assumedByLambda(template, r));
    if (lambdaVpc) continue;
    const onlyCreateTags = destructive.every((a) => /^ec2:CreateTags$/i.test(a));
    if (selectsResources(statement.Condition, onlyCreateTags)) continue;
    findings.push({
      stateMachine: options.name,
      path: '',
      rule: 'iam-destructive-action',
      message:
        `${source}${roles.length > 0 && source.startsWith('policy') ? ` (role ${roles.join(', ')})` : ''} allows ${[...new Set(destructive)].join(', ')} ` +
        `on ${[...new Set(wide)].join(', ')} without a condition that selects the resources; add a tag ` +
        '(aws:ResourceTag/ha-workflows:…) or VPC (ec2:Vpc) condition with StringEquals/ArnEquals, or name the resources',
    });
  }
  return findings;
}
