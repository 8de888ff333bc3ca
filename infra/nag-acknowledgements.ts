import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import type { IConstruct } from 'constructs';
import { HaFoundation } from '../workflows/base';
import { DrPromotionWorkflow } from '../workflows/dr-promotion';
import { InstanceRecoveryWorkflow } from '../workflows/instance-recovery';
import { LockJanitor } from '../workflows/lock-janitor';
import { MirrorFailoverWorkflow } from '../workflows/mirror-failover';
import { SnapshotBackupWorkflow } from '../workflows/snapshot-backup';

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
  /**
   * For `AwsSolutions-IAM5[Resource::…]` findings: the only actions the acknowledged policies may grant on those
   * wildcard resources. cdk-nag reports a wildcard resource once per policy, whatever actions it is granted with, so
   * an acknowledgement of `Resource::*` alone would also cover an `ec2:TerminateInstances` added to the same role
   * later; test/infra/nag.test.ts fails when a statement on an acknowledged wildcard resource grants any other action.
   */
  readonly wildcardActions?: readonly string[];
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

/** A child of a mirror-failover workflow construct whose id is one of these, or starts with `<prefix>-` for `<prefix>-*`. */
const inMirror =
  (...ids: string[]) =>
  (c: IConstruct) =>
    c.node.scope instanceof MirrorFailoverWorkflow &&
    ids.some((id) => (id.endsWith('-*') ? c.node.id.startsWith(id.slice(0, -1)) : c.node.id === id));

/**
 * A child of a snapshot-backup workflow construct with one of these ids; `Instance/Role` and `Rescue/Role` name the
 * roles of its per-instance and rescue state machines (each in a construct of its own).
 */
const inBackup =
  (...ids: string[]) =>
  (c: IConstruct) =>
    ids.some((id) => {
      const [holder, child] = id.includes('/') ? id.split('/') : [undefined, id];
      if (c.node.id !== child) return false;
      if (holder === undefined) return c.node.scope instanceof SnapshotBackupWorkflow;
      return c.node.scope?.node.id === holder && c.node.scope.node.scope instanceof SnapshotBackupWorkflow;
    });

/** A child of a dr-promotion workflow construct whose id is one of these, or starts with `<prefix>-` for `<prefix>-*`. */
const inDr =
  (...ids: string[]) =>
  (c: IConstruct) =>
    c.node.scope instanceof DrPromotionWorkflow &&
    ids.some((id) => (id.endsWith('-*') ? c.node.id.startsWith(id.slice(0, -1)) : c.node.id === id));

/** The role of a dr-promotion workflow's release machine (`<DrPromotionWorkflow>/Release/Role`). */
function isDrReleaseRole(c: IConstruct): boolean {
  return (
    c.node.id === 'Role' &&
    c.node.scope?.node.id === 'Release' &&
    c.node.scope.node.scope instanceof DrPromotionWorkflow
  );
}

/** A child with this id of the stack's lock janitor (`<LockJanitor>/Role`, `<LockJanitor>/TriggerDeadLetters`). */
const inJanitor =
  (...ids: string[]) =>
  (c: IConstruct) =>
    c.node.scope instanceof LockJanitor && ids.includes(c.node.id);

/** The snapshot-backup workflow a construct belongs to. */
function backupOf(c: IConstruct): SnapshotBackupWorkflow | undefined {
  return c.node.scopes.find((s): s is SnapshotBackupWorkflow => s instanceof SnapshotBackupWorkflow);
}

/** Construct id CDK gives the one provider function of every AwsCustomResource in a stack. */
const AWS_CUSTOM_RESOURCE_PROVIDER = 'AWS679f53fac002430cb0da5b7982bd2287';

/** That provider function (and its role), in a stack whose only AwsCustomResources are a mirror set's health checks. */
function isMirrorHealthCheckProvider(c: IConstruct): boolean {
  if (c.node.id !== AWS_CUSTOM_RESOURCE_PROVIDER || !Stack.isStack(c.node.scope)) return false;
  const customResources = c.node.scope.node.findAll().filter((x) => x instanceof AwsCustomResource);
  return customResources.length > 0 && customResources.every((x) => x.node.scope instanceof MirrorFailoverWorkflow);
}

