import { type CfnElement, Stack, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  accountOf,
  acknowledge,
  ec2WildcardFindings,
  invokeWildcardFindings,
  LOG_DELIVERY_ACTIONS,
  regionOf,
  type TaskFunction,
  XRAY_ACTIONS,
} from '../base';

/** The resources of a SnapshotBackupWorkflow whose cdk-nag findings it accepts. */
export interface BackupNagScope {
  /** The workflow construct. */
  readonly workflow: Construct;
  /** The roles of the scheduled run's, the per-instance and the rescue state machines. */
  readonly runRole: iam.Role;
  readonly instanceRole: iam.Role;
  readonly rescueRole: iam.Role;
  /** The per-instance state machine (the run starts its executions). */
  readonly instanceStateMachine: sfn.StateMachine;
  /** Its live alias, which the run starts the children through. */
  readonly instanceAlias: CfnElement;
  readonly select: TaskFunction;
  readonly plan: TaskFunction;
  readonly record: TaskFunction;
  /** Absent when no policy copies its sets. */
  readonly copy?: TaskFunction;
  readonly prune: TaskFunction;
  /** Regions where the workflow creates, tags and deletes snapshots. */
  readonly snapshotRegions: readonly string[];
}

/** The cdk-nag findings a snapshot-backup workflow accepts, each on the resources it is for, with the reason. */
export function acknowledgeBackupFindings(s: BackupNagScope): void {
  const copy = s.copy ? [s.copy] : [];
  acknowledge([s.runRole, s.instanceRole, s.rescueRole, s.select, s.plan, s.record, ...copy, s.prune], {
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
  });
  acknowledge([s.instanceRole, s.record, ...copy, s.prune], {
    ids: s.snapshotRegions.map(
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
  });
  acknowledge([s.instanceRole, s.rescueRole], {
    ids: ec2WildcardFindings(s.workflow, ['instance/*']),
    reason:
      'Instance ids are not known at deploy time (a policy selects instances by tag): SendCommand and CreateSnapshots ' +
      "are granted only on instances that carry a configured policy's tag key and value (ssm:resourceTag / " +
      "aws:ResourceTag conditions), and SendCommand only with the stack's own freeze and thaw documents (named ARNs).",
    wildcardActions: ['ssm:SendCommand', 'ec2:CreateSnapshots'],
  });
  acknowledge(s.instanceRole, {
    ids: ec2WildcardFindings(s.workflow, ['volume/*']),
    reason:
      "CreateSnapshots needs the instance's volumes as resources; their ids are unknown at deploy time and volumes " +
      'carry no tag the workflow could require. Which volumes can be snapshotted is bounded by the instance resource, ' +
      "which must carry a configured policy's tag.",
    wildcardActions: ['ec2:CreateSnapshots'],
  });
  acknowledge(s.workflow, {
    ids: invokeWildcardFindings([s.select, s.plan, s.record, ...copy, s.prune].map((f) => f.fn)),
    reason:
      "The LambdaInvoke tasks grant lambda:InvokeFunction on their own functions and those functions' versions and " +
      'aliases (<arn>:*), as aws-stepfunctions-tasks does for every Lambda task; no other function is reachable.',
    wildcardActions: ['lambda:InvokeFunction'],
  });
  // The children start through the instance machine's live alias: the grant names the alias's name part.
  const child = Stack.of(s.workflow).getLogicalId(s.instanceAlias);
  acknowledge(s.runRole, {
    ids: [
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${regionOf(s.runRole)}:${accountOf(s.runRole)}:execution:` +
        `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${child}"}]}]}*]`,
    ],
    reason:
      'The startExecution.sync:2 task waits for each child execution: aws-stepfunctions-tasks grants DescribeExecution ' +
      'and StopExecution on the executions of the per-instance state machine only (execution:<its name>*); their names ' +
      '(<run id>-<instance id>) are made at run time.',
    wildcardActions: ['states:DescribeExecution', 'states:StopExecution'],
  });
}
