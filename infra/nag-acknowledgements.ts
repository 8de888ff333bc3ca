import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { HaFoundation } from '../workflows/base';
import { InstanceRecoveryWorkflow } from '../workflows/instance-recovery';

/**
 * Every cdk-nag finding ha-workflows accepts, with the reason, in one place. A finding not listed here
 * fails `npm test` (test/infra/nag.test.ts).
 */
export interface Acknowledgement {
  /**
   * The rule ids, each optionally with the finding in brackets, e.g. `AwsSolutions-IAM5[Resource::*]`;
   * a function when the finding names the stack's region.
   */
  readonly ids: readonly string[] | ((scope: IConstruct) => readonly string[]);
  readonly reason: string;
  /** Which constructs it applies to (and so everything beneath them). */
  readonly appliesTo: (c: IConstruct) => boolean;
}

export const pathEndsWith = (suffix: string) => (c: IConstruct) => c.node.path.endsWith(suffix);

/** An email subscription (`CfnSubscription`) of the operators' topic of an HaFoundation, and nothing else. */
function isOperatorEmailSubscription(c: IConstruct): boolean {
  if (!(c instanceof sns.CfnSubscription) || c.protocol !== sns.SubscriptionProtocol.EMAIL) return false;
  const topic = c.node.scope?.node.scope;
  const foundation = topic?.node.scope;
  return foundation instanceof HaFoundation && topic === foundation.topic;
}

/** A child with this id of an instance-recovery workflow construct. */
const inRecovery =
  (...ids: string[]) =>
  (c: IConstruct) =>
    c.node.scope instanceof InstanceRecoveryWorkflow && ids.includes(c.node.id);

/** How cdk-nag prints an EC2 ARN pattern of the construct's stack. */
function ec2Arns(scope: IConstruct, resources: readonly string[], withAccount = true): string[] {
  const region = Stack.of(scope).region;
  const r = Token.isUnresolved(region) ? '<AWS::Region>' : region;
  return resources.map(
    (res) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${r}:${withAccount ? '<AWS::AccountId>' : ''}:${res}]`,
  );
}

export const ACKNOWLEDGEMENTS: readonly Acknowledgement[] = [
  {
    ids: ['Serverless-SNSRedrivePolicy'],
    reason:
      'Email notifications to operators are a convenience: a message SNS cannot deliver to an inbox needs no ' +
      'dead-letter queue, because the authoritative record of every run is the execution history (logged at level ALL) ' +
      'and the state table.',
    appliesTo: isOperatorEmailSubscription,
  },
  {
    ids: ['AwsSolutions-IAM5[Resource::*]'],
    reason:
      'Only actions without resource-level permissions are granted on "*": ec2:DescribeInstances, ec2:DescribeSubnets, ' +
      'elasticloadbalancing:DescribeTargetHealth, cloudwatch:DescribeAlarms (Service Authorization Reference lists no ' +
      'resource type for them), and the X-Ray and CloudWatch Logs delivery actions Step Functions tracing and logging need.',
    appliesTo: inRecovery('Role', 'InspectInstance', 'LaunchReplacement', 'CarryOverAlarms'),
  },
  {
    ids: (c) => ec2Arns(c, ['instance/*', 'network-interface/*', 'security-group/*']),
    reason:
      'The state machine may modify, tag and terminate only instances whose recovery-group tag names a configured group ' +
      '(aws:ResourceTag condition), and modify interfaces and security groups only in the configured VPCs (ec2:Vpc ' +
      'condition); the instance ids are not known at deploy time.',
    appliesTo: inRecovery('Role'),
  },
  {
    ids: (c) => [
      ...ec2Arns(c, ['instance/*', 'subnet/*', 'security-group/*', 'network-interface/*', 'volume/*', 'key-pair/*']),
      ...ec2Arns(c, ['image/*'], false),
    ],
    reason:
      'RunInstances names every resource it touches: the instance only with the configured group in its request tags ' +
      '(aws:RequestTag), subnets, security groups and interfaces only in the configured VPCs (ec2:Vpc), tags only as ' +
      'part of RunInstances (ec2:CreateAction); the new ids and the AMI of the failed instance are not known at deploy time.',
    appliesTo: inRecovery('LaunchReplacement'),
  },
  {
    ids: (c) => [
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:${regionOf(c)}:<AWS::AccountId>:alarm:*]`,
    ],
    reason:
      'Carrying over alarms recreates and deletes the alarms of the failed instance, whose names are chosen by the ' +
      'operators and unknown at deploy time; the task only touches alarms whose dimensions name that instance.',
    appliesTo: inRecovery('CarryOverAlarms'),
  },
  {
    ids: (c) =>
      c.node
        .findAll()
        .filter((x) => x.node.id === 'Function' && x.node.scope?.node.scope === c)
        .map((fn) => `AwsSolutions-IAM5[Resource::<${Stack.of(c).getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`),
    reason:
      "The LambdaInvoke task grants lambda:InvokeFunction on its own function and that function's versions and " +
      'aliases (<arn>:*), as aws-stepfunctions-tasks does for every Lambda task; no other function is reachable.',
    appliesTo: (c) => c instanceof InstanceRecoveryWorkflow,
  },
  {
    ids: ['Serverless-LambdaDLQ'],
    reason:
      'The task functions are invoked synchronously by Step Functions (lambda:invoke), where a failure returns to the ' +
      'state machine and reaches its Retry and Catch; a dead-letter queue only applies to asynchronous invocations.',
    appliesTo: inRecovery('InspectInstance', 'LaunchReplacement', 'CarryOverAlarms'),
  },
  {
    ids: ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'],
    reason:
      'This queue is itself the dead-letter queue of the EventBridge rule targets (cdk-nag only recognises SQS-to-SQS ' +
      'redrive); a dead-letter queue of a dead-letter queue would only move the same undeliverable events again.',
    appliesTo: inRecovery('TriggerDeadLetters'),
  },
];

function regionOf(c: IConstruct): string {
  const region = Stack.of(c).region;
  return Token.isUnresolved(region) ? '<AWS::Region>' : region;
}

/** Applies the acknowledgements to every matching construct under `scope`. */
export function acknowledgeKnownFindings(scope: IConstruct): void {
  for (const c of scope.node.findAll()) {
    for (const ack of ACKNOWLEDGEMENTS) {
      if (!ack.appliesTo(c)) continue;
      const ids = typeof ack.ids === 'function' ? ack.ids(c) : ack.ids;
      for (const id of ids) Validations.of(c).acknowledge({ id, reason: ack.reason });
    }
  }
}
