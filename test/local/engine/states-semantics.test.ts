import { ScriptedApprovals } from '../../../local/engine/approvals';
import { LocalStateMachine, type LambdaHandler, withFunctionTimeout } from '../../../local/engine/runner';
import { evaluateIntrinsicCall } from '../../../local/engine/intrinsics';
import { errorMatcherProblems, PAYLOAD_LIMIT_BYTES } from '../../../local/engine/states-errors';
import { SimulatedRegion, type ServiceSimulator } from '../../../local/region/region';

/** A one-action SNS stand-in whose call takes `latency` modeled seconds and records what it received. */
class SlowSns implements ServiceSimulator {
  readonly name = 'sns' as const;
  readonly published: unknown[] = [];
  constructor(private readonly latency = 0.05) {}
  readonly actions = {
    Publish: (input: Record<string, unknown>) => {
      this.published.push(input);
      return { MessageId: `m-${this.published.length}`, Echo: input.Message };
    },
  };
  latencyOf() {
    return this.latency;
  }
  snapshot() {
    return { published: this.published };
  }
}

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:semantics';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ops';

function world(latency?: number) {
  const region = new SimulatedRegion({ seed: 7 });
  const sns = new SlowSns(latency);
  region.register(sns);
  return { region, sns };
}

/** A machine whose first state is `first`, caught by States.ALL into "Caught" (a Pass). */
function machine(first: Record<string, unknown> & { Type: string }, extraStates: Record<string, unknown> = {}) {
  return new LocalStateMachine(ARN, {
    StartAt: 'First',
    TimeoutSeconds: 3600,
    States: {
      First: { ...first },
      Caught: { Type: 'Pass', End: true },
      ...extraStates,
    },
  });
}

const publish = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Resource: 'arn:aws:states:::aws-sdk:sns:publish',
  Parameters: { TopicArn: TOPIC, ...message },
  TimeoutSeconds: 30,
  Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
  End: true,
  ...extra,
  Type: 'Task' as const,
});

describe('item 1: intrinsic functions are evaluated as Step Functions evaluates them', () => {
  it('fails the state with an uncaught States.Runtime when a literal holds an unescaped brace', async () => {
    // GIVEN a Format template with JSON braces written unescaped, and a Catch on States.ALL
    const { region, sns } = world();
    const m = machine(publish({ 'Message.$': `States.Format('{"Id": "{}"}', $.id)` }));
    // WHEN it runs
    const result = await m.run({ id: 'i-1' }, { region });
    // THEN the execution fails with States.Runtime, nothing was published, and States.ALL did not catch it
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toMatch(/unescaped "\{"/);
    expect(sns.published).toHaveLength(0);
  });

  it('formats escaped braces as literal braces', async () => {
    const { region, sns } = world();
    const m = machine(publish({ 'Message.$': `States.Format('\\{"Id": "{}"\\}', $.id)` }));
    const result = await m.run({ id: 'i-1' }, { region });
    expect(result.status).toBe('SUCCEEDED');
    expect(sns.published).toEqual([{ TopicArn: TOPIC, Message: '{"Id": "i-1"}' }]);
  });

  it('fails with States.Runtime when Format has more placeholders than arguments', async () => {
    const { region } = world();
    const m = machine(publish({ 'Message.$': `States.Format('{} and {}', $.id)` }));
    const result = await m.run({ id: 'i-1' }, { region });
    expect(result.error).toBe('States.Runtime');
  });

  it('returns valid JSON text from States.JsonToString, even for strings holding quotes and backslashes', async () => {
    const { region, sns } = world();
    const m = machine(publish({ 'Message.$': 'States.JsonToString($.trail)' }));
    const trail = { note: 'said "stop" at C:\\temp' };
    const result = await m.run({ trail }, { region });
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse((sns.published[0] as { Message: string }).Message)).toEqual(trail);
  });

  it('rounds States.MathAdd arguments to integers and refuses a string argument with States.Runtime', () => {
    expect(evaluateIntrinsicCall('States.MathAdd', ['1.6', '2'], {}, {})).toBe(4);
    expect(() => evaluateIntrinsicCall('States.MathAdd', ['$.n', '1'], { n: '3' }, {})).toThrow(
      expect.objectContaining({ name: 'States.Runtime', isCatchable: false, isRetryable: false }),
    );
  });

  it('checks argument types and ranges of the other intrinsics the workflows use', () => {
    const runtime = expect.objectContaining({ name: 'States.Runtime' });
    expect(() => evaluateIntrinsicCall('States.ArrayLength', ["'abc'"], {}, {})).toThrow(runtime);
    expect(() => evaluateIntrinsicCall('States.ArrayGetItem', ['$.a', '5'], { a: [1] }, {})).toThrow(runtime);
    expect(() => evaluateIntrinsicCall('States.StringToJson', ["'not json'"], {}, {})).toThrow(runtime);
    expect(() => evaluateIntrinsicCall('States.ArrayContains', ['$.a'], { a: [1] }, {})).toThrow(runtime);
    expect(() => evaluateIntrinsicCall('States.StringSplit', ['$.a', "','"], { a: 1 }, {})).toThrow(runtime);
    expect(() => evaluateIntrinsicCall('States.Array', ["'a {} b'"], {}, {})).toThrow(runtime);
    expect(evaluateIntrinsicCall('States.Array', ["'it\\'s'", '1', 'null'], {}, {})).toEqual(["it's", 1, null]);
    expect(evaluateIntrinsicCall('States.ArrayContains', ['$.a', '{"x":1}'], { a: [{ x: 1 }] }, {})).toBe(true);
    expect(evaluateIntrinsicCall('States.StringToJson', ['$.s'], { s: '{"a":[1]}' }, {})).toEqual({ a: [1] });
  });
});

