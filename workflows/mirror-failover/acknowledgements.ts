import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import {
  acknowledge,
  invokeWildcardFindings,
  LAMBDA_VPC_ACTIONS,
  LOG_DELIVERY_ACTIONS,
  type TaskFunction,
  XRAY_ACTIONS,
} from '../base';

/** The resources of a MirrorFailoverWorkflow whose cdk-nag findings it accepts. */
export interface MirrorNagScope {
  /** The workflow construct. */
  readonly workflow: Construct;
  /** The state machine's role. */
  readonly role: iam.Role;
  readonly plan: TaskFunction;
  /** The probe function of each set. */
  readonly probes: readonly TaskFunction[];
}

/** The cdk-nag findings a mirror-failover workflow accepts, each on the resources it is for, with the reason. */
export function acknowledgeMirrorFindings(s: MirrorNagScope): void {
  acknowledge([s.role, s.plan, ...s.probes], {
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
  });
  acknowledge(s.workflow, {
    ids: invokeWildcardFindings([s.plan.fn]),
    reason:
      "The LambdaInvoke task grants lambda:InvokeFunction on the plan function and that function's versions and " +
      'aliases (<arn>:*), as aws-stepfunctions-tasks does for every Lambda task; the probe functions are granted by ' +
      'exact ARN, no other function is reachable.',
    wildcardActions: ['lambda:InvokeFunction'],
  });
}
