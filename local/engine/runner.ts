import '../polyfills';
import './jsonpath-fast';
import { ExecutionAbortedError, ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { executionClock, VirtualClock } from '../clock';
import type { SimulatedRegion } from '../region/region';
import { type AslDefinition, type AslRetrier, type AslState, allStates } from './asl';
import {
  ExecutionClocks,
  dispatchedEventsOf,
  retryDelaySeconds,
  takeLibraryTaskTimer,
  type TaskTiming,
  waitSeconds,
  withModeledDate,
} from './clock';
import {
  type ChildExecutionResult,
  classify,
  KNOWN_RESOURCES,
  type LambdaHandler,
  TaskDispatcher,
  type TaskTokenBroker,
} from './dispatch';
import { ExecutionHistory, type ExecutionStatus, type HistoryEvent, taskResource, type TimelineEntry } from './history';
import { hookIntrinsics } from './intrinsics';
import { readReferencePath } from './json-path';
import { errorMatcherProblems, StatesRuntimeFailure, TaskFailure } from './states-errors';

/*
 * The ASL runner: runs a synthesized state machine with aws-local-stepfunctions against a simulated region. This
 * file is the orchestration of one execution; the pieces it composes live apart:
 * - dispatch.ts: a Task's Resource → Lambda handler, optimized or SDK integration, `.sync` child, task token;
 * - history.ts: history events and their 25,000-event limit, the timeline, payload sizes and the 256 KiB limit;
 * - clock.ts: the execution's clock, each Task's forked clock, deadlines, kill times, the frontier, the modeled Date.
 */

export { TaskFailure } from './states-errors';
export { retryDelaySeconds } from './clock';
export {
  DEFAULT_LAMBDA_TIMEOUT_SECONDS,
  type LambdaHandler,
  type TaskTokenBroker,
  withFunctionTimeout,
} from './dispatch';
export type { ExecutionStatus, HistoryEvent, TimelineEntry } from './history';

/** How a `.waitForTaskToken` task is settled in a drill. */
export interface ScriptedApproval {
  /** The waiting state it answers; omitted: any. */
  readonly state?: string;
  readonly decision: 'approve' | 'reject' | 'never';
  /** Modeled seconds after the task started waiting. */
  readonly afterSeconds: number;
  /** SendTaskSuccess output (approve). */
  readonly output?: unknown;
  /** SendTaskFailure error and cause (reject). */
  readonly error?: string;
  readonly cause?: string;
}

/** What a running execution can be asked to do from outside (StopExecution). */
export interface ExecutionControl {
  abort?: (error?: string, cause?: string) => void;
  /**
   * The earliest modeled moment (epoch ms) at which the execution may still act: the lower bound of every call it
   * has yet to make. The execution's own clock, or an in-flight Task's clock if earlier, each Task capped at the
   * moment the execution stops waiting for it (its TimeoutSeconds, or a Lambda function's own timeout). A Task's
   * clock can run past that moment (a call answering late: its effect happens then), while the execution goes on
   * from the deadline, so a Task's clock alone is not how far the execution has got. The drill starts a trigger
   * at second N only once every running execution's frontier has reached N.
   */
  frontierMs?: () => number;
}

/** Runs the child of a `states:startExecution(.sync)` Task to completion (the simulated Step Functions service). */
export interface ChildExecutions {
  waitForExecution(executionArn: string): Promise<ExecutionResult>;
}

export interface ExecutionResult extends ChildExecutionResult {
  readonly executionArn: string;
  readonly modeledSeconds: number;
  /** State transitions Step Functions would bill (states entered, retries included). */
  readonly transitions: number;
  readonly lambdaInvocations: number;
  readonly apiCalls: number;
  readonly timeline: readonly TimelineEntry[];
  /** The execution history as `GetExecutionHistory` would return it. */
  readonly history: readonly HistoryEvent[];
  /** The largest state input, state output, Parameters result or task result, in UTF-8 bytes (limit 256 KiB). */
  readonly largestPayloadBytes: number;
  /** Events in the execution history (limit 25,000). */
  readonly historyEvents: number;
}

export interface RunOptions {
  readonly region: SimulatedRegion;
  /** Lambda handlers by function name. */
  readonly lambdas?: ReadonlyMap<string, LambdaHandler>;
  readonly broker?: TaskTokenBroker;
  readonly executionName?: string;
  /** Called once per event as the execution progresses (for `watch` and history). */
  readonly onTimeline?: (entry: TimelineEntry) => void;
  /** Called with each history event as it happens (the simulated Step Functions service keeps them). */
  readonly onHistory?: (event: HistoryEvent) => void;
  /** Filled in with the execution's abort function. */
  readonly control?: ExecutionControl;
  /** The execution's ARN (the caller may have chosen it already); default: from the machine ARN and name. */
  readonly executionArn?: string;
  /** The IAM role the execution runs as (`$$.Execution.RoleArn`). */
  readonly roleArn?: string;
  /** This run is a redrive of an execution that ended unsuccessfully (RedriveExecution): see `RedriveRun`. */
  readonly redrive?: RedriveRun;
}

/**
 * A redrive: the execution goes on from where its last attempt stopped, with the same ARN, name, input and start
 * time (Step Functions Developer Guide, redrive-executions.html). The run starts at the state to rerun (a machine
 * from `LocalStateMachine.resumingAt`) with the input that state was entered with, appends its events to the
 * earlier history (first `ExecutionRedriven`, with the redrive count), and counts its machine timeout from the
 * redrive ("the state machine level timeout, if defined, is reset to 0"). Retry counts start again at 0 ("Retry
 * behavior of redriven executions").
 */
export interface RedriveRun {
  /** The history of the earlier attempts. */
  readonly history: readonly HistoryEvent[];
  /** How many times the execution has been redriven, this redrive included (1 for the first). */
  readonly redriveCount: number;
  /** The execution's first start, epoch ms (`$$.Execution.StartTime` does not change). */
  readonly startMs: number;
}

/** One event of aws-local-stepfunctions' execution log (the library does not export the type). */
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type LibraryExecution = ReturnType<StateMachine['run']>;
type EventOf<T extends EventLog['type']> = Extract<EventLog, { type: T }>;

/** How an execution ended. */
interface ExecutionEnd {
  status: ExecutionStatus;
  output?: unknown;
  error?: string;
  cause?: string;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A synthesized state machine, built once (aws-local-stepfunctions validates the definition on
 * construction, which costs far more than a run) and run many times against a simulated region.
 */
export class LocalStateMachine {
  private readonly machine: StateMachine;
  private readonly states: Map<string, AslState>;
  /** The machines that start at a given top-level state, for redrives (built once each). */
  private readonly resuming = new Map<string, LocalStateMachine>();

  /**
   * @param validated - the definition is one already validated, started at another state (`resumingAt`): the
   *   library's own validation would refuse it, since the states before the new StartAt are unreachable from it.
   */
  constructor(
    readonly arn: string,
    readonly definition: AslDefinition,
    validated = false,
  ) {
    this.states = allStates(definition);
    const refused = [...this.states].flatMap(([name, state]) => errorMatcherProblems(name, state));
    if (refused.length > 0) throw new Error(`Invalid state machine definition: ${refused.join('; ')}`);
    for (const [name, state] of this.states) {
      if (state.Type === 'Task' && !state.Resource) throw new Error(`Task state "${name}" has no Resource`);
      if (state.Type === 'Task' && !classify(state.Resource as string)) {
        throw new Error(
          `Task state "${name}": the engine does not know the resource ${JSON.stringify(state.Resource)} ` +
            `(known: ${KNOWN_RESOURCES})`,
        );
      }
    }
    this.machine = new StateMachine(definition as unknown as StateMachineDefinition, {
      validationOptions: validated ? { noValidate: true } : { checkArn: false },
    });
  }

  get name(): string {
    return this.arn.split(':').pop() as string;
  }

  /**
   * The same definition started at the top-level state `stateName`: what a redrive runs. Built once per state (the
   * library validates a definition when it is built).
   */
  resumingAt(stateName: string): LocalStateMachine {
    if (stateName === this.definition.StartAt) return this;
    if (!Object.prototype.hasOwnProperty.call(this.definition.States, stateName)) {
      throw new Error(`resumingAt: "${stateName}" is not a top-level state of ${this.arn}`);
    }
    let m = this.resuming.get(stateName);
    if (!m) {
      m = new LocalStateMachine(this.arn, { ...this.definition, StartAt: stateName }, true);
      this.resuming.set(stateName, m);
    }
    return m;
  }

  /**
   * Runs one execution on its own modeled clock, starting at the caller's modeled time (the drill's, or
   * the parent execution's); when it ends, the drill's base clock moves up to its end if that is later.
   */
  async run(input: unknown, options: RunOptions): Promise<ExecutionResult> {
    const { region } = options;
    const own = new VirtualClock(region.clock.now(), region.baseClock.originMs);
    await hookIntrinsics();
    const machine = { arn: this.arn, library: this.machine, states: this.states, definition: this.definition };
    const result = await executionClock.run(own, () => new Execution(machine, input, options, own).run());
    region.baseClock.advanceTo(own.now());
    return result;
  }
}

/** What an execution needs of its LocalStateMachine. */
interface MachineParts {
  readonly arn: string;
  /** aws-local-stepfunctions' machine, built (and validated) once. */
  readonly library: StateMachine;
  readonly states: ReadonlyMap<string, AslState>;
  readonly definition: AslDefinition;
}

/**
 * One execution: its state while it runs, and the composition of its clocks (clock.ts), its history (history.ts)
 * and the Tasks it dispatches (dispatch.ts) around aws-local-stepfunctions' run of the definition.
 */
class Execution {
  private readonly region: SimulatedRegion;
  private readonly name: string;
  private readonly executionArn: string;
  private readonly clocks: ExecutionClocks;
  private readonly history: ExecutionHistory;
  private readonly dispatcher: TaskDispatcher;
  private readonly callsBefore: number;
  private readonly context: {
    readonly Execution: {
      Id: string;
      Name: string;
      RoleArn: string;
      StartTime: string;
      RedriveCount: number;
      RedriveTime?: string;
    };
    readonly Task: { Token: string };
    readonly State: { readonly EnteredTime: string };
  };
  private readonly roleArn: string;
  /**
   * The input each state was entered with: *SecondsPath fields are reference paths into it (a Map's iterations share
   * their states' names, so under concurrency the latest iteration's input is used).
   */
  private readonly stateInputs = new Map<string, unknown>();
  private transitions = 0;
  /** How many of the library's dispatched events have been accounted for (consumeEventsThrough). */
  private consumedEvents = 0;
  private timedOut = false;
  private aborted: { error?: string; cause?: string } | undefined;
  /** A failure Step Functions raises on the execution itself (history or payload limit): the execution fails. */
  private terminal: TaskFailure | undefined;
  /** aws-local-stepfunctions' run of the definition, once started. */
  private running: LibraryExecution | undefined;
  /**
   * The last state output: it is the next state's input, the very same object (the library passes it on and, like
   * every payload, never changes it), so its JSON text is computed once.
   */
  private exited: { value: unknown; json: string } | undefined;

  constructor(
    private readonly machine: MachineParts,
    private readonly input: unknown,
    private readonly options: RunOptions,
    clock: VirtualClock,
  ) {
    const { region } = options;
    this.region = region;
    // Generated names come from the region's seeded random source: the same seed gives the same drill.
    this.name = options.executionName ?? `local-${region.random.hex(12)}`;
    this.executionArn = options.executionArn ?? machine.arn.replace(':stateMachine:', ':execution:') + `:${this.name}`;
    this.clocks = new ExecutionClocks(clock);
    if (options.control) options.control.frontierMs = () => this.clocks.frontierMs();
    this.history = new ExecutionHistory({
      // Inside a Task the code runs on the task's own clock (forked from the execution's, see `invoke`).
      nowMs: () => this.clocks.current().now(),
      elapsedSeconds: () => this.clocks.elapsedSeconds(),
      fail: (failure) => this.failExecution(failure),
      onTimeline: options.onTimeline,
      onHistory: options.onHistory,
      prior: options.redrive?.history,
    });
    this.callsBefore = region.calls.length;
    const token = `${this.executionArn}#${region.random.hex(16)}`;
    this.roleArn = options.roleArn ?? `arn:aws:iam::${region.accountId}:role/local`;
    const { redrive } = options;
    const clocks = this.clocks;
    const catchUp = () => this.consumeEventsThrough();
    this.context = {
      // StartTime: the modeled start, also for the iterations of a Map or Parallel (modeledNestedStartTime); a
      // redrive keeps the first start. RedriveCount (0 until redriven) and RedriveTime (only once redriven): the
      // Context object's fields (Step Functions Developer Guide, "Accessing execution data from the Context object").
      Execution: {
        Id: this.executionArn,
        Name: this.name,
        RoleArn: this.roleArn,
        StartTime: new Date(redrive?.startMs ?? this.clocks.startMs).toISOString(),
        RedriveCount: redrive?.redriveCount ?? 0,
        ...(redrive ? { RedriveTime: new Date(this.clocks.startMs).toISOString() } : {}),
      },
      Task: { Token: token },
      // `$$.State.EnteredTime`: when the state being evaluated was entered. A path in a state's Parameters is read
      // as the state is entered, so a getter gives that moment on the execution's clock, once the library's events so
      // far (the Waits, retries and transitions before it, and its own entry) are accounted (aws-local-stepfunctions
      // has no State member; its contexts share this object). `$$.State.Name` and `RetryCount` are not modeled: a
      // path to them fails as a missing path does (docs/engine.md).
      State: {
        get EnteredTime(): string {
          catchUp();
          return new Date(clocks.current().now()).toISOString();
        },
      },
    };
    this.dispatcher = new TaskDispatcher({
      region,
      lambdas: options.lambdas,
      broker: options.broker,
      token,
      history: this.history,
      clock: () => this.clocks.current(),
      secondsFrom: (fixed, refPath, stateName) => this.secondsFrom(fixed, refPath, stateName),
    });
  }

  async run(): Promise<ExecutionResult> {
    const running = this.start();
    const consumed = this.consumeEvents(running);
    // Awaited here, not in a helper: each await is a step at which other executions running at the same time
    // proceed, so one more would change their order (see TaskDispatcher).
    let end: ExecutionEnd;
    try {
      end = { status: 'SUCCEEDED', output: await running.result };
    } catch (e) {
      end = this.endOf(e);
    }
    await consumed;
    return this.finish(end);
  }

  /** Starts the library's run (under the modeled Date), wires StopExecution, records ExecutionStarted. */
  private start(): LibraryExecution {
    const { region, options } = this;
    const running = withModeledDate(this.clocks.startMs, () =>
      this.machine.library.run(this.input as never, {
        overrides: {
          taskResourceLocalHandlers: this.taskHandlers(),
          waitTimeOverrides: this.zeroOverrides((state) => state.Type === 'Wait'),
          retryIntervalOverrides: this.zeroOverrides((state) => !!state.Retry),
        },
        context: this.context,
        noThrowOnAbort: false,
      }),
    );
    this.running = running;
    if (options.control) {
      options.control.abort = (error?: string, cause?: string) => {
        this.aborted = { error, cause };
        running.abort();
      };
    }
    const { redrive } = options;
    if (redrive) {
      this.history.emit('ExecutionRedriven', {
        executionRedrivenEventDetails: { redriveCount: redrive.redriveCount },
      });
    } else {
      this.history.emit('ExecutionStarted', {
        executionStartedEventDetails: {
          input: JSON.stringify(this.input ?? {}),
          roleArn: this.roleArn,
          stateMachineArn: this.machine.arn,
        },
      });
    }
    this.clocks.clock.advanceSeconds(region.latency['sfn.startExecution']);
    this.history.log({
      kind: 'execution',
      detail: redrive ? `redriven ${this.name} (redrive ${redrive.redriveCount})` : `started ${this.name}`,
    });
    return running;
  }

  /** The library waits 0 s in every Wait and retry interval: the event consumer advances modeled time instead. */
  private zeroOverrides(applies: (state: AslState) => boolean): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [stateName, state] of this.machine.states) if (applies(state)) out[stateName] = 0;
    return out;
  }

  private failExecution(failure: TaskFailure): void {
    if (this.terminal) return;
    this.terminal = failure;
    this.running?.abort();
  }

  private checkMachineTimeout(): void {
    const machineTimeout = this.machine.definition.TimeoutSeconds;
    if (machineTimeout !== undefined && this.clocks.elapsedSeconds() > machineTimeout && !this.timedOut) {
      this.timedOut = true;
      this.running?.abort();
    }
  }

  /** A `*Seconds` field, or its `*SecondsPath` read from the input the state was entered with. */
  private secondsFrom(fixed: number | undefined, refPath: string | undefined, stateName: string): number | undefined {
    if (fixed !== undefined) return fixed;
    if (!refPath) return undefined;
    const v = Number(readReferencePath(refPath, this.stateInputs.get(stateName), this.context));
    if (!Number.isInteger(v) || v < 1) {
      throw new StatesRuntimeFailure(`${refPath} of state "${stateName}" is not a positive integer`);
    }
    return v;
  }

  // ---- Tasks ----

  /** The handler the library calls for each Task state. */
  private taskHandlers(): Record<string, (input: unknown) => Promise<never>> {
    const handlers: Record<string, (input: unknown) => Promise<never>> = {};
    for (const [stateName, state] of this.machine.states) {
      if (state.Type !== 'Task') continue;
      handlers[stateName] = ((params: unknown) => {
        const fireLibraryTimeout = takeLibraryTaskTimer();
        const task = this.runTaskState(stateName, state, params, fireLibraryTimeout);
        // The library may fail the state before it awaits this (a bad TimeoutSecondsPath): not an unhandled rejection.
        task.catch(() => undefined);
        return task;
      }) as (input: unknown) => Promise<never>;
    }
    return handlers;
  }

  /** One Task state's work: the execution's own checks, the payload limits, then the Task itself. */
  private async runTaskState(
    stateName: string,
    state: AslState,
    params: unknown,
    fireLibraryTimeout: () => boolean,
  ): Promise<unknown> {
    await nextTick(); // let the event consumer account for the Waits and retries before this call
    this.checkMachineTimeout();
    if (this.timedOut) throw new TaskFailure('States.Timeout', 'The execution timed out');
    // A stopped execution makes no more calls (the library stops at the next state, not inside this one).
    if (this.aborted) throw new StatesRuntimeFailure('The execution was stopped');
    if (this.terminal) throw this.terminal;
    this.history.checkTaskPayload(params, `input of Task "${stateName}" after Parameters`);
    const timeoutSeconds =
      state.TimeoutSeconds ?? this.secondsFrom(undefined, state.TimeoutSecondsPath, stateName) ?? 60;
    let out: unknown;
    try {
      out = await this.invoke(stateName, state, params, timeoutSeconds);
    } catch (e) {
      // The library's own States.Timeout, which its States.TaskFailed matching skips as AWS does.
      if ((e as Error).name === 'States.Timeout' && fireLibraryTimeout()) return new Promise<never>(() => {});
      throw e;
    }
    this.history.checkTaskPayload(out, `result of Task "${stateName}"`);
    return out;
  }

  /**
   * Runs a Task on a clock of its own, forked from the execution's: the call's side effects happen on it, but the
   * execution's clock never moves past the Task's deadline. A call still running at `TimeoutSeconds` ends the
   * Task there with States.Timeout (its effect in the region has happened: a lost response).
   */
  private async invoke(stateName: string, state: AslState, params: unknown, timeoutSeconds: number): Promise<unknown> {
    const resource = state.Resource as string;
    const kind = classify(resource);
    const task = taskResource(resource);
    this.history.taskStarted(task, {
      region: this.region.regionName,
      parameters: params,
      timeoutInSeconds: state.TimeoutSeconds,
      heartbeatInSeconds: state.HeartbeatSeconds,
    });
    const taskClock = this.clocks.startTask(timeoutSeconds);
    let timing: TaskTiming<unknown>;
    try {
      const call = { stateName, state, params, kind, task };
      timing = {
        outcome: 'returned',
        value: await executionClock.run(taskClock.clock, () => this.dispatcher.dispatch(call)),
      };
    } catch (e) {
      timing = { outcome: 'threw', error: e as Error };
    }
    timing = this.clocks.endTask(taskClock, timing, !kind?.callback);
    if (timing.outcome === 'returned') {
      this.history.taskSucceeded(task, timing.value);
      return timing.value;
    }
    const failure =
      timing.outcome === 'timedOut'
        ? new TaskFailure(
            'States.Timeout',
            `Task "${stateName}" did not finish within its TimeoutSeconds (${timeoutSeconds} s)`,
          )
        : timing.error;
    this.history.taskFailed(task, failure);
    throw failure;
  }

  // ---- The library's events: transitions, Waits, retries, history ----

  private async consumeEvents(running: LibraryExecution): Promise<void> {
    // The consumer gets the events in the order the library dispatched them: its n-th is the n-th dispatched.
    let received = 0;
    for await (const event of running.eventLogs) this.consumeEventsThrough(received++, event);
  }

  /**
   * Accounts for the library's events in the order it dispatched them, through the one at `index` (all of them when
   * none is given), each once: the consumer calls it for each event it receives, and a value read while a state's
   * Parameters are evaluated (`$$.State.EnteredTime`) calls it to be current before the consumer's next turn.
   */
  private consumeEventsThrough(index?: number, received?: EventLog): void {
    const events = dispatchedEventsOf<EventLog>(this.context);
    if (!events) {
      if (received) this.consumeEvent(received);
      return;
    }
    // `events` holds only what is not yet accounted for (the rest is dropped: it holds every payload); indexes count
    // from the run's first event.
    const through = index ?? this.consumedEvents + events.length - 1;
    let taken = 0;
    try {
      while (this.consumedEvents <= through && taken < events.length) {
        const event = events[taken++];
        this.consumedEvents += 1;
        this.consumeEvent(event);
      }
    } finally {
      events.splice(0, taken); // an event that threw is not accounted twice
    }
  }

  private consumeEvent(event: EventLog): void {
    this.onEvent(event);
    this.checkMachineTimeout();
  }

  private onEvent(event: EventLog): void {
    switch (event.type) {
      case 'StateEntered':
        this.stateEntered(event);
        break;
      case 'StateRetried':
        this.stateRetried(event);
        break;
      case 'StateExited':
        this.stateExited(event);
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
        this.history.emit(event.type, { [key]: { name: event.parentState.name, index: event.index } });
        break;
      }
      case 'StateFailed':
        this.history.log({ kind: 'state', state: event.state.name, detail: `failed ${event.Error}` });
        break;
      case 'StateCaught':
        this.history.log({ kind: 'catch', state: event.state.name, detail: `caught → ${event.catch.catcher.Next}` });
        break;
      default:
        break;
    }
  }

  private stateEntered(event: EventOf<'StateEntered'>): void {
    const { history, region } = this;
    const clock = this.clocks.clock;
    this.stateInputs.set(event.state.name, event.state.input);
    this.transitions += 1;
    const state = this.machine.states.get(event.state.name);
    history.log({ kind: 'state', state: event.state.name, detail: `entered ${event.state.type}` });
    const exited = this.exited;
    const input =
      exited && exited.value === event.state.input ? exited.json : JSON.stringify(event.state.input ?? null);
    history.checkStatePayload(input, `input of state "${event.state.name}"`);
    history.emit(`${event.state.type}StateEntered` as HistoryEventType, {
      stateEnteredEventDetails: { name: event.state.name, input },
    });
    // An execution stopped as it enters a state (an operator's StopExecution, see drill's `stops`) does not
    // wait: the library ends it at this state, so its stop date is this moment.
    if (this.aborted) {
      // nothing: no wait, no transition latency
    } else if (state?.Type === 'Wait') {
      const seconds = waitSeconds(state, event.state.input, this.context, clock.now());
      clock.advanceSeconds(seconds);
      history.log({ kind: 'wait', state: event.state.name, detail: `waited ${seconds} s` });
    } else if (state && state.Type !== 'Task' && state.Type !== 'Map' && state.Type !== 'Parallel') {
      clock.advanceSeconds(region.latency['sfn.transition']);
    }
  }

  private stateRetried(event: EventOf<'StateRetried'>): void {
    this.transitions += 1;
    const { retrier, attempt } = event.retry;
    let delay = retryDelaySeconds(retrier as AslRetrier, attempt);
    if (retrier.JitterStrategy === 'FULL') delay = this.region.random.next() * delay;
    this.clocks.clock.advanceSeconds(delay);
    this.history.log({
      kind: 'retry',
      state: event.state.name,
      detail: `retry ${attempt} after ${delay.toFixed(1)} s`,
    });
  }

  private stateExited(event: EventOf<'StateExited'>): void {
    if (event.state.type === 'Fail') return;
    const output = JSON.stringify(event.state.output ?? null);
    this.exited = { value: event.state.output, json: output };
    this.history.checkStatePayload(output, `output of state "${event.state.name}"`);
    this.history.emit(`${event.state.type}StateExited` as HistoryEventType, {
      stateExitedEventDetails: { name: event.state.name, output },
    });
  }

  // ---- The end ----

  /** How an execution the library ended with `e` ended, by what the engine knows of it. */
  private endOf(e: unknown): ExecutionEnd {
    if (this.terminal) return { status: 'FAILED', error: this.terminal.name, cause: this.terminal.message };
    if (this.timedOut) {
      return {
        status: 'TIMED_OUT',
        error: 'States.Timeout',
        cause: `The execution ran longer than its TimeoutSeconds (${this.machine.definition.TimeoutSeconds} s)`,
      };
    }
    if (e instanceof ExecutionAbortedError) {
      return { status: 'ABORTED', error: this.aborted?.error, cause: this.aborted?.cause };
    }
    if (e instanceof ExecutionError) {
      const inner = e.cause as Error;
      return { status: 'FAILED', error: inner.name, cause: inner.message };
    }
    throw e;
  }

  /** Records the end (ExecutionSucceeded/Failed/TimedOut/Aborted) and builds the result. */
  private finish(settled: ExecutionEnd): ExecutionResult {
    let end = settled;
    if (this.terminal && end.status === 'SUCCEEDED') {
      // The last state's output was over a limit: the execution fails instead of succeeding.
      end = { status: 'FAILED', error: this.terminal.name, cause: this.terminal.message, output: undefined };
    }
    const { status, output, error, cause } = end;
    this.history.log({ kind: 'execution', detail: `${status.toLowerCase()}${error ? ` ${error}` : ''}` });
    this.history.executionEnded(end);
    const { history } = this;
    return {
      executionArn: this.executionArn,
      name: this.name,
      status,
      output,
      error,
      cause,
      startDate: new Date(this.options.redrive?.startMs ?? this.clocks.startMs).toISOString(),
      stopDate: this.clocks.clock.nowIso(),
      modeledSeconds: Math.round(this.clocks.elapsedSeconds() * 1000) / 1000,
      transitions: this.transitions,
      lambdaInvocations: this.dispatcher.lambdaInvocations,
      apiCalls: this.region.calls.length - this.callsBefore,
      timeline: history.timeline,
      history: history.events,
      largestPayloadBytes: history.largestPayloadBytes,
      historyEvents: history.events.length,
    };
  }
}
