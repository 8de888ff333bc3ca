import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Aws, type Integration, States, THROTTLING_ERRORS } from '../../../contracts/errors';
import * as retry from '../../../workflows/fragments/retry';
import {
  BUDGETS,
  budget,
  RETRY_TABLE,
  type RetryPolicy,
  throttlingRetry,
  worstWaitOf,
  worstWaitSeconds,
} from '../../../workflows/fragments/retry';

/** Every exported retrier of the module (a RetryPolicy carries its worst-case waiting). */
const POLICIES = Object.entries(retry).filter(
  (e): e is [string, RetryPolicy] => typeof e[1] === 'object' && e[1] !== null && 'worstWaitSeconds' in e[1],
);
const TABLE_CELLS = Object.entries(RETRY_TABLE).flatMap(([integration, row]) =>
  Object.entries(row as Record<string, RetryPolicy>).map(([kind, p]) => [`${integration}.${kind}`, p] as const),
);

describe('retry budgets: the worst case written next to each one is the arithmetic of its numbers', () => {
  it('computes Σ min(interval × backoff^i, cap) over the retries', () => {
    expect(worstWaitSeconds({ intervalSeconds: 1, retries: 5, backoffRate: 2, maxDelaySeconds: 20 })).toBe(31);
    expect(worstWaitSeconds({ intervalSeconds: 1, retries: 10, backoffRate: 2, maxDelaySeconds: 15 })).toBe(105);
    expect(worstWaitSeconds({ intervalSeconds: 60, retries: 8, backoffRate: 2, maxDelaySeconds: 600 })).toBe(3300);
    // without a cap the backoff grows unbounded: 1 + 2 + 4
    expect(worstWaitSeconds({ intervalSeconds: 1, retries: 3, backoffRate: 2 })).toBe(7);
  });

  it("fills Step Functions' defaults for what a retrier leaves out (IntervalSeconds 1, MaxAttempts 3, BackoffRate 2)", () => {
    expect(worstWaitOf({})).toBe(7);
    expect(worstWaitOf({ maxAttempts: 2, interval: Duration.seconds(3) })).toBe(3 + 6);
  });

  it.each(Object.entries(BUDGETS))('budget %s states its own arithmetic', (_name, b) => {
    expect(b.worstWaitSeconds).toBe(worstWaitSeconds(b));
  });

  it('refuses a budget whose written worst case is not its arithmetic, naming it and both figures', () => {
    expect(() =>
      budget('WRONG', {
        intervalSeconds: 1,
        retries: 5,
        backoffRate: 2,
        maxDelaySeconds: 20,
        jitter: true,
        worstWaitSeconds: 30,
      }),
    ).toThrow('retry budget WRONG: worstWaitSeconds says 30 s, the arithmetic gives 31 s');
  });

  it.each([...POLICIES, ...TABLE_CELLS])(
    'policy %s: its worstWaitSeconds is what its rendered retrier can wait',
    (_name, policy) => {
      expect(policy.worstWaitSeconds).toBe(worstWaitOf(policy));
    },
  );

  it('finds the policies it checks (the module exports its named policies as RetryPolicy)', () => {
    expect(POLICIES.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'LAMBDA_SERVICE_RETRY',
        'RERUN_THROTTLING_RETRY',
        'RERUN_SERVER_ERROR_RETRY',
        'COPY_LIMIT_RETRY',
        'NOTIFY_RETRY',
        'RELEASE_THROTTLING_RETRY',
      ]),
    );
  });

  it('keeps every retrier within the project rules: 1–10 retries, backoff > 1, a MaxDelaySeconds', () => {
    for (const [, p] of [...POLICIES, ...TABLE_CELLS]) {
      expect(p.maxAttempts).toBeGreaterThanOrEqual(1);
      expect(p.maxAttempts).toBeLessThanOrEqual(10);
      expect(p.backoffRate).toBeGreaterThan(1);
      expect(p.maxDelay).toBeDefined();
    }
  });
});

