import { executionClock, VirtualClock } from '../../../local/clock';
import { EndedAt } from '../../../local/engine/clock';
import {
  classify,
  type DispatchContext,
  type LambdaHandler,
  TaskDispatcher,
  type TaskTokenBroker,
  withFunctionTimeout,
} from '../../../local/engine/dispatch';
import { ExecutionHistory, taskResource } from '../../../local/engine/history';
import { AwsApiError } from '../../../local/region/errors';
import { SimulatedRegion, type ServiceSimulator } from '../../../local/region/region';

describe('classify', () => {
  it.each([
    [
      'arn:aws:states:::aws-sdk:ec2:describeInstances',
      { type: 'sdk', service: 'ec2', action: 'DescribeInstances', callback: false },
    ],
    [
      'arn:aws:states:::aws-sdk:sns:publish.waitForTaskToken',
      { type: 'sdk', service: 'sns', action: 'Publish', callback: true },
    ],
    [
      'arn:aws:states:::dynamodb:putItem',
      { type: 'optimized', service: 'dynamodb', action: 'PutItem', callback: false },
    ],
    [
      'arn:aws:states:::sns:publish.waitForTaskToken',
      { type: 'optimized', service: 'sns', action: 'Publish', callback: true },
    ],
    ['arn:aws:states:::lambda:invoke', { type: 'lambda', callback: false }],
    ['arn:aws:states:::lambda:invoke.waitForTaskToken', { type: 'lambda', callback: true }],
    [
      'arn:aws:states:::states:startExecution',
      { type: 'optimized', service: 'sfn', action: 'StartExecution', callback: false },
    ],
    [
      'arn:aws:states:::states:startExecution.sync',
      { type: 'optimized', service: 'sfn', action: 'StartExecution', callback: false, sync: 'string' },
    ],
    [
      'arn:aws:states:::states:startExecution.sync:2',
      { type: 'optimized', service: 'sfn', action: 'StartExecution', callback: false, sync: 'json' },
    ],
  ])('%s', (resource, kind) => {
    expect(classify(resource)).toEqual(kind);
  });

  it.each([
    'arn:aws:states:::aws-sdk:s3:getObject', // a service the region does not simulate
    'arn:aws:states:::glue:startJobRun',
    'arn:aws:states:::dynamodb:query', // not an optimized DynamoDB action
    'arn:aws:states:::lambda:invoke.sync',
  ])('knows nothing of %s', (resource) => {
    expect(classify(resource)).toBeUndefined();
  });
});

/** An SNS stand-in that fails when the test says so. */
class Sns implements ServiceSimulator {
  readonly name = 'sns' as const;
  fail = false;
  readonly actions = {
    Publish: () => {
      if (this.fail) throw new AwsApiError('sns', 'Throttled', 'Rate exceeded', 400);
      return { MessageId: 'm-1' };
    },
  };
  latencyOf() {
    return 0.05;
  }
  snapshot() {
    return {};
  }
}

const T0 = Date.parse('2026-01-05T09:00:00.000Z');

function world(extra: Partial<DispatchContext> = {}) {
  const region = new SimulatedRegion({ seed: 1, latency: { 'lambda.invoke': 0.1, 'lambda.coldStart': 0.4 } });
  const sns = new Sns();
  region.register(sns);
  const clock = new VirtualClock(T0);
  const history = new ExecutionHistory({
    nowMs: () => clock.now(),
    elapsedSeconds: () => (clock.now() - T0) / 1000,
    fail: () => {},
  });
  const dispatcher = new TaskDispatcher({
    region,
    token: 'token-1',
    history,
    clock: () => clock,
    secondsFrom: (fixed) => fixed,
    ...extra,
  });
  /** Dispatches a Task with the resource and Parameters, on the Task's clock (as the runner does). */
  const dispatch = (resource: string, params: unknown, state: Record<string, unknown> = {}) =>
    executionClock.run(clock, () =>
      dispatcher.dispatch({
        stateName: 'T',
        state: { Type: 'Task', Resource: resource, ...state },
        params,
        kind: classify(resource),
        task: taskResource(resource),
      }),
    );
  return { region, sns, clock, history, dispatcher, dispatch };
}

const lambdas = (handlers: Record<string, LambdaHandler>) => new Map(Object.entries(handlers));

