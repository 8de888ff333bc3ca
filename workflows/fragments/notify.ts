import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { continueEitherWay } from './either-way';
import { API_CALL_TIMEOUT, NOTIFY_RETRY, throttlingRetry } from './retry';

export interface NotifyProps {
  readonly topic: sns.ITopic;
  /** Subject line (≤ 100 characters), plain text or `States.Format(...)`. */
  readonly subject: string;
  /** The message: a JSONPath / intrinsic (`States.Format(...)`, `States.JsonToString($.x)`) or plain text. */
  readonly message: string;
  /**
   * Where the path goes once the notification is sent, or could not be sent (its error at `$.notifyError`): a
   * notification never changes how the execution ends.
   * @default - the caller chains what follows, and a notification that cannot be sent fails the state
   */
  readonly then?: sfn.IChainable;
}

/**
 * Publishes to the operators' topic (throttling and SNS's own failures retried); keeps the state input unchanged.
 * With `then`, goes on there whether or not it could be sent.
 */
export function notify(scope: Construct, id: string, props: NotifyProps): tasks.SnsPublish {
  const task = new tasks.SnsPublish(scope, id, {
    topic: props.topic,
    subject: props.subject,
    message: sfn.TaskInput.fromJsonPathAt(props.message),
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  task.addRetry(throttlingRetry(task));
  task.addRetry(NOTIFY_RETRY);
  if (props.then) continueEitherWay(task, props.then, '$.notifyError');
  return task;
}

export interface NotifyThenFailProps extends Omit<NotifyProps, 'then'> {
  /** Id of the Fail state the execution ends in. */
  readonly failStateId: string;
  /** Where the caught error is: `$.failure` holds `{ Error, Cause }`. @default '$.failure' */
  readonly failurePath?: string;
}

/**
 * The end of every failure path: notify the operators, then fail the execution with the caught error's own
 * name and cause. A notification that cannot be sent does not hide the failure: it still ends in the Fail
 * state. Returns the notify state (the chain's entry).
 */
export function notifyThenFail(scope: Construct, id: string, props: NotifyThenFailProps): tasks.SnsPublish {
  const failure = props.failurePath ?? '$.failure';
  const failed = new sfn.Fail(scope, props.failStateId, {
    errorPath: `${failure}.Error`,
    causePath: `${failure}.Cause`,
  });
  return notify(scope, id, { ...props, then: failed });
}

/**
 * A record of what happened (a write to the state table: the failure, with the lock released if it was held), then
 * its notification, whether or not the record could be written (its error at `$.recordError`): a record that fails
 * never keeps the operators from being told. Every failure path ends so, e.g.
 * `recordThenNotify(releaseLock(... NEEDS_ATTENTION ...), notifyThenFail(...))`. Returns `record`.
 */
export function recordThenNotify<T extends sfn.TaskStateBase | sfn.CustomState>(
  record: T,
  notification: sfn.IChainable,
): T {
  return continueEitherWay(record, notification, '$.recordError');
}
