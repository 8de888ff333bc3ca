import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import {
  failIterationOnError,
  forEachTargetGroup,
  formatted,
  notify,
  releaseLock,
  stringAt,
  targetTask,
  waitTargetHealthy,
} from '../../fragments';
import { Errors } from '../../../contracts/errors';
import {
  NEW_ID,
  ON_FAILURE,
  PLAN,
  type RecoveryContext,
  recoveryEc2Call,
  recoveryLambda,
  recoveryOutcome,
  SOURCE,
} from './context';

const HEALTHY_INTERVAL = Duration.seconds(5);

/** Once the fence is confirmed: the replacement gets the failed instance's security groups and its alarms. */
export function handOverToReplacement(ctx: RecoveryContext): sfn.Chain {
  const { scope, deps, needsAttention } = ctx;
  const unfence = recoveryEc2Call(ctx, 'Unfence replacement', {
    action: 'modifyInstanceAttribute',
    parameters: { 'InstanceId.$': NEW_ID, 'Groups.$': `${SOURCE}.securityGroupIds` },
    policy: [ctx.protectedInstances(['ec2:ModifyInstanceAttribute'])],
    resultPath: sfn.JsonPath.DISCARD,
  });

  const carryAlarms = recoveryLambda(
    scope,
    'Carry over alarms',
    {
      fn: deps.alarmsFunction,
      task: 'carry-over-alarms',
      payload: { 'oldInstanceId.$': '$.instanceId', 'newInstanceId.$': NEW_ID },
      resultPath: '$.alarms',
    },
    false,
  );
  carryAlarms.addCatch(needsAttention, ON_FAILURE);
  return sfn.Chain.start(unfence).next(carryAlarms);
}

/** Registers the replacement in each of the group's target groups and waits until it is healthy in each. */
export function switchTraffic(ctx: RecoveryContext): sfn.Map {
  const { scope, deps } = ctx;
  const registerTarget = targetTask(scope, 'Register replacement', {
    change: 'registerTargets',
    targetGroupArns: ctx.targetGroupResources,
  });
  failIterationOnError(scope, registerTarget, 'Target not registered');
  const register = forEachTargetGroup(scope, 'Register in each target group', {
    itemsPath: `${PLAN}.targetGroupArns`,
    itemSelector: { 'targetGroupArn.$': '$$.Map.Item.Value', 'instanceId.$': NEW_ID },
    iteration: sfn.Chain.start(registerTarget).next(
      waitTargetHealthy(scope, {
        readId: 'Read replacement health',
        unreadableId: 'Health not readable',
        label: 'replacement healthy',
        interval: HEALTHY_INTERVAL,
        maxChecks: Math.max(1, Math.ceil(deps.healthyTimeout.toSeconds() / HEALTHY_INTERVAL.toSeconds())),
        counterPath: '$.polls.healthy',
        waitFirst: true,
        exhausted: new sfn.Fail(scope, 'Replacement never became healthy', {
          error: Errors.REPLACEMENT_NOT_HEALTHY,
          cause: `The replacement was not healthy in its target group within ${deps.healthyTimeout.toSeconds()} s`,
        }),
        healthy: new sfn.Succeed(scope, 'Replacement is healthy'),
      }),
    ),
  });
  register.addCatch(ctx.needsAttention, ON_FAILURE);
  return register;
}

/** Records the group ACTIVE on the replacement, releases the lock, records the recovery time, tells the operators. */
export function recordRecoveryComplete(ctx: RecoveryContext): sfn.Chain {
  const { scope, deps, groupKey, needsAttention } = ctx;
  const recordActive = releaseLock(scope, 'Record recovery complete', {
    table: deps.table,
    key: groupKey,
    set: ['#state = :state', '#instanceId = :new', '#previous = :old', '#az = :az'],
    names: {
      '#state': 'state',
      '#instanceId': 'instanceId',
      '#previous': 'previousInstanceId',
      '#az': 'availabilityZone',
    },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('ACTIVE'),
      ':new': stringAt(NEW_ID),
      ':old': stringAt('$.instanceId'),
      ':az': stringAt('$.launch.value.availabilityZone'),
    },
  });
  recordActive.addCatch(needsAttention, ON_FAILURE);
  const notifyDone = notify(scope, 'Notify recovery complete', {
    topic: deps.topic,
    subject: 'ha-workflows: instance recovered',
    message: formatted(
      `Group {${PLAN}.groupId}: instance {$.instanceId} ({$.trigger}) was replaced by {${NEW_ID}} in ` +
        `{$.launch.value.availabilityZone}.`,
    ),
    then: new sfn.Succeed(scope, 'Recovery complete'),
  });
  // RecoveryTime: the triggering event → healthy in every target group and recorded ACTIVE (this step's entry).
  const outcome = recoveryOutcome(ctx)('Record the recovery time', 'SUCCEEDED', notifyDone);
  return sfn.Chain.start(recordActive).next(outcome);
}
