import type { Tag } from '@aws-sdk/client-ec2';

/**
 * The tags snapshot-backup writes on every snapshot it creates, and the only tags by which it decides that a
 * snapshot is its own ("own only what you made"): a snapshot is pruned only when `createdBy` is
 * `CREATED_BY_VALUE`, `policy` names the policy being pruned and `instanceId` the instance backed up.
 * workflows/snapshot-backup/input.ts re-exports them for the state machine.
 */
export const BACKUP_TAGS = {
  /** Always `ha-workflows` on snapshots this project made. */
  createdBy: 'ha-workflows:created-by',
  /** The backup policy's name. */
  policy: 'ha-workflows:backup-policy',
  /** The backup run: one id for every snapshot of one set (`<policy>-<time>`). */
  backupId: 'ha-workflows:backup-id',
  /** The instance whose volumes the set holds. */
  instanceId: 'ha-workflows:instance-id',
  /** `application` (taken while the database was frozen) or `crash`. */
  consistency: 'ha-workflows:consistency',
  /** Why a set is not application-consistent, when it was meant to be. */
  consistencyNote: 'ha-workflows:consistency-note',
  /** When age-based retention lets the set go (ISO 8601), or `none` (count-based retention only). */
  expiry: 'ha-workflows:expiry',
  /** On a cross-region copy: the snapshot it was copied from. */
  copyOf: 'ha-workflows:copy-of',
  /** On a cross-region copy: the region of the snapshot it was copied from. */
  sourceRegion: 'ha-workflows:source-region',
} as const;

/** The value of `BACKUP_TAGS.createdBy`. */
export const CREATED_BY_VALUE = 'ha-workflows';

/** `BACKUP_TAGS.consistencyNote` when the thaw found the database's writes already resumed. */
export const WRITES_RESUMED_NOTE = 'writes-resumed-before-thaw';

/** What the thaw documents print on stdout when the database's writes had resumed before the thaw. */
export const WRITES_RESUMED_MARKER = 'WRITES_RESUMED_BEFORE_THAW';

/** Tags as a record (EC2 returns them as a list, and omits the list when there are none). */
export function tagsOf(resource: { readonly Tags?: readonly Tag[] }): Record<string, string> {
  return Object.fromEntries((resource.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
}
