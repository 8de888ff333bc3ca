import type { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { RecoveryGroupSettings } from '../../contracts/recovery-group';
import { recoveryScope } from './steps/context';
import { withFailurePaths } from './steps/failure';
import { fenceFailedInstance } from './steps/fence';
import { ifProtected, inspectFailedInstance } from './steps/inspect';
import { replaceFailedInstance } from './steps/launch';
import { takeGroupLock } from './steps/lock';
import { handOverToReplacement, recordRecoveryComplete, switchTraffic } from './steps/take-over';
import { readTrigger } from './steps/trigger';
import { confirmFailedInstanceGone, waitUntilRunning } from './steps/wait';

export { INSTANCE_RECORD_PREFIX, LAUNCH_REPLACEMENT_TIMEOUT, LIVE_STATES } from './constants';
/** The tags the recovery writes and filters on, and the group shape (contracts/), re-exported for library users. */
export { FENCED_BY_TAG, REPLACES_TAG } from '../../contracts/tags';
export type { RecoveryGroupSettings } from '../../contracts/recovery-group';

export interface InstanceRecoveryDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly inspectFunction: lambda.IFunction;
  readonly launchFunction: lambda.IFunction;
  readonly alarmsFunction: lambda.IFunction;
  /** Records the outcome metrics (tasks/record-outcome). */
  readonly outcomeFunction: lambda.IFunction;
  /** Tag key naming an instance's (and a subnet's) recovery group. */
  readonly tagKey: string;
  readonly lockTtl: Duration;
  readonly groups: readonly RecoveryGroupSettings[];
  /** The deny-all security group of each VPC, by VPC id. */
  readonly denyAllGroups: Readonly<Record<string, string>>;
  /** The boot security group of each VPC, by VPC id: a replacement's only group until the fence is confirmed. */
  readonly bootGroups: Readonly<Record<string, string>>;
  /** How long to wait for the replacement to be running, and then healthy. */
  readonly runningTimeout: Duration;
  readonly healthyTimeout: Duration;
  /** How long to wait for the failed instance to be `terminated` (the fence's confirmation). */
  readonly terminatedTimeout: Duration;
}

/**
 * instance-recovery: fence a failed single-node instance and relaunch an equivalent one in another AZ.
 * A pure function of its dependencies; it creates no resources (IAM statements are not resources).
 * Each step is in ./steps; a failure once the group lock is held ends in ./steps/failure (NEEDS_ATTENTION).
 */
export function instanceRecoveryDefinition(scope: Construct, deps: InstanceRecoveryDeps): sfn.IChainable {
  const ctx = withFailurePaths(recoveryScope(scope, deps));
  // Which instance failed, and is it one of ours?
  const inspect = readTrigger(ctx).next(inspectFailedInstance(ctx));
  // Lock the group, fence the failed instance, launch a replacement (still fenced itself).
  const recover = sfn.Chain.start(takeGroupLock(ctx)).next(fenceFailedInstance(ctx)).next(replaceFailedInstance(ctx));
  // Once the replacement runs and the failed instance is confirmed gone: hand over, switch traffic, record.
  const takeOver = sfn.Chain.start(handOverToReplacement(ctx))
    .next(switchTraffic(ctx))
    .next(recordRecoveryComplete(ctx));
  recover.next(waitUntilRunning(ctx, confirmFailedInstanceGone(ctx, takeOver)));
  return inspect.next(ifProtected(ctx, recover));
}
