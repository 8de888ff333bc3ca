import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { EXECUTION_STATUS_CHANGE, isExecutionStatusEvent } from '../fragments';
import { Errors } from '../../contracts/errors';
import { releaseSteps } from './steps/release-context';
import { releaseOnEnd } from './steps/release-on-end';
import { operatorUnlock } from './steps/release-unlock';

/** The workflow id (template metadata) of the machine that releases what a DR promotion left locked. */
export const DR_PROMOTION_RELEASE = 'dr-promotion-release';
/** `detail-type` of the status-change events Step Functions sends to EventBridge (one home: fragments/events.ts). */
export const DR_EXECUTION_STATUS_CHANGE = EXECUTION_STATUS_CHANGE;
export { DR_RELEASED_STATUSES } from './steps/release-context';

/**
 * What an operator starts the release machine with to clear a stale lock (what `ha-workflows dr unlock` sends).
 * `force` releases even when the holding execution still runs (or cannot be described).
 */
export interface DrUnlockRequest {
  readonly unlock: {
    readonly mirrorSet: string;
    readonly by: string;
    readonly reason: string;
    readonly force: boolean;
  };
}

export interface DrReleaseDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  /** states:DescribeExecution on the dr-promotion machine's executions. */
  readonly describeExecutionPolicy: readonly iam.PolicyStatement[];
}

const UNLOCK = '$.unlock';

/**
 * dr-promotion-release, two ways in:
 * - a dr-promotion execution's own ABORTED / TIMED_OUT / FAILED status event (EventBridge): releases the mirror set
 *   lock if, and only if, that very execution still owns it (conditional on the owner), records the release in the
 *   execution's audit item and notifies. A second delivery finds the lock gone and changes nothing.
 * - an operator's unlock (`{"unlock": {mirrorSet, by, reason, force}}`, `ha-workflows dr unlock`): reads who holds
 *   the lock, refuses while that execution is still RUNNING (or cannot be described) unless forced, then releases it
 *   (conditional on the same owner), writes an audit item and notifies.
 * A pure function of its dependencies; it creates no resources.
 */
export function drReleaseDefinition(scope: Construct, deps: DrReleaseDeps): sfn.IChainable {
  const release = releaseSteps(scope, deps); // what both share: a release that failed is notified
  const takeEnded = releaseOnEnd(release); // a dr-promotion execution ended: its own status event
  const takeUnlock = operatorUnlock(release); // an operator clears a stale lock

  const unrecognized = new sfn.Fail(scope, 'Neither a status event nor an unlock request', {
    error: Errors.INVALID_INPUT,
    cause:
      'Expected a "Step Functions Execution Status Change" event of a dr-promotion execution (with its input), or ' +
      '{"unlock": {"mirrorSet": "<set>", "by": "<who>", "reason": "<why>", "force": false}}',
  });
  return new sfn.Choice(scope, 'Read the input')
    .when(isExecutionStatusEvent(['executionArn', 'name', 'status']), takeEnded)
    .when(
      sfn.Condition.and(
        sfn.Condition.isPresent(`${UNLOCK}.mirrorSet`),
        sfn.Condition.isString(`${UNLOCK}.mirrorSet`),
        sfn.Condition.isPresent(`${UNLOCK}.by`),
        sfn.Condition.isString(`${UNLOCK}.by`),
        sfn.Condition.isPresent(`${UNLOCK}.reason`),
        sfn.Condition.isString(`${UNLOCK}.reason`),
        sfn.Condition.isPresent(`${UNLOCK}.force`),
        sfn.Condition.isBoolean(`${UNLOCK}.force`),
      ),
      takeUnlock,
    )
    .otherwise(unrecognized);
}
