import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { notify, releaseLock, stringAt } from '../../fragments';
import { BACKUP_RECORD, BackupState } from '../backup-record';
import { aboutTheBackup, type BackupSteps } from './context';

/** Release the backup lock (recorded BACKED_UP), notify when the policy asks, succeed with the run's output. */
export function releaseAndReport(steps: BackupSteps): tasks.DynamoUpdateItem {
  const { scope, deps, key, onFailure, notifyFailed } = steps;
  const done = new sfn.Pass(scope, 'Report the backup done', {
    parameters: { 'instanceId.$': '$.instanceId', skipped: false, 'lockWaits.$': '$.polls.lock.attempts' },
    resultPath: '$.result',
  }).next(new sfn.Succeed(scope, 'Backup complete', { outputPath: '$.result' }));
  const notifyDone = notify(scope, 'Notify backup complete', {
    topic: deps.topic,
    subject: 'ha-workflows: snapshot backup complete',
    message: aboutTheBackup('is complete: {$.snapshot.count} snapshot(s).'),
    then: done,
  });
  const release = releaseLock(scope, 'Release the backup lock', {
    table: deps.table,
    key,
    set: ['#state = :state', '#backupId = :backupId'],
    names: { '#state': BACKUP_RECORD.state, '#backupId': BACKUP_RECORD.backupId },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString(BackupState.BACKED_UP),
      ':backupId': stringAt('$.runId'),
    },
  });
  release.addCatch(notifyFailed, onFailure);
  release.next(
    new sfn.Choice(scope, 'Notify on success?')
      .when(sfn.Condition.booleanEquals('$.settings.notifyOnSuccess', true), notifyDone)
      .otherwise(done),
  );
  return release;
}
