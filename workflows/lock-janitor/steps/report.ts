import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { STATE_TABLE_KEYS } from '../../base/foundation';
import {
  API_CALL_TIMEOUT,
  formatted,
  LOCK_ATTRIBUTES,
  notify,
  recordThenNotify,
  throttlingRetry,
} from '../../fragments';
import { Aws, States } from '../../../contracts/errors';
import { REPLACES_TAG } from '../../../contracts/tags';
import { JANITOR_RECORD_PREFIX } from '../constants';
import type { LockJanitorDeps } from '../definition';
import { ENDED, str } from './paths';

/**
 * Writes the one `ENDED#<executionArn>` record (NEEDS_ATTENTION; conditional: absent) and, on the first delivery
 * only, notifies the operators with what was released (`$.released`) and whether the scan was whole (`$.scanNote`).
 */
export function recordAndNotify(scope: Construct, deps: LockJanitorDeps): sfn.IChainable {
  const notifyEnded = notify(scope, 'Notify the operators', {
    topic: deps.topic,
    subject: 'ha-workflows: an execution ended without its own cleanup',
    message: formatted(
      `Execution {${ENDED}.name} of state machine {${ENDED}.stateMachineArn} ended {${ENDED}.status} at ` +
        `{${ENDED}.at} without running its own cleanup. Locks it held (each released ` +
        'only if it still held it; a recovery group or mirror set is now NEEDS_ATTENTION: a run stopped halfway left ' +
        'it in an unknown state, check it and clear the record before the next recovery; replacementsLaunched lists ' +
        `the instances tagged ${REPLACES_TAG} with the group's failed instance that are not terminated — keep one or ` +
        'terminate them): {States.JsonToString($.released)}. Whole table scanned: {$.scanNote.complete}.',
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
        formatted(`${JANITOR_RECORD_PREFIX}{${ENDED}.executionArn}`),
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
  return recordThenNotify(markReported, notifyEnded);
}

/** Notes whether the one Scan page held the whole table (`$.scanNote`), then reports. */
export function noteScanComplete(scope: Construct, report: sfn.IChainable): sfn.IChainable {
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
  complete.next(report);
  truncated.next(report);
  return new sfn.Choice(scope, 'Was the whole table scanned?')
    .when(sfn.Condition.isPresent('$.scan.LastEvaluatedKey'), truncated)
    .otherwise(complete);
}
