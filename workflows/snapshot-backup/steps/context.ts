import { Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { notify, notifyThenFail, releaseLock } from '../../fragments';
import { Errors, States } from '../../../contracts/errors';
import { BACKUP_RECORD, backupKey, BackupState } from '../backup-record';
import type { InstanceBackupDeps } from '../instance-definition';

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

/** The shared part of an instance's backup, and its failure paths. */
export function backupSteps(scope: Construct, deps: InstanceBackupDeps): BackupSteps {
  const region = Stack.of(scope).region;
  const key = backupKey('$.instanceId');

  const notifyFailed = notifyThenFail(scope, 'Notify backup failed', {
    failStateId: 'Backup failed',
    topic: deps.topic,
    subject: 'ha-workflows: snapshot backup FAILED',
    message: sfn.JsonPath.format(
      'The backup {} of instance {} (policy {}) failed: {}. {}',
      sfn.JsonPath.stringAt('$.runId'),
      sfn.JsonPath.stringAt('$.instanceId'),
      sfn.JsonPath.stringAt('$.policy'),
      sfn.JsonPath.stringAt('$.failure.Error'),
      sfn.JsonPath.stringAt('$.failure.Cause'),
    ),
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
      ':error': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.failure.Error')),
      ':backupId': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.runId')),
    },
  });
  recordFailed.addCatch(notifyFailed, { errors: [States.ALL], resultPath: '$.recordError' });
  recordFailed.next(notifyFailed);
  const failWith = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, {
      parameters: { Error: error, 'Cause.$': cause },
      resultPath: '$.failure',
    }).next(recordFailed);

  // ── The database may still be frozen: highest severity, and the lock stays FROZEN for the rescue ──────
  const stillFrozen = new sfn.Fail(scope, 'Database may still be frozen', {
    error: Errors.THAW_FAILED,
    cause: 'Every thaw attempt failed; the instance is recorded FROZEN and the rescue will try again',
  });
  const notifyFrozen = notify(scope, 'Notify the database may still be frozen', {
    topic: deps.topic,
    subject: 'ha-workflows: CRITICAL - database may still be FROZEN',
    message: sfn.JsonPath.format(
      'CRITICAL: every thaw of instance {} (backup {}, policy {}) failed, so its database may still be frozen ' +
        '(writes suspended). Thaw it now (document {}). Last thaw status: {}.',
      sfn.JsonPath.stringAt('$.instanceId'),
      sfn.JsonPath.stringAt('$.runId'),
      sfn.JsonPath.stringAt('$.policy'),
      sfn.JsonPath.stringAt('$.settings.thawDocument'),
      sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.thawAttempts')),
    ),
  });
  notifyFrozen.addCatch(stillFrozen, { errors: [States.ALL], resultPath: '$.notifyError' });
  notifyFrozen.next(stillFrozen);

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
