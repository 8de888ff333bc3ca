import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Errors } from '../../../contracts/errors';
import { MAX_SWITCH_ROUNDS } from '../constants';
import type { MirrorContext } from './context';
import { ON_FAILURE, PROBE } from './paths';
import { deregisterNonPrimaries, planTargets } from './targets';

/**
 * Out of rounds: leave no member that is not primary registered (when one member answers SUCCESS at a last probe),
 * then escalate with PrimaryKeepsMoving.
 */
export function giveUp(ctx: MirrorContext): sfn.IChainable {
  const { scope, recordNeedsAttention } = ctx;
  const probeBeforeGivingUp = ctx.probe('Probe before giving up');
  probeBeforeGivingUp.addCatch(recordNeedsAttention, ON_FAILURE);
  const keepsMoving = ctx.failWith(
    'The primary keeps moving',
    Errors.PRIMARY_KEEPS_MOVING,
    `States.Format('The primary moved again after each of ${MAX_SWITCH_ROUNDS} switches; members that were not primary at the last probe were deregistered. Last probe: {}', ${PROBE}.summary)`,
  );
  const planGivingUp = planTargets(ctx, 'Read the targets before giving up', `${PROBE}.primary`);
  const deregisterGivingUp = deregisterNonPrimaries(ctx, {
    id: 'Deregister the members that are not primary before giving up',
    taskId: 'Deregister a member that is not primary before giving up',
    failStateId: 'Member not deregistered before giving up',
  });
  probeBeforeGivingUp.next(
    new sfn.Choice(scope, 'Does exactly one member answer SUCCESS before giving up?')
      .when(sfn.Condition.numberEquals(`${PROBE}.primaryCount`, 1), planGivingUp)
      .otherwise(keepsMoving),
  );
  planGivingUp.next(deregisterGivingUp).next(keepsMoving);
  return probeBeforeGivingUp;
}
