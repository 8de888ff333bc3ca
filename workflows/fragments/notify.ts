import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { API_CALL_TIMEOUT, THROTTLING_RETRY } from './retry';

export interface NotifyProps {
  readonly topic: sns.ITopic;
  /** Subject line (≤ 100 characters), plain text or `States.Format(...)`. */
  readonly subject: string;
  /** The message: a JSONPath / intrinsic (`States.Format(...)`, `States.JsonToString($.x)`) or plain text. */
  readonly message: string;
}

/** Publishes to the operators' topic; keeps the state input unchanged. */
export function notify(scope: Construct, id: string, props: NotifyProps): tasks.SnsPublish {
  const task = new tasks.SnsPublish(scope, id, {
    topic: props.topic,
    subject: props.subject,
    message: sfn.TaskInput.fromJsonPathAt(props.message),
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  task.addRetry(THROTTLING_RETRY);
  return task;
}
