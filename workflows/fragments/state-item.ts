import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { STATE_TABLE_KEYS } from '../base/foundation';
import { formatted } from './message';
import { API_CALL_TIMEOUT, DYNAMODB_READ_RETRY, throttlingRetry } from './retry';

/** A DynamoDB string attribute read from a JSONPath (`$.x`, `$$.Execution.Id`). */
export const stringAt = (path: string): tasks.DynamoAttributeValue =>
  tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path));

/** A DynamoDB number attribute read from a JSONPath to a number (DynamoDB takes numbers as strings). */
export const numberAt = (path: string): tasks.DynamoAttributeValue =>
  tasks.DynamoAttributeValue.numberFromString(formatted(`{${path}}`));

/** The key of a state table item: its partition key (`GROUP#…`, `MIRROR#…`, a JSONPath or `States.Format(...)`). */
export const itemKey = (key: string): Record<string, tasks.DynamoAttributeValue> => ({
  [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(key),
});

export interface ReadItemProps {
  readonly table: dynamodb.ITable;
  /** The item's partition key. */
  readonly key: string;
  readonly resultPath: string;
  /** @default - the whole GetItem response (`{ Item }`, no `Item` when the item does not exist) */
  readonly resultSelector?: Record<string, unknown>;
}

/**
 * Reads one state table item, strongly consistent (what the last write wrote, not a replica's older copy): the
 * holder of a lock, the record of a frozen instance. Throttling and DynamoDB's own failures (and a late answer) are
 * read again (DYNAMODB_READ_RETRY); nothing changes if it is called again.
 */
export function readItem(scope: Construct, id: string, props: ReadItemProps): tasks.DynamoGetItem {
  const task = new tasks.DynamoGetItem(scope, id, {
    table: props.table,
    key: itemKey(props.key),
    consistentRead: true,
    resultSelector: props.resultSelector,
    resultPath: props.resultPath,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  task.addRetry(throttlingRetry(task));
  task.addRetry(DYNAMODB_READ_RETRY);
  return task;
}

export interface UpdateItemProps {
  readonly table: dynamodb.ITable;
  /** The item's partition key. */
  readonly key: string;
  /** The whole UpdateExpression, e.g. `SET #state = :state`. */
  readonly update: string;
  /** @default - unconditional */
  readonly condition?: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, tasks.DynamoAttributeValue>;
  /** The throttling policy. @default throttlingRetry(the task) */
  readonly throttling?: sfn.RetryProps;
  /**
   * A second policy, after the throttling one: only for a write that may be sent again (IDEMPOTENT_WRITE_RETRY: the
   * same values again, or a condition its own first write still meets).
   * @default - none: DynamoDB's own failures and a late answer are not retried
   */
  readonly retry?: sfn.RetryProps;
}

/**
 * One UpdateItem on a state table item; the state input stays unchanged (its result is discarded), and it times out
 * after API_CALL_TIMEOUT. The locks (`takeLock`, `releaseLock`) and every record a workflow writes beside them use it.
 */
export function updateItem(scope: Construct, id: string, props: UpdateItemProps): tasks.DynamoUpdateItem {
  const task = new tasks.DynamoUpdateItem(scope, id, {
    table: props.table,
    key: itemKey(props.key),
    updateExpression: props.update,
    conditionExpression: props.condition,
    expressionAttributeNames: props.names,
    expressionAttributeValues: props.values,
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  task.addRetry(props.throttling ?? throttlingRetry(task));
  if (props.retry) task.addRetry(props.retry);
  return task;
}
