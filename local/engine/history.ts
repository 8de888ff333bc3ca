/**
 * What an execution records as it runs: its history in the shape `GetExecutionHistory` returns, with the
 * 25,000-event limit; its timeline (for `watch`, reports and tests); and the payload sizes it has seen, with the
 * 256 KiB limit on a state's input and output.
 */
import type { HistoryEvent as SfnHistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import {
  checkPayload,
  HISTORY_EVENT_LIMIT,
  PAYLOAD_LIMIT_BYTES,
  StatesRuntimeFailure,
  type TaskFailure,
} from './states-errors';

export interface TimelineEntry {
  /** Modeled seconds since the execution started. */
  readonly at: number;
  readonly kind: 'execution' | 'state' | 'api' | 'retry' | 'catch' | 'wait' | 'lambda' | 'approval';
  readonly state?: string;
  readonly detail: string;
}

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/**
 * One event of the execution history in the shape `GetExecutionHistory` returns (the SDK's `HistoryEvent`),
 * with `timestamp` as modeled epoch milliseconds.
 */
export type HistoryEvent = Omit<SfnHistoryEvent, 'timestamp'> & { timestamp: number };

/** A Task's resource as its history events name it (`lambda` + `invoke`, `aws-sdk:ec2` + `describeInstances`). */
export interface TaskResource {
  readonly resourceType: string;
  readonly resource: string;
}

/** `arn:aws:states:::aws-sdk:ec2:describeInstances` → `{ resourceType: 'aws-sdk:ec2', resource: 'describeInstances' }`. */
export function taskResource(arn: string): TaskResource {
  const short = arn.replace(/^arn:aws:states:::/, '');
  const cut = short.lastIndexOf(':');
  return { resourceType: short.slice(0, cut), resource: short.slice(cut + 1) };
}

export interface ExecutionHistoryOptions {
  /** Modeled epoch ms now, on the clock of the code running (an event's timestamp). */
  readonly nowMs: () => number;
  /** Modeled seconds since the execution started (a timeline entry's `at`). */
  readonly elapsedSeconds: () => number;
  /** Fails the execution (the history or a state's payload is over its limit). */
  readonly fail: (failure: TaskFailure) => void;
  readonly onTimeline?: (entry: TimelineEntry) => void;
  readonly onHistory?: (event: HistoryEvent) => void;
  /**
   * The events of the execution's earlier attempts, when it is redriven: "Redriven executions append their event
   * history to the existing event history" (Step Functions Developer Guide, redrive-executions.html, "Redrive
   * eligibility"), so event ids go on from them and they count towards the 25,000-event limit.
   */
  readonly prior?: readonly HistoryEvent[];
}

/** The history, timeline and largest payload of one execution. */
export class ExecutionHistory {
  readonly events: HistoryEvent[];
  readonly timeline: TimelineEntry[] = [];
  /** The largest state input, state output, Parameters result or task result, in UTF-8 bytes. */
  largestPayloadBytes = 0;

  constructor(private readonly options: ExecutionHistoryOptions) {
    this.events = [...(options.prior ?? [])];
  }

  /** Appends a history event, or fails the execution when the history is full. */
  emit(type: HistoryEventType, details: Record<string, unknown> = {}): void {
    const history = this.events;
    // "When an execution reaches 24,999 events … if the event number 25,000 isn't ExecutionSucceeded, the
    // ExecutionFailed event is logged and the state machine execution fails" (bp-history-limit.html).
    if (history.length >= HISTORY_EVENT_LIMIT - 1 && type !== 'ExecutionSucceeded' && type !== 'ExecutionFailed') {
      this.options.fail(
        new StatesRuntimeFailure(
          `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).`,
        ),
      );
      return;
    }
    const event = {
      timestamp: this.options.nowMs(),
      type,
      id: history.length + 1,
      previousEventId: history.length,
      ...details,
    } as HistoryEvent;
    history.push(event);
    this.options.onHistory?.(event);
  }

  /** Appends a timeline entry at the current modeled second. */
  log(entry: Omit<TimelineEntry, 'at'>): void {
    const e = { at: Math.round(this.options.elapsedSeconds() * 1000) / 1000, ...entry };
    this.timeline.push(e);
    this.options.onTimeline?.(e);
  }

  notePayload(bytes: number): void {
    if (bytes > this.largestPayloadBytes) this.largestPayloadBytes = bytes;
  }

  /** A Task's input after Parameters or its result: throws States.DataLimitExceeded over 256 KiB (the Task fails). */
  checkTaskPayload(value: unknown, what: string): void {
    this.notePayload(checkPayload(value, what));
  }

  /** A state's input or output (its JSON text) over 256 KiB fails the execution with States.DataLimitExceeded. */
  checkStatePayload(json: string, what: string): void {
    const bytes = Buffer.byteLength(json, 'utf8');
    this.notePayload(bytes);
    if (bytes > PAYLOAD_LIMIT_BYTES) {
      try {
        checkPayload(JSON.parse(json), what);
      } catch (e) {
        this.options.fail(e as TaskFailure);
      }
    }
  }

  /** TaskScheduled and TaskStarted. */
  taskStarted(
    task: TaskResource,
    scheduled: { region: string; parameters: unknown; timeoutInSeconds?: number; heartbeatInSeconds?: number },
  ): void {
    this.emit('TaskScheduled', {
      taskScheduledEventDetails: {
        ...task,
        region: scheduled.region,
        parameters: JSON.stringify(scheduled.parameters ?? {}),
        timeoutInSeconds: scheduled.timeoutInSeconds,
        heartbeatInSeconds: scheduled.heartbeatInSeconds,
      },
    });
    this.emit('TaskStarted', { taskStartedEventDetails: task });
  }

  /** TaskSucceeded with the Task's result. */
  taskSucceeded(task: TaskResource, result: unknown): void {
    this.emit('TaskSucceeded', { taskSucceededEventDetails: { ...task, output: JSON.stringify(result ?? null) } });
  }

  /** TaskTimedOut for States.Timeout and States.HeartbeatTimeout, TaskFailed for every other error. */
  taskFailed(task: TaskResource, failure: Error): void {
    if (failure.name === 'States.Timeout' || failure.name === 'States.HeartbeatTimeout') {
      this.emit('TaskTimedOut', {
        taskTimedOutEventDetails: { ...task, error: failure.name, cause: failure.message },
      });
    } else {
      this.emit('TaskFailed', { taskFailedEventDetails: { ...task, error: failure.name, cause: failure.message } });
    }
  }

  /** The execution's last event, by its status. */
  executionEnded(end: { status: ExecutionStatus; output?: unknown; error?: string; cause?: string }): void {
    const { error, cause } = end;
    switch (end.status) {
      case 'SUCCEEDED':
        this.emit('ExecutionSucceeded', {
          executionSucceededEventDetails: { output: JSON.stringify(end.output ?? null) },
        });
        break;
      case 'FAILED':
        this.emit('ExecutionFailed', { executionFailedEventDetails: { error, cause } });
        break;
      case 'TIMED_OUT':
        this.emit('ExecutionTimedOut', { executionTimedOutEventDetails: { error, cause } });
        break;
      case 'ABORTED':
        this.emit('ExecutionAborted', { executionAbortedEventDetails: { error, cause } });
        break;
    }
  }
}
