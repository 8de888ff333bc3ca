import type * as iam from 'aws-cdk-lib/aws-iam';
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

/** The resources of an InstanceRecoveryWorkflow whose cdk-nag findings it accepts. */
export interface RecoveryNagScope {
  /** The workflow construct. */
  readonly workflow: Construct;
  /** The state machine's role. */
  readonly role: iam.Role;
  readonly inspect: TaskFunction;
  readonly launch: TaskFunction;
  readonly alarms: TaskFunction;
}

/** The cdk-nag findings an instance-recovery workflow accepts, each on the resources it is for, with the reason. */
export function acknowledgeRecoveryFindings(s: RecoveryNagScope): void {
  acknowledge([s.role, s.inspect, s.launch, s.alarms], {
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
  });
  acknowledge(s.role, {
    ids: ec2WildcardFindings(s.role, ['instance/*', 'network-interface/*', 'security-group/*']),
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
  });
  acknowledge(s.launch, {
    ids: [
      ...ec2WildcardFindings(s.launch, [
        'instance/*',
        'subnet/*',
        'security-group/*',
        'network-interface/*',
        'volume/*',
        'key-pair/*',
      ]),
      ...ec2WildcardFindings(s.launch, ['image/*'], false),
    ],
    reason:
      'RunInstances names every resource it touches: the instance only with the configured group in its request tags ' +
      '(aws:RequestTag), subnets, security groups and interfaces only in the configured VPCs (ec2:Vpc), tags only as ' +
      'part of RunInstances (ec2:CreateAction); the new ids and the AMI of the failed instance are not known at deploy time.',
    wildcardActions: ['ec2:RunInstances', 'ec2:CreateTags'],
  });
  acknowledge(s.alarms, {
    ids: [
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:${regionOf(s.alarms)}:${accountOf(s.alarms)}:alarm:*]`,
    ],
    reason:
      'Carrying over alarms recreates and deletes the alarms of the failed instance, whose names are chosen by the ' +
      'operators and unknown at deploy time; the task only touches alarms whose dimensions name that instance.',
    wildcardActions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
  });
  acknowledge(s.workflow, {
    ids: invokeWildcardFindings([s.inspect.fn, s.launch.fn, s.alarms.fn]),
    reason:
      "The LambdaInvoke task grants lambda:InvokeFunction on its own function and that function's versions and " +
      'aliases (<arn>:*), as aws-stepfunctions-tasks does for every Lambda task; no other function is reachable.',
    wildcardActions: ['lambda:InvokeFunction'],
  });
}
