/**
 * The tag keys (and fixed tag values) ha-workflows writes on AWS resources and reads back to decide what is its own:
 * part of the API (IAM conditions, operators' filters and runbooks name them), never renamed. One home (issue #15):
 * the definitions and constructs that write or filter on a tag, the tasks that write or read it, and the engine's
 * invariants all import it from here.
 */

/** Every tag key this project writes starts with this; such bookkeeping tags are never carried to a replacement. */
export const PROJECT_TAG_PREFIX = 'ha-workflows:';

/** On every resource this project created (a replacement instance, a snapshot): always `CREATED_BY_VALUE`. */
export const CREATED_BY_TAG = 'ha-workflows:created-by';

/** The value of `CREATED_BY_TAG`. */
export const CREATED_BY_VALUE = 'ha-workflows';

/**
 * The default tag key naming an instance's (and a subnet's) recovery group; its value is the group's id
 * (configurable: `instanceRecovery.tagKey`, `InstanceRecoveryWorkflowProps.tagKey`).
 */
export const RECOVERY_GROUP_TAG = 'ha-workflows:recovery-group';

/** Put on a replacement by launch-replacement: the id of the instance it replaces. */
export const REPLACES_TAG = 'ha-workflows:replaces';

/** Put on a failed instance by the recovery that fenced it; its value names that recovery (a later event is ignored). */
export const FENCED_BY_TAG = 'ha-workflows:fenced-by';

/**
 * The tags snapshot-backup writes on every snapshot it creates, and the only tags by which it decides that a
 * snapshot is its own ("own only what you made"): a snapshot is pruned only when `createdBy` is
 * `CREATED_BY_VALUE`, `policy` names the policy being pruned and `instanceId` the instance backed up.
 */
export const BACKUP_TAGS = {
  /** Always `ha-workflows` on snapshots this project made. */
  createdBy: CREATED_BY_TAG,
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

/** `BACKUP_TAGS.consistencyNote` when the thaw found the database's writes already resumed. */
export const WRITES_RESUMED_NOTE = 'writes-resumed-before-thaw';

/**
 * What the thaw documents (workflows/snapshot-backup/documents.ts) print on stdout when the database's writes had
 * resumed before the thaw; record-freeze-window reads it and tags the set with `WRITES_RESUMED_NOTE`.
 */
export const WRITES_RESUMED_MARKER = 'WRITES_RESUMED_BEFORE_THAW';
