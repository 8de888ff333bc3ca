import type { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { afterTheThaw } from './steps/after-thaw';
import { waitUntilCompleted } from './steps/completion';
import { backupSteps } from './steps/context';
import { copyAndPrune } from './steps/copy-and-prune';
import { releaseAndReport } from './steps/finish';
import { freezeSnapshotThaw } from './steps/freeze';
import { planAndLock } from './steps/lock';
import { crashConsistentSet, theSet } from './steps/snapshot-set';

export { BACKUP_RECORD, backupKey, BackupState } from './backup-record';
export { COPY_TASK_TIMEOUT, LOCK_RETRY_INTERVAL, LOST_SET_LOOKUP_INTERVAL, LOST_SET_LOOKUPS } from './steps/constants';

export interface InstanceBackupDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly planFunction: lambda.IFunction;
  readonly recordFunction: lambda.IFunction;
  readonly pruneFunction: lambda.IFunction;
  /** Only when a policy copies to another region. */
  readonly copyFunction?: lambda.IFunction;
  /** SendCommand of the stack's freeze and thaw documents, on the instances the policies select. */
  readonly sendCommandPolicy: readonly iam.PolicyStatement[];
  /** GetCommandInvocation. */
  readonly readCommandPolicy: iam.PolicyStatement;
  /** CreateSnapshots of the selected instances' volumes, tagged as the workflow's own. */
  readonly createSnapshotsPolicy: readonly iam.PolicyStatement[];
  /** DescribeSnapshots. */
  readonly describeSnapshotsPolicy: iam.PolicyStatement;
  /** Between two reads of the set's state. */
  readonly completionPollInterval: Duration;
}

/**
 * snapshot-backup-instance: back up one instance — plan (refuses an instance with nothing to snapshot) → lock
 * (re-tried every minute within the policy's lock wait while another backup holds it, then reported skipped) →
 * freeze → CreateSnapshots → thaw → read the set (looked up by its tags when the response was lost) → record →
 * wait until completed → copy → prune → release. Once a freeze may have happened, every path goes through the
 * thaw, and between a confirmed freeze and the thaw there is nothing but the CreateSnapshots call, whose
 * response is only stored (no path into it is read before the thaw).
 * Every successful end outputs `{ instanceId, skipped, lockWaits }` (the parent run reads it).
 * A pure function of its dependencies; it creates no resources.
 *
 * Each step is a function of steps/ that is handed the steps after it, so they are built from the end back.
 * The order of the calls also fixes the order CDK lists the states in the definition: keep it when moving a step.
 */
export function instanceBackupDefinition(scope: Construct, deps: InstanceBackupDeps): sfn.IChainable {
  const steps = backupSteps(scope, deps); // what every step shares, and the failure paths
  const planned = planAndLock(steps); // plan, take the lock (or wait for the other backup, or report skipped)

  // After the lock, from the end back:
  const release = releaseAndReport(steps); // release the lock, notify, succeed
  const afterCompletion = copyAndPrune(steps, release); // copy to the other region, prune by retention
  const completed = waitUntilCompleted(steps, afterCompletion); // every snapshot of the set completed
  const set = theSet(steps, completed); // the set: from the response, or found by its tags
  const crash = crashConsistentSet(steps, set); // no freeze, or a failed one: a crash-consistent set
  const thawed = afterTheThaw(steps, set, crash, completed); // record the thaw, then go on by what happened
  const consistency = freezeSnapshotThaw(steps, crash, thawed); // freeze → CreateSnapshots → thaw

  return planned.next(consistency);
}
