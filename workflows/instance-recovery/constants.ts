import { Duration } from 'aws-cdk-lib';

/** Instance states in which a replacement found by its tag still exists. */
export const LIVE_STATES: readonly string[] = ['pending', 'running', 'stopping', 'stopped'];
/**
 * The launch function's own timeout: a launch in flight when its execution is stopped still ends (or is ended by
 * Lambda) within it, so whatever it launched exists by then (the lock janitor waits this long, plus EC2's eventual
 * consistency, before it looks for stray replacements).
 */
export const LAUNCH_REPLACEMENT_TIMEOUT = Duration.seconds(110);
/** Prefix of the item that records a recovery that failed before it held the group lock (one per instance). */
export const INSTANCE_RECORD_PREFIX = 'INSTANCE#';
