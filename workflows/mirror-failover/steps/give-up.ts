import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { forEachTarget, lambdaTask, LOST_RESPONSE_RETRY } from '../../fragments';
import { Errors } from '../../../contracts/errors';
import { MAX_SWITCH_ROUNDS } from '../constants';
import type { MirrorContext } from './context';
import { ON_FAILURE, PLAN, PROBE, SET } from './paths';

/**
 * Out of rounds: leave no member that is not primary registered (when one member answers SUCCESS at a last probe),
 * then escalate with PrimaryKeepsMoving.
 */
export function giveUp(ctx: MirrorContext): sfn.IChainable {
  const { scope, deps, recordNeedsAttention } = ctx;
  const probeBeforeGivingUp = ctx.probe('Probe before giving up');
  probeBeforeGivingUp.addCatch(recordNeedsAttention, ON_FAILURE);
  const keepsMoving = ctx.failWith(
    'The primary keeps moving',
    Errors.PRIMARY_KEEPS_MOVING,
    `States.Format('The primary moved again after each of ${MAX_SWITCH_ROUNDS} switches; members that were not primary at the last probe were deregistered. Last probe: {}', ${PROBE}.summary)`,
  );
  const planGivingUp = lambdaTask(scope, 'Read the targets before giving up', {
    fn: deps.planFunction,
    task: 'plan-target-switch',
    payload: {
      'primary.$': `${PROBE}.primary`,
      'members.$': `${SET}.memberIds`,
      'targetGroupArns.$': `${SET}.targetGroupArns`,
    },
    resultPath: '$.plan',
  });
  planGivingUp.addRetry(LOST_RESPONSE_RETRY);
  planGivingUp.addCatch(recordNeedsAttention, ON_FAILURE);
  const deregisterGivingUp = forEachTarget(scope, 'Deregister the members that are not primary before giving up', {
    change: 'deregisterTargets',
    targetGroupArns: ctx.targetGroupArns,
    withPort: true,
    itemsPath: `${PLAN}.deregister`,
    taskId: 'Deregister a member that is not primary before giving up',
    failStateId: 'Member not deregistered before giving up',
  });
  deregisterGivingUp.addCatch(recordNeedsAttention, ON_FAILURE);
  probeBeforeGivingUp.next(
    new sfn.Choice(scope, 'Does exactly one member answer SUCCESS before giving up?')
      .when(sfn.Condition.numberEquals(`${PROBE}.primaryCount`, 1), planGivingUp)
      .otherwise(keepsMoving),
  );
  planGivingUp.next(deregisterGivingUp).next(keepsMoving);
  return probeBeforeGivingUp;
}
