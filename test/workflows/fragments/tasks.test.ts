import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Aws } from '../../../contracts/errors';
import { TASK_METADATA_KEY } from '../../../contracts/metadata';
import { retriedByStateMachine, TASK_NAMES, TASK_RETRIES, type TaskName } from '../../../contracts/task-retries';
import {
  AwsCall,
  LAMBDA_SERVICE_RETRY,
  lambdaTask,
  lambdaTaskRetries,
  READ_TIMEOUT_RETRY,
  RERUN_SERVER_ERROR_RETRY,
  RERUN_THROTTLING_RETRY,
  throttlingRetry,
} from '../../../workflows/fragments';

type Retrier = { ErrorEquals: string[]; MaxAttempts?: number };
const rendered = (state: sfn.State) => (state.toStateJson() as { Retry?: Retrier[] }).Retry ?? [];
const asl = (p: sfn.RetryProps) => p.errors;

/** A function carrying the task metadata, as every TaskFunction's does. */
function taskFunction(stack: Stack, id: string, task: string): lambda.IFunction {
  const fn = new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  (fn.node.defaultChild as lambda.CfnFunction).addMetadata(TASK_METADATA_KEY, task);
  return fn;
}

/** The Lambda Task of `task` in a stack of its own. */
function taskOf(task: TaskName) {
  const stack = new Stack(new App());
  return lambdaTask(stack, 'Task', { fn: taskFunction(stack, 'Fn', task), task, payload: {}, resultPath: '$.r' });
}

describe('lambdaTask: one retry layer per task, from its declaration (contracts/task-retries.ts)', () => {
  const SDK_NAMES = new Set<string>([...Aws.SDK_THROTTLING, ...Aws.SDK_SERVER_ERRORS]);

  it.each(TASK_NAMES.filter((t) => retriedByStateMachine(t)))(
    'GIVEN %s, which the state machine re-runs, THEN its Task retries throttling and server errors, 10 times each',
    (task) => {
      const t = taskOf(task);
      expect(rendered(t).map((r) => r.ErrorEquals)).toEqual([
        asl(LAMBDA_SERVICE_RETRY),
        asl(RERUN_THROTTLING_RETRY),
        asl(RERUN_SERVER_ERROR_RETRY),
      ]);
      expect(
        rendered(t)
          .slice(1)
          .map((r) => r.MaxAttempts),
      ).toEqual([10, 10]);
      // at least as long in time as before (throttling 105 s + the SDK's backoff, server errors 14 s)
      expect(RERUN_THROTTLING_RETRY.worstWaitSeconds).toBeGreaterThanOrEqual(105 + 11 * 3);
      expect(RERUN_SERVER_ERROR_RETRY.worstWaitSeconds).toBeGreaterThanOrEqual(14);
    },
  );

  it.each(TASK_NAMES.filter((t) => !retriedByStateMachine(t)))(
    'GIVEN %s, whose clients retry each call, THEN its Task retries only the Lambda service errors, no SDK error name',
    (task) => {
      const t = taskOf(task);
      expect(rendered(t).map((r) => r.ErrorEquals)).toEqual([asl(LAMBDA_SERVICE_RETRY)]);
      expect(
        rendered(t)
          .flatMap((r) => r.ErrorEquals)
          .filter((n) => SDK_NAMES.has(n)),
      ).toEqual([]);
    },
  );

  it("leaves fence-old-site's retries to its clients (it records its EC2 errors instead of throwing them)", () => {
    expect(retriedByStateMachine('fence-old-site')).toBe(false);
    expect(TASK_RETRIES['fence-old-site'].why).toMatch(/never thrown/);
  });

  it("refuses a task name that is not the function's own, naming both", () => {
    const stack = new Stack(new App());
    const fn = taskFunction(stack, 'Fn', 'plan-target-switch');
    expect(() =>
      lambdaTask(stack, 'Read the registered targets', {
        fn,
        task: 'fence-old-site' as TaskName,
        payload: {},
        resultPath: '$.r',
      }),
    ).toThrow(
      'lambdaTask "Read the registered targets": task is "fence-old-site", but its function Default/Fn runs "plan-target-switch"',
    );
  });

  it('applies the same retries to a Lambda task built by hand (a function chosen at run time)', () => {
    const stack = new Stack(new App());
    const byHand = (id: string, task: TaskName) => {
      const custom = new sfn.CustomState(stack, id, {
        stateJson: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { 'FunctionName.$': '$.f' },
        },
      });
      lambdaTaskRetries(custom, task);
      return rendered(custom).map((r) => r.ErrorEquals);
    };
    // a task re-run by the state machine, and one without an AWS SDK client (nothing of its own to retry)
    expect(byHand('Plan', 'plan-instance-backup')).toEqual([
      asl(LAMBDA_SERVICE_RETRY),
      asl(RERUN_THROTTLING_RETRY),
      asl(RERUN_SERVER_ERROR_RETRY),
    ]);
    expect(byHand('Probe', 'probe-mirror-members')).toEqual([asl(LAMBDA_SERVICE_RETRY)]);
  });
});

describe('AwsCall', () => {
  const call = (action: string) => {
    const stack = new Stack(new App());
    return new AwsCall(stack, 'Call', {
      service: 'ec2',
      action,
      policy: [new iam.PolicyStatement({ actions: [`ec2:${action}`], resources: ['*'] })],
      resultPath: sfn.JsonPath.DISCARD,
    });
  };

  it("retries the integration's throttling, and a read's lost answer", () => {
    expect(rendered(call('describeInstances')).map((r) => r.ErrorEquals)).toEqual([
      asl(throttlingRetry('aws-sdk:ec2')),
      asl(READ_TIMEOUT_RETRY),
    ]);
  });

  it('does not repeat a write whose answer was lost (its effect is unknown)', () => {
    expect(rendered(call('terminateInstances')).map((r) => r.ErrorEquals)).toEqual([
      asl(throttlingRetry('aws-sdk:ec2')),
    ]);
  });
});
