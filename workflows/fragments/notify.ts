import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { States } from '../../contracts/errors';
import { API_CALL_TIMEOUT, NOTIFY_RETRY, throttlingRetry } from './retry';

export interface NotifyProps {
  readonly topic: sns.ITopic;
  /** Subject line (≤ 100 characters), plain text or `States.Format(...)`. */
  readonly subject: string;
  /** The message: a JSONPath / intrinsic (`States.Format(...)`, `States.JsonToString($.x)`) or plain text. */
  readonly message: string;
}

/** Publishes to the operators' topic (throttling and SNS's own failures retried); keeps the state input unchanged. */
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
  return task;
}

export interface NotifyThenFailProps extends NotifyProps {
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
  const task = notify(scope, id, props);
  task.addCatch(failed, { errors: [States.ALL], resultPath: '$.notifyError' });
  task.next(failed);
  return task;
}
