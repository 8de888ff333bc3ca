import { StepFunctionsSimulator } from '../../../local/engine/stepfunctions';
import { AwsApiError } from '../../../local/region/errors';
import { SimulatedRegion, type ServiceSimulator } from '../../../local/region/region';

const ACCOUNT = '123456789012';
const arn = (name: string) => `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${name}`;
const executionArn = (machine: string, name: string) =>
  `arn:aws:states:us-east-1:${ACCOUNT}:execution:${machine}:${name}`;

/** SNS whose Publish fails while `failing` is true. */
class Sns implements ServiceSimulator {
  readonly name = 'sns' as const;
  failing = true;
  published: unknown[] = [];
  readonly actions = {
    Publish: (i: Record<string, unknown>) => {
      if (this.failing) throw new AwsApiError('sns', 'InternalError', 'SNS is down');
      this.published.push(i);
      return { MessageId: String(this.published.length) };
    },
  };
  latencyOf() {
    return 0.03;
  }
  snapshot() {
    return {};
  }
}

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ops';

/** A Pass, then a Publish with no Catch (the execution fails there), then a Pass that reads the redrive count. */
const flaky = {
  StartAt: 'Prepare',
  TimeoutSeconds: 600,
  States: {
    Prepare: { Type: 'Pass', Result: 'prepared', ResultPath: '$.prep', Next: 'Publish' },
    Publish: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: { TopicArn: TOPIC, 'Message.$': '$.prep' },
      ResultPath: '$.published',
      TimeoutSeconds: 10,
      Next: 'Note the redrive',
    },
    'Note the redrive': {
      Type: 'Pass',
      Parameters: { 'count.$': '$$.Execution.RedriveCount', 'started.$': '$$.Execution.StartTime', 'prep.$': '$.prep' },
      End: true,
    },
  },
};

/** Catches the failed Publish and ends in a Fail state, as the project's workflows do. */
const catching = {
  StartAt: 'Publish',
  TimeoutSeconds: 600,
  States: {
    Publish: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: { TopicArn: TOPIC, Message: 'x' },
      TimeoutSeconds: 10,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'It failed' }],
      End: true,
    },
    'It failed': { Type: 'Fail', Error: 'Failed', Cause: 'the publish failed' },
  },
};

/** Waits for a task token (an execution that stays RUNNING until stopped). */
const waiting = {
  StartAt: 'Prepare',
  TimeoutSeconds: 600,
  States: {
    Prepare: { Type: 'Pass', Result: 'prepared', ResultPath: '$.prep', Next: 'Ask' },
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      Parameters: { TopicArn: TOPIC, 'Message.$': '$$.Task.Token' },
      TimeoutSeconds: 300,
      HeartbeatSeconds: 60,
      End: true,
    },
  },
};

function world() {
  const region = new SimulatedRegion({ seed: 3, accountId: ACCOUNT });
  const sns = new Sns();
  region.register(sns);
  const sfn = new StepFunctionsSimulator(region, { broker: 'live' });
  sfn.addMachine(arn('flaky'), flaky);
  sfn.addMachine(arn('catching'), catching);
  sfn.addMachine(arn('waiting'), waiting);
  region.register(sfn);
  return { region, sns, sfn };
}

const call = (region: SimulatedRegion, action: string, input: Record<string, unknown>) =>
  region.call('sfn', action, input) as Promise<Record<string, unknown>>;

async function until(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setImmediate(r));
}

type Event = { type: string; id: number; previousEventId: number; stateEnteredEventDetails?: { name: string } };
const historyOf = async (region: SimulatedRegion, execution: string) =>
  (await call(region, 'GetExecutionHistory', { executionArn: execution, maxResults: 1000 })).events as Event[];

/** Starts `machine` as `name` and waits until it has ended. */
async function ended(w: ReturnType<typeof world>, machine: string, name: string, input = '{"order":7}') {
  await call(w.region, 'StartExecution', { stateMachineArn: arn(machine), name, input });
  await w.sfn.idle();
  return executionArn(machine, name);
}

