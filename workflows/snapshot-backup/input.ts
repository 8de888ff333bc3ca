/**
 * What starts a snapshot backup, and what each of its state machines receives.
 *
 * - The parent (`snapshot-backup`) is started by a policy's EventBridge Scheduler schedule with
 *   `{ "policy": "<name>", "scheduledTime": "<aws.scheduler.scheduled-time>" }`, or by an operator with
 *   `{ "policy": "<name>" }` (optionally `"instanceIds": ["i-…"]`).
 * - Each child (`snapshot-backup-instance`) backs up one instance: `{ instanceId, runId, policy, settings }`.
 * - The rescue (`snapshot-backup-rescue`) receives the child machine's own
 *   "Step Functions Execution Status Change" event (ABORTED, TIMED_OUT, FAILED).
 */

/** The workflow ids (template metadata) of the three state machines. */
export const SNAPSHOT_BACKUP = 'snapshot-backup';
export const SNAPSHOT_BACKUP_INSTANCE = 'snapshot-backup-instance';
export const SNAPSHOT_BACKUP_RESCUE = 'snapshot-backup-rescue';

export { EXECUTION_STATUS_CHANGE } from '../fragments/events';
/** The statuses after which a freeze may have been left in effect. */
export const RESCUED_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/** A scheduled or on-demand run of one policy. */
export interface SnapshotBackupInput {
  readonly policy: string;
  /** Set by the schedule: the invocation's time, the same for a repeated delivery. */
  readonly scheduledTime?: string;
  /** An operator's run may name some of the policy's instances. */
  readonly instanceIds?: readonly string[];
}

/** Retention of a policy's snapshot sets in one region. */
export interface RetentionSettings {
  readonly count?: number;
  readonly maxAgeDays?: number;
  readonly minimumKept: number;
}

/**
 * One policy as the state machines use it (select-backup-targets validates the same shape): the parent passes
 * it to every child in its input.
 */
export interface BackupSettings {
  readonly tagKey: string;
  readonly tagValue: string;
  readonly excludeBootVolume: boolean;
  readonly method: 'iris' | 'command' | 'none';
  readonly freezeDocument: string;
  readonly freezeParameters: Readonly<Record<string, readonly string[]>>;
  readonly thawDocument: string;
  readonly thawParameters: Readonly<Record<string, readonly string[]>>;
  readonly onFreezeFailure: 'fail' | 'crash-consistent';
  readonly freezePolls: number;
  readonly thawPolls: number;
  readonly completionPolls: number;
  readonly lockTtlSeconds: number;
  /** Re-tries of a backup lock another backup holds, one minute apart, before the backup is reported skipped. */
  readonly lockWaitPolls: number;
  readonly retention: RetentionSettings;
  readonly copy?: { readonly region: string; readonly retention: RetentionSettings };
  readonly concurrency: number;
  readonly notifyOnSuccess: boolean;
}

/** The input of one child execution. Built only from the run and the instance, so a repeated start is identical. */
export interface InstanceBackupInput {
  readonly instanceId: string;
  readonly runId: string;
  readonly policy: string;
  readonly settings: BackupSettings;
}
