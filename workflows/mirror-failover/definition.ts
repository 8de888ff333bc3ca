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
  /** Records the outcome metrics (tasks/record-outcome). */
  readonly outcomeFunction: lambda.IFunction;
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
  // The steps of a round under the lock, each with its failure paths (see Step for why they are built in this order):
  const rounds = switchRounds(ctx); // probe until exactly one member answers SUCCESS
  const switchTargets = switchToPrimary(ctx); // read the targets; deregister the others, register the primary
  const waitHealthy = waitUntilPrimaryHealthy(ctx); // until healthy in each target group, re-probing meanwhile
  const release = releaseIfStillPrimary(ctx); // re-probe, then record and release
  const outOfRounds = giveUp(ctx); // after MAX_SWITCH_ROUNDS: deregister who is not primary, escalate
  // ... and how they follow one another; a primary that moved meanwhile goes round again (ctx.goRound).
  rounds.connect({ switchToPrimary: switchTargets.entry, giveUp: outOfRounds });
  switchTargets.connect({ waitHealthy, release: release.entry });
  release.connect();
  // Which mirror set? Probe, take its lock (or hand the event to the holder), then the rounds.
  return readTrigger(ctx, probeAndLock(ctx).next(rounds.entry));
}