describe('item 2: payload and history limits', () => {
  it('fails the execution with States.DataLimitExceeded when a state output passes 256 KiB, uncaught by States.ALL', async () => {
    // GIVEN a Task whose result is just over 256 KiB (UTF-8 bytes: "é" is two bytes)
    const { region } = world();
    const m = machine(publish({ 'Message.$': '$.big' }));
    const big = 'é'.repeat(PAYLOAD_LIMIT_BYTES / 2);
    // WHEN it runs
    const result = await m.run({ big: big.slice(0, 1000) }, { region });
    const large = await m.run({ big }, { region });
    // THEN a small payload passes and reports its size; a large one fails the execution, not the Catch
    expect(result.status).toBe('SUCCEEDED');
    expect(result.largestPayloadBytes).toBeGreaterThan(2000);
    expect(large.status).toBe('FAILED');
    expect(large.error).toBe('States.DataLimitExceeded');
  });

  it('fails an execution whose history reaches 25,000 events, and reports the history length', async () => {
    // GIVEN a loop of Pass states that never ends on its own
    const region = new SimulatedRegion({ seed: 7 });
    const m = new LocalStateMachine(ARN, {
      StartAt: 'Count',
      TimeoutSeconds: 86400,
      States: {
        Count: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'Again' },
        Again: {
          Type: 'Choice',
          Choices: [{ Variable: '$.n', NumericGreaterThan: 1e9, Next: 'Done' }],
          Default: 'Count',
        },
        Done: { Type: 'Succeed' },
      },
    });
    // WHEN it runs
    const result = await m.run({ n: 0 }, { region });
    // THEN it fails at the 25,000th event with ExecutionFailed
    expect(result.status).toBe('FAILED');
    expect(result.cause).toMatch(/maximum number of history events \(25000\)/);
    expect(result.historyEvents).toBe(25000);
    expect(result.history[result.history.length - 1].type).toBe('ExecutionFailed');
  });
});

