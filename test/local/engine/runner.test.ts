import { ScriptedApprovals } from '../../../local/engine/approvals';
import { LocalStateMachine, retryDelaySeconds } from '../../../local/engine/runner';
import { AwsApiError } from '../../../local/region/errors';
import { SimulatedRegion, type ServiceSimulator } from '../../../local/region/region';

/** A one-action SNS stand-in whose failures the test scripts. */
class CountingSns implements ServiceSimulator {
  readonly name = 'sns' as const;
  published: unknown[] = [];
  failuresLeft = 0;
  readonly actions = {
    Publish: (input: Record<string, unknown>) => {
      if (this.failuresLeft > 0) {
        this.failuresLeft -= 1;
        throw new AwsApiError('sns', 'Throttled', 'Rate exceeded', 400);
      }
      this.published.push(input);
      return { MessageId: `m-${this.published.length}` };
    },
  };
  latencyOf() {
    return 0.05;
  }
  snapshot() {
    return { published: this.published };
  }
}

const retry = {
  ErrorEquals: ['Sns.ThrottledException'],
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
  MaxDelaySeconds: 10,
};
const definition = {
  StartAt: 'Notify',
  TimeoutSeconds: 3600,
  States: {
    Notify: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:sns:publish',
      Parameters: { TopicArn: 'arn:aws:sns:us-east-1:123456789012:ops', 'Message.$': '$.message' },
      TimeoutSeconds: 10,
      Retry: [retry],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Notify failed' }],
      ResultPath: '$.published',
      Next: 'Pause',
    },
    Pause: { Type: 'Wait', SecondsPath: '$.pause', Next: 'Approve' },
    Approve: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      Parameters: { TopicArn: 'arn:aws:sns:us-east-1:123456789012:ops', 'Message.$': '$$.Task.Token' },
      HeartbeatSeconds: 600,
      TimeoutSeconds: 3600,
      Retry: [{ ...retry, ErrorEquals: ['SNS.ThrottledException'] }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Notify failed' }],
      ResultPath: '$.approval',
      End: true,
    },
    'Notify failed': { Type: 'Fail', Error: 'NotifyFailed', Cause: 'could not notify' },
  },
};

describe('LocalStateMachine', () => {
  let machine: LocalStateMachine;
  beforeAll(() => {
    machine = new LocalStateMachine('arn:aws:states:us-east-1:123456789012:stateMachine:demo', definition);
  });

  function world(failures = 0) {
    const region = new SimulatedRegion({ seed: 3 });
    const sns = new CountingSns();
    sns.failuresLeft = failures;
    region.register(sns);
    return { region, sns };
  }

  it('runs the definition and advances modeled time by waits, latencies and approvals', async () => {
    // GIVEN an approval that arrives after 120 s
    const { region, sns } = world();
    const broker = new ScriptedApprovals(region, [{ decision: 'approve', afterSeconds: 120, output: { by: 'alice' } }]);
    // WHEN the machine runs with a 30 s pause
    const result = await machine.run({ message: 'hello', pause: 30 }, { region, broker });
    // THEN it succeeds, published twice (message and token), and modeled time covers the wait and approval
    expect(result.status).toBe('SUCCEEDED');
    expect(sns.published).toHaveLength(2);
    expect((result.output as { approval: unknown }).approval).toEqual({ by: 'alice' });
    expect(result.modeledSeconds).toBeGreaterThanOrEqual(150);
    expect(result.modeledSeconds).toBeLessThan(151);
    expect(result.transitions).toBe(3);
    expect(result.apiCalls).toBe(2);
  });

  it('passes the task token from the context object to the waiting task', async () => {
    const { region, sns } = world();
    const broker = new ScriptedApprovals(region, [{ decision: 'approve', afterSeconds: 1 }]);
    const result = await machine.run({ message: 'x', pause: 0 }, { region, broker, executionName: 'run-1' });
    expect((sns.published[1] as { Message: string }).Message).toMatch(/^arn:aws:states:.*:execution:demo:run-1#/);
    expect(result.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:demo:run-1');
  });

  it('retries an API error under its Step Functions name and charges the backoff in modeled time', async () => {
    const { region, sns } = world(2);
    const broker = new ScriptedApprovals(region, [{ decision: 'approve', afterSeconds: 0 }]);
    const result = await machine.run({ message: 'x', pause: 0 }, { region, broker });
    expect(result.status).toBe('SUCCEEDED');
    expect(sns.published).toHaveLength(2);
    expect(result.transitions).toBe(5);
    // 2 s + 4 s of backoff
    expect(result.modeledSeconds).toBeGreaterThanOrEqual(6);
    expect(result.timeline.filter((e) => e.kind === 'retry')).toHaveLength(2);
  });

  it('fails with States.HeartbeatTimeout when no decision arrives, after the heartbeat in modeled time', async () => {
    const { region } = world();
    const broker = new ScriptedApprovals(region, [{ decision: 'never', afterSeconds: 0 }]);
    const result = await machine.run({ message: 'x', pause: 0 }, { region, broker });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('NotifyFailed');
    expect(result.modeledSeconds).toBeGreaterThanOrEqual(600);
  });

  it('rejects a Task resource the engine does not know', () => {
    const bad = {
      StartAt: 'X',
      States: { X: { Type: 'Task', Resource: 'arn:aws:states:::glue:startJobRun', End: true } },
    };
    expect(() => new LocalStateMachine('arn:aws:states:us-east-1:1:stateMachine:bad', bad)).toThrow(
      /does not know the resource/,
    );
  });
});

describe('retryDelaySeconds', () => {
  it('multiplies the interval by the backoff rate per attempt and caps it at MaxDelaySeconds', () => {
    const r = { ErrorEquals: ['X'], IntervalSeconds: 2, BackoffRate: 3, MaxDelaySeconds: 10 };
    expect([1, 2, 3].map((a) => retryDelaySeconds(r, a))).toEqual([2, 6, 10]);
  });
});

describe('HeartbeatSecondsPath', () => {
  it('reads the heartbeat from the state input, so a per-request approval timeout applies', async () => {
    const def = {
      StartAt: 'Wait for a decision',
      TimeoutSeconds: 7200,
      States: {
        'Wait for a decision': {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
          Parameters: { TopicArn: 'arn:aws:sns:us-east-1:123456789012:ops', 'Message.$': '$$.Task.Token' },
          HeartbeatSecondsPath: '$.request.timeoutSeconds',
          TimeoutSeconds: 3600,
          Retry: [retry],
          Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], Next: 'Timed out' }],
          End: true,
        },
        'Timed out': { Type: 'Fail', Error: 'ApprovalTimedOut' },
      },
    };
    const m = new LocalStateMachine('arn:aws:states:us-east-1:123456789012:stateMachine:hb', def);
    const region = new SimulatedRegion({ seed: 1 });
    region.register(new CountingSns());
    const broker = new ScriptedApprovals(region, [{ decision: 'never', afterSeconds: 0 }]);
    const result = await m.run({ request: { timeoutSeconds: 120 } }, { region, broker });
    expect(result.error).toBe('ApprovalTimedOut');
    expect(result.modeledSeconds).toBeGreaterThanOrEqual(120);
    expect(result.modeledSeconds).toBeLessThan(125);
  });
});

