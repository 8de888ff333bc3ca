import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { STATE_TABLE_KEYS } from '../base/foundation';
import {
  API_CALL_TIMEOUT,
  Aws,
  AwsCall,
  Errors,
  LOCK_ATTRIBUTES,
  notify,
  EXECUTION_STATUS_CHANGE,
  notifyThenFail,
  releaseLock,
  States,
  throttlingRetry,
} from '../fragments';

/** The workflow id (template metadata) of the machine that releases what a DR promotion left locked. */
export const DR_PROMOTION_RELEASE = 'dr-promotion-release';
/** `detail-type` of the status-change events Step Functions sends to EventBridge (one home: fragments/events.ts). */
export const DR_EXECUTION_STATUS_CHANGE = EXECUTION_STATUS_CHANGE;
/** The statuses after which a DR promotion may have ended without releasing its lock. */
export const DR_RELEASED_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/**
 * What an operator starts the release machine with to clear a stale lock (what `ha-workflows dr unlock` sends).
 * `force` releases even when the holding execution still runs (or cannot be described).
 */
export interface DrUnlockRequest {
  readonly unlock: {
    readonly mirrorSet: string;
    readonly by: string;
    readonly reason: string;
    readonly force: boolean;
  };
}

export interface DrReleaseDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  /** states:DescribeExecution on the dr-promotion machine's executions. */
  readonly describeExecutionPolicy: readonly iam.PolicyStatement[];
}

const ENDED = '$.ended';
const UNLOCK = '$.unlock';
const HOLDER = '$.holder.Item';

/**
 * dr-promotion-release, two ways in:
 * - a dr-promotion execution's own ABORTED / TIMED_OUT / FAILED status event (EventBridge): releases the mirror set
 *   lock if, and only if, that very execution still owns it (conditional on the owner), records the release in the
 *   execution's audit item and notifies. A second delivery finds the lock gone and changes nothing.
 * - an operator's unlock (`{"unlock": {mirrorSet, by, reason, force}}`, `ha-workflows dr unlock`): reads who holds
 *   the lock, refuses while that execution is still RUNNING (or cannot be described) unless forced, then releases it
 *   (conditional on the same owner), writes an audit item and notifies.
 * A pure function of its dependencies; it creates no resources.
 */
