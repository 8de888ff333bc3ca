import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { STATE_TABLE_KEYS } from '../base';
import {
  API_CALL_TIMEOUT,
  Aws,
  AwsCall,
  COPY_LIMIT_RETRY,
  Errors,
  FROZEN_CALL_RETRY,
  LOCK_ATTRIBUTES,
  lambdaTask,
  notify,
  notifyThenFail,
  pollUntil,
  releaseLock,
  runCommand,
  runCommandNames,
  States,
  takeLock,
  throttlingRetry,
} from '../fragments';
import { BACKUP_TAG_KEYS, CREATED_BY } from './input';
import { COMMAND_POLL_INTERVAL, thawChain } from './thaw';

/** The copy task's own timeout (each attempt). */
export const COPY_TASK_TIMEOUT = Duration.minutes(2);

/** The state table item of an instance's backups: its lock, and what it is frozen with while it may be. */
export const backupKey = (instanceIdPath: string) =>
  sfn.JsonPath.format('BACKUP#{}', sfn.JsonPath.stringAt(instanceIdPath));

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

/** Between two attempts to take a backup lock that another backup of the instance holds. */
export const LOCK_RETRY_INTERVAL = Duration.minutes(1);
/** Look-ups of the set a CreateSnapshots with a lost response made (5 s apart: DescribeSnapshots is eventually consistent). */
export const LOST_SET_LOOKUPS = 3;
export const LOST_SET_LOOKUP_INTERVAL = Duration.seconds(5);

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

export interface InstanceBackupDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly planFunction: lambda.IFunction;
  readonly recordFunction: lambda.IFunction;
  readonly pruneFunction: lambda.IFunction;
  /** Only when a policy copies to another region. */
  readonly copyFunction?: lambda.IFunction;
  /** SendCommand of the stack's freeze and thaw documents, on the instances the policies select. */
  readonly sendCommandPolicy: readonly iam.PolicyStatement[];
  /** GetCommandInvocation. */
  readonly readCommandPolicy: iam.PolicyStatement;
  /** CreateSnapshots of the selected instances' volumes, tagged as the workflow's own. */
  readonly createSnapshotsPolicy: readonly iam.PolicyStatement[];
  /** DescribeSnapshots. */
  readonly describeSnapshotsPolicy: iam.PolicyStatement;
  /** Between two reads of the set's state. */
  readonly completionPollInterval: Duration;
}

const PLAN = '$.plan.value';
/** Where the raw CreateSnapshots (or look-up) response is kept until the thaw; only IsPresent-tested reads touch it. */
const CREATED = '$.created';

/**
 * snapshot-backup-instance: back up one instance — plan (refuses an instance with nothing to snapshot) → lock
 * (re-tried every minute within the policy's lock wait while another backup holds it, then reported skipped) →
 * freeze → CreateSnapshots → thaw → read the set (looked up by its tags when the response was lost) → record →
 * wait until completed → copy → prune → release. Once a freeze may have happened, every path goes through the
 * thaw, and between a confirmed freeze and the thaw there is nothing but the CreateSnapshots call, whose
 * response is only stored (no path into it is read before the thaw).
 * Every successful end outputs `{ instanceId, skipped, lockWaits }` (the parent run reads it).
 * A pure function of its dependencies; it creates no resources.
 */
