import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { Duration } from 'aws-cdk-lib';
import { LAUNCH_REPLACEMENT_TIMEOUT, LIVE_STATES, REPLACES_TAG } from '../instance-recovery/definition';
import { STATE_TABLE_KEYS } from '../base/foundation';
import {
  API_CALL_TIMEOUT,
  Aws,
  AwsCall,
  Errors,
  LOCK_ATTRIBUTES,
  notify,
  releaseLock,
  States,
  throttlingRetry,
} from '../fragments';

/** The workflow id (template metadata) of the machine that cleans up after an aborted or timed-out execution. */
export const LOCK_JANITOR = 'lock-janitor';
export { EXECUTION_STATUS_CHANGE } from '../fragments/events';
/**
 * The statuses the janitor is started on. ABORTED and TIMED_OUT executions run no Catch, so they cannot release or
 * report anything themselves. FAILED is included because a failure path can leave a lock: a `Take the … lock` whose
 * write was applied but whose response was lost (`States.Timeout`) goes to the failure path as if the lock were not
 * taken (found by the fault campaign, mirror-failover schedule 493009611). A FAILED execution that holds nothing was
 * reported by its own failure path, so the janitor ends quietly for it (no second notification).
 */
export const JANITOR_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;
/** Partition-key prefix of the item that marks an ended execution as reported (one per execution, never expires). */
export const JANITOR_RECORD_PREFIX = 'ENDED#';
/** Items whose lock guards a resource left in an unknown state by a run stopped halfway (NEEDS_ATTENTION). */
export const NEEDS_ATTENTION_PREFIXES = ['GROUP#', 'MIRROR#'] as const;

export interface LockJanitorDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
}

const ENDED = '$.ended';
/** The attribute of a recovery group's item naming the instance its run replaces (workflows/instance-recovery). */
export const FAILED_INSTANCE_ATTRIBUTE = 'failedInstanceId';
/**
 * How long after a recovery ended the janitor looks for the replacements it launched: a launch in flight when the
 * execution was stopped ends within the launch function's timeout, and DescribeInstances shows a new instance a few
 * seconds after RunInstances returns (eventual consistency).
 */
export const REPLACEMENT_SETTLE = Duration.seconds(LAUNCH_REPLACEMENT_TIMEOUT.toSeconds() + 10);
const str = (path: string) => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path));

/**
 * lock-janitor: started by the "Step Functions Execution Status Change" event of an ABORTED or TIMED_OUT execution
 * (which ran no cleanup of its own), or of a FAILED one that still holds a lock (a FAILED one holding nothing ends
 * the janitor quietly after the scan). It
 * 1. scans the state table for items whose `owner` is that execution (one Scan page, up to 1 MB: the table holds one
 *    item per group, mirror set, instance backup and ended execution; a truncated scan is said in the notification);
 * 2. releases each one with a conditional UpdateItem (`#owner = :arn`): a lock another execution holds is never
 *    touched; a recovery group or mirror set is left NEEDS_ATTENTION with the reason, other locks are just released;
 * 3. writes one `ENDED#<executionArn>` record, `state = NEEDS_ATTENTION` (conditional: absent) and, only on the first
 *    delivery, notifies the
 *    operators naming the execution, its status, its state machine and what was released — also when nothing was held.
 * A duplicate delivery releases nothing (the owner is gone) and notifies nobody (the record exists).
 * A pure function of its dependencies; it creates no resources.
 */
