import { Duration } from 'aws-cdk-lib';

/** The copy task's own timeout (each attempt). */
export const COPY_TASK_TIMEOUT = Duration.minutes(2);

/** Between two attempts to take a backup lock that another backup of the instance holds. */
export const LOCK_RETRY_INTERVAL = Duration.minutes(1);
/** Look-ups of the set a CreateSnapshots with a lost response made (5 s apart: DescribeSnapshots is eventually consistent). */
export const LOST_SET_LOOKUPS = 3;
export const LOST_SET_LOOKUP_INTERVAL = Duration.seconds(5);

export const PLAN = '$.plan.value';
/** Where the raw CreateSnapshots (or look-up) response is kept until the thaw; only IsPresent-tested reads touch it. */
export const CREATED = '$.created';
