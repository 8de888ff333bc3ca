import { StepFunctionsSimulator } from '../../../local/engine/stepfunctions';
import { SimulatedRegion, type ServiceSimulator } from '../../../local/region/region';

const ACCOUNT = '123456789012';
const arn = (name: string) => `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${name}`;

class Sns implements ServiceSimulator {
  readonly name = 'sns' as const;
  messages: unknown[] = [];
  readonly actions = {
    Publish: (i: Record<string, unknown>) => {
      this.messages.push(i);
      return { MessageId: String(this.messages.length) };
    },
  };
  latencyOf() {
    return 0.03;
  }
  snapshot() {
    return {};
  }
}

const retry = [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, BackoffRate: 2, IntervalSeconds: 1, MaxDelaySeconds: 5 }];
const catchAll = (next: string) => [{ ErrorEquals: ['States.ALL'], Next: next }];

/** Waits for an approval published with its task token. */
const approval = {
  StartAt: 'Ask',
  TimeoutSeconds: 600,
  States: {
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      Parameters: { TopicArn: 'arn:aws:sns:us-east-1:123456789012:ops', 'Message.$': '$$.Task.Token' },
      TimeoutSeconds: 300,
      HeartbeatSeconds: 60,
      // Not States.ALL: a rejection must not publish a new request.
      Retry: [{ ...retry[0], ErrorEquals: ['SNS.ThrottledException'], JitterStrategy: 'FULL' }],
      Catch: catchAll('Rejected'),
      End: true,
    },
    Rejected: { Type: 'Fail', Error: 'Rejected', Cause: 'no approval' },
  },
};

/** Starts `approval` as a child and waits for it (.sync:2). */
const parent = {
  StartAt: 'Run child',
  TimeoutSeconds: 600,
  States: {
    'Run child': {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        StateMachineArn: arn('approval'),
        Input: { from: 'parent' },
        'Name.$': "States.Format('{}-child', $$.Execution.Name)",
      },
      TimeoutSeconds: 300,
      Retry: retry,
      Catch: catchAll('Child failed'),
      ResultSelector: { 'status.$': '$.Status', 'output.$': '$.Output' },
      End: true,
    },
    'Child failed': { Type: 'Fail', Error: 'ChildFailed' },
  },
};

function world() {
  const region = new SimulatedRegion({ seed: 9, accountId: ACCOUNT });
  const sns = new Sns();
  region.register(sns);
  const sfn = new StepFunctionsSimulator(region, { broker: 'live' });
  sfn.addMachine(arn('approval'), approval);
  sfn.addMachine(arn('parent'), parent);
  region.register(sfn);
  return { region, sns, sfn };
}

const call = (region: SimulatedRegion, action: string, input: Record<string, unknown>) =>
  region.call('sfn', action, input) as Promise<Record<string, unknown>>;

async function until(check: () => boolean) {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setImmediate(r));
}

