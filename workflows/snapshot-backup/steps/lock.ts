import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import {
  formatted,
  lambdaTask,
  notify,
  readItem,
  recordThenNotify,
  stringAt,
  takeLock,
  updateItem,
} from '../../fragments';
import { Aws, States } from '../../../contracts/errors';
import { BACKUP_RECORD } from '../backup-record';
import { LOCK_RETRY_INTERVAL, PLAN } from './constants';
import { aboutTheBackup, type BackupSteps } from './context';

/**
 * Plan the backup (the plan refuses an instance with nothing to snapshot), then take the instance's backup lock,
 * recorded FROZEN from before the freeze is sent. Returns plan → lock; the caller adds what follows the lock.
 */
export function planAndLock(steps: BackupSteps): sfn.Chain {
  const { scope, deps, key, onFailure, notifyFailed } = steps;
  const plan = lambdaTask(scope, 'Plan the backup', {
    fn: deps.planFunction,
    task: 'plan-instance-backup',
    payload: {
      'instanceId.$': '$.instanceId',
      'executionStartTime.$': '$$.Execution.StartTime',
      'settings.$': '$.settings',
    },
    resultPath: '$.plan',
  });
  plan.addCatch(notifyFailed, onFailure);

  const lock = takeLock(scope, 'Take the backup lock', {
    table: deps.table,
    key,
    // The execution's start, advanced by one interval per re-try (a lower bound of the time now: a stale
    // lock is taken over no earlier than its lease allows). The lease itself stays start + lockTtlSeconds,
    // which the execution's own timeout never outlives.
    nowEpochPath: '$.polls.lock.nowEpoch',
    expiresAtPath: `${PLAN}.lockExpiresAt`,
    set: [
      '#state = :state',
      '#policy = :policy',
      '#backupId = :backupId',
      '#thawDocument = :thawDocument',
      '#thawParameters = :thawParameters',
    ],
    names: {
      '#state': BACKUP_RECORD.state,
      '#policy': BACKUP_RECORD.policy,
      '#backupId': BACKUP_RECORD.backupId,
      '#thawDocument': BACKUP_RECORD.thawDocument,
      '#thawParameters': BACKUP_RECORD.thawParameters,
    },
    values: {
      // FROZEN from before the freeze is sent: from then on a freeze may be in effect.
      ':state': stringAt(`${PLAN}.lockState`),
      ':policy': stringAt('$.policy'),
      ':backupId': stringAt('$.runId'),
      ':thawDocument': stringAt('$.settings.thawDocument'),
      ':thawParameters': tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.settings.thawParameters')),
      ),
    },
  });
  lock.addCatch(notifyFailed, onFailure);

  const startLockAttempts = waitForTheOtherBackup(steps, lock);
  return sfn.Chain.start(plan).next(startLockAttempts).next(lock);
}

/**
 * Another backup holds the instance: take the lock again every LOCK_RETRY_INTERVAL within the policy's lock wait;
 * then record and report the backup skipped, naming the holder. Returns the Pass that starts counting the attempts.
 */
function waitForTheOtherBackup(steps: BackupSteps, lock: sfn.TaskStateBase): sfn.Pass {
  const { scope, deps, key } = steps;
  const skipped = new sfn.Pass(scope, 'Report the backup skipped', {
    parameters: {
      'instanceId.$': '$.instanceId',
      skipped: true,
      'lockWaits.$': '$.polls.lock.attempts',
      'heldBy.$': '$.holder.text',
    },
    resultPath: '$.result',
  }).next(new sfn.Succeed(scope, 'Backup skipped', { outputPath: '$.result' }));
  const notifySkipped = notify(scope, 'Notify the backup was skipped', {
    topic: deps.topic,
    subject: 'ha-workflows: snapshot backup SKIPPED',
    message: aboutTheBackup(
      'was SKIPPED: another backup ({$.holder.text}) held the instance through {$.polls.lock.attempts} ' +
        're-tries of its lock, one minute apart. No snapshot was taken for policy {$.policy} in this run; the next ' +
        'run ' +
        'of the policy will try again.',
    ),
    then: skipped,
  });
  // Kept on the instance's item beside (never in) the holder's lock and record: no condition, no lock attribute.
  const recordSkipped = recordThenNotify(
    updateItem(scope, 'Record the skipped backup', {
      table: deps.table,
      key,
      update: 'SET #skippedId = :runId, #skippedPolicy = :policy',
      names: {
        '#skippedId': BACKUP_RECORD.lastSkippedBackupId,
        '#skippedPolicy': BACKUP_RECORD.lastSkippedPolicy,
      },
      values: { ':runId': stringAt('$.runId'), ':policy': stringAt('$.policy') },
    }),
    notifySkipped,
  );
  const holderUnknown = new sfn.Pass(scope, 'Note the holder is unknown', {
    result: sfn.Result.fromObject({ text: 'unknown: its record could not be read' }),
    resultPath: '$.holder',
  }).next(recordSkipped);
  const readHolder = readItem(scope, 'Read who holds the instance', {
    table: deps.table,
    key,
    resultSelector: { 'item.$': '$' },
    resultPath: '$.holder',
  });
  readHolder.addCatch(holderUnknown, { errors: [States.ALL], resultPath: '$.holderError' });
  readHolder.next(
    new sfn.Choice(scope, 'Is the holder recorded?')
      .when(
        sfn.Condition.and(
          sfn.Condition.isPresent(`$.holder.item.Item.${BACKUP_RECORD.backupId}.S`),
          sfn.Condition.isPresent(`$.holder.item.Item.${BACKUP_RECORD.policy}.S`),
        ),
        new sfn.Pass(scope, 'Name the holder', {
          parameters: {
            text: formatted(
              `backup {$.holder.item.Item.${BACKUP_RECORD.backupId}.S} of policy ` +
                `{$.holder.item.Item.${BACKUP_RECORD.policy}.S}`,
            ),
          },
          resultPath: '$.holder',
        }).next(recordSkipped),
      )
      .otherwise(holderUnknown),
  );
  const countLockAttempt = new sfn.Pass(scope, 'Count the lock attempt', {
    parameters: {
      'attempts.$': 'States.MathAdd($.polls.lock.attempts, 1)',
      'nowEpoch.$': `States.MathAdd($.polls.lock.nowEpoch, ${LOCK_RETRY_INTERVAL.toSeconds()})`,
    },
    resultPath: '$.polls.lock',
  });
  const waitForLock = new sfn.Wait(scope, 'Wait for the other backup', {
    time: sfn.WaitTime.duration(LOCK_RETRY_INTERVAL),
  });
  waitForLock.next(countLockAttempt).next(lock);
  const lockHeld = new sfn.Choice(scope, 'Wait for the other backup?', {
    comment: 'A backup of this instance (another policy, or one that died less than a lease ago) holds the lock',
  })
    .when(sfn.Condition.numberLessThanJsonPath('$.polls.lock.attempts', '$.settings.lockWaitPolls'), waitForLock)
    .otherwise(readHolder);
  lock.addCatch(lockHeld, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  const startLockAttempts = new sfn.Pass(scope, 'Start counting lock attempts', {
    parameters: { attempts: 0, 'nowEpoch.$': `${PLAN}.nowEpoch` },
    resultPath: '$.polls.lock',
  });
  return startLockAttempts;
}
