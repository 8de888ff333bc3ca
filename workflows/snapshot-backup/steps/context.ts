import { Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { formatted, notifyThenFail, recordThenNotify, releaseLock, stringAt } from '../../fragments';
import { States } from '../../../contracts/errors';
import { BACKUP_RECORD, backupKey, BackupState } from '../backup-record';
import type { InstanceBackupDeps } from '../instance-definition';
import { notifyMayStillBeFrozen } from '../thaw';

/** Catches every error into `$.failure`. */
export interface FailureCatch {
  readonly errors: string[];
  readonly resultPath: string;
}

/** What every step of an instance's backup shares: its scope and dependencies, and the ways to fail. */
export interface BackupSteps {
  readonly scope: Construct;
  readonly deps: InstanceBackupDeps;
  readonly region: string;
  /** The state table item of the instance: its backup lock and record. */
  readonly key: string;
  /** Catch every error into `$.failure`. */
  readonly onFailure: FailureCatch;
  /** Before the lock is held: notify, then fail with `$.failure`. */
  readonly notifyFailed: tasks.SnsPublish;
  /** With the lock held: record the failure (releasing the lock), notify, fail with `$.failure`. */
  readonly recordFailed: tasks.DynamoUpdateItem;
  /** A Pass that sets `$.failure` (`error`, and `cause` read from a JSONPath or intrinsic), then `recordFailed`. */
  readonly failWith: (id: string, error: string, cause: string) => sfn.Chain;
  /** Every thaw failed: the highest-severity notification; the lock stays FROZEN for the rescue. */
  readonly notifyFrozen: tasks.SnsPublish;
}

/**
 * A message about this backup: "The backup <run> of instance <id> (policy <name>) " then `rest`, a `formatted`
 * template (its values in place: `'failed: {$.failure.Error}.'`).
 */
export function aboutTheBackup(rest: string): string {
  return formatted(`The backup {$.runId} of instance {$.instanceId} (policy {$.policy}) ${rest}`);
}

/** The shared part of an instance's backup, and its failure paths. */
export function backupSteps(scope: Construct, deps: InstanceBackupDeps): BackupSteps {
  const region = Stack.of(scope).region;
  const key = backupKey('$.instanceId');

  const notifyFailed = notifyThenFail(scope, 'Notify backup failed', {
    failStateId: 'Backup failed',
    topic: deps.topic,
    subject: 'ha-workflows: snapshot backup FAILED',
    message: aboutTheBackup('failed: {$.failure.Error}. {$.failure.Cause}'),
  });
  const recordFailed = releaseLock(scope, 'Record the failed backup', {
    table: deps.table,
    key,
    set: ['#state = :state', '#lastError = :error', '#backupId = :backupId'],
    names: {
      '#state': BACKUP_RECORD.state,
      '#lastError': BACKUP_RECORD.lastError,
      '#backupId': BACKUP_RECORD.backupId,
    },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString(BackupState.FAILED),
      ':error': stringAt('$.failure.Error'),
      ':backupId': stringAt('$.runId'),
    },
  });
  recordThenNotify(recordFailed, notifyFailed);
  const failWith = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, {
      parameters: { Error: error, 'Cause.$': cause },
      resultPath: '$.failure',
    }).next(recordFailed);

  // ── The database may still be frozen: highest severity, and the lock stays FROZEN for the rescue ──────
  const notifyFrozen = notifyMayStillBeFrozen(
    scope,
    deps.topic,
    'Every thaw attempt failed; the instance is recorded FROZEN and the rescue will try again',
    formatted(
      'CRITICAL: every thaw of instance {$.instanceId} (backup {$.runId}, policy {$.policy}) failed, so its ' +
        'database may still be frozen (writes suspended). Thaw it now (document {$.settings.thawDocument}). ' +
        'Last thaw status: {States.JsonToString($.thawAttempts)}.',
    ),
  );

  return {
    scope,
    deps,
    region,
    key,
    onFailure: { errors: [States.ALL], resultPath: '$.failure' },
    notifyFailed,
    recordFailed,
    failWith,
    notifyFrozen,
  };
}
