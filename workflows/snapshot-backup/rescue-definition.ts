import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  formatted,
  isExecutionStatusEvent,
  LOCK_ATTRIBUTES,
  notify,
  notifyThenFail,
  readItem,
  recordThenNotify,
  releaseLock,
  stringAt,
} from '../fragments';
import { Errors, States } from '../../contracts/errors';
import { BACKUP_RECORD, backupKey, BackupState } from './backup-record';
import { notifyMayStillBeFrozen, RESCUE_THAW_ATTEMPTS, RESCUE_THAW_PAUSE, thawChain } from './thaw';

export interface RescueDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly sendCommandPolicy: readonly iam.PolicyStatement[];
  readonly readCommandPolicy: iam.PolicyStatement;
  /** 1-s polls one thaw may take. */
  readonly thawPolls: number;
}

const RECORD = '$.record.Item';

/**
 * snapshot-backup-rescue: started by a backup execution's own ABORTED / TIMED_OUT / FAILED status event. Reads
 * the state table for the instance that execution backed up and, when the item is still recorded FROZEN by that
 * very execution, thaws it with the thaw document and parameters recorded there, releases the lock and notifies.
 * A pure function of its dependencies; it creates no resources.
 */
export function rescueDefinition(scope: Construct, deps: RescueDeps): sfn.IChainable {
  const key = backupKey('$.stopped.backup.instanceId');
  const dead = '$.stopped.executionArn';

  const notifyRescueFailed = notifyThenFail(scope, 'Notify the rescue failed', {
    failStateId: 'Rescue failed',
    topic: deps.topic,
    subject: 'ha-workflows: CRITICAL - backup rescue failed',
    message: formatted(
      `CRITICAL: the rescue of backup execution {${dead}} ({$.stopped.status}) failed: {$.failure.Error} ` +
        `{$.failure.Cause}. Instance {$.stopped.backup.instanceId} may still be frozen; check it now.`,
    ),
  });
  const onFailure = { errors: [States.ALL], resultPath: '$.failure' };

  const notifyFrozen = notifyMayStillBeFrozen(
    scope,
    deps.topic,
    'Every thaw attempt of the rescue failed',
    formatted(
      `CRITICAL: backup execution {${dead}} ended {$.stopped.status} while instance {$.stopped.backup.instanceId} ` +
        `was frozen, and every thaw of the rescue failed. ` +
        `Its database may still be frozen (writes suspended): thaw it now with document ` +
        `{${RECORD}.${BACKUP_RECORD.thawDocument}.S}.`,
    ),
  );

  const notifyRescued = notify(scope, 'Notify the rescue thawed the database', {
    topic: deps.topic,
    subject: 'ha-workflows: backup left a database frozen - thawed by the rescue',
    message: formatted(
      `Backup execution {${dead}} ended {$.stopped.status} while instance {$.stopped.backup.instanceId} was ` +
        `frozen. The rescue thawed it (status {$.thawResult.status}). ` +
        `The backup {${RECORD}.${BACKUP_RECORD.backupId}.S} has no application-consistent set.`,
    ),
    then: new sfn.Succeed(scope, 'Database thawed by the rescue'),
  });

  // Releases the dead execution's lock, and only its: another backup may hold the instance by now.
  const recordRescue = releaseLock(scope, 'Record the rescue', {
    table: deps.table,
    key,
    ownerPath: dead,
    condition: '#state = :frozen',
    set: ['#state = :rescued', '#thawedAt = :at'],
    names: { '#state': BACKUP_RECORD.state, '#thawedAt': BACKUP_RECORD.thawedAt },
    values: {
      ':rescued': tasks.DynamoAttributeValue.fromString(BackupState.THAWED_BY_RESCUE),
      ':frozen': tasks.DynamoAttributeValue.fromString(BackupState.FROZEN),
      ':at': stringAt('$.thawResult.endedAt'),
    },
  });
  // The database is thawed either way; the notification says so.
  recordThenNotify(recordRescue, notifyRescued);

  const thaw = thawChain(scope, {
    sendCommandPolicy: deps.sendCommandPolicy,
    readCommandPolicy: deps.readCommandPolicy,
    instanceIdPath: '$.stopped.backup.instanceId',
    documentPath: `${RECORD}.${BACKUP_RECORD.thawDocument}.S`,
    parameters: `States.StringToJson(${RECORD}.${BACKUP_RECORD.thawParameters}.S)`,
    maxPollsPath: '$.limits.thawPolls',
    attemptsPath: '$.thawAttempts',
    attempts: RESCUE_THAW_ATTEMPTS,
    pause: RESCUE_THAW_PAUSE,
    thawed: recordRescue,
    failed: notifyFrozen,
  });

  const nothingFrozen = new sfn.Succeed(scope, 'Nothing left frozen', {
    comment: 'The execution thawed what it froze (or froze nothing, or another backup holds the instance now)',
  });
  const isFrozen = new sfn.Choice(scope, 'Did it leave the database frozen?')
    .when(
      sfn.Condition.and(
        sfn.Condition.isPresent(`${RECORD}.${LOCK_ATTRIBUTES.owner}.S`),
        sfn.Condition.isPresent(`${RECORD}.${BACKUP_RECORD.state}.S`),
        sfn.Condition.isPresent(`${RECORD}.${BACKUP_RECORD.thawDocument}.S`),
        sfn.Condition.stringEqualsJsonPath(`${RECORD}.${LOCK_ATTRIBUTES.owner}.S`, dead),
        sfn.Condition.stringEquals(`${RECORD}.${BACKUP_RECORD.state}.S`, BackupState.FROZEN),
      ),
      new sfn.Pass(scope, 'Prepare the thaw', {
        result: sfn.Result.fromObject({ attempts: 0 }),
        resultPath: '$.thawAttempts',
      }).next(thaw),
    )
    .otherwise(nothingFrozen);

  const read = readItem(scope, 'Read the instance record', { table: deps.table, key, resultPath: '$.record' });
  read.addCatch(notifyRescueFailed, onFailure);
  read.next(isFrozen);

  const take = new sfn.Pass(scope, 'Take the stopped execution from the event', {
    parameters: {
      stopped: {
        'executionArn.$': '$.detail.executionArn',
        'status.$': '$.detail.status',
        'backup.$': 'States.StringToJson($.detail.input)',
      },
      limits: { thawPolls: deps.thawPolls },
    },
  });
  const unrecognized = new sfn.Fail(scope, 'Event names no backup execution', {
    error: Errors.INVALID_INPUT,
    cause:
      'Expected a "Step Functions Execution Status Change" event of a snapshot-backup-instance execution, with its input',
  });
  take.next(
    new sfn.Choice(scope, 'Does the event name an instance?')
      .when(sfn.Condition.isPresent('$.stopped.backup.instanceId'), read)
      .otherwise(unrecognized),
  );
  return new sfn.Choice(scope, 'Read the event')
    .when(isExecutionStatusEvent(['executionArn', 'status']), take)
    .otherwise(unrecognized);
}