export function lockJanitorDefinition(scope: Construct, deps: LockJanitorDeps): sfn.IChainable {
  const notifyEnded = notify(scope, 'Notify the operators', {
    topic: deps.topic,
    subject: 'ha-workflows: an execution ended without its own cleanup',
    message: sfn.JsonPath.format(
      'Execution {} of state machine {} ended {} at {} without running its own cleanup. Locks it held (each released ' +
        'only if it still held it; a recovery group or mirror set is now NEEDS_ATTENTION: a run stopped halfway left ' +
        'it in an unknown state, check it and clear the record before the next recovery; replacementsLaunched lists ' +
        `the instances tagged ${REPLACES_TAG} with the group's failed instance that are not terminated — keep one or ` +
        'terminate them): {}. Whole table scanned: {}.',
      sfn.JsonPath.stringAt(`${ENDED}.name`),
      sfn.JsonPath.stringAt(`${ENDED}.stateMachineArn`),
      sfn.JsonPath.stringAt(`${ENDED}.status`),
      sfn.JsonPath.stringAt(`${ENDED}.at`),
      sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.released')),
      sfn.JsonPath.stringAt('$.scanNote.complete'),
    ),
  });
  const reported = new sfn.Succeed(scope, 'The ended execution is cleaned up and reported');
  notifyEnded.addCatch(
    new sfn.Fail(scope, 'The operators could not be notified', {
      errorPath: '$.failure.Error',
      causePath: '$.failure.Cause',
    }),
    { errors: [States.ALL], resultPath: '$.failure' },
  );
  notifyEnded.next(reported);

  const duplicate = new sfn.Succeed(scope, 'Already reported (a duplicate delivery)', {
    comment: 'EventBridge delivers at least once: the first delivery released and notified',
  });
  const markReported = new tasks.DynamoPutItem(scope, 'Record the ended execution', {
    table: deps.table,
    item: {
      [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.format(`${JANITOR_RECORD_PREFIX}{}`, sfn.JsonPath.stringAt(`${ENDED}.executionArn`)),
      ),
      // The execution's own record: it ended without its own cleanup (an alarm not acted on, a failover or backup
      // not done), so an operator looks at it even when it held no lock. Not the group's item: see the docs.
      [LOCK_ATTRIBUTES.state]: tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
      status: str(`${ENDED}.status`),
      stateMachineArn: str(`${ENDED}.stateMachineArn`),
      endedAt: str(`${ENDED}.at`),
      released: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.released'))),
      janitor: str('$$.Execution.Id'),
    },
    conditionExpression: `attribute_not_exists(${STATE_TABLE_KEYS.partitionKey})`,
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  markReported.addRetry(throttlingRetry(markReported));
  markReported.addCatch(duplicate, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  // Better a second notification than none.
  markReported.addCatch(notifyEnded, { errors: [States.ALL], resultPath: '$.recordError' });
  markReported.next(notifyEnded);

  const complete = new sfn.Pass(scope, 'Note the scan was complete', {
    result: sfn.Result.fromObject({ complete: 'yes' }),
    resultPath: '$.scanNote',
  });
  const truncated = new sfn.Pass(scope, 'Note the scan was truncated', {
    result: sfn.Result.fromObject({
      complete: 'NO - the table is larger than one Scan page; look for other items whose owner is this execution',
    }),
    resultPath: '$.scanNote',
  });
  complete.next(markReported);
  truncated.next(markReported);
  const wasComplete = new sfn.Choice(scope, 'Was the whole table scanned?')
    .when(sfn.Condition.isPresent('$.scan.LastEvaluatedKey'), truncated)
    .otherwise(complete);

  const releaseEach = new sfn.Map(scope, 'Release each lock of the ended execution', {
    itemsPath: '$.scan.Items',
    itemSelector: {
      'pk.$': `$$.Map.Item.Value.${STATE_TABLE_KEYS.partitionKey}.S`,
      'item.$': '$$.Map.Item.Value',
      'ended.$': ENDED,
    },
    maxConcurrency: 1,
    resultPath: '$.released',
  });
  releaseEach.itemProcessor(releaseOne(scope, deps));
  releaseEach.addCatch(wasComplete, { errors: [States.ALL], resultPath: '$.releaseError' });
  releaseEach.next(wasComplete);

  const failedScan = new sfn.Pass(scope, 'Note the table could not be scanned', {
    parameters: { 'error.$': "States.Format('the scan failed ({}): nothing released', $.scanError.Error)" },
    resultPath: '$.released',
  });
  failedScan.next(
    new sfn.Pass(scope, 'Note nothing was scanned', {
      result: sfn.Result.fromObject({ complete: 'NO - the scan failed' }),
      resultPath: '$.scanNote',
    }).next(markReported),
  );
  const scan = new AwsCall(scope, 'Find the locks of the ended execution', {
    service: 'dynamodb',
    action: 'scan',
    parameters: {
      TableName: deps.table.tableName,
      FilterExpression: '#owner = :arn',
      ProjectionExpression: '#pk, #failed',
      ExpressionAttributeNames: {
        '#owner': LOCK_ATTRIBUTES.owner,
        '#pk': STATE_TABLE_KEYS.partitionKey,
        '#failed': FAILED_INSTANCE_ATTRIBUTE,
      },
      ExpressionAttributeValues: { ':arn': { 'S.$': `${ENDED}.executionArn` } },
    },
    policy: [new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [deps.table.tableArn] })],
    resultPath: '$.scan',
  });
  scan.addCatch(failedScan, { errors: [States.ALL], resultPath: '$.scanError' });
  const reportedByItself = new sfn.Succeed(scope, 'The failed execution held nothing', {
    comment: 'Its own failure path released its locks and notified the operators: nothing to add',
  });
  scan.next(
    new sfn.Choice(scope, 'Did it fail holding nothing?')
      .when(
        sfn.Condition.and(
          sfn.Condition.stringEquals(`${ENDED}.status`, 'FAILED'),
          sfn.Condition.not(sfn.Condition.isPresent('$.scan.Items[0]')),
        ),
        reportedByItself,
      )
      .otherwise(releaseEach),
  );

  const takeEnded = new sfn.Pass(scope, 'Take the ended execution from the event', {
    parameters: {
      'executionArn.$': '$.detail.executionArn',
      'name.$': '$.detail.name',
      'status.$': '$.detail.status',
      'stateMachineArn.$': '$.detail.stateMachineArn',
      'at.$': '$.time',
    },
    resultPath: ENDED,
  });
  takeEnded.next(scan);
  const unrecognized = new sfn.Fail(scope, 'Not an execution status event', {
    error: Errors.INVALID_INPUT,
    cause:
      'Expected a "Step Functions Execution Status Change" event (detail.executionArn, name, status, stateMachineArn)',
  });
  return new sfn.Choice(scope, 'Read the event')
    .when(
      sfn.Condition.and(
        ...['$.detail.executionArn', '$.detail.name', '$.detail.status', '$.detail.stateMachineArn', '$.time'].flatMap(
          (p) => [sfn.Condition.isPresent(p), sfn.Condition.isString(p)],
        ),
      ),
      takeEnded,
    )
    .otherwise(unrecognized);
}

/** One Map iteration: release one item's lock, conditional on the ended execution still owning it. */
function releaseOne(scope: Construct, deps: LockJanitorDeps): sfn.IChainable {
  const outcome = (id: string, text: string) =>
    new sfn.Pass(scope, id, { parameters: { 'item.$': '$.pk', outcome: text } });
  const reason = sfn.JsonPath.format(
    'execution {} ended {} at {} while holding the lock (released by the lock janitor)',
    sfn.JsonPath.stringAt('$.ended.name'),
    sfn.JsonPath.stringAt('$.ended.status'),
    sfn.JsonPath.stringAt('$.ended.at'),
  );
  const common = {
    table: deps.table,
    key: sfn.JsonPath.stringAt('$.pk'),
    ownerPath: '$.ended.executionArn',
  };
  const attention = releaseLock(scope, 'Release the lock and record needs attention', {
    ...common,
    set: ['#state = :state', '#lastError = :reason'],
    names: { '#state': LOCK_ATTRIBUTES.state, '#lastError': 'lastError' },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
      ':reason': tasks.DynamoAttributeValue.fromString(reason),
    },
  });
  const plain = releaseLock(scope, 'Release the lock', {
    ...common,
    set: ['#lastRelease = :reason'],
    names: { '#lastRelease': 'lastLockRelease' },
    values: { ':reason': tasks.DynamoAttributeValue.fromString(reason) },
  });
  const gone = outcome('The lock is no longer held by it', 'not held any more (released before, or taken over)');
  const error = new sfn.Pass(scope, 'The lock could not be released', {
    parameters: { 'item.$': '$.pk', 'outcome.$': "States.Format('NOT released: {}', $.error.Error)" },
  });
  for (const task of [attention, plain]) {
    task.addCatch(gone, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
    task.addCatch(error, { errors: [States.ALL], resultPath: '$.error' });
  }
  const released = outcome('Released, needs attention', 'released; NEEDS_ATTENTION recorded');
  // A recovery stopped after it launched its replacement leaves that instance behind: name it for the operators
  // (found by the fault campaign, instance-recovery schedule 1943853408). The janitor never terminates it: it may be
  // the group's only instance now.
  const findReplacements = new AwsCall(scope, 'Find the replacements the ended run launched', {
    service: 'ec2',
    action: 'describeInstances',
    parameters: {
      Filters: [
        { Name: `tag:${REPLACES_TAG}`, 'Values.$': `States.Array($.item.${FAILED_INSTANCE_ATTRIBUTE}.S)` },
        { Name: 'instance-state-name', Values: [...LIVE_STATES] },
      ],
    },
    policy: [new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] })],
    resultSelector: { 'reservations.$': '$.Reservations' },
    resultPath: '$.replacements',
  });
  // `[*]` over an empty list matches nothing, which fails a Pass (States.Runtime): read the ids only when some exist.
  const namedReplacements = new sfn.Pass(scope, 'Released, needs attention, replacements named', {
    parameters: {
      'item.$': '$.pk',
      outcome: 'released; NEEDS_ATTENTION recorded',
      'replacementsLaunched.$': '$.replacements.reservations[*].Instances[*].InstanceId',
    },
  });
  const settle = new sfn.Wait(scope, 'Wait for a launch in flight to end', {
    time: sfn.WaitTime.duration(REPLACEMENT_SETTLE),
  });
  settle.next(findReplacements);
  findReplacements.addCatch(
    new sfn.Pass(scope, 'Released, needs attention, replacements not read', {
      parameters: {
        'item.$': '$.pk',
        'outcome.$':
          "States.Format('released; NEEDS_ATTENTION recorded; its replacement instances could not be read ({}): " +
          `look for instances tagged ${REPLACES_TAG}', $.replacementsError.Error)`,
      },
    }),
    { errors: [States.ALL], resultPath: '$.replacementsError' },
  );
  findReplacements.next(
    new sfn.Choice(scope, 'Did it launch any?')
      .when(sfn.Condition.isPresent('$.replacements.reservations[0]'), namedReplacements)
      .otherwise(released),
  );
  attention.next(
    new sfn.Choice(scope, 'Did the run replace an instance?')
      .when(
        sfn.Condition.and(
          sfn.Condition.stringMatches('$.pk', 'GROUP#*'),
          sfn.Condition.isPresent(`$.item.${FAILED_INSTANCE_ATTRIBUTE}.S`),
        ),
        settle,
      )
      .otherwise(released),
  );
  plain.next(outcome('Released', 'released'));
  return new sfn.Choice(scope, 'Does the item guard a group or a mirror set?')
    .when(
      sfn.Condition.or(...NEEDS_ATTENTION_PREFIXES.map((p) => sfn.Condition.stringMatches('$.pk', `${p}*`))),
      attention,
    )
    .otherwise(plain);
}