/** How cdk-nag prints an EC2 ARN pattern of the construct's stack. */
function ec2Arns(scope: IConstruct, resources: readonly string[], withAccount = true): string[] {
  const region = Stack.of(scope).region;
  const r = Token.isUnresolved(region) ? '<AWS::Region>' : region;
  return resources.map(
    (res) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${r}:${withAccount ? '<AWS::AccountId>' : ''}:${res}]`,
  );
}

/** What Step Functions logging needs (aws-stepfunctions grants them on "*": they have no resource type). */
const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
];
/** What X-Ray tracing of state machines and functions needs (no resource type). */
const XRAY_ACTIONS = [
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];
/** What Lambda needs to attach a function to a VPC (Lambda Developer Guide, "Required IAM permissions"). */
const LAMBDA_VPC_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

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
      'ec2:DescribeImages, ec2:DescribeInstanceTypeOfferings, elasticloadbalancing:DescribeTargetHealth, ' +
      'elasticloadbalancing:DescribeTargetGroups, elasticloadbalancing:DescribeLoadBalancers (the inspection reads ' +
      "the zones the group's load balancers serve), cloudwatch:DescribeAlarms (Service Authorization Reference lists " +
      'no resource type for them), and the X-Ray and ' +
      'CloudWatch Logs delivery actions Step Functions tracing and logging need.',
    wildcardActions: [
      'ec2:DescribeInstances',
      'ec2:DescribeSubnets',
      'ec2:DescribeImages',
      'ec2:DescribeInstanceTypeOfferings',
      'elasticloadbalancing:DescribeTargetHealth',
      'elasticloadbalancing:DescribeTargetGroups',
      'elasticloadbalancing:DescribeLoadBalancers',
      'cloudwatch:DescribeAlarms',
      ...LOG_DELIVERY_ACTIONS,
      ...XRAY_ACTIONS,
    ],
    appliesTo: inRecovery('Role', 'InspectInstance', 'LaunchReplacement', 'CarryOverAlarms'),
  },
  {
    ids: (c) => ec2Arns(c, ['instance/*', 'network-interface/*', 'security-group/*']),
    reason:
      'The state machine may modify, tag and terminate only instances whose recovery-group tag names a configured group ' +
      '(aws:ResourceTag condition), and modify interfaces and security groups only in the configured VPCs (ec2:Vpc ' +
      'condition); the instance ids are not known at deploy time.',
    wildcardActions: [
      'ec2:CreateTags',
      'ec2:ModifyInstanceAttribute',
      'ec2:ModifyNetworkInterfaceAttribute',
      'ec2:TerminateInstances',
    ],
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
    wildcardActions: ['ec2:RunInstances', 'ec2:CreateTags'],
    appliesTo: inRecovery('LaunchReplacement'),
  },
  {
    ids: (c) => [
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:${regionOf(c)}:<AWS::AccountId>:alarm:*]`,
    ],
    reason:
      'Carrying over alarms recreates and deletes the alarms of the failed instance, whose names are chosen by the ' +
      'operators and unknown at deploy time; the task only touches alarms whose dimensions name that instance.',
    wildcardActions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
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
    wildcardActions: ['lambda:InvokeFunction'],
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
  {
    ids: ['AwsSolutions-IAM5[Resource::*]'],
    reason:
      'Only actions without resource-level permissions are granted on "*": elasticloadbalancing:DescribeTargetHealth ' +
      '(state machine and plan-target-switch), the network-interface actions Lambda needs to run the probe in the VPC ' +
      '(the Lambda developer guide requires "*" for DescribeNetworkInterfaces and warns that a scoped ' +
      'DeleteNetworkInterface breaks VPC access), and the X-Ray and CloudWatch Logs delivery actions of tracing and logging.',
    wildcardActions: [
      'elasticloadbalancing:DescribeTargetHealth',
      ...LAMBDA_VPC_ACTIONS,
      ...LOG_DELIVERY_ACTIONS,
      ...XRAY_ACTIONS,
    ],
    appliesTo: inMirror('Role', 'PlanTargetSwitch', 'ProbeMembers-*'),
  },
  {
    ids: (c) =>
      c.node
        .findAll()
        .filter((x) => x.node.id === 'Function' && x.node.scope?.node.id === 'PlanTargetSwitch')
        .map((fn) => `AwsSolutions-IAM5[Resource::<${Stack.of(c).getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`),
    reason:
      "The LambdaInvoke task grants lambda:InvokeFunction on the plan function and that function's versions and " +
      'aliases (<arn>:*), as aws-stepfunctions-tasks does for every Lambda task; the probe functions are granted by ' +
      'exact ARN, no other function is reachable.',
    wildcardActions: ['lambda:InvokeFunction'],
    appliesTo: (c) => c instanceof MirrorFailoverWorkflow,
  },
  {
    ids: ['Serverless-LambdaDLQ'],
    reason:
      'The task functions are invoked synchronously by Step Functions (lambda:invoke), where a failure returns to the ' +
      'state machine and reaches its Retry and Catch; a dead-letter queue only applies to asynchronous invocations.',
    appliesTo: inMirror('PlanTargetSwitch', 'ProbeMembers-*'),
  },
  {
    ids: ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'],
    reason:
      'This queue is itself the dead-letter queue of the EventBridge rule targets (cdk-nag only recognises SQS-to-SQS ' +
      'redrive); a dead-letter queue of a dead-letter queue would only move the same undeliverable events again.',
    appliesTo: inMirror('TriggerDeadLetters'),
  },
  {
    ids: [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaTracing',
    ],
    reason:
      "AwsCustomResource's provider function (one per stack, made by aws-cdk-lib) sets each mirror target group's " +
      'health check with one ModifyTargetGroup call at deploy time. Its role has AWSLambdaBasicExecutionRole (logs only) ' +
      'plus ModifyTargetGroup on the configured target groups; CloudFormation awaits its answer and rolls back on ' +
      'failure, so a dead-letter queue and tracing would add nothing the stack events do not show.',
    appliesTo: isMirrorHealthCheckProvider,
  },
  {
    ids: ['AwsSolutions-IAM5[Resource::*]'],
    reason:
      'Only actions without resource-level permissions are granted on "*": ec2:DescribeInstances (select and plan ' +
      'tasks), ec2:DescribeSnapshots (state machine, copy and prune tasks), ssm:GetCommandInvocation (state machines), ' +
      'cloudwatch:PutMetricData (record task, limited to the HaWorkflows/SnapshotBackup namespace by the ' +
      'cloudwatch:namespace condition), and the X-Ray and CloudWatch Logs delivery actions of tracing and logging.',
    wildcardActions: [
      'ec2:DescribeInstances',
      'ec2:DescribeSnapshots',
      'ssm:GetCommandInvocation',
      'cloudwatch:PutMetricData',
      ...LOG_DELIVERY_ACTIONS,
      ...XRAY_ACTIONS,
    ],
    appliesTo: inBackup(
      'Role',
      'Instance/Role',
      'Rescue/Role',
      'SelectTargets',
      'PlanInstanceBackup',
      'RecordFreezeWindow',
      'CopySnapshots',
      'PruneSnapshots',
    ),
  },
  {
    ids: (c) =>
      (backupOf(c)?.snapshotRegions ?? []).map(
        (r) =>
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${Token.isUnresolved(r) ? '<AWS::Region>' : r}::snapshot/*]`,
      ),
    reason:
      'Snapshot ids are not known at deploy time, so snapshots are named by pattern and narrowed by tags: ' +
      'CreateSnapshots and CopySnapshot may only create snapshots that carry created-by=ha-workflows in the request ' +
      '(aws:RequestTag), CreateTags only as part of those calls (ec2:CreateAction) or on snapshots tagged ' +
      'created-by=ha-workflows with a configured policy, and DeleteSnapshot and the source of CopySnapshot only act on ' +
      'snapshots tagged created-by=ha-workflows with a configured policy (aws:ResourceTag).',
    wildcardActions: ['ec2:CreateSnapshots', 'ec2:CopySnapshot', 'ec2:CreateTags', 'ec2:DeleteSnapshot'],
    appliesTo: inBackup('Instance/Role', 'RecordFreezeWindow', 'CopySnapshots', 'PruneSnapshots'),
  },
  {
    ids: (c) => ec2Arns(c, ['instance/*']),
    reason:
      'Instance ids are not known at deploy time (a policy selects instances by tag): SendCommand and CreateSnapshots ' +
      "are granted only on instances that carry a configured policy's tag key and value (ssm:resourceTag / " +
      "aws:ResourceTag conditions), and SendCommand only with the stack's own freeze and thaw documents (named ARNs).",
    wildcardActions: ['ssm:SendCommand', 'ec2:CreateSnapshots'],
    appliesTo: inBackup('Instance/Role', 'Rescue/Role'),
  },
  {
    ids: (c) => ec2Arns(c, ['volume/*']),
    reason:
      "CreateSnapshots needs the instance's volumes as resources; their ids are unknown at deploy time and volumes " +
      'carry no tag the workflow could require. Which volumes can be snapshotted is bounded by the instance resource, ' +
      "which must carry a configured policy's tag.",
    wildcardActions: ['ec2:CreateSnapshots'],
    appliesTo: inBackup('Instance/Role'),
  },
  {
    ids: (c) =>
      c.node
        .findAll()
        .filter((x) => x.node.id === 'Function' && x.node.scope?.node.scope === c)
        .map((fn) => `AwsSolutions-IAM5[Resource::<${Stack.of(c).getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`),
    reason:
      "The LambdaInvoke tasks grant lambda:InvokeFunction on their own functions and those functions' versions and " +
      'aliases (<arn>:*), as aws-stepfunctions-tasks does for every Lambda task; no other function is reachable.',
    wildcardActions: ['lambda:InvokeFunction'],
    appliesTo: (c) => c instanceof SnapshotBackupWorkflow,
  },
  {
    ids: (c) => {
      const backup = backupOf(c);
      if (!backup) return [];
      const child = Stack.of(c).getLogicalId(backup.instanceStateMachine.node.defaultChild as never);
      return [
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${regionOf(c)}:<AWS::AccountId>:execution:` +
          `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${child}"}]}]}*]`,
      ];
    },
    reason:
      'The startExecution.sync:2 task waits for each child execution: aws-stepfunctions-tasks grants DescribeExecution ' +
      'and StopExecution on the executions of the per-instance state machine only (execution:<its name>*); their names ' +
      '(<run id>-<instance id>) are made at run time.',
    wildcardActions: ['states:DescribeExecution', 'states:StopExecution'],
    appliesTo: inBackup('Role'),
  },
  {
    ids: ['Serverless-LambdaDLQ'],
    reason:
      'The task functions are invoked synchronously by Step Functions (lambda:invoke), where a failure returns to the ' +
      'state machine and reaches its Retry and Catch; a dead-letter queue only applies to asynchronous invocations.',
    appliesTo: inBackup('SelectTargets', 'PlanInstanceBackup', 'RecordFreezeWindow', 'CopySnapshots', 'PruneSnapshots'),
  },
  {
    ids: ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'],
    reason:
      'This queue is itself the dead-letter queue of the schedules and of the rescue rule target (cdk-nag only ' +
      'recognises SQS-to-SQS redrive); a dead-letter queue of a dead-letter queue would only move the same ' +
      'undeliverable events again.',
    appliesTo: inBackup('TriggerDeadLetters'),
  },
  {
    ids: ['AwsSolutions-IAM5[Resource::*]'],
    reason:
      'Only actions without resource-level permissions are granted on "*": ec2:DescribeInstances (preflight and fence ' +
      'check), ssm:GetCommandInvocation (state machine), the network-interface actions Lambda needs to run the preflight ' +
      'and probe in the DR VPC (the Lambda developer guide requires "*"), and the X-Ray and CloudWatch Logs delivery ' +
      'actions of tracing and logging. StopInstances, ModifyInstanceAttribute, SendCommand and RegisterTargets name ' +
      'their instances, groups, documents and target groups (ModifyNetworkInterfaceAttribute: see the next entry).',
    wildcardActions: [
      'ec2:DescribeInstances',
      'ssm:GetCommandInvocation',
      ...LAMBDA_VPC_ACTIONS,
      ...LOG_DELIVERY_ACTIONS,
      ...XRAY_ACTIONS,
    ],
    appliesTo: inDr('Role', 'ValidateRequest', 'FenceOldSite', 'Preflight-*', 'Probe-*'),
  },
  {
    ids: (c) => {
      const dr = c.node.scopes.find((s): s is DrPromotionWorkflow => s instanceof DrPromotionWorkflow);
      return dr
        ? [
            `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${dr.primaryRegion}:<AWS::AccountId>:network-interface/*]`,
          ]
        : [];
    },
    reason:
      'The fence swaps the deny-all group onto each network interface of an old member, whose interface ids are not ' +
      "known at deploy time: only interfaces in the old members' VPCs (ec2:Vpc condition), only to the deny-all groups " +
      '(the security-group resources are named).',
    wildcardActions: ['ec2:ModifyNetworkInterfaceAttribute'],
    appliesTo: inDr('FenceOldSite'),
  },
  {
    ids: ['AwsSolutions-IAM5[Resource::*]'],
    reason:
      'The release machine (dr-promotion-release) is granted on "*" only the X-Ray and CloudWatch Logs delivery actions ' +
      'of tracing and logging, which have no resource-level permissions; its DynamoDB, SNS, KMS and ' +
      'states:DescribeExecution grants name their table, topic, key and state machine.',
    wildcardActions: [...LOG_DELIVERY_ACTIONS, ...XRAY_ACTIONS],
    appliesTo: isDrReleaseRole,
  },
  {
    ids: (c) => {
      const dr = c.node.scopes.find((s): s is DrPromotionWorkflow => s instanceof DrPromotionWorkflow);
      if (!dr) return [];
      const machine = Stack.of(c).getLogicalId(dr.stateMachine.node.defaultChild as never);
      return [
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${regionOf(c)}:<AWS::AccountId>:execution:<${machine}.Name>:*]`,
      ];
    },
    reason:
      'The release machine describes the execution that holds a mirror set lock before an operator clears it ' +
      '(states:DescribeExecution): only executions of the dr-promotion state machine (execution:<its name>:*), whose ' +
      'names are made when an operator starts one.',
    wildcardActions: ['states:DescribeExecution'],
    appliesTo: isDrReleaseRole,
  },
  {
    ids: ['AwsSolutions-IAM5[Resource::*]'],
    reason:
      'The lock janitor is granted on "*" only ec2:DescribeInstances (it names the replacements a stopped recovery ' +
      'launched) and the X-Ray and CloudWatch Logs delivery actions of tracing and logging, none of which has ' +
      'resource-level permissions (Service Authorization Reference); its Scan, UpdateItem, PutItem, Publish and KMS ' +
      'grants name the state table, the operators topic and the key.',
    wildcardActions: ['ec2:DescribeInstances', ...LOG_DELIVERY_ACTIONS, ...XRAY_ACTIONS],
    appliesTo: inJanitor('Role'),
  },
  {
    ids: ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'],
    reason:
      'This queue is itself the dead-letter queue of the rule that starts the lock janitor (cdk-nag only recognises ' +
      'SQS-to-SQS redrive); a dead-letter queue of a dead-letter queue would only move the same undeliverable ' +
      'events again.',
    appliesTo: inJanitor('TriggerDeadLetters'),
  },
  {
    ids: ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'],
    reason:
      'This queue is itself the dead-letter queue of the rule that starts the dr-promotion release (cdk-nag only ' +
      'recognises SQS-to-SQS redrive); a dead-letter queue of a dead-letter queue would only move the same ' +
      'undeliverable events again.',
    appliesTo: inDr('TriggerDeadLetters'),
  },
  {
    ids: (c) =>
      c.node
        .findAll()
        .filter(
          (x) => x.node.id === 'Function' && ['ValidateRequest', 'FenceOldSite'].includes(x.node.scope?.node.id ?? ''),
        )
        .map((fn) => `AwsSolutions-IAM5[Resource::<${Stack.of(c).getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`),
    reason:
      "The LambdaInvoke tasks grant lambda:InvokeFunction on the validation and fence functions and those functions' " +
      'versions and aliases (<arn>:*), as aws-stepfunctions-tasks does for every Lambda task; the preflight and probe ' +
      'functions are granted by exact ARN, no other function is reachable.',
    wildcardActions: ['lambda:InvokeFunction'],
    appliesTo: (c) => c instanceof DrPromotionWorkflow,
  },
  {
    ids: ['Serverless-LambdaDLQ'],
    reason:
      'The task functions are invoked synchronously by Step Functions (lambda:invoke), where a failure returns to the ' +
      'state machine and reaches its Retry and Catch; a dead-letter queue only applies to asynchronous invocations.',
    appliesTo: inDr('ValidateRequest', 'FenceOldSite', 'Preflight-*', 'Probe-*'),
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