describe('RedriveExecution in the simulated Step Functions service', () => {
  it('reruns a failed execution from the failed Task with the input that Task had, not the states before it', async () => {
    // GIVEN an execution that failed at its Publish Task (SNS down, no Catch)
    const w = world();
    const run = await ended(w, 'flaky', 'run-1');
    const before = await call(w.region, 'DescribeExecution', { executionArn: run });
    expect(before).toMatchObject({ status: 'FAILED', redriveCount: 0, redriveStatus: 'REDRIVABLE' });
    expect(before.redriveDate).toBeUndefined();
    const eventsBefore = (await historyOf(w.region, run)).length;

    // WHEN SNS is back and the execution is redriven
    w.sns.failing = false;
    const redriven = await call(w.region, 'RedriveExecution', { executionArn: run });
    await w.sfn.idle();

    // THEN it succeeds, the Pass before the Task ran once, the Task got the input it had, and the events go on
    const after = await call(w.region, 'DescribeExecution', { executionArn: run });
    expect(after).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
      redriveDate: redriven.redriveDate,
      startDate: before.startDate,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
    expect(JSON.parse(String(after.output))).toEqual({
      count: 1,
      started: new Date(Number(before.startDate) * 1000).toISOString(),
      prep: 'prepared',
    });
    expect(w.sns.published).toEqual([{ TopicArn: TOPIC, Message: 'prepared' }]);
    const events = await historyOf(w.region, run);
    expect(events.filter((e) => e.stateEnteredEventDetails?.name === 'Prepare')).toHaveLength(1);
    expect(events[eventsBefore]).toMatchObject({
      type: 'ExecutionRedriven',
      id: eventsBefore + 1,
      previousEventId: eventsBefore,
      executionRedrivenEventDetails: { redriveCount: 1 },
    });
    expect(events[eventsBefore + 1]).toMatchObject({
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name: 'Publish' },
    });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('re-enters a Fail state and fails again: a caught failure has nothing to redrive', async () => {
    const w = world();
    const run = await ended(w, 'catching', 'c-1');
    w.sns.failing = false;
    await call(w.region, 'RedriveExecution', { executionArn: run });
    await w.sfn.idle();
    const events = await historyOf(w.region, run);
    const tail = events.slice(events.findIndex((e) => e.type === 'ExecutionRedriven'));
    expect(tail.map((e) => e.type)).toEqual(['ExecutionRedriven', 'FailStateEntered', 'ExecutionFailed']);
    expect(w.sns.published).toEqual([]);
    await expect(call(w.region, 'DescribeExecution', { executionArn: run })).resolves.toMatchObject({
      status: 'FAILED',
      error: 'Failed',
      redriveCount: 1,
      redriveStatus: 'REDRIVABLE',
    });
  });

  it('reruns the Task an aborted execution was stopped in', async () => {
    const w = world();
    w.sns.failing = false;
    await call(w.region, 'StartExecution', { stateMachineArn: arn('waiting'), name: 'w-1', input: '{}' });
    const run = executionArn('waiting', 'w-1');
    await until(() => w.sfn.pendingTokens().length === 1);
    // A running execution is not redrivable.
    await expect(call(w.region, 'RedriveExecution', { executionArn: run })).rejects.toMatchObject({
      code: 'ExecutionNotRedrivable',
      message: expect.stringContaining('Execution is RUNNING and cannot be redriven') as unknown,
    });
    await call(w.region, 'StopExecution', { executionArn: run, error: 'Operator', cause: 'test' });
    await w.sfn.idle();
    await call(w.region, 'RedriveExecution', { executionArn: run });
    await until(() => w.sfn.pendingTokens().length === 1);
    // The Task was scheduled again (a second request with a new token) and the Pass before it was not rerun.
    expect(w.sns.published).toHaveLength(2);
    const token = w.sfn.pendingTokens()[0].token;
    await call(w.region, 'SendTaskSuccess', { taskToken: token, output: '{"ok":true}' });
    await w.sfn.idle();
    const events = await historyOf(w.region, run);
    expect(events.filter((e) => e.stateEnteredEventDetails?.name === 'Prepare')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'ExecutionAborted')).toHaveLength(1);
    await expect(call(w.region, 'DescribeExecution', { executionArn: run })).resolves.toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
    });
  });

  it('refuses what AWS refuses, each with its error name', async () => {
    const w = world();
    w.sns.failing = false;
    const succeeded = await ended(w, 'flaky', 'ok');
    await expect(call(w.region, 'RedriveExecution', { executionArn: succeeded })).rejects.toMatchObject({
      code: 'ExecutionNotRedrivable',
      message: expect.stringContaining('Execution is SUCCEEDED and cannot be redriven') as unknown,
    });
    await expect(
      call(w.region, 'RedriveExecution', { executionArn: executionArn('flaky', 'never-started') }),
    ).rejects.toMatchObject({ code: 'ExecutionDoesNotExist' });
    await expect(call(w.region, 'RedriveExecution', { executionArn: 'arn:aws:s3:::bucket' })).rejects.toMatchObject({
      code: 'InvalidArn',
    });
    await expect(call(w.region, 'RedriveExecution', {})).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(
      call(w.region, 'RedriveExecution', { executionArn: succeeded, clientToken: 'x'.repeat(65) }),
    ).rejects.toMatchObject({ code: 'ValidationException' });
  });

  it('refuses an execution that stopped more than 14 days ago', async () => {
    const w = world();
    const run = await ended(w, 'flaky', 'old');
    w.region.clock.advanceSeconds(14 * 86400 + 1);
    await expect(call(w.region, 'DescribeExecution', { executionArn: run })).resolves.toMatchObject({
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded',
    });
    await expect(call(w.region, 'RedriveExecution', { executionArn: run })).rejects.toMatchObject({
      code: 'ExecutionNotRedrivable',
      message: expect.stringContaining('Execution redrivable period exceeded') as unknown,
    });
  });

  it('refuses an execution whose history has no room for the redrive', async () => {
    const w = world();
    const run = await ended(w, 'flaky', 'full');
    const record = w.sfn.executions.get(run);
    if (!record) throw new Error('no record');
    const last = record.history.at(-1);
    if (!last) throw new Error('no history');
    // 24,999 events: less than 24,999 is the documented condition.
    while (record.history.length < 24_999) record.history.push({ ...last, id: record.history.length + 1 });
    await expect(call(w.region, 'RedriveExecution', { executionArn: run })).rejects.toMatchObject({
      code: 'ExecutionNotRedrivable',
      message: expect.stringContaining('Execution history event limit exceeded') as unknown,
    });
  });

  it('answers a repeated client token with the first redrive, without redriving again', async () => {
    const w = world();
    const run = await ended(w, 'catching', 'tok');
    const first = await call(w.region, 'RedriveExecution', { executionArn: run, clientToken: 'abc-1' });
    await w.sfn.idle();
    w.region.clock.advanceSeconds(60);
    const again = await call(w.region, 'RedriveExecution', { executionArn: run, clientToken: 'abc-1' });
    expect(again.redriveDate).toBe(first.redriveDate);
    expect(w.sfn.executions.get(run)?.redriveCount).toBe(1);
    // After 15 minutes the token no longer answers: the call is a new redrive.
    w.region.clock.advanceSeconds(15 * 60);
    const later = await call(w.region, 'RedriveExecution', { executionArn: run, clientToken: 'abc-1' });
    await w.sfn.idle();
    expect(later.redriveDate).not.toBe(first.redriveDate);
    expect(w.sfn.executions.get(run)?.redriveCount).toBe(2);
  });

  it('filters ListExecutions by redriveFilter and reports each redrive count', async () => {
    const w = world();
    const a = await ended(w, 'catching', 'a');
    await ended(w, 'catching', 'b');
    await call(w.region, 'RedriveExecution', { executionArn: a });
    await w.sfn.idle();
    const redriven = await call(w.region, 'ListExecutions', {
      stateMachineArn: arn('catching'),
      redriveFilter: 'REDRIVEN',
    });
    expect(
      (redriven.executions as { name: string; redriveCount: number }[]).map((e) => [e.name, e.redriveCount]),
    ).toEqual([['a', 1]]);
    const notRedriven = await call(w.region, 'ListExecutions', {
      stateMachineArn: arn('catching'),
      redriveFilter: 'NOT_REDRIVEN',
    });
    expect((notRedriven.executions as { name: string }[]).map((e) => e.name)).toEqual(['b']);
    await expect(
      call(w.region, 'ListExecutions', { stateMachineArn: arn('catching'), redriveFilter: 'SOMETIMES' }),
    ).rejects.toMatchObject({ code: 'ValidationException' });
  });
});
