import type { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { TASK_METADATA_KEY } from '../../contracts/metadata';
import { retriedByStateMachine, type TaskName } from '../../contracts/task-retries';
import {
  API_CALL_TIMEOUT,
  LAMBDA_SERVICE_RETRY,
  LAMBDA_TASK_TIMEOUT,
  READ_TIMEOUT_RETRY,
  RERUN_SERVER_ERROR_RETRY,
  RERUN_THROTTLING_RETRY,
  throttlingRetry,
} from './retry';

/** A read-only API action (nothing changes if it is called again): Describe*, Get*, List*. */
export const isReadAction = (action: string): boolean => /^(describe|get|list)[A-Z]/.test(action);

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
  /** @default throttlingRetry(this task) */
  readonly retry?: sfn.RetryProps;
}

/**
 * An AWS SDK integration Task with the project's defaults: a TimeoutSeconds, the throttling retry policy (and for a
 * read, READ_TIMEOUT_RETRY: a lost or late answer is read again), and exactly the IAM statements passed in
 * (CallAwsService alone grants its action on `iamResources` without conditions, which cannot express "only instances
 * tagged with the group").
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
    this.addRetry(props.retry ?? throttlingRetry(this));
    if (isReadAction(props.action)) this.addRetry(READ_TIMEOUT_RETRY);
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
  /**
   * The task `fn` runs (its folder under `tasks/`): its declaration in contracts/task-retries.ts says which layer
   * retries its AWS calls (lambdaTaskRetries). Checked against the function's own `ha-workflows:task` metadata.
   */
  readonly task: TaskName;
}

/**
 * The Retry of a Lambda task, from its declaration (contracts/task-retries.ts), so that no layer multiplies another:
 * - always the Lambda service's own errors (the function did not run): LAMBDA_SERVICE_RETRY, at most 7 s;
 * - a task the state machine re-runs (`sdkAttempts: 1`, one call per run): throttling (RERUN_THROTTLING_RETRY, at most
 *   181 s, 11 runs) and an AWS service's own failure (RERUN_SERVER_ERROR_RETRY, at most 105 s, 11 runs);
 * - a task whose clients retry each call (`sdkAttempts` > 1): no SDK error name (its clients' budget is in the
 *   declaration: CLIENT_LAYER_ATTEMPTS, at most 111 s of throttling backoff per call).
 * Retries of the task's own errors (a lost response, the copy limit) are the caller's, added after these.
 */
export function lambdaTaskRetries(task: sfn.TaskStateBase | sfn.CustomState, name: TaskName): void {
  task.addRetry(LAMBDA_SERVICE_RETRY);
  if (retriedByStateMachine(name)) {
    task.addRetry(RERUN_THROTTLING_RETRY);
    task.addRetry(RERUN_SERVER_ERROR_RETRY);
  }
}

/** Throws unless `fn` runs `task` (when `fn` carries the task metadata, as every TaskFunction does). */
function checkTaskOf(fn: lambda.IFunction, task: TaskName, id: string): void {
  const cfn = fn.node.defaultChild as { getMetadata?: (key: string) => unknown } | undefined;
  const declared = cfn?.getMetadata?.(TASK_METADATA_KEY);
  if (declared !== undefined && declared !== task) {
    throw new Error(
      `lambdaTask "${id}": task is "${task}", but its function ${fn.node.path} runs "${String(declared)}"`,
    );
  }
}

/**
 * A Lambda task: invoke with a payload, keep only the function's result, retry as its declaration says
 * (lambdaTaskRetries).
 */
export function lambdaTask(scope: Construct, id: string, props: LambdaTaskProps): tasks.LambdaInvoke {
  checkTaskOf(props.fn, props.task, id);
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.fn,
    payload: sfn.TaskInput.fromObject(props.payload),
    payloadResponseOnly: false,
    retryOnServiceExceptions: false,
    resultSelector: props.resultSelector ?? { 'value.$': '$.Payload' },
    resultPath: props.resultPath,
    taskTimeout: sfn.Timeout.duration(props.timeout ?? LAMBDA_TASK_TIMEOUT),
  });
  lambdaTaskRetries(task, props.task);
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

export interface ForEachItemProps {
  /** The list to iterate, e.g. `$.plan.targetGroupArns`. */
  readonly itemsPath: string;
  /**
   * Each iteration's input, e.g. `{ 'targetGroupArn.$': '$$.Map.Item.Value', 'instanceId.$': '$.instanceId' }`.
   * @default - the item itself
   */
  readonly itemSelector?: Record<string, unknown>;
  /** The one Task run per item. */
  readonly task: sfn.TaskStateBase;
  /** Id of the Fail state an iteration ends in when the Task fails (with the Task's own error). */
  readonly failStateId: string;
  /** @default 4 */
  readonly maxConcurrency?: number;
}

/**
 * A Map that runs one Task per item (at most `maxConcurrency` at once) and keeps the state input unchanged;
 * an iteration whose Task fails ends with that Task's error, which the Map's own Catch then sees.
 */
export function forEachItem(scope: Construct, id: string, props: ForEachItemProps): sfn.Map {
  const map = new sfn.Map(scope, id, {
    itemsPath: props.itemsPath,
    itemSelector: props.itemSelector,
    maxConcurrency: props.maxConcurrency ?? 4,
    resultPath: sfn.JsonPath.DISCARD,
  });
  failIterationOnError(scope, props.task, props.failStateId);
  map.itemProcessor(props.task);
  return map;
}
