import { ExecutionHistory, type HistoryEvent, taskResource } from '../../../local/engine/history';
import { HISTORY_EVENT_LIMIT, PAYLOAD_LIMIT_BYTES, type TaskFailure } from '../../../local/engine/states-errors';

const T0 = Date.parse('2026-01-05T09:00:00.000Z');

function recorder() {
  let nowMs = T0;
  const failures: TaskFailure[] = [];
  const streamed: HistoryEvent[] = [];
  const history = new ExecutionHistory({
    nowMs: () => nowMs,
    elapsedSeconds: () => (nowMs - T0) / 1000,
    fail: (f) => failures.push(f),
    onHistory: (e) => streamed.push(e),
  });
  return {
    history,
    failures,
    streamed,
    advance: (seconds: number) => {
      nowMs += seconds * 1000;
    },
  };
}

describe('taskResource', () => {
  it.each([
    ['arn:aws:states:::aws-sdk:ec2:describeInstances', 'aws-sdk:ec2', 'describeInstances'],
    ['arn:aws:states:::lambda:invoke', 'lambda', 'invoke'],
    ['arn:aws:states:::sns:publish.waitForTaskToken', 'sns', 'publish.waitForTaskToken'],
    ['arn:aws:states:::states:startExecution.sync:2', 'states:startExecution.sync', '2'],
  ])('%s → %s + %s', (arn, resourceType, resource) => {
    expect(taskResource(arn)).toEqual({ resourceType, resource });
  });
});

describe('ExecutionHistory', () => {
  it('numbers events, stamps them with the running clock and streams them', () => {
    const { history, streamed, advance } = recorder();
    history.emit('ExecutionStarted', { executionStartedEventDetails: { input: '{}' } });
    advance(1.5);
    history.emit('PassStateEntered', { stateEnteredEventDetails: { name: 'A', input: '{}' } });
    expect(history.events).toEqual([
      {
        timestamp: T0,
        type: 'ExecutionStarted',
        id: 1,
        previousEventId: 0,
        executionStartedEventDetails: { input: '{}' },
      },
      {
        timestamp: T0 + 1500,
        type: 'PassStateEntered',
        id: 2,
        previousEventId: 1,
        stateEnteredEventDetails: { name: 'A', input: '{}' },
      },
    ]);
    expect(streamed).toEqual(history.events);
  });

  it('logs timeline entries at the modeled second, rounded to the millisecond', () => {
    const { history, advance } = recorder();
    advance(2.0004);
    history.log({ kind: 'state', state: 'A', detail: 'entered Pass' });
    expect(history.timeline).toEqual([{ at: 2, kind: 'state', state: 'A', detail: 'entered Pass' }]);
  });

  it('fails the execution at the 25,000-event limit; only ExecutionSucceeded or ExecutionFailed may be the last event', () => {
    const { history, failures } = recorder();
    for (let i = 0; i < HISTORY_EVENT_LIMIT - 1; i += 1) history.emit('PassStateEntered');
    expect(failures).toEqual([]);
    history.emit('PassStateExited');
    expect(history.events).toHaveLength(HISTORY_EVENT_LIMIT - 1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ name: 'States.Runtime', isRetryable: false, isCatchable: false });
    expect(failures[0].message).toBe('The execution reached the maximum number of history events (25000).');
    history.emit('ExecutionFailed', { executionFailedEventDetails: { error: failures[0].name } });
    expect(history.events).toHaveLength(HISTORY_EVENT_LIMIT);
    expect(history.events.at(-1)).toMatchObject({ type: 'ExecutionFailed', id: HISTORY_EVENT_LIMIT });
  });

  it('fails the execution when a state’s input or output is over 256 KiB, and keeps the largest size', () => {
    const { history, failures } = recorder();
    history.checkStatePayload('{"a":1}', 'input of state "A"');
    expect(failures).toEqual([]);
    expect(history.largestPayloadBytes).toBe(7);
    const big = JSON.stringify({ blob: 'x'.repeat(PAYLOAD_LIMIT_BYTES) });
    history.checkStatePayload(big, 'output of state "B"');
    expect(history.largestPayloadBytes).toBe(Buffer.byteLength(big));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ name: 'States.DataLimitExceeded', isCatchable: false });
    expect(failures[0].message).toContain('output of state "B"');
  });

  it('throws States.DataLimitExceeded for a Task payload over 256 KiB (the Task fails)', () => {
    const { history, failures } = recorder();
    history.checkTaskPayload({ small: true }, 'result of Task "T"');
    expect(() => history.checkTaskPayload({ blob: 'x'.repeat(PAYLOAD_LIMIT_BYTES) }, 'result of Task "T"')).toThrow(
      expect.objectContaining({ name: 'States.DataLimitExceeded' }),
    );
    expect(failures).toEqual([]);
    expect(history.largestPayloadBytes).toBe(14);
  });

  it('records a Task’s start, and its end as TaskSucceeded, TaskTimedOut (States.Timeout, HeartbeatTimeout) or TaskFailed', () => {
    const { history } = recorder();
    const task = taskResource('arn:aws:states:::aws-sdk:sns:publish');
    history.taskStarted(task, { region: 'us-east-1', parameters: { TopicArn: 't' }, timeoutInSeconds: 10 });
    history.taskSucceeded(task, { MessageId: 'm-1' });
    const named = (name: string) => Object.assign(new Error('why'), { name });
    history.taskFailed(task, named('States.Timeout'));
    history.taskFailed(task, named('States.HeartbeatTimeout'));
    history.taskFailed(task, named('Sns.ThrottledException'));
    expect(history.events.map((e) => e.type)).toEqual([
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskTimedOut',
      'TaskTimedOut',
      'TaskFailed',
    ]);
    expect(history.events[0].taskScheduledEventDetails).toEqual({
      resourceType: 'aws-sdk:sns',
      resource: 'publish',
      region: 'us-east-1',
      parameters: '{"TopicArn":"t"}',
      timeoutInSeconds: 10,
      heartbeatInSeconds: undefined,
    });
    expect(history.events[2].taskSucceededEventDetails?.output).toBe('{"MessageId":"m-1"}');
    expect(history.events[5].taskFailedEventDetails).toMatchObject({ error: 'Sns.ThrottledException', cause: 'why' });
  });

  it.each([
    ['SUCCEEDED', 'ExecutionSucceeded'],
    ['FAILED', 'ExecutionFailed'],
    ['TIMED_OUT', 'ExecutionTimedOut'],
    ['ABORTED', 'ExecutionAborted'],
  ] as const)('ends a %s execution with %s', (status, type) => {
    const { history } = recorder();
    history.executionEnded({ status, output: { ok: true }, error: 'E', cause: 'C' });
    expect(history.events).toHaveLength(1);
    expect(history.events[0].type).toBe(type);
  });
});
