import { Duration } from 'aws-cdk-lib';

/** Pause between two checks of the fence, the promotion's result, and the promoted member's status page. */
export const FENCE_CHECK_INTERVAL = Duration.seconds(10);
/** `TimeoutSeconds` of a fence invocation: the function's 60 s plus Lambda's own time. */
export const FENCE_TASK_TIMEOUT = Duration.seconds(70);
/** Checks of the fence: 18 × 10 s = 3 minutes for the old members to reach `stopped`. */
export const FENCE_CHECKS = 18;
/**
 * From this check on (6 × 10 s = 1 minute after the graceful stop), members not yet stopped are stopped with
 * `Force: true`: on an impaired host a graceful stop stays `stopping`. A forced stop (45 s modeled) still fits in the
 * remaining 12 checks.
 */
export const FORCE_STOP_AFTER_CHECKS = 6;
export const COMMAND_POLL_INTERVAL = Duration.seconds(5);
export const VERIFY_INTERVAL = Duration.seconds(5);
/** Reads of the mirror-state query: 12 × 2 s (its answer is only information for the approvers). */
export const QUERY_POLL_INTERVAL = Duration.seconds(2);
export const QUERY_POLLS = 12;

export const REQ = '$.request';
export const SET = '$.set';
export const PREFLIGHT = '$.preflight.value';
export const FENCE = '$.fence.value';
/** When the approval was confirmed (`Note the approval time`): the start of the promotion time. */
export const APPROVED = '$.approved';
export const APPROVED_AT = `${APPROVED}.at`;
