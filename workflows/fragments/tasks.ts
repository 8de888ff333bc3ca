import type { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { API_CALL_TIMEOUT, LAMBDA_SERVICE_RETRY, LAMBDA_TASK_TIMEOUT, THROTTLING_RETRY } from './retry';

export interface AwsCallProps {
  /** Step Functions' service name: `ec2`, `elasticloadbalancingv2`, `cloudwatch`, `ssm`, `sns`. */
  readonly service: string;
  /** camelCase API action, e.g. `describeInstances`. */
  readonly action: string;
  readonly parameters?: Record<string, unknown>;
  /** What the call may touch: the statements granted to the state machine for this call (conditions allowed). */
  readonly policy: readonly iam.PolicyStatement[];
  readonly resultSelector?: Record<string, unknown>;
  /** @default '$.result' is never assumed: pass `sfn.JsonPath.DISCARD` to keep the input unchanged */
  readonly resultPath: string;
  /** @default API_CALL_TIMEOUT */
  readonly timeout?: Duration;
  readonly comment?: string;
  /** @default THROTTLING_RETRY */
  readonly retry?: sfn.RetryProps;
}

/**
 * An AWS SDK integration Task with the project's defaults: a TimeoutSeconds, the throttling retry policy,
 * and exactly the IAM statements passed in (CallAwsService alone grants its action on `iamResources`
 * without conditions, which cannot express "only instances tagged with the group").
 */
export class AwsCall extends tasks.CallAwsService {
  constructor(scope: Construct, id: string, props: AwsCallProps) {
    super(scope, id, {
      service: props.service,
      action: props.action,
      parameters: props.parameters,
      // Replaced below by `props.policy`; CallAwsService requires a value.
      iamResources: ['*'],
      resultSelector: props.resultSelector,
      resultPath: props.resultPath,
      taskTimeout: sfn.Timeout.duration(props.timeout ?? API_CALL_TIMEOUT),
      comment: props.comment,
    });
    // The statements the graph grants to the state machine role for this task.
    (this as unknown as { taskPolicies: iam.PolicyStatement[] }).taskPolicies = [...props.policy];
    this.addRetry(props.retry ?? THROTTLING_RETRY);
  }
}

export interface LambdaTaskProps {
  readonly fn: lambda.IFunction;
  /** The event the function receives. */
  readonly payload: Record<string, unknown>;
  /** Selects what to keep of the function's result (applied to `$.Payload`). */
  readonly resultSelector?: Record<string, unknown>;
  readonly resultPath: string;
  /** @default LAMBDA_TASK_TIMEOUT */
  readonly timeout?: Duration;
}

/** A Lambda task: invoke with a payload, keep only the function's result, retry Lambda service errors. */
export function lambdaTask(scope: Construct, id: string, props: LambdaTaskProps): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.fn,
    payload: sfn.TaskInput.fromObject(props.payload),
    payloadResponseOnly: false,
    retryOnServiceExceptions: false,
    resultSelector: props.resultSelector ?? { 'value.$': '$.Payload' },
    resultPath: props.resultPath,
    taskTimeout: sfn.Timeout.duration(props.timeout ?? LAMBDA_TASK_TIMEOUT),
  });
  task.addRetry(LAMBDA_SERVICE_RETRY);
  task.addRetry(THROTTLING_RETRY);
  return task;
}

/**
 * Catches every error of a Task inside a Map or Parallel and fails the iteration with the same error and
 * cause, so the enclosing state's Catch sees the original name (and the Task still has a Catch of its own).
 */
export function failIterationOnError(scope: Construct, task: sfn.TaskStateBase, failStateId: string): void {
  task.addCatch(new sfn.Fail(scope, failStateId, { errorPath: '$.error.Error', causePath: '$.error.Cause' }), {
    errors: ['States.ALL'],
    resultPath: '$.error',
  });
}
