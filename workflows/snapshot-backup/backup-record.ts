import { formatted } from '../fragments';

/** The state table item of an instance's backups: its lock, and what it is frozen with while it may be. */
export const backupKey = (instanceIdPath: string) => formatted(`BACKUP#{${instanceIdPath}}`);

/** The attributes of that item besides the lock's own. */
export const BACKUP_RECORD = {
  state: 'state',
  policy: 'policy',
  backupId: 'backupId',
  thawDocument: 'thawDocument',
  /** SendCommand's `Parameters` of the thaw, as JSON text. */
  thawParameters: 'thawParameters',
  lastError: 'lastError',
  thawedAt: 'thawedAt',
  /** The last backup of the instance that was skipped because another backup held it: its id and policy. */
  lastSkippedBackupId: 'lastSkippedBackupId',
  lastSkippedPolicy: 'lastSkippedPolicy',
} as const;

/** Values of `BACKUP_RECORD.state`. */
export const BackupState = {
  /** From before the freeze is sent until the thaw is confirmed: the rescue thaws an instance left in it. */
  FROZEN: 'FROZEN',
  BACKING_UP: 'BACKING_UP',
  THAWED: 'THAWED',
  BACKED_UP: 'BACKED_UP',
  FAILED: 'FAILED',
  THAWED_BY_RESCUE: 'THAWED_BY_RESCUE',
} as const;
