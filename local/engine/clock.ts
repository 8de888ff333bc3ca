/**
 * An execution's modeled time (built on `../clock`'s VirtualClock): the execution's own clock, the clock each Task
 * runs on (forked from it), a Task's deadline and a Lambda function's kill time, the execution's frontier (how far it
 * has surely got, for the drill's trigger order), Wait and retry delays, and the modeled `Date` that
 * aws-local-stepfunctions reads for `$$.Execution.StartTime`.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { executionClock, VirtualClock } from '../clock';
import type { AslRetrier, AslState } from './asl';
import { readReferencePath } from './json-path';
import { TaskFailure } from './states-errors';

/** Runs the fake-`Date` section synchronously so `$$.Execution.StartTime` is the modeled start time. */
export function withModeledDate<T>(ms: number, fn: () => T): T {
  const RealDate = Date;
  class ModeledDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(ms);
      else super(...(args as [string]));
    }
    static override now() {
      return ms;
    }
  }
  globalThis.Date = ModeledDate as DateConstructor;
  try {
    return fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

const NESTED_START_PATCHED = Symbol.for('ha-workflows.nested-start-time');

/**
 * aws-local-stepfunctions runs each Map iteration and Parallel branch as a nested state machine whose context gets
 * `Execution.StartTime = new Date()` when it starts, long after the root's modeled-date section: the wall clock, so
 * a drill's results depended on the day it ran (`$$.Execution.StartTime` inside an iteration; mirror-failover's
 * healthy wait passes it to its probe). In AWS it is the execution's own start time everywhere. Every `run` whose
 * context carries `Execution.StartTime` (the runner's always does) now starts under that modeled date. Idempotent.
 */
export function modeledNestedStartTime(): void {
  const proto = StateMachine.prototype as unknown as {
    run: (input: unknown, options?: { context?: { Execution?: { StartTime?: unknown } } }) => unknown;
    [NESTED_START_PATCHED]?: true;
  };
  if (proto[NESTED_START_PATCHED]) return;
  const original = proto.run;
  proto.run = function run(this: unknown, input, options) {
    const start = options?.context?.Execution?.StartTime;
    const ms = typeof start === 'string' ? Date.parse(start) : NaN;
    return Number.isNaN(ms)
      ? original.call(this, input, options)
      : withModeledDate(ms, () => original.call(this, input, options));
  };
  proto[NESTED_START_PATCHED] = true;
}
modeledNestedStartTime();

const LOGGER_PATCHED = Symbol.for('ha-workflows.event-logger');
/** Every event the root run started with a context dispatched, in order, by that context object. */
const dispatchedEvents = new WeakMap<object, unknown[]>();

/**
 * The events aws-local-stepfunctions has dispatched for the run started with `context` (its root EventLogger, to
 * which Map iterations and Parallel branches forward theirs), in order, whether or not a consumer has taken them yet:
 * the runner can account for them synchronously while a state's Parameters are evaluated (`$$.State.EnteredTime`),
 * and removes each once accounted for.
 * The library's `execute` receives the run's EventLogger; the first (root) run of each context has its `dispatch`
 * wrapped to record each event as well.
 */
export function dispatchedEventsOf<E>(context: object): E[] | undefined {
  return dispatchedEvents.get(context) as E[] | undefined;
}

function recordDispatchedEvents(): void {
  type Logger = { dispatch?: (event: unknown) => void };
  const proto = StateMachine.prototype as unknown as {
    execute: (
      input: unknown,
      options: { runOptions?: { context?: unknown }; eventLogger?: Logger },
      cleanup: unknown,
    ) => unknown;
    [LOGGER_PATCHED]?: true;
  };
  if (proto[LOGGER_PATCHED]) return;
  const original = proto.execute;
  proto.execute = function execute(this: unknown, input, options, cleanup) {
    const context = options?.runOptions?.context;
    const logger = options?.eventLogger;
    const dispatch = logger?.dispatch;
    if (context && typeof context === 'object' && logger && dispatch && !dispatchedEvents.has(context)) {
      const events: unknown[] = [];
      dispatchedEvents.set(context, events);
      logger.dispatch = (event: unknown) => {
        events.push(event);
        dispatch.call(logger, event);
      };
    }
    return original.call(this, input, options, cleanup);
  };
  proto[LOGGER_PATCHED] = true;
}
recordDispatchedEvents();

/**
 * aws-local-stepfunctions races each Task against `setTimeout(() => reject(new StatesTimeoutError()), timeout)`,
 * set right after it calls the Task's handler. Called at the top of a handler, this takes that timer: it never
 * fires in wall time, and firing it (at the modeled deadline) makes the library fail the Task with its own
 * StatesTimeoutError, the one error its `States.TaskFailed` matching skips (as AWS does for States.Timeout).
 * Returns the function that fires it (false when no timer was taken).
 */
export function takeLibraryTaskTimer(): () => boolean {
  const real = globalThis.setTimeout;
  let fire: (() => void) | undefined;
  const restore = () => {
    globalThis.setTimeout = real;
  };
  globalThis.setTimeout = ((callback: () => void) => {
    restore();
    fire = callback;
    return real(() => undefined, 0);
  }) as typeof setTimeout;
  queueMicrotask(restore);
  return () => {
    if (!fire) return false;
    fire();
    return true;
  };
}

/** A task that ended at a moment other than its clock's (a Lambda function killed at its timeout). */
export class EndedAt extends TaskFailure {
  constructor(
    name: string,
    cause: string,
    readonly endMs: number,
  ) {
    super(name, cause);
  }
}

/**
 * A Lambda function's kill time on the clock its code runs on: `timeoutSeconds` (its own `Timeout`) from now. Past
 * it the code is frozen: the clock's `checkAlive` throws `killError()` before any further API call. Set on creation,
 * lifted by `clear` when the function has ended. Synchronous on purpose: the caller awaits the function itself, so
 * the kill time adds no step to the order in which concurrent executions proceed.
 */
export class KillTime {
  /** Epoch ms after which the code is dead. */
  readonly atMs: number;

  constructor(
    private readonly clock: VirtualClock,
    timeoutSeconds: number,
    killError: () => Error,
  ) {
    this.atMs = clock.now() + timeoutSeconds * 1000;
    clock.killAtMs = this.atMs;
    clock.killError = killError;
  }

  /** True once the clock has passed the kill time: the function was killed, whatever it returned or threw. */
  passed(): boolean {
    return this.clock.now() > this.atMs;
  }

  clear(): void {
    this.clock.killAtMs = undefined;
  }
}

/** A Task in flight: the clock it runs on, forked from the execution's, and its deadline (epoch ms). */
export interface TaskClock {
  readonly clock: VirtualClock;
  readonly deadlineMs: number;
}

/** How a Task ended, in modeled time. */
export type TaskTiming<T> =
  | { readonly outcome: 'returned'; readonly value: T }
  | { readonly outcome: 'threw'; readonly error: Error }
  /** Still running at its deadline: the execution went on from the deadline (the call's effect happened later). */
  | { readonly outcome: 'timedOut' };

/**
 * The clocks of one execution: its own, and one per Task in flight (several at once inside a Map or Parallel).
 * A Task runs on a clock forked from the execution's (`startTask`, then the caller runs the Task's code under
 * `executionClock.run(task.clock, …)`, then `endTask`): the call's side effects happen on it, but the execution's
 * clock never moves past the Task's deadline.
 */
export class ExecutionClocks {
  /** Epoch ms at which the execution started. */
  readonly startMs: number;
  private readonly tasksInFlight = new Set<TaskClock>();

  constructor(
    /** The execution's own clock. */
    readonly clock: VirtualClock,
  ) {
    this.startMs = clock.now();
  }

  /** The clock of the code running now: inside a Task the Task's own, otherwise the execution's. */
  current(): VirtualClock {
    return executionClock.getStore() ?? this.clock;
  }

  /** Modeled seconds since the execution started, on the current clock. */
  elapsedSeconds(): number {
    return (this.current().now() - this.startMs) / 1000;
  }

  /**
   * The earliest modeled moment (epoch ms) at which the execution may still act (ExecutionControl.frontierMs): the
   * execution's clock, or an in-flight Task's clock if earlier, each Task capped at its deadline and at the kill
   * time of the Lambda function it runs.
   */
  frontierMs(): number {
    let ms = this.clock.now();
    for (const t of this.tasksInFlight) {
      ms = Math.min(ms, t.clock.now(), t.deadlineMs, t.clock.killAtMs ?? Infinity);
    }
    return ms;
  }

  /** Forks a Task's clock from the execution's now, with its deadline `timeoutSeconds` later; it is in flight. */
  startTask(timeoutSeconds: number): TaskClock {
    const clock = new VirtualClock(this.clock.now(), this.clock.originMs);
    const task = { clock, deadlineMs: clock.now() + timeoutSeconds * 1000 };
    this.tasksInFlight.add(task);
    return task;
  }

  /**
   * Ends a Task: the execution's clock moves to the Task's end (an EndedAt's `endMs`, else the Task clock's time).
   * With `enforceDeadline`, a Task that ended past its deadline moves it only to the deadline and is `timedOut` (a
   * call still running at TimeoutSeconds: its effect in the region has happened, a lost response). Without it (a
   * task-token wait, whose broker settles its own deadline) the Task's end is taken as it is.
   */
  endTask<T>(task: TaskClock, timing: TaskTiming<T>, enforceDeadline: boolean): TaskTiming<T> {
    this.tasksInFlight.delete(task);
    const endMs = timing.outcome === 'threw' && timing.error instanceof EndedAt ? timing.error.endMs : task.clock.now();
    if (enforceDeadline && endMs > task.deadlineMs) {
      this.clock.advanceTo(task.deadlineMs);
      return { outcome: 'timedOut' };
    }
    this.clock.advanceTo(endMs);
    return timing;
  }
}

/** The retry interval Step Functions waits before attempt `attempt` (1 = first retry), before jitter. */
export function retryDelaySeconds(retrier: AslRetrier, attempt: number): number {
  const interval = retrier.IntervalSeconds ?? 1;
  const backoff = retrier.BackoffRate ?? 2;
  const delay = interval * Math.pow(backoff, attempt - 1);
  return retrier.MaxDelaySeconds !== undefined ? Math.min(delay, retrier.MaxDelaySeconds) : delay;
}

/** The modeled seconds a Wait state waits, entered with `input` at `nowMs`. */
export function waitSeconds(state: AslState, input: unknown, context: unknown, nowMs: number): number {
  if (state.Seconds !== undefined) return state.Seconds;
  if (state.SecondsPath) return Number(readReferencePath(state.SecondsPath, input, context));
  const ts =
    state.Timestamp ??
    (state.TimestampPath ? String(readReferencePath(state.TimestampPath, input, context)) : undefined);
  if (ts !== undefined) return Math.max(0, (Date.parse(ts) - nowMs) / 1000);
  return 0;
}
