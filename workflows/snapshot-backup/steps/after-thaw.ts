import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { continueEitherWay, lambdaTask, LOCK_ATTRIBUTES, stringAt, updateItem } from '../../fragments';
import { Errors, States } from '../../../contracts/errors';
import { BACKUP_RECORD, BackupState } from '../backup-record';
import type { BackupSteps } from './context';
import type { CrashSetSteps, SetSteps } from './snapshot-set';

/**
 * After the thaw: record it (only the rescue cares if that fails), then go on by what happened before it — a
 * failed freeze falls back, a lost CreateSnapshots response is looked up, a failed one fails, else the set is read.
 * Returns the state the thaw goes to when it is confirmed.
 */
export function afterTheThaw(
  steps: BackupSteps,
  set: SetSteps,
  crash: CrashSetSteps,
  waitForCompletion: sfn.IChainable,
): tasks.DynamoUpdateItem {
  const { readSetMade, findLostSet, toCompletion } = set;
  const { fallBack } = crash;
  const { scope, deps, key, onFailure, recordFailed, failWith } = steps;
  const recordWindow = lambdaTask(scope, 'Record the freeze window', {
    fn: deps.recordFunction,
    task: 'record-freeze-window',
    payload: {
      'instanceId.$': '$.instanceId',
      'policy.$': '$.policy',
      'freezeEndedAt.$': '$.freezeResult.endedAt',
      'thawEndedAt.$': '$.thawResult.endedAt',
      'thawOutput.$': '$.thawResult.output',
      'snapshotIds.$': '$.snapshot.snapshotIds',
    },
    resultPath: '$.freezeWindow',
  });
  // Fail closed: without the record, writes that resumed early would leave the set tagged `application`.
  recordWindow.addCatch(recordFailed, onFailure);
  recordWindow.next(waitForCompletion);
  toCompletion.otherwise(recordWindow);

  const afterThaw = new sfn.Choice(scope, 'What happened before the thaw?')
    .when(sfn.Condition.isPresent('$.failure.freeze'), fallBack)
    .when(
      sfn.Condition.and(
        sfn.Condition.isPresent('$.failure.Error'),
        sfn.Condition.stringEquals('$.failure.Error', States.TIMEOUT),
      ),
      findLostSet,
    )
    .when(
      sfn.Condition.isPresent('$.failure'),
      failWith(
        'Note the set was not created',
        Errors.SNAPSHOT_NOT_CREATED,
        "States.Format('CreateSnapshots for {} failed while its database was frozen (it was thawed): {} {}', " +
          '$.instanceId, $.failure.Error, $.failure.Cause)',
      ),
    )
    .otherwise(readSetMade);
  const recordThaw = updateItem(scope, 'Record the thaw', {
    table: deps.table,
    key,
    update: 'SET #state = :thawed, #thawedAt = :at',
    condition: '#owner = :me',
    names: {
      '#state': BACKUP_RECORD.state,
      '#thawedAt': BACKUP_RECORD.thawedAt,
      '#owner': LOCK_ATTRIBUTES.owner,
    },
    values: {
      ':thawed': tasks.DynamoAttributeValue.fromString(BackupState.THAWED),
      ':at': stringAt('$.thawResult.endedAt'),
      ':me': stringAt('$$.Execution.Id'),
    },
  });
  // The database is thawed; a record that cannot be written only means the rescue may thaw it once more.
  return continueEitherWay(recordThaw, afterThaw, '$.recordThawError');
}
