import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Errors } from '../../../contracts/errors';
import { MAX_SWITCH_ROUNDS } from '../constants';
import type { MirrorContext, Step } from './context';
import { ON_FAILURE, PROBE, SET } from './paths';

export interface RoundsNext {
  /** Where a round goes once exactly one member answers SUCCESS (`$.probe` names it). */
  readonly switchToPrimary: sfn.IChainable;
  /** Where the execution goes after MAX_SWITCH_ROUNDS rounds. */
  readonly giveUp: sfn.IChainable;
}

/**
 * Rounds under the lock: each one probes until exactly one member answers SUCCESS (with backoff until the set's
 * deadline; zero or several fail closed), then switches to it. `ctx.goRound` starts the next round, up to
 * MAX_SWITCH_ROUNDS.
 */
export function switchRounds(ctx: MirrorContext): Step<RoundsNext> {
  const { scope, recordNeedsAttention } = ctx;
  const startCountingRounds = new sfn.Pass(scope, 'Start counting rounds', {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: '$.rounds',
  });
  const startCounting = new sfn.Pass(scope, 'Start counting probes', {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: '$.probes',
  });
  const roundProbe = ctx.probe('Probe the mirror members under the lock');
  roundProbe.addCatch(recordNeedsAttention, ON_FAILURE);

  // ── Exactly one SUCCESS, or probe again with backoff until the deadline ─────────────────────────────────
  const countProbe = new sfn.Pass(scope, 'Count the next probe', {
    parameters: {
      'attempts.$': 'States.MathAdd($.probes.attempts, 1)',
      'waitSeconds.$': `States.ArrayGetItem(${SET}.probeWaits, States.MathAdd($.probes.attempts, -1))`,
    },
    resultPath: '$.probes',
  });
  const waitToProbe = new sfn.Wait(scope, 'Wait before probing again', {
    time: sfn.WaitTime.secondsPath('$.probes.waitSeconds'),
  });
  const probeAgain = ctx.probe('Probe the mirror members again');
  probeAgain.addCatch(recordNeedsAttention, ON_FAILURE);

  const ambiguous = ctx.failWith(
    'Several members answer SUCCESS',
    Errors.AMBIGUOUS_PRIMARY,
    `States.Format('Several members answered SUCCESS until the deadline ({}); nothing was registered or deregistered in this round. Last probe: {}', ${PROBE}.primaries, ${PROBE}.summary)`,
  );
  const noPrimary = ctx.failWith(
    'No member answers SUCCESS',
    Errors.NO_PRIMARY,
    `States.Format('No member answered SUCCESS until the deadline; nothing was registered or deregistered in this round. Last probe: {}', ${PROBE}.summary)`,
  );
  const gaveUp = new sfn.Choice(scope, 'Do several members answer SUCCESS?')
    .when(sfn.Condition.numberGreaterThanEquals(`${PROBE}.primaryCount`, 2), ambiguous)
    .otherwise(noPrimary);

  const connect = (next: RoundsNext) => {
    ctx.goRound.next(
      new sfn.Choice(scope, 'May the workflow go round again?')
        .when(sfn.Condition.numberGreaterThan('$.rounds.attempts', MAX_SWITCH_ROUNDS), next.giveUp)
        .otherwise(startCounting),
    );
    const onePrimary = new sfn.Choice(scope, 'Does exactly one member answer SUCCESS?')
      .when(sfn.Condition.numberEquals(`${PROBE}.primaryCount`, 1), next.switchToPrimary)
      .when(sfn.Condition.numberGreaterThanEqualsJsonPath('$.probes.attempts', `${SET}.maxProbes`), gaveUp)
      .otherwise(countProbe);
    countProbe.next(waitToProbe).next(probeAgain).next(onePrimary);
    startCounting.next(roundProbe).next(onePrimary);
    startCountingRounds.next(startCounting);
  };
  return { entry: startCountingRounds, connect };
}