describe('TaskDispatcher', () => {
  it('calls an SDK integration in the region and logs the call', async () => {
    const { dispatch, history, region } = world();
    const out = await dispatch('arn:aws:states:::aws-sdk:sns:publish', { TopicArn: 't', Message: 'hi' });
    expect(out).toEqual({ MessageId: 'm-1' });
    expect(region.calls.map((c) => `${c.service}:${c.action}`)).toEqual(['sns:Publish']);
    expect(history.timeline).toEqual([{ at: 0.15, kind: 'api', state: 'T', detail: 'sns:Publish' }]);
  });

  it('raises an API error under the name Step Functions gives it: aws-sdk and optimized integrations differ', async () => {
    const { dispatch, sns } = world();
    sns.fail = true;
    await expect(dispatch('arn:aws:states:::aws-sdk:sns:publish', {})).rejects.toMatchObject({
      name: 'Sns.ThrottledException',
    });
    await expect(dispatch('arn:aws:states:::sns:publish', {})).rejects.toMatchObject({
      name: 'SNS.ThrottledException',
    });
  });

  it('invokes a Lambda function: its result is the Payload, JSON-serialized; the first call pays the cold start', async () => {
    const handler = withFunctionTimeout(async (event) => ({ got: event, at: new Date(T0) }), 30);
    const { dispatch, dispatcher, clock } = world({ lambdas: lambdas({ 'fn-a': handler }) });
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:fn-a';
    const out = await dispatch('arn:aws:states:::lambda:invoke', { FunctionName: arn, Payload: { x: 1 } });
    expect(out).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { got: { x: 1 }, at: '2026-01-05T09:00:00.000Z' },
      StatusCode: 200,
    });
    expect(clock.now()).toBe(T0 + 500);
    await dispatch('arn:aws:states:::lambda:invoke', { FunctionName: arn, Payload: {} });
    expect(clock.now()).toBe(T0 + 600);
    expect(dispatcher.lambdaInvocations).toBe(2);
  });

  it('raises a function error as its errorType with the Lambda error payload as the Cause', async () => {
    const handler = withFunctionTimeout(async () => {
      throw Object.assign(new Error('no such group'), { name: 'GroupNotFound' });
    }, 30);
    const { dispatch } = world({ lambdas: lambdas({ 'fn-a': handler }) });
    await expect(dispatch('arn:aws:states:::lambda:invoke', { FunctionName: 'fn-a' })).rejects.toMatchObject({
      name: 'GroupNotFound',
      message: JSON.stringify({ errorType: 'GroupNotFound', errorMessage: 'no such group', trace: [] }),
    });
  });

  it('ends a function at its own Timeout with Sandbox.Timedout, at the kill time', async () => {
    const handler = withFunctionTimeout(async () => {
      w.region.clock.advanceSeconds(10); // a slow call
      await w.region.call('sns', 'Publish', {}); // frozen: never made
    }, 3);
    const w = world({ lambdas: lambdas({ 'fn-a': handler }) });
    const failure = await w.dispatch('arn:aws:states:::lambda:invoke', { FunctionName: 'fn-a' }).catch((e) => e);
    expect(failure).toBeInstanceOf(EndedAt);
    expect(failure).toMatchObject({ name: 'Sandbox.Timedout', endMs: T0 + 500 + 3000 });
    expect(JSON.parse((failure as Error).message)).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(w.region.calls).toEqual([]);
  });

  it('refuses a function it has no handler for', async () => {
    const { dispatch } = world({ lambdas: lambdas({}) });
    await expect(dispatch('arn:aws:states:::lambda:invoke', { FunctionName: 'ghost' })).rejects.toThrow(
      /no local handler for function "ghost"/,
    );
  });

  it('waits for the task token: submits the call, then the broker settles it within heartbeat and timeout', async () => {
    const requests: unknown[] = [];
    const broker: TaskTokenBroker = {
      wait: async (request) => {
        requests.push(request);
        return { approved: true };
      },
    };
    const { dispatch, history } = world({ broker });
    const out = await dispatch(
      'arn:aws:states:::sns:publish.waitForTaskToken',
      { TopicArn: 't' },
      { HeartbeatSeconds: 600, TimeoutSeconds: 3600 },
    );
    expect(out).toEqual({ approved: true });
    expect(requests).toEqual([
      {
        token: 'token-1',
        state: 'T',
        input: { TopicArn: 't' },
        deadlineSeconds: 600,
        deadlineError: 'States.HeartbeatTimeout',
      },
    ]);
    expect(history.events.map((e) => e.type)).toEqual(['TaskSubmitted']);
    expect(history.events[0].taskSubmittedEventDetails?.output).toBe('{"MessageId":"m-1"}');
  });

  it('fails a task-token wait with States.Runtime when nothing can settle it', async () => {
    const { dispatch } = world();
    await expect(dispatch('arn:aws:states:::sns:publish.waitForTaskToken', {})).rejects.toMatchObject({
      name: 'States.Runtime',
    });
  });
});
