import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsCall, forEachItem, forEachTarget, RECOVERY_EC2_RETRY } from '../../fragments';
import { FENCED_BY_TAG } from '../../../contracts/tags';
import { ON_FAILURE, PLAN, type RecoveryContext, recoveryEc2Call, SOURCE } from './context';

/**
 * Fences the failed instance: the deny-all security group on each of its network interfaces, the fenced-by tag, and
 * out of each target group. Not the whole fence: tracked connections survive a security-group swap, so the instance
 * must also be confirmed terminated (./wait) before the replacement takes clients.
 */
export function fenceFailedInstance(ctx: RecoveryContext): sfn.Chain {
  const { scope, ec2Arn, vpcArns, needsAttention } = ctx;
  const swapGroups = new AwsCall(scope, 'Swap in deny-all security group', {
    service: 'ec2',
    action: 'modifyNetworkInterfaceAttribute',
    parameters: { 'NetworkInterfaceId.$': '$.networkInterfaceId', 'Groups.$': 'States.Array($.denyAllGroupId)' },
    policy: [
      new iam.PolicyStatement({
        actions: ['ec2:ModifyNetworkInterfaceAttribute'],
        resources: [ec2Arn('network-interface/*')],
        conditions: { ArnEquals: { 'ec2:Vpc': vpcArns } },
      }),
      new iam.PolicyStatement({
        actions: ['ec2:ModifyNetworkInterfaceAttribute'],
        resources: [ec2Arn('security-group/*')],
        conditions: { ArnEquals: { 'ec2:Vpc': vpcArns } },
      }),
      ctx.protectedInstances(['ec2:ModifyNetworkInterfaceAttribute']),
    ],
    resultPath: sfn.JsonPath.DISCARD,
    retry: RECOVERY_EC2_RETRY,
  });
  const fenceInterfaces = forEachItem(scope, 'Fence each network interface', {
    itemsPath: `${SOURCE}.networkInterfaceIds`,
    itemSelector: {
      'networkInterfaceId.$': '$$.Map.Item.Value',
      'denyAllGroupId.$': `${PLAN}.denyAllGroupId`,
    },
    task: swapGroups,
    failStateId: 'Interface not fenced',
  });
  fenceInterfaces.addCatch(needsAttention, ON_FAILURE);

  const markFenced = recoveryEc2Call(ctx, 'Mark instance as fenced', {
    action: 'createTags',
    parameters: {
      'Resources.$': 'States.Array($.instanceId)',
      Tags: [{ Key: FENCED_BY_TAG, 'Value.$': '$$.Execution.Name' }],
    },
    policy: [ctx.protectedInstances(['ec2:CreateTags'])],
    resultPath: sfn.JsonPath.DISCARD,
  });

  const deregister = forEachTarget(scope, 'Deregister from each target group', {
    change: 'deregisterTargets',
    targetGroupArns: ctx.targetGroupResources,
    itemsPath: `${PLAN}.targetGroupArns`,
    itemSelector: { 'targetGroupArn.$': '$$.Map.Item.Value', 'instanceId.$': '$.instanceId' },
    taskId: 'Deregister failed instance',
    failStateId: 'Target not deregistered',
  });
  deregister.addCatch(needsAttention, ON_FAILURE);

  return sfn.Chain.start(fenceInterfaces).next(markFenced).next(deregister);
}