describe('$$.Execution.StartTime inside a Map iteration and a Parallel branch', () => {
  it('is the execution’s modeled start, as in AWS, not the wall clock when the iteration began', async () => {
    // GIVEN a machine that reads $$.Execution.StartTime at the top, in a Map iteration after a wait, and in a branch
    const machine = new LocalStateMachine('arn:aws:states:us-east-1:123456789012:stateMachine:start-time', {
      StartAt: 'Top',
      States: {
        Top: { Type: 'Pass', Parameters: { 'at.$': '$$.Execution.StartTime' }, ResultPath: '$.top', Next: 'Wait' },
        Wait: { Type: 'Wait', Seconds: 90, Next: 'Each' },
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'Read',
            States: { Read: { Type: 'Pass', Parameters: { 'at.$': '$$.Execution.StartTime' }, End: true } },
          },
          ResultPath: '$.each',
          Next: 'Both',
        },
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Branch',
              States: { Branch: { Type: 'Pass', Parameters: { 'at.$': '$$.Execution.StartTime' }, End: true } },
            },
          ],
          ResultPath: '$.both',
          End: true,
        },
      },
    } as never);
    // WHEN it runs in a region whose modeled clock starts on 2026-01-05 (VirtualClock's default), far from today
    const region = new SimulatedRegion({ seed: 3 });
    const startMs = region.baseClock.now();
    const result = await machine.run({ items: [1, 2] }, { region, broker: new ScriptedApprovals(region, []) });
    // THEN every read gives the modeled start time (no reading of the machine's clock)
    const out = result.output as { top: { at: string }; each: { at: string }[]; both: { at: string }[] };
    expect(result.status).toBe('SUCCEEDED');
    expect(out.each.map((e) => e.at)).toEqual([out.top.at, out.top.at]);
    expect(out.both.map((e) => e.at)).toEqual([out.top.at]);
    expect(out.top.at).toBe(new Date(startMs).toISOString());
  });
});

describe('$$.State.EnteredTime', () => {
  it('GIVEN Pass states after a wait WHEN they read $$.State.EnteredTime THEN each gets the modeled moment it was entered', async () => {
    // GIVEN a Pass, a 42 s wait, and another Pass, each noting its entry time
    const machine = new LocalStateMachine('arn:aws:states:us-east-1:123456789012:stateMachine:entered', {
      StartAt: 'First',
      States: {
        First: { Type: 'Pass', Parameters: { 'at.$': '$$.State.EnteredTime' }, ResultPath: '$.first', Next: 'Pause' },
        Pause: { Type: 'Wait', Seconds: 42, Next: 'Second' },
        Second: { Type: 'Pass', Parameters: { 'at.$': '$$.State.EnteredTime' }, ResultPath: '$.second', End: true },
      },
    });
    const region = new SimulatedRegion({ seed: 1 });
    // WHEN it runs
    const result = await machine.run({}, { region });
    // THEN the two times are ISO timestamps 42 s apart (and the first is at the execution's start, plus transitions)
    const out = result.output as { first: { at: string }; second: { at: string } };
    expect(out.first.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const apart = (Date.parse(out.second.at) - Date.parse(out.first.at)) / 1000;
    expect(apart).toBeGreaterThanOrEqual(42);
    expect(apart).toBeLessThan(43);
  });
});