describe('the simulated Step Functions service', () => {
  it('starts an execution, lets SendTaskSuccess settle its task token, and reports it', async () => {
    const { region, sns, sfn } = world();
    const started = await call(region, 'StartExecution', {
      stateMachineArn: arn('approval'),
      name: 'run-1',
      input: '{}',
    });
    expect(started.executionArn).toBe(`arn:aws:states:us-east-1:${ACCOUNT}:execution:approval:run-1`);
    await until(() => sfn.pendingTokens().length === 1);
    const token = (sns.messages[0] as { Message: string }).Message;
    expect(sfn.pendingTokens()).toEqual([{ token, executionArn: started.executionArn, state: 'Ask' }]);
    await call(region, 'SendTaskSuccess', { taskToken: token, output: '{"approvedBy":"alice"}' });
    await sfn.idle();
    const described = await call(region, 'DescribeExecution', { executionArn: started.executionArn });
    expect(described).toMatchObject({ status: 'SUCCEEDED', name: 'run-1', output: '{"approvedBy":"alice"}' });
    const history = await call(region, 'GetExecutionHistory', { executionArn: started.executionArn });
    expect((history.events as { type: string }[]).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    await expect(call(region, 'SendTaskSuccess', { taskToken: token, output: '{}' })).rejects.toMatchObject({
      code: 'TaskTimedOut',
    });
  });

  it('is idempotent for the same name and input while running, and refuses a different input', async () => {
    const { region, sfn } = world();
    const a = await call(region, 'StartExecution', {
      stateMachineArn: arn('approval'),
      name: 'same',
      input: '{"a":1}',
    });
    const b = await call(region, 'StartExecution', {
      stateMachineArn: arn('approval'),
      name: 'same',
      input: '{"a":1}',
    });
    expect(b.executionArn).toBe(a.executionArn);
    expect(sfn.executions.size).toBe(1);
    await expect(
      call(region, 'StartExecution', { stateMachineArn: arn('approval'), name: 'same', input: '{"a":2}' }),
    ).rejects.toMatchObject({ code: 'ExecutionAlreadyExists' });
    await call(region, 'StopExecution', { executionArn: a.executionArn, error: 'Operator', cause: 'test' });
    await sfn.idle();
    await expect(call(region, 'DescribeExecution', { executionArn: a.executionArn })).resolves.toMatchObject({
      status: 'ABORTED',
      error: 'Operator',
    });
    // A closed execution's name cannot be reused, whatever the input.
    await expect(
      call(region, 'StartExecution', { stateMachineArn: arn('approval'), name: 'same', input: '{"a":1}' }),
    ).rejects.toMatchObject({ code: 'ExecutionAlreadyExists' });
  });

  it('answers with the real error codes for unknown machines, executions, tokens and bad input', async () => {
    const { region } = world();
    await expect(call(region, 'StartExecution', { stateMachineArn: arn('nope') })).rejects.toMatchObject({
      code: 'StateMachineDoesNotExist',
    });
    await expect(call(region, 'StartExecution', { stateMachineArn: 'arn:aws:s3:::bucket' })).rejects.toMatchObject({
      code: 'InvalidArn',
    });
    await expect(
      call(region, 'StartExecution', { stateMachineArn: arn('approval'), input: '{not json' }),
    ).rejects.toMatchObject({ code: 'InvalidExecutionInput' });
    await expect(
      call(region, 'StartExecution', { stateMachineArn: arn('approval'), name: 'has space' }),
    ).rejects.toMatchObject({ code: 'InvalidName' });
    await expect(
      call(region, 'DescribeExecution', { executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:approval:x` }),
    ).rejects.toMatchObject({ code: 'ExecutionDoesNotExist' });
    await expect(call(region, 'SendTaskFailure', { taskToken: 'unknown' })).rejects.toMatchObject({
      code: 'TaskDoesNotExist',
    });
  });

  it('runs a child execution for states:startExecution.sync:2 and returns its output to the parent', async () => {
    const { region, sns, sfn } = world();
    const started = await call(region, 'StartExecution', { stateMachineArn: arn('parent'), name: 'p1' });
    await until(() => sfn.pendingTokens().length === 1);
    expect(sfn.executions.has(`arn:aws:states:us-east-1:${ACCOUNT}:execution:approval:p1-child`)).toBe(true);
    const token = (sns.messages[0] as { Message: string }).Message;
    await call(region, 'SendTaskSuccess', { taskToken: token, output: '{"ok":true}' });
    await sfn.idle();
    const parentResult = sfn.executions.get(String(started.executionArn))?.result;
    expect(parentResult).toMatchObject({ status: 'SUCCEEDED', output: { status: 'SUCCEEDED', output: { ok: true } } });
  });

  it('fails the parent Task when the child fails (SendTaskFailure), under States.TaskFailed', async () => {
    const { region, sns, sfn } = world();
    const started = await call(region, 'StartExecution', { stateMachineArn: arn('parent'), name: 'p2' });
    await until(() => sfn.pendingTokens().length === 1);
    const token = (sns.messages[0] as { Message: string }).Message;
    await call(region, 'SendTaskFailure', { taskToken: token, error: 'Rejected', cause: 'by bob' });
    await sfn.idle();
    expect(sfn.executions.get(String(started.executionArn))?.result).toMatchObject({
      status: 'FAILED',
      error: 'ChildFailed',
    });
  });

  it('lists state machines and executions, newest first', async () => {
    const { region, sfn } = world();
    await call(region, 'StartExecution', { stateMachineArn: arn('approval'), name: 'one' });
    await call(region, 'StartExecution', { stateMachineArn: arn('approval'), name: 'two' });
    const machines = await call(region, 'ListStateMachines', {});
    expect((machines.stateMachines as { name: string }[]).map((m) => m.name)).toEqual(['approval', 'parent']);
    const listed = await call(region, 'ListExecutions', { stateMachineArn: arn('approval') });
    expect((listed.executions as { name: string }[]).map((e) => e.name)).toEqual(['two', 'one']);
    for (const e of sfn.executions.values()) await call(region, 'StopExecution', { executionArn: e.executionArn });
    await sfn.idle();
  });
});

describe('states:startExecution.sync on separate clocks', () => {
  it("moves the parent's modeled time to the child's stop, and reports both executions' modeled start and stop", async () => {
    // GIVEN a child that waits 100 s and a parent that starts it with .sync:2
    const region = new SimulatedRegion({ seed: 3, accountId: ACCOUNT });
    const sfn = new StepFunctionsSimulator(region, { broker: 'live' });
    sfn.addMachine(arn('sleeper'), {
      StartAt: 'Sleep',
      TimeoutSeconds: 600,
      States: { Sleep: { Type: 'Wait', Seconds: 100, End: true } },
    });
    sfn.addMachine(arn('waiter'), {
      StartAt: 'Run sleeper',
      TimeoutSeconds: 600,
      States: {
        'Run sleeper': {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: { StateMachineArn: arn('sleeper'), Input: {}, Name: 'the-sleeper' },
          TimeoutSeconds: 300,
          Retry: retry,
          Catch: catchAll('Failed'),
          Next: 'Done',
        },
        Done: { Type: 'Pass', End: true },
        Failed: { Type: 'Fail', Error: 'ChildFailed' },
      },
    });
    region.register(sfn);
    // WHEN the parent runs
    const parentRecord = sfn.start(arn('waiter'), '{}', 'the-waiter');
    await sfn.idle();
    // THEN the parent ended after the child, by the child's 100 s
    const child = [...sfn.executions.values()].find((e) => e.name === 'the-sleeper')!;
    expect(Date.parse(parentRecord.result!.stopDate)).toBeGreaterThanOrEqual(Date.parse(child.result!.stopDate));
    expect(parentRecord.result!.modeledSeconds).toBeGreaterThan(100);
    // AND the service's snapshot gives both executions' modeled start and stop
    const snapshot = sfn.snapshot() as { executions: { name: string; startedAt: number; stoppedAt: number }[] };
    const of = (name: string) => snapshot.executions.find((e) => e.name === name)!;
    expect(of('the-sleeper').stoppedAt - of('the-sleeper').startedAt).toBeCloseTo(100 + 0.14, 2); // + sfn.startExecution
    expect(of('the-waiter').stoppedAt).toBeGreaterThanOrEqual(of('the-sleeper').stoppedAt);
    expect(of('the-waiter').startedAt).toBeLessThanOrEqual(of('the-sleeper').startedAt);
  });
});
