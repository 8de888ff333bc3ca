import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import {
  AwsCall,
  formatted,
  notifyThenFail,
  recordThenNotify,
  RECOVERY_EC2_RETRY,
  releaseLock,
  stringAt,
  updateItem,
} from '../../fragments';
import { States } from '../../../contracts/errors';
import { INSTANCE_RECORD_PREFIX, LIVE_STATES } from '../constants';
import { REPLACES_TAG } from '../../../contracts/tags';
import { NEW_ID, PLAN, type RecoveryContext, recoveryOutcome, type RecoveryScope } from './context';

/** The recovery's steps with its two failure paths: before the group lock, and once it is held. */
export function withFailurePaths(ctx: RecoveryScope): RecoveryContext {
  const needsAttention = recordNeedsAttention(ctx);
  return {
    ...ctx,
    recordNotStarted: recordNotStarted(ctx),
    needsAttention,
    failWith: (id, error, cause) =>
      new sfn.Pass(ctx.scope, id, {
        result: sfn.Result.fromObject({ Error: error, Cause: cause }),
        resultPath: '$.failure',
      }).next(needsAttention),
  };
}

/**
 * Failure before the lock: record on the instance's own item, notify, fail.
 * The group item belongs to whoever holds the group lock: an execution that does not hold it must not write there
 * (it could overwrite a running recovery's RECOVERING, or block the group with NEEDS_ATTENTION although it changed
 * nothing). It records on an item of its own, keyed by the instance, which no lock guards and no TTL deletes; a
 * duplicate execution failing the same way writes the same record.
 */
function recordNotStarted({ scope, deps }: RecoveryScope): sfn.IChainable {
  const notifyNotStarted = notifyThenFail(scope, 'Notify recovery not started', {
    failStateId: 'Recovery not started',
    topic: deps.topic,
    subject: 'ha-workflows: instance recovery NEEDS ATTENTION',
    message: formatted(
      'Recovery of instance {$.instanceId} ({$.trigger}) could not start: {$.failure.Error}. Nothing was changed. ' +
        '{$.failure.Cause}',
    ),
  });
  const record = updateItem(scope, 'Record recovery not started', {
    table: deps.table,
    key: formatted(`${INSTANCE_RECORD_PREFIX}{$.instanceId}`),
    update:
      'SET #state = :state, #lastError = :error, #lastCause = :cause, #execution = :execution, #startedAt = :startedAt',
    names: {
      '#state': 'state',
      '#lastError': 'lastError',
      '#lastCause': 'lastCause',
      '#execution': 'executionId',
      '#startedAt': 'startedAt',
    },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
      ':error': stringAt('$.failure.Error'),
      ':cause': stringAt('$.failure.Cause'),
      ':execution': stringAt('$$.Execution.Id'),
      ':startedAt': stringAt('$$.Execution.StartTime'),
    },
  });
  return recordThenNotify(record, notifyNotStarted);
}

/** Failure once the lock is held: name the replacement, record, release, notify, fail with the error's own name. */
function recordNeedsAttention(ctx: RecoveryScope): sfn.IChainable {
  const { scope, deps } = ctx;
  const notifyFailed = notifyThenFail(scope, 'Notify recovery failed', {
    failStateId: 'Recovery failed',
    topic: deps.topic,
    subject: 'ha-workflows: instance recovery NEEDS ATTENTION',
    message: formatted(
      `Recovery of group {${PLAN}.groupId} (instance {$.instanceId}) failed: {$.failure.Error}. The failed ` +
        `instance stays fenced. Replacement: {${NEW_ID}}. {$.failure.Cause}`,
    ),
  });
  const record = releaseLock(scope, 'Record needs attention', {
    table: deps.table,
    key: ctx.groupKey,
    set: ['#state = :state', '#lastError = :error', '#failedInstance = :failed', '#replacement = :replacement'],
    names: {
      '#state': 'state',
      '#lastError': 'lastError',
      '#failedInstance': 'failedInstanceId',
      '#replacement': 'replacementInstanceId',
    },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
      ':error': stringAt('$.failure.Error'),
      ':failed': stringAt('$.instanceId'),
      // "none" until a replacement is known: from the launch task, or found by its tag below.
      ':replacement': stringAt(NEW_ID),
    },
  });
  // Failed: 1 for the group (no RecoveryTime), whether or not the record could be written.
  const outcome = recoveryOutcome(ctx)('Record the failed recovery', 'FAILED', notifyFailed);
  recordThenNotify(record, outcome);

  // A launch whose response was lost (or a failure right after it) leaves a replacement the execution does not
  // know: find it by the tag every replacement carries, so the record and the notification name it.
  const findReplacement = new AwsCall(scope, 'Find replacement by its tags', {
    service: 'ec2',
    action: 'describeInstances',
    parameters: {
      Filters: [
        { Name: `tag:${REPLACES_TAG}`, 'Values.$': 'States.Array($.instanceId)' },
        { Name: 'instance-state-name', Values: LIVE_STATES },
      ],
    },
    policy: [ctx.describe('ec2:DescribeInstances')],
    resultSelector: { 'reservations.$': '$.Reservations' },
    resultPath: '$.found',
    retry: RECOVERY_EC2_RETRY,
  });
  findReplacement.addCatch(record, { errors: [States.ALL], resultPath: '$.findError' });
  const FOUND_ID = '$.found.reservations[0].Instances[0].InstanceId';
  const nameFound = new sfn.Pass(scope, 'Name the replacement found', {
    inputPath: FOUND_ID,
    resultPath: NEW_ID,
  }).next(record);
  findReplacement.next(
    new sfn.Choice(scope, 'Was a replacement found?')
      .when(sfn.Condition.isPresent(FOUND_ID), nameFound)
      .otherwise(record),
  );
  return new sfn.Choice(scope, 'Is the replacement known?')
    .when(sfn.Condition.stringEquals(NEW_ID, 'none'), findReplacement)
    .otherwise(record);
}
