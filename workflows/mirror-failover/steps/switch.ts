import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { forEachTarget } from '../../fragments';
import type { MirrorContext, Step } from './context';
import { ON_FAILURE, PLAN, PROBE, SWITCH } from './paths';
import { deregisterNonPrimaries, planTargets } from './targets';

export interface SwitchNext {
  /** Runs once the primary is registered: wait until it is healthy in each target group. */
  readonly waitHealthy: sfn.IChainable;
  /** Where the round ends: re-probe and release (also when the targets needed no change). */
  readonly release: sfn.IChainable;
}

/**
 * Reads the targets, then switches: deregister the others, register the primary (never two at once), each change
 * right after a probe that says the chosen member is still the only primary (otherwise go round).
 */
export function switchToPrimary(ctx: MirrorContext): Step<SwitchNext> {
  const { scope, recordNeedsAttention, stillOnlyPrimary, goRound } = ctx;
  const choose = new sfn.Pass(scope, 'Choose the member to switch to', {
    parameters: { 'primary.$': `${PROBE}.primary` },
    resultPath: SWITCH,
  });
  const plan = planTargets(ctx, 'Read the registered targets', `${SWITCH}.primary`);

  const deregister = deregisterNonPrimaries(ctx, {
    id: 'Deregister the other members',
    taskId: 'Deregister a member that is not primary',
    failStateId: 'Member not deregistered',
  });
  const register = forEachTarget(scope, 'Register the primary in each target group', {
    change: 'registerTargets',
    targetGroupArns: ctx.targetGroupArns,
    itemsPath: `${PLAN}.register`,
    taskId: 'Register the primary',
    failStateId: 'Primary not registered',
  });
  register.addCatch(recordNeedsAttention, ON_FAILURE);

  // Immediately before each change: is the chosen member still the only one answering SUCCESS?
  const probeBeforeDeregistering = ctx.probe('Probe before deregistering');
  probeBeforeDeregistering.addCatch(recordNeedsAttention, ON_FAILURE);
  const probeBeforeRegistering = ctx.probe('Probe before registering the primary');
  probeBeforeRegistering.addCatch(recordNeedsAttention, ON_FAILURE);

  const connect = (next: SwitchNext) => {
    choose.next(plan);
    const rememberPrevious = new sfn.Pass(scope, 'Remember the targets before the first change', {
      parameters: { 'previous.$': `${PLAN}.previous` },
      resultPath: '$.changed',
    });
    const firstChange = new sfn.Choice(scope, 'Is this the first change?')
      .when(sfn.Condition.isPresent('$.changed'), probeBeforeDeregistering)
      .otherwise(rememberPrevious);
    rememberPrevious.next(probeBeforeDeregistering);
    plan.next(
      new sfn.Choice(scope, 'Do the targets need to change?')
        .when(sfn.Condition.booleanEquals(`${PLAN}.changes`, true), firstChange)
        .otherwise(next.release),
    );
    probeBeforeDeregistering.next(
      new sfn.Choice(scope, 'Is the chosen member still the only primary before deregistering?')
        .when(stillOnlyPrimary, deregister)
        .otherwise(goRound),
    );
    deregister.next(probeBeforeRegistering);
    probeBeforeRegistering.next(
      new sfn.Choice(scope, 'Is the chosen member still the only primary before registering?')
        .when(stillOnlyPrimary, register)
        .otherwise(goRound),
    );
    register.next(next.waitHealthy).next(next.release);
  };
  return { entry: choose, connect };
}
