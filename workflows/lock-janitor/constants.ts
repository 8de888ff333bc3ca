import { Duration } from 'aws-cdk-lib';
import { LAUNCH_REPLACEMENT_TIMEOUT } from '../instance-recovery/constants';

/** The workflow id (template metadata) of the machine that cleans up after an aborted or timed-out execution. */
export const LOCK_JANITOR = 'lock-janitor';
/**
 * The statuses the janitor is started on. ABORTED and TIMED_OUT executions run no Catch, so they cannot release or
 * report anything themselves. FAILED is included because a failure path can leave a lock: a `Take the … lock` whose
 * write was applied but whose response was lost (`States.Timeout`) goes to the failure path as if the lock were not
 * taken (found by the fault campaign, mirror-failover schedule 493009611). A FAILED execution that holds nothing was
 * reported by its own failure path, so the janitor ends quietly for it (no second notification).
 */
export const JANITOR_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;
/** Partition-key prefix of the item that marks an ended execution as reported (one per execution, never expires). */
export const JANITOR_RECORD_PREFIX = 'ENDED#';
/** Items whose lock guards a resource left in an unknown state by a run stopped halfway (NEEDS_ATTENTION). */
export const NEEDS_ATTENTION_PREFIXES = ['GROUP#', 'MIRROR#'] as const;
/** The attribute of a recovery group's item naming the instance its run replaces (workflows/instance-recovery). */
export const FAILED_INSTANCE_ATTRIBUTE = 'failedInstanceId';
/**
 * How long after a recovery ended the janitor looks for the replacements it launched: a launch in flight when the
 * execution was stopped ends within the launch function's timeout, and DescribeInstances shows a new instance a few
 * seconds after RunInstances returns (eventual consistency).
 */
export const REPLACEMENT_SETTLE = Duration.seconds(LAUNCH_REPLACEMENT_TIMEOUT.toSeconds() + 10);