export function drReleaseDefinition(scope: Construct, deps: DrReleaseDeps): sfn.IChainable {
  const onFailure = { errors: [States.ALL], resultPath: '$.failure' };
  const setKey = (setPath: string) => sfn.JsonPath.format('MIRROR#{}', sfn.JsonPath.stringAt(setPath));
  const key = (setPath: string) => tasks.DynamoAttributeValue.fromString(setKey(setPath));
  const str = (path: string) => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path));

  const releaseFailed = notifyThenFail(scope, 'Notify the lock could not be released', {
    failStateId: 'The lock could not be released',
    topic: deps.topic,
    subject: 'ha-workflows: DR promotion lock NOT released',
    message: sfn.JsonPath.format(
      'Releasing the DR promotion lock failed ({}: {}). Input: {}. Check the mirror set item in the state table, ' +
        'or run ha-workflows dr unlock.',
      sfn.JsonPath.stringAt('$.failure.Error'),
      sfn.JsonPath.stringAt('$.failure.Cause'),
      sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.input')),
    ),
  });

  // ── A DR promotion execution ended (its own status event) ────────────────────────────────────────────
  const nothingHeld = new sfn.Succeed(scope, 'The ended execution held no lock', {
    comment:
      'It failed (its failure path released the lock and notified), or this event was delivered before (idempotent)',
  });
  /** Notifies the operators of the ended execution (what happened to its lock in `what`), then ends in `done`. */
  const notifyEnded = (id: string, subject: string, what: string, done: sfn.Succeed) => {
    const task = notify(scope, id, {
      topic: deps.topic,
      subject,
      message: sfn.JsonPath.format(
        `DR promotion execution {} of mirror set {} ended {} ${what} Look at the execution history for the last ` +
          'step it reached (fence, promotion, traffic) before starting again.',
        sfn.JsonPath.stringAt(`${ENDED}.executionArn`),
        sfn.JsonPath.stringAt(`${ENDED}.request.mirrorSet`),
        sfn.JsonPath.stringAt(`${ENDED}.status`),
      ),
    });
    task.addCatch(done, { errors: [States.ALL], resultPath: '$.notifyError' });
    task.next(done);
    return task;
  };
  /**
   * Records the execution's end in its `DR-PROMOTION#<name>` audit item; `onlyOnce`: only if its end is not recorded
   * yet (DynamoDB.ConditionalCheckFailedException otherwise). Whatever the write does, `then` comes next.
   */
  const auditEnd = (id: string, released: string, then: sfn.IChainable, onlyOnce = false) => {
    const task = new tasks.DynamoUpdateItem(scope, id, {
      table: deps.table,
      key: {
        [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(
          sfn.JsonPath.format('DR-PROMOTION#{}', sfn.JsonPath.stringAt(`${ENDED}.name`)),
        ),
      },
      updateExpression: 'SET #mirrorSet = :set, #execution = :execution, #ended = :status, #released = :released',
      conditionExpression: onlyOnce ? 'attribute_not_exists(#ended)' : undefined,
      expressionAttributeNames: {
        '#mirrorSet': 'mirrorSet',
        '#execution': 'execution',
        '#ended': 'endedWith',
        '#released': 'lockReleasedBy',
      },
      expressionAttributeValues: {
        ':set': str(`${ENDED}.request.mirrorSet`),
        ':execution': str(`${ENDED}.executionArn`),
        ':status': str(`${ENDED}.status`),
        ':released': tasks.DynamoAttributeValue.fromString(released),
      },
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
    });
    task.addRetry(throttlingRetry(task));
    if (onlyOnce)
      task.addCatch(nothingHeld, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
    // The notification still goes out (better a second one than none).
    task.addCatch(then, { errors: [States.ALL], resultPath: '$.auditError' });
    task.next(then);
    return task;
  };

  const notifyReleased = notifyEnded(
    'Notify the lock of the ended execution was released',
    'ha-workflows: DR promotion ended without cleaning up - lock released',
    'while holding the mirror set lock; the lock is released. Nothing else was undone.',
    new sfn.Succeed(scope, 'The ended execution released its lock'),
  );
  const auditEnded = auditEnd(
    'Record the release in the audit item',
    sfn.JsonPath.format('release on the status event ({})', sfn.JsonPath.stringAt('$$.Execution.Id')),
    notifyReleased,
  );
  // Only the ended execution's own lock: another promotion may hold the set by now.
  const releaseEnded = releaseLock(scope, 'Release the lock of the ended execution', {
    table: deps.table,
    key: setKey(`${ENDED}.request.mirrorSet`),
    ownerPath: `${ENDED}.executionArn`,
    set: ['#lastError = :status', '#lastExecution = :name'],
    names: { '#lastError': 'drLastError', '#lastExecution': 'drLastExecution' },
    values: {
      ':status': tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.format('execution {}', sfn.JsonPath.stringAt(`${ENDED}.status`)),
      ),
      ':name': str(`${ENDED}.name`),
    },
  });
  // A promotion stopped or timed out without holding the lock (before it took it, or after it released it) ran no
  // failure path of its own, so nobody was told it ended (found by the fault campaign, dr-promotion schedule
  // 1534095835: stopped at its first second). Tell the operators once: the audit item is written only if this
  // execution's end is not recorded yet, so a duplicate delivery stays quiet.
  const auditEndedUnlocked = auditEnd(
    'Record the end in the audit item',
    'nothing: it held no lock when it ended',
    notifyEnded(
      'Notify the execution ended holding no lock',
      'ha-workflows: DR promotion ended without finishing',
      'without finishing; it held no mirror set lock then (it never took it, or had released it).',
      new sfn.Succeed(scope, 'The ended execution held no lock and is reported'),
    ),
    true,
  );
  releaseEnded.addCatch(
    new sfn.Choice(scope, 'Did it end without a failure path of its own?')
      .when(
        sfn.Condition.or(
          sfn.Condition.stringEquals(`${ENDED}.status`, 'ABORTED'),
          sfn.Condition.stringEquals(`${ENDED}.status`, 'TIMED_OUT'),
        ),
        auditEndedUnlocked,
      )
      .otherwise(nothingHeld),
    { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD },
  );
  releaseEnded.addCatch(releaseFailed, onFailure);
  releaseEnded.next(auditEnded);

  const noSet = new sfn.Succeed(scope, 'The ended execution named no mirror set', {
    comment: 'Its input had no mirror set name, so it could not have taken a lock',
  });
  const takeEnded = new sfn.Pass(scope, 'Take the ended execution from the event', {
    parameters: {
      'input.$': '$',
      ended: {
        'executionArn.$': '$.detail.executionArn',
        'name.$': '$.detail.name',
        'status.$': '$.detail.status',
        'request.$': 'States.StringToJson($.detail.input)',
      },
    },
  });
  takeEnded.next(
    new sfn.Choice(scope, 'Does the ended execution name a mirror set?')
      .when(
        sfn.Condition.and(
          sfn.Condition.isPresent(`${ENDED}.request.mirrorSet`),
          sfn.Condition.isString(`${ENDED}.request.mirrorSet`),
        ),
        releaseEnded,
      )
      .otherwise(noSet),
  );

  // ── An operator clears a stale lock ───────────────────────────────────────────────────────────────────
  const notLocked = new sfn.Succeed(scope, 'The mirror set is not locked');
  const changed = new sfn.Succeed(scope, 'The lock changed meanwhile: nothing released', {
    comment: 'Another execution took or released the lock between the read and the release',
  });
  const unlocked = new sfn.Succeed(scope, 'The stale lock was released');
  const notifyUnlocked = notify(scope, 'Notify the stale lock was released', {
    topic: deps.topic,
    subject: 'ha-workflows: DR promotion lock cleared by an operator',
    message: sfn.JsonPath.format(
      'The DR promotion lock of mirror set {} held by {} (status {}) was released by {} (forced: {}). Reason: {}',
      sfn.JsonPath.stringAt(`${UNLOCK}.mirrorSet`),
      sfn.JsonPath.stringAt(`${HOLDER}.${LOCK_ATTRIBUTES.owner}.S`),
      sfn.JsonPath.stringAt('$.holderStatus'),
      sfn.JsonPath.stringAt(`${UNLOCK}.by`),
      sfn.JsonPath.stringAt(`${UNLOCK}.force`),
      sfn.JsonPath.stringAt(`${UNLOCK}.reason`),
    ),
  });
  notifyUnlocked.addCatch(unlocked, { errors: [States.ALL], resultPath: '$.notifyError' });
  notifyUnlocked.next(unlocked);
  const auditUnlock = new tasks.DynamoPutItem(scope, 'Write the audit item of the unlock', {
    table: deps.table,
    item: {
      [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.format('DR-UNLOCK#{}', sfn.JsonPath.stringAt('$$.Execution.Name')),
      ),
      mirrorSet: str(`${UNLOCK}.mirrorSet`),
      holder: str(`${HOLDER}.${LOCK_ATTRIBUTES.owner}.S`),
      holderStatus: str('$.holderStatus'),
      by: str(`${UNLOCK}.by`),
      reason: str(`${UNLOCK}.reason`),
      forced: tasks.DynamoAttributeValue.booleanFromJsonPath(sfn.JsonPath.stringAt(`${UNLOCK}.force`)),
      execution: str('$$.Execution.Id'),
      at: str('$$.Execution.StartTime'),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  auditUnlock.addRetry(throttlingRetry(auditUnlock));
  auditUnlock.addCatch(notifyUnlocked, { errors: [States.ALL], resultPath: '$.auditError' });
  auditUnlock.next(notifyUnlocked);
  // Only the holder just read and described: if the lock changed hands meanwhile, nothing is released.
  const releaseStale = releaseLock(scope, 'Release the stale lock', {
    table: deps.table,
    key: setKey(`${UNLOCK}.mirrorSet`),
    ownerPath: `${HOLDER}.${LOCK_ATTRIBUTES.owner}.S`,
    set: ['#lastUnlock = :unlock'],
    names: { '#lastUnlock': 'drLastUnlock' },
    values: {
      ':unlock': tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.format(
          '{} by {}: {}',
          sfn.JsonPath.stringAt('$$.Execution.Id'),
          sfn.JsonPath.stringAt(`${UNLOCK}.by`),
          sfn.JsonPath.stringAt(`${UNLOCK}.reason`),
        ),
      ),
    },
  });
  releaseStale.addCatch(changed, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  releaseStale.addCatch(releaseFailed, onFailure);
  releaseStale.next(auditUnlock);

  const holderRunning = new sfn.Fail(scope, 'The holding execution is still running', {
    error: Errors.LOCK_HOLDER_RUNNING,
    causePath: '$.refusal.cause',
  });
  const refuse = new sfn.Pass(scope, 'Explain why the lock stays', {
    parameters: {
      'cause.$':
        "States.Format('Execution {} holds the lock of mirror set {} and is {}; nothing was released. Stop it " +
        "first (aws stepfunctions stop-execution), or unlock with --force if you are sure it no longer acts.', " +
        `${HOLDER}.${LOCK_ATTRIBUTES.owner}.S, ${UNLOCK}.mirrorSet, $.holderStatus)`,
    },
    resultPath: '$.refusal',
  });
  refuse.next(holderRunning);
  const mayRelease = new sfn.Choice(scope, 'May the lock be released?')
    .when(sfn.Condition.booleanEquals(`${UNLOCK}.force`, true), releaseStale)
    .when(
      sfn.Condition.or(
        ...[...DR_RELEASED_STATUSES, 'SUCCEEDED'].map((s) => sfn.Condition.stringEquals('$.holderStatus', s)),
      ),
      releaseStale,
    )
    .otherwise(refuse);
  const holderUnknown = new sfn.Pass(scope, 'Note the holder could not be described', {
    parameters: { 'status.$': "States.Format('UNKNOWN ({})', $.describeError.Error)" },
    resultPath: '$.holderDescription',
  });
  const keepStatus = new sfn.Pass(scope, 'Keep the holder status', {
    inputPath: '$.holderDescription.status',
    resultPath: '$.holderStatus',
  });
  holderUnknown.next(keepStatus);
  keepStatus.next(mayRelease);
  const describeHolder = new AwsCall(scope, 'Describe the holding execution', {
    service: 'sfn',
    action: 'describeExecution',
    parameters: { 'ExecutionArn.$': `${HOLDER}.${LOCK_ATTRIBUTES.owner}.S` },
    policy: deps.describeExecutionPolicy,
    resultSelector: { 'status.$': '$.Status' },
    resultPath: '$.holderDescription',
  });
  describeHolder.addCatch(holderUnknown, { errors: [States.ALL], resultPath: '$.describeError' });
  describeHolder.next(keepStatus);
  const readLock = new tasks.DynamoGetItem(scope, 'Read the mirror set lock', {
    table: deps.table,
    key: { [STATE_TABLE_KEYS.partitionKey]: key(`${UNLOCK}.mirrorSet`) },
    consistentRead: true,
    resultPath: '$.holder',
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  readLock.addRetry(throttlingRetry(readLock));
  readLock.addCatch(releaseFailed, onFailure);
  readLock.next(
    new sfn.Choice(scope, 'Is the mirror set locked?')
      .when(sfn.Condition.isPresent(`${HOLDER}.${LOCK_ATTRIBUTES.owner}.S`), describeHolder)
      .otherwise(notLocked),
  );
  const takeUnlock = new sfn.Pass(scope, 'Take the unlock request', {
    parameters: {
      'input.$': '$',
      unlock: {
        'mirrorSet.$': `${UNLOCK}.mirrorSet`,
        'by.$': `${UNLOCK}.by`,
        'reason.$': `${UNLOCK}.reason`,
        'force.$': `${UNLOCK}.force`,
      },
    },
  });
  takeUnlock.next(readLock);

  const unrecognized = new sfn.Fail(scope, 'Neither a status event nor an unlock request', {
    error: Errors.INVALID_INPUT,
    cause:
      'Expected a "Step Functions Execution Status Change" event of a dr-promotion execution (with its input), or ' +
      '{"unlock": {"mirrorSet": "<set>", "by": "<who>", "reason": "<why>", "force": false}}',
  });
  return new sfn.Choice(scope, 'Read the input')
    .when(
      sfn.Condition.and(
        sfn.Condition.isPresent('$.detail.executionArn'),
        sfn.Condition.isPresent('$.detail.name'),
        sfn.Condition.isPresent('$.detail.status'),
        sfn.Condition.isPresent('$.detail.input'),
        sfn.Condition.isString('$.detail.input'),
      ),
      takeEnded,
    )
    .when(
      sfn.Condition.and(
        sfn.Condition.isPresent(`${UNLOCK}.mirrorSet`),
        sfn.Condition.isString(`${UNLOCK}.mirrorSet`),
        sfn.Condition.isPresent(`${UNLOCK}.by`),
        sfn.Condition.isString(`${UNLOCK}.by`),
        sfn.Condition.isPresent(`${UNLOCK}.reason`),
        sfn.Condition.isString(`${UNLOCK}.reason`),
        sfn.Condition.isPresent(`${UNLOCK}.force`),
        sfn.Condition.isBoolean(`${UNLOCK}.force`),
      ),
      takeUnlock,
    )
    .otherwise(unrecognized);
}
