import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { releaseEach } from './steps/release';
import { noteScanComplete, recordAndNotify } from './steps/report';
import { findLocks, readEvent } from './steps/scan';

export {
  FAILED_INSTANCE_ATTRIBUTE,
  JANITOR_RECORD_PREFIX,
  JANITOR_STATUSES,
  LOCK_JANITOR,
  NEEDS_ATTENTION_PREFIXES,
  REPLACEMENT_SETTLE,
} from './constants';
export { EXECUTION_STATUS_CHANGE } from '../fragments/events';

export interface LockJanitorDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
}

/**
 * lock-janitor: started by the "Step Functions Execution Status Change" event of an ABORTED or TIMED_OUT execution
 * (which ran no cleanup of its own), or of a FAILED one that still holds a lock (a FAILED one holding nothing ends
 * the janitor quietly after the scan). It
 * 1. scans the state table for items whose `owner` is that execution (one Scan page, up to 1 MB: the table holds one
 *    item per group, mirror set, instance backup and ended execution; a truncated scan is said in the notification);
 * 2. releases each one with a conditional UpdateItem (`#owner = :arn`): a lock another execution holds is never
 *    touched; a recovery group or mirror set is left NEEDS_ATTENTION with the reason, other locks are just released;
 * 3. writes one `ENDED#<executionArn>` record, `state = NEEDS_ATTENTION` (conditional: absent) and, only on the first
 *    delivery, notifies the
 *    operators naming the execution, its status, its state machine and what was released — also when nothing was held.
 * A duplicate delivery releases nothing (the owner is gone) and notifies nobody (the record exists).
 * A pure function of its dependencies; it creates no resources.
 */
export function lockJanitorDefinition(scope: Construct, deps: LockJanitorDeps): sfn.IChainable {
  // 3. Record the ended execution once, and notify on the first delivery.
  const report = recordAndNotify(scope, deps);
  // 2. Release each lock it still holds, then note whether the scan was whole.
  const release = releaseEach(scope, deps, noteScanComplete(scope, report));
  // 1. Which execution ended, and what does it hold?
  return readEvent(scope, findLocks(scope, deps, { releaseEach: release, report }));
}
