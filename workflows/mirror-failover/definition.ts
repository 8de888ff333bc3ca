import type { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { MirrorSetSettings } from './input';
import { mirrorContext } from './steps/context';
import { giveUp } from './steps/give-up';
import { waitUntilPrimaryHealthy } from './steps/healthy';
import { probeAndLock } from './steps/lock';
import { releaseIfStillPrimary } from './steps/release';
import { switchRounds } from './steps/rounds';
import { switchToPrimary } from './steps/switch';
import { readTrigger } from './steps/trigger';

export {
  HAND_OFF_ATTRIBUTE,
  HEALTHY_POLL_INTERVAL,
  MAX_LOCK_ATTEMPTS,
  MAX_SWITCH_ROUNDS,
  REGISTRATION_POLL_INTERVAL,
} from './constants';

export interface MirrorFailoverDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  /** Reads the registered targets and plans the switch (outside any VPC; read-only ELB access). */
  readonly planFunction: lambda.IFunction;
  /** The mirror sets, each with its own probe function (in the set's VPC). */
  readonly sets: readonly MirrorSetSettings[];
  /** How long a lock is held at most, if its execution dies without releasing it. */
  readonly lockTtl: Duration;
  /** `TimeoutSeconds` of one probe invocation (the longest probe timeout of the sets, plus Lambda's own time). */
  readonly probeTaskTimeout: Duration;
}

/**
 * mirror-failover: find the one member whose mirror-status page answers `200 SUCCESS` and make it the only
 * registered member in the set's target groups; with zero or several such members, change nothing (fail closed).
 * A pure function of its dependencies; it creates no resources (IAM statements are not resources).
 * Each step is in ./steps; a failure ends in ./steps/failure (NEEDS_ATTENTION).
 */
export function mirrorFailoverDefinition(scope: Construct, deps: MirrorFailoverDeps): sfn.IChainable {
  const ctx = mirrorContext(scope, deps);
  // Each round under the lock: probe until exactly one member answers SUCCESS, switch the targets to it, wait until
  // it is healthy, re-probe and release; a primary that moved meanwhile goes round again (ctx.goRound).
  const rounds = switchRounds(ctx, {
    switchToPrimary: switchToPrimary(ctx, {
      waitHealthy: waitUntilPrimaryHealthy(ctx),
      release: releaseIfStillPrimary(ctx),
    }),
    giveUp: giveUp(ctx),
  });
  // Which mirror set? Probe, take its lock (or hand the event to the holder), then the rounds.
  return readTrigger(ctx, probeAndLock(ctx).next(rounds));
}
