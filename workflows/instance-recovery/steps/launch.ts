import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ON_FAILURE, PLAN, type RecoveryContext, recoveryEc2Call, recoveryLambda, SOURCE } from './context';

/**
 * Checks that a replacement can be launched at all (before destroying the only instance), terminates the failed
 * instance, and launches the replacement (boot group only: it boots, takes no clients) in another AZ.
 */
export function replaceFailedInstance(ctx: RecoveryContext): sfn.Chain {
  const { scope, deps, needsAttention } = ctx;
  const launchPayload = {
    'executionName.$': '$$.Execution.Name',
    'groupId.$': `${PLAN}.groupId`,
    tagKey: deps.tagKey,
    'source.$': SOURCE,
    'denyAllGroupId.$': `${PLAN}.denyAllGroupId`,
    bootGroups: deps.bootGroups,
  };
  const checkLaunch = recoveryLambda(
    scope,
    'Check a replacement can be launched',
    {
      fn: deps.launchFunction,
      task: 'launch-replacement',
      payload: { ...launchPayload, 'candidateSubnets.$': `${PLAN}.candidateSubnets`, mode: 'check' },
      resultPath: '$.launchCheck',
    },
    true,
  );
  checkLaunch.addCatch(needsAttention, ON_FAILURE);

  const terminate = recoveryEc2Call(ctx, 'Terminate failed instance', {
    action: 'terminateInstances',
    parameters: { 'InstanceIds.$': 'States.Array($.instanceId)' },
    policy: [ctx.protectedInstances(['ec2:TerminateInstances'])],
    resultSelector: { 'state.$': '$.TerminatingInstances[0].CurrentState.Name' },
    resultPath: '$.termination',
  });

  // Past this point the old instance is gone: every step keeps trying within its time budget. The launch is
  // idempotent (ClientToken per subnet, and an earlier attempt's instance is found by its tags), so a launch
  // whose response was lost is retried and adopts the instance already launched.
  const launch = recoveryLambda(
    scope,
    'Launch replacement',
    {
      fn: deps.launchFunction,
      task: 'launch-replacement',
      payload: { ...launchPayload, 'candidateSubnets.$': '$.launchCheck.value.offeredSubnets', mode: 'launch' },
      resultPath: '$.launch',
      timeout: Duration.minutes(2),
    },
    true,
  );
  launch.addCatch(needsAttention, ON_FAILURE);

  return sfn.Chain.start(checkLaunch).next(terminate).next(launch);
}