export function instanceBackupDefinition(scope: Construct, deps: InstanceBackupDeps): sfn.IChainable {
  const region = Stack.of(scope).region;
  const key = backupKey('$.instanceId');
  const onFailure = { errors: [States.ALL], resultPath: '$.failure' };

  // ── Failure: record, release, notify, fail with the error's own name ─────────────────────────────────
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

  // ── Plan and lock ────────────────────────────────────────────────────────────────────────────────────
  const plan = lambdaTask(scope, 'Plan the backup', {
    fn: deps.planFunction,
    idempotent: true,
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
      ':state': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(`${PLAN}.lockState`)),
      ':policy': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.policy')),
      ':backupId': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.runId')),
      ':thawDocument': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.settings.thawDocument')),
      ':thawParameters': tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.settings.thawParameters')),
      ),
    },
  });
  lock.addCatch(notifyFailed, onFailure);

  // ── Another backup holds the instance: wait for it within the policy's lock wait, else report skipped ───
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
    message: sfn.JsonPath.format(
      'The backup {} of instance {} (policy {}) was SKIPPED: another backup ({}) held the instance through {} ' +
        're-tries of its lock, one minute apart. No snapshot was taken for policy {} in this run; the next run ' +
        'of the policy will try again.',
      sfn.JsonPath.stringAt('$.runId'),
      sfn.JsonPath.stringAt('$.instanceId'),
      sfn.JsonPath.stringAt('$.policy'),
      sfn.JsonPath.stringAt('$.holder.text'),
      sfn.JsonPath.stringAt('$.polls.lock.attempts'),
      sfn.JsonPath.stringAt('$.policy'),
    ),
  });
  notifySkipped.addCatch(skipped, { errors: [States.ALL], resultPath: '$.notifyError' });
  notifySkipped.next(skipped);
  // Kept on the instance's item beside (never in) the holder's lock and record: no condition, no lock attribute.
  const recordSkipped = new tasks.DynamoUpdateItem(scope, 'Record the skipped backup', {
    table: deps.table,
    key: { [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(key) },
    updateExpression: 'SET #skippedId = :runId, #skippedPolicy = :policy',
    expressionAttributeNames: {
      '#skippedId': BACKUP_RECORD.lastSkippedBackupId,
      '#skippedPolicy': BACKUP_RECORD.lastSkippedPolicy,
    },
    expressionAttributeValues: {
      ':runId': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.runId')),
      ':policy': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.policy')),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  recordSkipped.addRetry(throttlingRetry(recordSkipped));
  recordSkipped.addCatch(notifySkipped, { errors: [States.ALL], resultPath: '$.recordError' });
  recordSkipped.next(notifySkipped);
  const holderUnknown = new sfn.Pass(scope, 'Note the holder is unknown', {
    result: sfn.Result.fromObject({ text: 'unknown: its record could not be read' }),
    resultPath: '$.holder',
  }).next(recordSkipped);
  const readHolder = new tasks.DynamoGetItem(scope, 'Read who holds the instance', {
    table: deps.table,
    key: { [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(key) },
    consistentRead: true,
    resultSelector: { 'item.$': '$' },
    resultPath: '$.holder',
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  readHolder.addRetry(throttlingRetry(readHolder));
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
            text: sfn.JsonPath.format(
              'backup {} of policy {}',
              sfn.JsonPath.stringAt(`$.holder.item.Item.${BACKUP_RECORD.backupId}.S`),
              sfn.JsonPath.stringAt(`$.holder.item.Item.${BACKUP_RECORD.policy}.S`),
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

  // ── Release, notify, succeed ─────────────────────────────────────────────────────────────────────────
  const done = new sfn.Pass(scope, 'Report the backup done', {
    parameters: { 'instanceId.$': '$.instanceId', skipped: false, 'lockWaits.$': '$.polls.lock.attempts' },
    resultPath: '$.result',
  }).next(new sfn.Succeed(scope, 'Backup complete', { outputPath: '$.result' }));
  const notifyDone = notify(scope, 'Notify backup complete', {
    topic: deps.topic,
    subject: 'ha-workflows: snapshot backup complete',
    message: sfn.JsonPath.format(
      'The backup {} of instance {} (policy {}) is complete: {} snapshot(s).',
      sfn.JsonPath.stringAt('$.runId'),
      sfn.JsonPath.stringAt('$.instanceId'),
      sfn.JsonPath.stringAt('$.policy'),
      sfn.JsonPath.stringAt('$.snapshot.count'),
    ),
  });
  notifyDone.addCatch(done, { errors: [States.ALL], resultPath: '$.notifyError' });
  notifyDone.next(done);
  const release = releaseLock(scope, 'Release the backup lock', {
    table: deps.table,
    key,
    set: ['#state = :state', '#backupId = :backupId'],
    names: { '#state': BACKUP_RECORD.state, '#backupId': BACKUP_RECORD.backupId },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString(BackupState.BACKED_UP),
      ':backupId': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.runId')),
    },
  });
  release.addCatch(notifyFailed, onFailure);
  release.next(
    new sfn.Choice(scope, 'Notify on success?')
      .when(sfn.Condition.booleanEquals('$.settings.notifyOnSuccess', true), notifyDone)
      .otherwise(done),
  );

  // ── Prune and copy ───────────────────────────────────────────────────────────────────────────────────
  const prune = lambdaTask(scope, 'Prune expired sets', {
    fn: deps.pruneFunction,
    payload: {
      'instanceId.$': '$.instanceId',
      'policy.$': '$.policy',
      'asOf.$': '$$.Execution.StartTime',
      region,
      'settings.$': '$.settings',
    },
    resultSelector: {
      'regions.$': '$.Payload.regions',
      'inUse.$': '$.Payload.inUse',
      'inUseCount.$': 'States.ArrayLength($.Payload.inUse)',
    },
    resultPath: '$.prune',
    timeout: Duration.minutes(5),
  });
  prune.addCatch(recordFailed, onFailure);
  // An expired snapshot a registered AMI uses cannot be deleted: the backup still succeeds, the operators are told.
  const notifyInUse = notify(scope, 'Notify snapshots kept for an AMI', {
    topic: deps.topic,
    subject: 'ha-workflows: expired backup snapshots kept (in use by an AMI)',
    message: sfn.JsonPath.format(
      'The backup {} of instance {} (policy {}) could not prune {} expired snapshot(s): a registered AMI uses them. Deregister the AMI, or keep the snapshots on purpose: {}',
      sfn.JsonPath.stringAt('$.runId'),
      sfn.JsonPath.stringAt('$.instanceId'),
      sfn.JsonPath.stringAt('$.policy'),
      sfn.JsonPath.stringAt('$.prune.inUseCount'),
      sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.prune.inUse')),
    ),
  });
  notifyInUse.addCatch(release, { errors: [States.ALL], resultPath: '$.notifyError' });
  notifyInUse.next(release);
  prune.next(
    new sfn.Choice(scope, 'Were expired snapshots kept for an AMI?')
      .when(sfn.Condition.numberGreaterThan('$.prune.inUseCount', 0), notifyInUse)
      .otherwise(release),
  );

  let afterCompletion: sfn.IChainable = prune;
  if (deps.copyFunction) {
    const copy = lambdaTask(scope, 'Copy the set to the other region', {
      fn: deps.copyFunction,
      payload: {
        'instanceId.$': '$.instanceId',
        'backupId.$': '$.runId',
        sourceRegion: region,
        'destinationRegion.$': '$.settings.copy.region',
        'snapshotIds.$': '$.snapshot.snapshotIds',
        'expiry.$': `${PLAN}.copyExpiry`,
      },
      resultPath: '$.copy',
      timeout: COPY_TASK_TIMEOUT,
    });
    // The copy region's 20 concurrent copies: wait for some to complete, then start the missing ones.
    copy.addRetry(COPY_LIMIT_RETRY);
    copy.addCatch(recordFailed, onFailure);
    copy.next(prune);
    afterCompletion = new sfn.Choice(scope, 'Copy the set to another region?')
      .when(sfn.Condition.isPresent('$.settings.copy'), copy)
      .otherwise(prune);
  }

  // ── Wait until every snapshot of the set is completed ────────────────────────────────────────────────
  const readSet = new AwsCall(scope, 'Read the snapshot states', {
    service: 'ec2',
    action: 'describeSnapshots',
    parameters: { 'SnapshotIds.$': '$.snapshot.snapshotIds' },
    policy: [deps.describeSnapshotsPolicy],
    resultSelector: {
      'pending.$': "States.ArrayContains($.Snapshots[*].State, 'pending')",
      'error.$': "States.ArrayContains($.Snapshots[*].State, 'error')",
    },
    resultPath: '$.completion',
  });
  readSet.addCatch(recordFailed, onFailure);
  const checkFailed = new sfn.Choice(scope, 'Did a snapshot fail?')
    .when(
      sfn.Condition.booleanEquals('$.completion.error', true),
      failWith(
        'Note a snapshot failed',
        Errors.SNAPSHOT_FAILED,
        "States.Format('A snapshot of the set {} of instance {} ended in state error; the set cannot be restored: {}', " +
          '$.runId, $.instanceId, States.JsonToString($.snapshot.snapshotIds))',
      ),
    )
    .otherwise(afterCompletion);
  const waitForCompletion = pollUntil(scope, {
    check: readSet,
    done: sfn.Condition.or(
      sfn.Condition.booleanEquals('$.completion.error', true),
      sfn.Condition.booleanEquals('$.completion.pending', false),
    ),
    interval: deps.completionPollInterval,
    maxAttempts: '$.settings.completionPolls',
    counterPath: '$.polls.completion',
    label: 'the snapshot set complete',
    waitFirst: true,
    exhausted: failWith(
      'Note the set did not complete',
      Errors.SNAPSHOT_NOT_COMPLETED,
      "States.Format('The snapshot set {} of instance {} was still pending after {} checks: {}', " +
        '$.runId, $.instanceId, $.settings.completionPolls, States.JsonToString($.snapshot.snapshotIds))',
    ),
    then: checkFailed,
  });

  // ── Snapshot sets ────────────────────────────────────────────────────────────────────────────────────
  const createSnapshots = (id: string, consistency: string | undefined, retry: sfn.RetryProps) =>
    new AwsCall(scope, id, {
      service: 'ec2',
      action: 'createSnapshots',
      parameters: {
        InstanceSpecification: {
          'InstanceId.$': '$.instanceId',
          'ExcludeBootVolume.$': '$.settings.excludeBootVolume',
        },
        'Description.$': `States.Format('ha-workflows {} of {}', $.runId, $.instanceId)`,
        TagSpecifications: [
          {
            ResourceType: 'snapshot',
            Tags: [
              { Key: BACKUP_TAG_KEYS.createdBy, Value: CREATED_BY },
              { Key: BACKUP_TAG_KEYS.policy, 'Value.$': '$.policy' },
              { Key: BACKUP_TAG_KEYS.backupId, 'Value.$': '$.runId' },
              { Key: BACKUP_TAG_KEYS.instanceId, 'Value.$': '$.instanceId' },
              { Key: BACKUP_TAG_KEYS.expiry, 'Value.$': `${PLAN}.expiry` },
              ...(consistency === undefined
                ? [
                    { Key: BACKUP_TAG_KEYS.consistency, Value: 'crash' },
                    { Key: BACKUP_TAG_KEYS.consistencyNote, 'Value.$': '$.consistencyNote.text' },
                  ]
                : [{ Key: BACKUP_TAG_KEYS.consistency, Value: consistency }]),
            ],
          },
        ],
      },
      policy: deps.createSnapshotsPolicy,
      // Only stored: while the database is frozen nothing reads into the response (an empty or absent list
      // would be an uncatchable States.Runtime). "Read the set" picks the ids after the thaw.
      resultPath: CREATED,
      // Never on States.Timeout: CreateSnapshots has no ClientToken, so a retry after a lost response would
      // make a second set. A timed-out call is followed by a look-up of the set by its tags instead.
      retry,
    });

  // ── The set: from the response, or (after a lost response) found by its tags; checked against the plan ──
  const toCompletion = new sfn.Choice(scope, 'Was the set taken frozen?')
    // The crash-consistent paths note why; the frozen path records its freeze window first.
    .when(sfn.Condition.isPresent('$.consistencyNote'), waitForCompletion);
  // (otherwise: "Record the freeze window", below)
  const checkCoverage = new sfn.Choice(scope, 'Does the set cover every planned volume?')
    .when(
      sfn.Condition.numberLessThanJsonPath('$.snapshot.count', `${PLAN}.volumeCount`),
      failWith(
        'Note the set is incomplete',
        Errors.SNAPSHOT_SET_INCOMPLETE,
        "States.Format('CreateSnapshots made {} snapshot(s) of instance {} where the plan found {} volume(s) {} (a volume was detached meanwhile?); the set {} cannot restore the instance: {}', " +
          `$.snapshot.count, $.instanceId, ${PLAN}.volumeCount, States.JsonToString(${PLAN}.volumeIds), $.runId, States.JsonToString($.snapshot.snapshotIds))`,
      ),
    )
    .otherwise(toCompletion);
  const keepIds = new sfn.Pass(scope, 'Keep the snapshot ids', {
    parameters: {
      'snapshotIds.$': `${CREATED}.Snapshots[*].SnapshotId`,
      'count.$': `States.ArrayLength(${CREATED}.Snapshots)`,
    },
    resultPath: '$.snapshot',
  });
  keepIds
    .next(
      new sfn.Pass(scope, 'Forget the CreateSnapshots response', {
        result: sfn.Result.fromObject({}),
        resultPath: CREATED,
      }),
    )
    .next(checkCoverage);
  const hasSet = sfn.Condition.isPresent(`${CREATED}.Snapshots[0].SnapshotId`);
  const readSetMade = new sfn.Choice(scope, 'Did CreateSnapshots return a set?')
    .when(hasSet, keepIds)
    .otherwise(
      failWith(
        'Note CreateSnapshots returned no snapshot',
        Errors.NOTHING_TO_SNAPSHOT,
        "States.Format('CreateSnapshots returned no snapshot of instance {} although the plan found volume(s) {} (detached meanwhile?); no set exists for backup {}', " +
          `$.instanceId, States.JsonToString(${PLAN}.volumeIds), $.runId)`,
      ),
    );
  // A lost response (States.Timeout after the call took effect): find the set by the tags the call put on it.
  const lookUp = new AwsCall(scope, 'Look for the set the call made', {
    service: 'ec2',
    action: 'describeSnapshots',
    parameters: {
      OwnerIds: ['self'],
      Filters: [
        { Name: `tag:${BACKUP_TAG_KEYS.createdBy}`, Values: [CREATED_BY] },
        { Name: `tag:${BACKUP_TAG_KEYS.policy}`, 'Values.$': 'States.Array($.policy)' },
        { Name: `tag:${BACKUP_TAG_KEYS.backupId}`, 'Values.$': 'States.Array($.runId)' },
        { Name: `tag:${BACKUP_TAG_KEYS.instanceId}`, 'Values.$': 'States.Array($.instanceId)' },
      ],
    },
    policy: [deps.describeSnapshotsPolicy],
    resultPath: CREATED,
  });
  lookUp.addCatch(recordFailed, onFailure);
  const findLostSet = pollUntil(scope, {
    check: lookUp,
    done: hasSet,
    interval: LOST_SET_LOOKUP_INTERVAL,
    maxAttempts: LOST_SET_LOOKUPS,
    counterPath: '$.polls.lookUp',
    label: 'the set of the lost call found',
    exhausted: failWith(
      'Note the lost call made no set',
      Errors.SNAPSHOT_NOT_CREATED,
      "States.Format('CreateSnapshots for {} timed out ({}), and no snapshot tagged with backup {} was found by {} look-ups: the call made no set', " +
        `$.instanceId, $.failure.Cause, $.runId, ${LOST_SET_LOOKUPS})`,
    ),
    then: keepIds,
  });

  const takeCrashSet = createSnapshots('Take a crash-consistent set', undefined, throttlingRetry('aws-sdk:ec2'));
  takeCrashSet.addCatch(findLostSet, { errors: [States.TIMEOUT], resultPath: '$.failure' });
  takeCrashSet.addCatch(
    failWith(
      'Note the crash-consistent set was not created',
      Errors.SNAPSHOT_NOT_CREATED,
      "States.Format('CreateSnapshots for {} failed: {} {}', $.instanceId, $.failure.Error, $.failure.Cause)",
    ),
    onFailure,
  );
  takeCrashSet.next(readSetMade);

  const fallBack = new sfn.Choice(scope, 'Fall back to a crash-consistent set?')
    .when(
      sfn.Condition.stringEquals('$.settings.onFreezeFailure', 'crash-consistent'),
      new sfn.Pass(scope, 'Note the set is crash-consistent after a failed freeze', {
        parameters: { 'text.$': "States.Format('freeze-failed: {}', $.failure.Error)" },
        resultPath: '$.consistencyNote',
      }).next(takeCrashSet),
    )
    .otherwise(recordFailed);

  // ── After the thaw: record it, then go on by what happened before it ────────────────────────────────
  const recordWindow = lambdaTask(scope, 'Record the freeze window', {
    fn: deps.recordFunction,
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
  const recordThaw = new tasks.DynamoUpdateItem(scope, 'Record the thaw', {
    table: deps.table,
    key: { [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(key) },
    updateExpression: 'SET #state = :thawed, #thawedAt = :at',
    conditionExpression: '#owner = :me',
    expressionAttributeNames: {
      '#state': BACKUP_RECORD.state,
      '#thawedAt': BACKUP_RECORD.thawedAt,
      '#owner': LOCK_ATTRIBUTES.owner,
    },
    expressionAttributeValues: {
      ':thawed': tasks.DynamoAttributeValue.fromString(BackupState.THAWED),
      ':at': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.thawResult.endedAt')),
      ':me': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id')),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  recordThaw.addRetry(throttlingRetry(recordThaw));
  // The database is thawed; a record that cannot be written only means the rescue may thaw it once more.
  recordThaw.addCatch(afterThaw, { errors: [States.ALL], resultPath: '$.recordThawError' });
  recordThaw.next(afterThaw);

  const thaw = thawChain(scope, {
    sendCommandPolicy: deps.sendCommandPolicy,
    readCommandPolicy: deps.readCommandPolicy,
    instanceIdPath: '$.instanceId',
    documentPath: '$.settings.thawDocument',
    parameters: '$.settings.thawParameters',
    maxPollsPath: '$.settings.thawPolls',
    attemptsPath: '$.thawAttempts',
    thawed: recordThaw,
    failed: notifyFrozen,
  });

  // ── Freeze → CreateSnapshots → thaw ──────────────────────────────────────────────────────────────────
  const takeSet = createSnapshots('Take the snapshot set', 'application', FROZEN_CALL_RETRY);
  // A CreateSnapshots error goes straight to the thaw; what happened is sorted out after it.
  takeSet.addCatch(thaw, onFailure);
  takeSet.next(thaw);

  const freezeFailure = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, {
      parameters: { Error: error, 'Cause.$': cause, freeze: true },
      resultPath: '$.failure',
    });
  const freezeFailed = freezeFailure(
    'Note the freeze failed',
    Errors.FREEZE_FAILED,
    "States.Format('The freeze command on {} ended {} ({}, exit code {}); no application-consistent set was taken and a thaw was sent', " +
      '$.instanceId, $.freezeResult.status, $.freezeResult.details, $.freezeResult.code)',
  ).next(thaw);
  const freezeTimedOut = freezeFailure(
    'Note the freeze timed out',
    Errors.FREEZE_TIMED_OUT,
    "States.Format('The freeze command on {} did not finish within {} checks (status {}); no application-consistent set was taken and a thaw was sent', " +
      '$.instanceId, $.settings.freezePolls, $.freezeResult.status)',
  ).next(thaw);
  const freezeBroken = freezeFailure(
    'Note the freeze went wrong',
    Errors.FREEZE_FAILED,
    "States.Format('The freeze of {} could not be sent or read ({}: {}); a thaw was sent', $.instanceId, $.failure.Error, $.failure.Cause)",
  ).next(thaw);
  const freezeNotSent = freezeFailure(
    'Note the freeze was not sent',
    Errors.FREEZE_FAILED,
    "States.Format('Run Command refused the freeze of {} ({}: {}); nothing was frozen', $.instanceId, $.failure.Error, $.failure.Cause)",
  ).next(fallBack);
  const notRunning = freezeFailure(
    'Note the database cannot be frozen',
    Errors.FREEZE_FAILED,
    "States.Format('Instance {} is {}: its database cannot be frozen through Run Command', $.instanceId, $.plan.value.state)",
  ).next(fallBack);

  const freeze = runCommand(
    scope,
    runCommandNames('the freeze', {
      send: 'Freeze the database',
      read: 'Read the freeze result',
      count: 'Count freeze check',
      decide: 'Is the database frozen?',
    }),
    {
      documentPath: '$.settings.freezeDocument',
      instanceIdPath: '$.instanceId',
      parameters: '$.settings.freezeParameters',
      comment: 'ha-workflows snapshot-backup: freeze',
      sendPolicy: deps.sendCommandPolicy,
      readPolicy: [deps.readCommandPolicy],
      commandPath: '$.freeze',
      resultPath: '$.freezeResult',
      keep: ['status', 'details', 'code', 'endedAt'],
      catchSend: [
        // Refused (the instance is not managed by SSM, or its agent is offline): no command exists, nothing to thaw.
        { errors: ['Ssm.InvalidInstanceIdException'], next: freezeNotSent, resultPath: '$.failure' },
        { next: freezeBroken, resultPath: '$.failure' },
      ],
      catchRead: [{ next: freezeBroken, resultPath: '$.failure' }],
      interval: COMMAND_POLL_INTERVAL,
      maxPolls: '$.settings.freezePolls',
      counterPath: '$.polls.freeze',
      // Success: "Take the snapshot set" is the only state between a confirmed freeze and CreateSnapshots.
      outcome: { succeeded: takeSet, timedOut: freezeTimedOut, failed: freezeFailed },
    },
  );

  const prepare = new sfn.Pass(scope, 'Prepare the freeze', {
    result: sfn.Result.fromObject({ attempts: 0 }),
    resultPath: '$.thawAttempts',
  });
  prepare.next(freeze);

  const noFreeze = new sfn.Pass(scope, 'Note no freeze is configured', {
    result: sfn.Result.fromObject({ text: 'no-freeze-configured' }),
    resultPath: '$.consistencyNote',
  }).next(takeCrashSet);

  const howConsistent = new sfn.Choice(scope, 'Freeze the database first?')
    .when(sfn.Condition.booleanEquals(`${PLAN}.freeze`, true), prepare)
    .when(sfn.Condition.stringEquals('$.settings.method', 'none'), noFreeze)
    .otherwise(notRunning);

  return sfn.Chain.start(plan).next(startLockAttempts).next(lock).next(howConsistent);
}
