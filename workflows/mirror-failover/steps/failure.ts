import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { STATE_TABLE_KEYS } from '../../base/foundation';
import {
  API_CALL_TIMEOUT,
  IDEMPOTENT_WRITE_RETRY,
  notifyThenFail,
  releaseLock,
  throttlingRetry,
} from '../../fragments';
import { States } from '../../../contracts/errors';
import type { MirrorFailoverDeps } from '../definition';
import { SET } from './paths';

export interface FailureRecords {
  /** Once the lock is held: record NEEDS_ATTENTION, release, notify, fail with the error's own name. */
  readonly recordNeedsAttention: sfn.IChainable;
  /** Before the lock is held: record NEEDS_ATTENTION (lock untouched), notify, fail. */
  readonly recordNotStarted: sfn.IChainable;
}

/** Failure handling: record, release (when held), notify, fail with the error's own name. */
export function failureRecords(scope: Construct, deps: MirrorFailoverDeps, setKey: string): FailureRecords {
  const notifyFailed = notifyThenFail(scope, 'Notify mirror failover failed', {
    failStateId: 'Mirror failover failed',
    topic: deps.topic,
    subject: 'ha-workflows: mirror failover NEEDS ATTENTION',
    message: sfn.JsonPath.format(
      'Mirror set {} ({}): failover failed with {}. {}',
      sfn.JsonPath.stringAt(`${SET}.name`),
      sfn.JsonPath.stringAt('$.trigger'),
      sfn.JsonPath.stringAt('$.failure.Error'),
      sfn.JsonPath.stringAt('$.failure.Cause'),
    ),
  });
  const names = { '#state': 'state', '#lastError': 'lastError', '#failedBy': 'failedBy' };
  const values = () => ({
    ':state': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
    ':error': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.failure.Error')),
    ':execution': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Name')),
  });
  const recordNeedsAttention = releaseLock(scope, 'Record needs attention', {
    table: deps.table,
    key: setKey,
    set: ['#state = :state', '#lastError = :error', '#failedBy = :execution'],
    names,
    values: values(),
  });
  recordNeedsAttention.addCatch(notifyFailed, { errors: [States.ALL], resultPath: '$.recordError' });
  recordNeedsAttention.next(notifyFailed);
  // Before this execution holds the lock (the first probe, the lock or the hand-off failed): the set still needs a
  // person, since the event that started the run was not acted on. The record leaves the lock and its lease alone: a
  // holder, if any, writes its own state when it releases.
  const recordNotStarted = new tasks.DynamoUpdateItem(scope, 'Record needs attention before the lock', {
    table: deps.table,
    key: { [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(setKey) },
    updateExpression: 'SET #state = :state, #lastError = :error, #failedBy = :execution',
    expressionAttributeNames: { ...names },
    expressionAttributeValues: values(),
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  recordNotStarted.addRetry(throttlingRetry(recordNotStarted));
  // The same three values again: idempotent.
  recordNotStarted.addRetry(IDEMPOTENT_WRITE_RETRY);
  recordNotStarted.addCatch(notifyFailed, { errors: [States.ALL], resultPath: '$.recordError' });
  recordNotStarted.next(notifyFailed);
  return { recordNeedsAttention, recordNotStarted };
}
