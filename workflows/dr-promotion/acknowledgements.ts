import { type CfnElement, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  accountOf,
  acknowledge,
  invokeWildcardFindings,
  LAMBDA_VPC_ACTIONS,
  LOG_DELIVERY_ACTIONS,
  regionOf,
  type TaskFunction,
  XRAY_ACTIONS,
} from '../base';

/** The resources of a DrPromotionWorkflow whose cdk-nag findings it accepts. */
export interface DrNagScope {
  /** The workflow construct. */
  readonly workflow: Construct;
  /** The promotion state machine and its role. */
  readonly stateMachine: sfn.StateMachine;
  readonly role: iam.Role;
  /** The release state machine's role. */
  readonly releaseRole: iam.Role;
  readonly validate: TaskFunction;
  readonly fence: TaskFunction;
  /** The preflight and probe functions of every set. */
  readonly setFunctions: readonly TaskFunction[];
  /** The region of the old site. */
  readonly primaryRegion: string;
}

/** The cdk-nag findings a dr-promotion workflow accepts, each on the resources it is for, with the reason. */
export function acknowledgeDrFindings(s: DrNagScope): void {
  acknowledge([s.role, s.validate, s.fence, ...s.setFunctions], {
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
  });
  acknowledge(s.fence, {
    ids: [
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${s.primaryRegion}:${accountOf(s.fence)}:network-interface/*]`,
    ],
    reason:
      'The fence swaps the deny-all group onto each network interface of an old member, whose interface ids are not ' +
      "known at deploy time: only interfaces in the old members' VPCs (ec2:Vpc condition), only to the deny-all groups " +
      '(the security-group resources are named).',
    wildcardActions: ['ec2:ModifyNetworkInterfaceAttribute'],
  });
  acknowledge(s.releaseRole, {
    ids: ['AwsSolutions-IAM5[Resource::*]'],
    reason:
      'The release machine (dr-promotion-release) is granted on "*" only the X-Ray and CloudWatch Logs delivery actions ' +
      'of tracing and logging, which have no resource-level permissions; its DynamoDB, SNS, KMS and ' +
      'states:DescribeExecution grants name their table, topic, key and state machine.',
    wildcardActions: [...LOG_DELIVERY_ACTIONS, ...XRAY_ACTIONS],
  });
  const machine = Stack.of(s.stateMachine).getLogicalId(s.stateMachine.node.defaultChild as CfnElement);
  acknowledge(s.releaseRole, {
    ids: [
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${regionOf(s.releaseRole)}:${accountOf(s.releaseRole)}:execution:<${machine}.Name>:*]`,
    ],
    reason:
      'The release machine describes the execution that holds a mirror set lock before an operator clears it ' +
      '(states:DescribeExecution): only executions of the dr-promotion state machine (execution:<its name>:*), whose ' +
      'names are made when an operator starts one.',
    wildcardActions: ['states:DescribeExecution'],
  });
  acknowledge(s.workflow, {
    ids: invokeWildcardFindings([s.validate.fn, s.fence.fn]),
    reason:
      "The LambdaInvoke tasks grant lambda:InvokeFunction on the validation and fence functions and those functions' " +
      'versions and aliases (<arn>:*), as aws-stepfunctions-tasks does for every Lambda task; the preflight and probe ' +
      'functions are granted by exact ARN, no other function is reachable.',
    wildcardActions: ['lambda:InvokeFunction'],
  });
}
