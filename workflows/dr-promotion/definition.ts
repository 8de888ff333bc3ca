import type { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { DrSetSettings } from './input';
import { askForApproval, recheckApproval } from './steps/approval';
import { drSteps } from './steps/context';
import { fenceOldSite } from './steps/fence';
import { recordPromotion } from './steps/finish';
import { practiceOrReal, practiceRun } from './steps/practice';
import { preflightChecks } from './steps/preflight';
import { promoteDrMember } from './steps/promote';
import { validateAndLock } from './steps/request';
import { registerPromotedMember } from './steps/switch-traffic';
import { verifyPromotedMember } from './steps/verify';

export {
  COMMAND_POLL_INTERVAL,
  FENCE_CHECK_INTERVAL,
  FENCE_CHECKS,
  FENCE_TASK_TIMEOUT,
  FORCE_STOP_AFTER_CHECKS,
  VERIFY_INTERVAL,
} from './steps/constants';

export interface DrPromotionDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  /** Parses the request (no VPC, no AWS access). */
  readonly validateFunction: lambda.IFunction;
  /** Fences the old site through the primary region's EC2 API (no VPC). */
  readonly fenceFunction: lambda.IFunction;
  /** Records the outcome metrics (tasks/record-outcome). */
  readonly outcomeFunction: lambda.IFunction;
  /** The mirror sets this workflow may promote; each names its own preflight and probe functions (in its DR VPC). */
  readonly sets: readonly DrSetSettings[];
  /** The longest approval wait any set allows: the approval task's `HeartbeatSeconds`. */
  readonly maxApprovalTimeout: Duration;
  readonly lockTtl: Duration;
  /** `TimeoutSeconds` of a preflight or probe invocation. */
  readonly setTaskTimeout: Duration;
  /** IAM of the Run Command calls: SendCommand of the query and promotion documents on the DR members. */
  readonly sendCommandPolicy: readonly iam.PolicyStatement[];
  /** RegisterTargets on the DR target groups. */
  readonly registerPolicy: readonly iam.PolicyStatement[];
}

/**
 * dr-promotion: validate → lock → preflight → approval (task token) → fence the old site → promote the DR member
 * with Run Command → verify its status page → register it in the DR target groups → audit, release, notify. In
 * practice mode, everything up to the approval runs and the rest is only described. A pure function of its
 * dependencies; it creates no resources.
 *
 * Each step is a function of steps/ that is handed the step after it, so the steps after the approval are built
 * from the last one back. The order of the calls also fixes the order CDK lists the states in the definition (it
 * follows the links in the order they were made): keep it when moving a step, and diff the synthesized ASL.
 */
export function drPromotionDefinition(scope: Construct, deps: DrPromotionDeps): sfn.IChainable {
  const steps = drSteps(scope, deps); // what every step shares, and the failure path (audit, release, notify, fail)
  const request = validateAndLock(steps); // 1. validate the request, take the mirror set's lock
  const preflight = preflightChecks(steps); // 2. the DR member's mirror state, then the preflight checks
  const approval = askForApproval(steps); // 3. refuse on what the preflight found, or ask for the approval
  const practice = practiceRun(steps); // a practice run describes steps 4-7 and stops there

  // After the approval, from the end back:
  const done = recordPromotion(steps); // 8. audit, record, release, notify
  const registered = registerPromotedMember(steps, done); // 7. register the member in the DR target groups
  const verified = verifyPromotedMember(steps, registered); // 6. its status page answers SUCCESS
  const promoted = promoteDrMember(steps, verified); // 5. promote it with Run Command
  const fenced = fenceOldSite(steps, promoted); // 4. fence the old site
  const practiceOrFence = practiceOrReal(steps, practice, fenced); // a practice run stops after the approval
  const recheck = recheckApproval(steps, practiceOrFence); // 3b. the approval and the old site, checked again

  approval.askApproval.next(recheck);
  preflight.checks.next(approval.decide);
  request.lock.next(preflight.start);
  return request.start;
}