describe('RETRY_TABLE: per integration, the errors retried and their budget', () => {
  const integrations = Object.keys(THROTTLING_ERRORS).filter((i) => i !== 'lambda') as Integration[];

  it.each(integrations)('%s: throttling retries the names its throttling arrives under, for at most 31 s', (i) => {
    const { throttling } = RETRY_TABLE[i as Exclude<Integration, 'lambda'>];
    expect(throttling.errors).toEqual(THROTTLING_ERRORS[i]);
    expect(throttling.worstWaitSeconds).toBe(31);
    expect(throttlingRetry(i)).toEqual(throttling);
  });

  it("returns a copy: changing a Task's retrier never changes the table", () => {
    const mine = throttlingRetry('sns') as { errors: string[] };
    mine.errors.push('X');
    expect(RETRY_TABLE.sns.throttling.errors).toEqual(THROTTLING_ERRORS.sns);
    expect(() => (retry.NOTIFY_RETRY.errors as string[]).push('X')).toThrow(TypeError);
  });

  it("picks the integration from the Task: an SDK call's service, an optimized integration's kind", () => {
    const stack = new Stack(new App());
    const call = new tasks.CallAwsService(stack, 'Call', {
      service: 'ssm',
      action: 'sendCommand',
      iamResources: ['*'],
    });
    expect(throttlingRetry(call).errors).toEqual([Aws.SSM_THROTTLING]);
    const custom = new sfn.CustomState(stack, 'Start', {
      stateJson: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution' },
    });
    expect(throttlingRetry(custom).errors).toEqual(THROTTLING_ERRORS.states);
  });

  it("refuses a Lambda task: its retries come from the task's declaration (contracts/task-retries.ts)", () => {
    const stack = new Stack(new App());
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:123456789012:function:f');
    const invoke = new tasks.LambdaInvoke(stack, 'Invoke', { lambdaFunction: fn });
    expect(() => throttlingRetry(invoke)).toThrow(/contracts\/task-retries\.ts/);
    expect(() => throttlingRetry('lambda')).toThrow(/lambdaTaskRetries/);
  });

  it('refuses a service it knows no throttling names for, naming it', () => {
    const stack = new Stack(new App());
    const call = new tasks.CallAwsService(stack, 'Call', { service: 's3', action: 'getObject', iamResources: ['*'] });
    expect(() => throttlingRetry(call)).toThrow('no throttling error names are known for aws-sdk:s3');
  });

  it('names the cells the workflows use', () => {
    expect(retry.IDEMPOTENT_WRITE_RETRY.errors).toEqual([...Aws.DYNAMODB_SERVER, States.TIMEOUT]);
    expect(retry.NOTIFY_RETRY.errors).toEqual([Aws.SNS_INTERNAL_ERROR, States.TIMEOUT]);
    expect(retry.CLEANUP_WRITE_RETRY.errors).toEqual(Aws.DYNAMODB_SERVER);
    expect(retry.RERUN_THROTTLING_RETRY.errors).toEqual(Aws.SDK_THROTTLING);
    expect(retry.RERUN_SERVER_ERROR_RETRY.errors).toEqual(Aws.SDK_SERVER_ERRORS);
    expect(retry.COPY_LIMIT_RETRY_WAIT_SECONDS).toBe(3300);
  });

  it('renders only the ASL fields of a policy (its worst case stays in TypeScript)', () => {
    const stack = new Stack(new App());
    const task = new sfn.CustomState(stack, 'T', {
      stateJson: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish' },
    });
    task.addRetry(retry.NOTIFY_RETRY);
    const json = task.toStateJson() as { Retry: Record<string, unknown>[] };
    expect(json.Retry).toEqual([
      {
        ErrorEquals: [Aws.SNS_INTERNAL_ERROR, States.TIMEOUT],
        IntervalSeconds: 1,
        MaxAttempts: 6,
        BackoffRate: 2,
        MaxDelaySeconds: 20,
        JitterStrategy: 'FULL',
      },
    ]);
  });
});
