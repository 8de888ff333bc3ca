import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A cdk-nag finding a construct accepts, with the reason. Each construct acknowledges the findings of its own
 * resources (`acknowledge`), so an app that uses the constructs gets the acknowledgements with them; a finding not
 * acknowledged fails `npm test` (test/infra/nag.test.ts).
 */
export interface Acknowledgement {
  /** The rule ids, each optionally with the finding in brackets, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly ids: readonly string[];
  /** Why the finding is accepted: specific to the resources it covers. */
  readonly reason: string;
  /**
   * For `AwsSolutions-IAM5[Resource::…]` findings: the only actions the acknowledged policies may grant on those
   * wildcard resources. cdk-nag reports a wildcard resource once per policy, whatever actions it is granted with, so
   * an acknowledgement of `Resource::*` alone would also cover an `ec2:TerminateInstances` added to the same role
   * later; test/infra/nag.test.ts fails when a statement on an acknowledged wildcard resource grants any other action.
   * @default - no wildcard resource is acknowledged
   */
  readonly wildcardActions?: readonly string[];
}

/** What each construct acknowledged (read by test/infra/nag.test.ts: `acknowledgementsOf`). */
const made = new WeakMap<IConstruct, Acknowledgement[]>();

/**
 * Acknowledges `ack` on each construct (and so on everything beneath it) with `Validations.of(c).acknowledge`, the
 * mechanism cdk-nag 3 reads. Every acknowledgement of the project is made here.
 */
export function acknowledge(constructs: IConstruct | readonly IConstruct[], ack: Acknowledgement): void {
  for (const c of ([] as IConstruct[]).concat(constructs)) {
    for (const id of ack.ids) Validations.of(c).acknowledge({ id, reason: ack.reason });
    made.set(c, [...(made.get(c) ?? []), ack]);
  }
}

/** The acknowledgements made on `c` itself (not on its scopes). */
export function acknowledgementsOf(c: IConstruct): readonly Acknowledgement[] {
  return made.get(c) ?? [];
}

/** How cdk-nag prints the stack's region in a finding: the literal region, or `<AWS::Region>` when it is a token. */
export function regionOf(scope: IConstruct): string {
  const region = Stack.of(scope).region;
  return Token.isUnresolved(region) ? '<AWS::Region>' : region;
}

/**
 * How cdk-nag prints the stack's account in a finding: the literal account of a stack whose `env` names one, or
 * `<AWS::AccountId>` for an environment-agnostic stack.
 */
export function accountOf(scope: IConstruct): string {
  const account = Stack.of(scope).account;
  return Token.isUnresolved(account) ? '<AWS::AccountId>' : account;
}

/** The IAM5 findings of EC2 ARN patterns (`instance/*`, …) in the construct's stack, as cdk-nag prints them. */
export function ec2WildcardFindings(scope: IConstruct, resources: readonly string[], withAccount = true): string[] {
  const r = regionOf(scope);
  const a = withAccount ? accountOf(scope) : '';
  return resources.map((res) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${r}:${a}:${res}]`);
}

/**
 * The IAM5 findings of a LambdaInvoke task's grant: `lambda:InvokeFunction` on `<function ARN>:*` (its versions and
 * aliases), as aws-stepfunctions-tasks writes it, for each of these functions.
 */
export function invokeWildcardFindings(functions: readonly IConstruct[]): string[] {
  return functions.map((fn) => {
    const resource = fn.node.defaultChild as CfnElement;
    return `AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(resource)}.Arn>:*]`;
  });
}

/** What Step Functions logging needs (aws-stepfunctions grants them on "*": they have no resource type). */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
] as const;

/** What X-Ray tracing of state machines and functions needs (no resource type). */
export const XRAY_ACTIONS = [
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
] as const;

/**
 * What Lambda needs to attach a function to a VPC: the actions of AWSLambdaVPCAccessExecutionRole without its logs
 * actions (Lambda Developer Guide, "Execution role permissions"), granted on "*" as the guide requires.
 */
export const LAMBDA_VPC_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;
