import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { STATE_TABLE_KEYS } from '../../base/foundation';
import {
  API_CALL_TIMEOUT,
  continueEitherWay,
  formatted,
  IDEMPOTENT_WRITE_RETRY,
  throttlingRetry,
} from '../../fragments';
import type { DrPromotionDeps } from '../definition';
import { REQ, SET } from './constants';

/** One item per execution in the state table: the request, the preflight, the approval and each step's time. */
export function audit(scope: Construct, deps: DrPromotionDeps, id: string, outcome: string): tasks.DynamoPutItem {
  const task = new tasks.DynamoPutItem(scope, id, {
    table: deps.table,
    item: {
      [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(
        formatted('DR-PROMOTION#{$$.Execution.Name}'),
      ),
      mirrorSet: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(`${SET}.name`)),
      member: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(`${REQ}.member`)),
      outcome: tasks.DynamoAttributeValue.fromString(outcome),
      execution: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id')),
      requestedAt: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.requestedAt')),
      trail: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$'))),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  task.addRetry(throttlingRetry(task));
  // An unconditional put of the execution's own item: writing it again writes the same. Found by the fault campaign
  // (dr-promotion schedule 236773195): one DynamoDB 500 lost the failure's audit trail, the promotion's only record,
  // while SNS failed every notification.
  task.addRetry(IDEMPOTENT_WRITE_RETRY);
  return task;
}

/**
 * An audit write, then `next` whether or not it could be written (its error at `$.auditError`): the audit trail never
 * keeps the lock held or the operators untold. Returns the audit write.
 */
export function auditThen<T extends sfn.TaskStateBase>(audit: T, next: sfn.IChainable): T {
  return continueEitherWay(audit, next, '$.auditError');
}