describe('item 3: errors the engine raises match Retry and Catch as on AWS', () => {
  it('never lets States.ALL catch States.Runtime raised by the engine', async () => {
    // GIVEN a callback Task whose HeartbeatSecondsPath reads a value that is no positive integer
    const { region } = world();
    const m = machine(
      publish(
        { 'Message.$': '$$.Task.Token' },
        { Resource: 'arn:aws:states:::sns:publish.waitForTaskToken', HeartbeatSecondsPath: '$.heartbeat' },
      ),
    );
    const broker = new ScriptedApprovals(region, [{ decision: 'approve', afterSeconds: 1 }]);
    // WHEN it runs
    const result = await m.run({ heartbeat: 'soon' }, { region, broker });
    // THEN the execution failed with States.Runtime although a catcher names States.ALL
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toMatch(/\$\.heartbeat .* is not a positive integer/);
  });

  it('does not match States.Timeout with States.TaskFailed', async () => {
    // GIVEN a 30 s Task whose call takes 40 s, a catcher on States.TaskFailed and one on States.ALL
    const { region } = world(40);
    const m = machine(
      publish(
        { Message: 'x' },
        {
          Catch: [
            { ErrorEquals: ['States.TaskFailed'], Next: 'Caught as TaskFailed' },
            { ErrorEquals: ['States.ALL'], Next: 'Caught' },
          ],
        },
      ),
      { 'Caught as TaskFailed': { Type: 'Pass', End: true } },
    );
    const result = await m.run({}, { region });
    // THEN States.ALL caught the timeout, States.TaskFailed did not
    expect(result.status).toBe('SUCCEEDED');
    const entered = result.timeline.filter((e) => e.kind === 'state').map((e) => e.state);
    expect(entered).toContain('Caught');
    expect(entered).not.toContain('Caught as TaskFailed');
  });

  it('refuses a definition where States.ALL is not alone or not last', () => {
    const catchers = (c: unknown[]) => () => machine(publish({ Message: 'x' }, { Catch: c }));
    expect(catchers([{ ErrorEquals: ['States.ALL', 'Sns.NotFoundException'], Next: 'Caught' }])).toThrow(/alone/);
    expect(
      catchers([
        { ErrorEquals: ['States.ALL'], Next: 'Caught' },
        { ErrorEquals: ['States.Timeout'], Next: 'Caught' },
      ]),
    ).toThrow(/not the last catcher/);
    expect(errorMatcherProblems('S', { Retry: [{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['X'] }] })).toEqual([
      'state "S": Retry[0] names States.ALL but is not the last retrier',
    ]);
  });
});

describe('item 4: task timeouts bite during the call', () => {
  it('ends a 30 s Task whose call takes 40 s at 30 s with States.Timeout, and the call still took effect', async () => {
    const { region, sns } = world(40);
    const onlyNotFound = [{ ErrorEquals: ['Sns.NotFoundException'], Next: 'Caught' }];
    const m = machine(publish({ Message: 'x' }, { Catch: onlyNotFound }));
    const result = await m.run({}, { region });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Timeout');
    expect(result.modeledSeconds).toBeLessThan(31);
    expect(sns.published).toHaveLength(1); // a lost response: the message went out
  });

  it("ends a Lambda task at the function's own Timeout with Sandbox.Timedout, and the function makes no more calls", async () => {
    // GIVEN a function (Timeout 3 s) that publishes three times, 2 s per call, and a 60 s Task
    const { region, sns } = world(2);
    const handler: LambdaHandler = withFunctionTimeout(async () => {
      for (let i = 0; i < 3; i++) await region.call('sns', 'Publish', { TopicArn: TOPIC, Message: `${i}` });
      return { ok: true };
    }, undefined);
    const m = machine({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'slow-fn', Payload: {} },
      TimeoutSeconds: 60,
      Catch: [{ ErrorEquals: ['Lambda.ServiceException'], Next: 'Caught' }],
      End: true,
    });
    const result = await m.run({}, { region, lambdas: new Map([['slow-fn', handler]]) });
    // THEN the task failed as Lambda reports a timed-out function, after two calls (the third would start past 3 s)
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Sandbox.Timedout');
    expect(JSON.parse(result.cause!)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 3\.00 seconds$/),
    });
    expect(sns.published).toHaveLength(2);
    expect(result.modeledSeconds).toBeLessThan(10);
  });
});
