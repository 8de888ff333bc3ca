import '../polyfills';
import './jsonpath-fast';
import { ExecutionAbortedError, ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import type { HistoryEvent as SfnHistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import { executionClock, VirtualClock } from '../clock';
import { AwsApiError, sdkIntegrationCause, sdkIntegrationErrorName, type ServiceName } from '../region/errors';
import type { ServiceSimulator, SimulatedRegion } from '../region/region';
import { type AslDefinition, type AslRetrier, type AslState, allStates } from './asl';
import { hookIntrinsics } from './intrinsics';
import { readReferencePath } from './json-path';
import {
  checkPayload,
  errorMatcherProblems,
  HISTORY_EVENT_LIMIT,
  PAYLOAD_LIMIT_BYTES,
  StatesRuntimeFailure,
  TaskFailure,
} from './states-errors';

export { TaskFailure } from './states-errors';

/**
 * A Lambda function as the engine runs it: the real task handler, given clients that reach the region, and the
 * function's `Timeout` in seconds (CloudFormation's default when absent: 3 s).
 */
export type LambdaHandler = ((event: unknown) => Promise<unknown>) & { readonly timeoutSeconds?: number };

/** CloudFormation's default `Timeout` of an AWS::Lambda::Function. */
export const DEFAULT_LAMBDA_TIMEOUT_SECONDS = 3;

/** The handler with the function's configured `Timeout` (from the template) attached. */
export function withFunctionTimeout(
  handler: (event: unknown) => Promise<unknown>,
  timeoutSeconds: unknown,
): LambdaHandler {
  const seconds = typeof timeoutSeconds === 'number' ? timeoutSeconds : DEFAULT_LAMBDA_TIMEOUT_SECONDS;
  return Object.assign((event: unknown) => handler(event), { timeoutSeconds: seconds });
}

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

/** Settles task tokens: scripted in a drill, by a person through `local serve`. */
export interface TaskTokenBroker {
  /**
   * Resolves with the task's output or rejects with a TaskFailure. `deadlineSeconds` is when the task times
   * out (heartbeat or timeout) in modeled seconds from now; the broker advances the clock as it settles.
   */
  wait(request: {
    token: string;
    state: string;
    input: unknown;
    deadlineSeconds: number;
    deadlineError: string;
  }): Promise<unknown>;
}

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

export interface ExecutionResult {
  readonly executionArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startDate: string;
  readonly stopDate: string;
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
}

const SDK_SERVICES: Record<string, ServiceName> = {
  ec2: 'ec2',
  elasticloadbalancingv2: 'elasticloadbalancingv2',
  ssm: 'ssm',
  dynamodb: 'dynamodb',
  cloudwatch: 'cloudwatch',
  sns: 'sns',
  sfn: 'sfn',
};
const OPTIMIZED =
  /^arn:aws:states:::(dynamodb|sns):(putItem|getItem|updateItem|deleteItem|publish)(\.waitForTaskToken)?$/;
const SDK = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)(\.waitForTaskToken)?$/;
const LAMBDA = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;
const START_EXECUTION = /^arn:aws:states:::states:startExecution(\.sync(?::2)?|\.waitForTaskToken)?$/;

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * aws-local-stepfunctions races each Task against `setTimeout(() => reject(new StatesTimeoutError()), timeout)`,
 * set right after it calls the Task's handler. Called at the top of a handler, this takes that timer: it never
 * fires in wall time, and firing it (at the modeled deadline) makes the library fail the Task with its own
 * StatesTimeoutError, the one error its `States.TaskFailed` matching skips (as AWS does for States.Timeout).
 * Returns the function that fires it (false when no timer was taken).
 */
function takeLibraryTaskTimer(): () => boolean {
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
class EndedAt extends TaskFailure {
  constructor(
    name: string,
    cause: string,
    readonly endMs: number,
  ) {
    super(name, cause);
  }
}

/** Runs the fake-`Date` section synchronously so `$$.Execution.StartTime` is the modeled start time. */
function withModeledDate<T>(ms: number, fn: () => T): T {
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

/**
 * aws-local-stepfunctions runs each Map iteration and Parallel branch as a nested state machine whose context gets
 * `Execution.StartTime = new Date()` when it starts, long after the root's modeled-date section: the wall clock, so
 * a drill's results depended on the day it ran (`$$.Execution.StartTime` inside an iteration; mirror-failover's
 * healthy wait passes it to its probe). In AWS it is the execution's own start time everywhere. Every `run` whose
 * context carries `Execution.StartTime` (the runner's always does) now starts under that modeled date. Idempotent.
 */
function modeledNestedStartTime(): void {
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
const NESTED_START_PATCHED = Symbol.for('ha-workflows.nested-start-time');
modeledNestedStartTime();

/** The retry interval Step Functions waits before attempt `attempt` (1 = first retry), before jitter. */
export function retryDelaySeconds(retrier: AslRetrier, attempt: number): number {
  const interval = retrier.IntervalSeconds ?? 1;
  const backoff = retrier.BackoffRate ?? 2;
  const delay = interval * Math.pow(backoff, attempt - 1);
  return retrier.MaxDelaySeconds !== undefined ? Math.min(delay, retrier.MaxDelaySeconds) : delay;
}

/**
 * A synthesized state machine, built once (aws-local-stepfunctions validates the definition on
 * construction, which costs far more than a run) and run many times against a simulated region.
 */
export class LocalStateMachine {
  private readonly machine: StateMachine;
  private readonly states: Map<string, AslState>;

  constructor(
    readonly arn: string,
    readonly definition: AslDefinition,
  ) {
    this.states = allStates(definition);
    const refused = [...this.states].flatMap(([name, state]) => errorMatcherProblems(name, state));
    if (refused.length > 0) throw new Error(`Invalid state machine definition: ${refused.join('; ')}`);
    for (const [name, state] of this.states) {
      if (state.Type === 'Task' && !state.Resource) throw new Error(`Task state "${name}" has no Resource`);
      if (state.Type === 'Task' && !classify(state.Resource as string)) {
        throw new Error(
          `Task state "${name}": the engine does not know the resource ${JSON.stringify(state.Resource)} ` +
            '(known: arn:aws:states:::aws-sdk:<service>:<action>, dynamodb:putItem|getItem|updateItem|deleteItem, sns:publish, ' +
            'lambda:invoke, states:startExecution[.sync|.sync:2])',
        );
      }
    }
    this.machine = new StateMachine(definition as unknown as StateMachineDefinition, {
      validationOptions: { checkArn: false },
    });
  }

  get name(): string {
    return this.arn.split(':').pop() as string;
  }

  /**
   * Runs one execution on its own modeled clock, starting at the caller's modeled time (the drill's, or
   * the parent execution's); when it ends, the drill's base clock moves up to its end if that is later.
   */
  async run(input: unknown, options: RunOptions): Promise<ExecutionResult> {
    const { region } = options;
    const own = new VirtualClock(region.clock.now(), region.baseClock.originMs);
    await hookIntrinsics();
    const result = await executionClock.run(own, () => this.runOnClock(input, options, own));
    region.baseClock.advanceTo(own.now());
    return result;
  }

  private async runOnClock(input: unknown, options: RunOptions, clock: VirtualClock): Promise<ExecutionResult> {
    const { region } = options;
    // Generated names come from the region's seeded random source: the same seed gives the same drill.
    const name = options.executionName ?? `local-${region.random.hex(12)}`;
    const executionArn = options.executionArn ?? this.arn.replace(':stateMachine:', ':execution:') + `:${name}`;
    const startMs = clock.now();
    // Inside a Task the code runs on the task's own clock (forked from the execution's, see `invoke`).
    const current = () => executionClock.getStore() ?? clock;
    const elapsed = () => (current().now() - startMs) / 1000;
    const timeline: TimelineEntry[] = [];
    // The Tasks running now (several at once inside a Map or Parallel), for the execution's frontier.
    const tasksInFlight = new Set<{ clock: VirtualClock; deadlineMs: number }>();
    if (options.control) {
      options.control.frontierMs = () => {
        let ms = clock.now();
        for (const t of tasksInFlight) {
          ms = Math.min(ms, t.clock.now(), t.deadlineMs, t.clock.killAtMs ?? Infinity);
        }
        return ms;
      };
    }
    const log = (entry: Omit<TimelineEntry, 'at'>) => {
      const e = { at: Math.round(elapsed() * 1000) / 1000, ...entry };
      timeline.push(e);
      options.onTimeline?.(e);
    };
    const history: HistoryEvent[] = [];
    // A failure Step Functions raises on the execution itself (history or payload limit): the execution fails.
    let terminal: TaskFailure | undefined;
    const failExecution = (failure: TaskFailure) => {
      if (terminal) return;
      terminal = failure;
      execution.abort();
    };
    let largestPayloadBytes = 0;
    const notePayload = (bytes: number) => {
      if (bytes > largestPayloadBytes) largestPayloadBytes = bytes;
    };
    const emit = (type: HistoryEventType, details: Record<string, unknown> = {}) => {
      // "When an execution reaches 24,999 events … if the event number 25,000 isn't ExecutionSucceeded, the
      // ExecutionFailed event is logged and the state machine execution fails" (bp-history-limit.html).
      if (history.length >= HISTORY_EVENT_LIMIT - 1 && type !== 'ExecutionSucceeded' && type !== 'ExecutionFailed') {
        failExecution(
          new StatesRuntimeFailure(
            `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).`,
          ),
        );
        return;
      }
      const event = {
        timestamp: current().now(),
        type,
        id: history.length + 1,
        previousEventId: history.length,
        ...details,
      } as HistoryEvent;
      history.push(event);
      options.onHistory?.(event);
    };
    const callsBefore = region.calls.length;
    let transitions = 0;
    let lambdaInvocations = 0;
    let timedOut = false;
    let aborted: { error?: string; cause?: string } | undefined;
    const coldStarted = new Set<string>();
    const token = `${executionArn}#${region.random.hex(16)}`;
    const roleArn = options.roleArn ?? `arn:aws:iam::${region.accountId}:role/local`;
    const context = {
      // StartTime: the modeled start, also for the iterations of a Map or Parallel (modeledNestedStartTime).
      Execution: { Id: executionArn, Name: name, RoleArn: roleArn, StartTime: new Date(startMs).toISOString() },
      Task: { Token: token },
    };
    const machineTimeout = this.definition.TimeoutSeconds;

    // The input each state was entered with: *SecondsPath fields are reference paths into it (a Map's
    // iterations share their states' names, so under concurrency the latest iteration's input is used).
    const stateInputs = new Map<string, unknown>();
    const secondsFrom = (fixed: number | undefined, refPath: string | undefined, stateName: string) => {
      if (fixed !== undefined) return fixed;
      if (!refPath) return undefined;
      const v = Number(readReferencePath(refPath, stateInputs.get(stateName), context));
      if (!Number.isInteger(v) || v < 1) {
        throw new StatesRuntimeFailure(`${refPath} of state "${stateName}" is not a positive integer`);
      }
      return v;
    };

    const checkMachineTimeout = () => {
      if (machineTimeout !== undefined && elapsed() > machineTimeout && !timedOut) {
        timedOut = true;
        execution.abort();
      }
    };

    const lambdaFor = (fn: unknown): LambdaHandler => {
      const id = String(fn);
      const fnName = id.startsWith('arn:') ? (id.split(':')[6] ?? id) : id;
      const h = options.lambdas?.get(fnName);
      if (!h) {
        throw new Error(
          `lambda:invoke of ${JSON.stringify(id)}: no local handler for function "${fnName}" ` +
            `(known: ${[...(options.lambdas?.keys() ?? [])].join(', ') || 'none'})`,
        );
      }
      return h;
    };

    const callApi = async (service: ServiceName, action: string, params: unknown, optimized: boolean) => {
      try {
        return await region.call(service, action, (params ?? {}) as Record<string, unknown>);
      } catch (e) {
        if (e instanceof AwsApiError) {
          throw new TaskFailure(
            sdkIntegrationErrorName(e, optimized),
            sdkIntegrationCause(e, region.nextRequestId(), optimized),
          );
        }
        throw e;
      }
    };

    /** `.sync` / `.sync:2`: wait for the child execution; its failure is this Task's `States.TaskFailed`. */
    const waitForChild = async (started: unknown, sync: 'json' | 'string') => {
      const arn = (started as { ExecutionArn: string }).ExecutionArn;
      const child = await region.service<ServiceSimulator & ChildExecutions>('sfn').waitForExecution(arn);
      // The child ran on its own clock: this execution has waited until the child stopped.
      current().advanceTo(Date.parse(child.stopDate));
      const description = {
        ExecutionArn: arn,
        StateMachineArn: arn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
        Name: child.name,
        Status: child.status,
        StartDate: Date.parse(child.startDate),
        StopDate: Date.parse(child.stopDate),
        Output: sync === 'json' ? (child.output ?? null) : JSON.stringify(child.output ?? null),
        ...(child.error ? { Error: child.error, Cause: child.cause } : {}),
      };
      if (child.status !== 'SUCCEEDED') throw new TaskFailure('States.TaskFailed', JSON.stringify(description));
      return description;
    };

    /**
     * Runs a Task on a clock of its own, forked from the execution's: the call's side effects happen on it, but the
     * execution's clock never moves past the Task's deadline. A call still running at `TimeoutSeconds` ends the
     * Task there with States.Timeout (its effect in the region has happened: a lost response).
     */
    const invoke = async (
      stateName: string,
      state: AslState,
      params: unknown,
      timeoutSeconds: number,
    ): Promise<unknown> => {
      const resource = state.Resource as string;
      const kind = classify(resource);
      let result: unknown;
      const short = resource.replace(/^arn:aws:states:::/, '');
      const cut = short.lastIndexOf(':');
      const task = { resourceType: short.slice(0, cut), resource: short.slice(cut + 1) };
      emit('TaskScheduled', {
        taskScheduledEventDetails: {
          ...task,
          region: region.regionName,
          parameters: JSON.stringify(params ?? {}),
          timeoutInSeconds: state.TimeoutSeconds,
          heartbeatInSeconds: state.HeartbeatSeconds,
        },
      });
      emit('TaskStarted', { taskStartedEventDetails: task });
      const taskClock = new VirtualClock(clock.now(), clock.originMs);
      const deadlineMs = taskClock.now() + timeoutSeconds * 1000;
      let failure: Error | undefined;
      const inFlight = { clock: taskClock, deadlineMs };
      tasksInFlight.add(inFlight);
      try {
        result = await executionClock.run(taskClock, () => invokeTask(stateName, state, params, kind, task));
      } catch (e) {
        failure = e as Error;
      } finally {
        tasksInFlight.delete(inFlight);
      }
      const endMs = failure instanceof EndedAt ? failure.endMs : taskClock.now();
      if (!kind?.callback && endMs > deadlineMs) {
        clock.advanceTo(deadlineMs);
        failure = new TaskFailure(
          'States.Timeout',
          `Task "${stateName}" did not finish within its TimeoutSeconds (${timeoutSeconds} s)`,
        );
      } else {
        clock.advanceTo(endMs);
      }
      if (failure) {
        const f = failure;
        if (f.name === 'States.Timeout' || f.name === 'States.HeartbeatTimeout') {
          emit('TaskTimedOut', { taskTimedOutEventDetails: { ...task, error: f.name, cause: f.message } });
        } else {
          emit('TaskFailed', { taskFailedEventDetails: { ...task, error: f.name, cause: f.message } });
        }
        throw failure;
      }
      emit('TaskSucceeded', { taskSucceededEventDetails: { ...task, output: JSON.stringify(result ?? null) } });
      return result;
    };

    const invokeTask = async (
      stateName: string,
      state: AslState,
      params: unknown,
      kind: TaskKind | undefined,
      task: { resourceType: string; resource: string },
    ): Promise<unknown> => {
      let result: unknown;
      if (kind?.type === 'lambda') {
        const p = (params ?? {}) as { FunctionName?: unknown; Payload?: unknown };
        const handler = lambdaFor(p.FunctionName);
        lambdaInvocations += 1;
        const fnKey = String(p.FunctionName);
        const taskClock = current();
        taskClock.advanceSeconds(
          region.latency['lambda.invoke'] + (coldStarted.has(fnKey) ? 0 : region.latency['lambda.coldStart']),
        );
        coldStarted.add(fnKey);
        log({ kind: 'lambda', state: stateName, detail: `invoke ${fnKey.split(':').pop()}` });
        // The function runs for at most its own Timeout; past it, it is frozen (makes no more calls) and Lambda
        // reports Sandbox.Timedout (FunctionError "Unhandled", errorMessage "RequestId: … Error: Task timed out after
        // N.NN seconds"), which Step Functions' lambda:invoke surfaces as the error Sandbox.Timedout.
        const fnTimeout = handler.timeoutSeconds ?? DEFAULT_LAMBDA_TIMEOUT_SECONDS;
        const killAtMs = taskClock.now() + fnTimeout * 1000;
        const timedOut = () =>
          new EndedAt(
            'Sandbox.Timedout',
            JSON.stringify({
              errorType: 'Sandbox.Timedout',
              errorMessage: `RequestId: ${region.nextRequestId()} Error: Task timed out after ${fnTimeout.toFixed(2)} seconds`,
            }),
            killAtMs,
          );
        taskClock.killAtMs = killAtMs;
        taskClock.killError = () => new Error(`Task timed out after ${fnTimeout.toFixed(2)} seconds`);
        try {
          // The Lambda runtime serializes the function's result to JSON (an SDK output's Dates become ISO strings).
          const payload: unknown = JSON.parse(JSON.stringify((await handler(p.Payload ?? {})) ?? null));
          if (taskClock.now() > killAtMs) throw timedOut();
          result = kind.callback ? payload : { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 };
        } catch (e) {
          if (e instanceof EndedAt) throw e;
          if (taskClock.now() > killAtMs) throw timedOut();
          const err = e as Error;
          // A function error reaches Retry/Catch as its errorType; the Cause is the Lambda error payload.
          throw new TaskFailure(
            err.name || 'Error',
            JSON.stringify({ errorType: err.name || 'Error', errorMessage: err.message, trace: [] }),
          );
        } finally {
          taskClock.killAtMs = undefined;
        }
      } else if (kind) {
        current().advanceSeconds(region.latency['sfn.sdkTaskOverhead']);
        result = await callApi(kind.service, kind.action, params, kind.type === 'optimized');
        // Step Functions returns its own API's results to a Task in PascalCase.
        if (kind.service === 'sfn' && result && typeof result === 'object') {
          result = Object.fromEntries(Object.entries(result).map(([k, v]) => [pascal(k), v]));
        }
        if (kind.sync) result = await waitForChild(result, kind.sync);
        const last = region.calls[region.calls.length - 1];
        log({
          kind: 'api',
          state: stateName,
          detail: `${kind.service}:${kind.action}${last?.error ? ` → ${last.error}` : ''}`,
        });
      }
      if (kind?.callback) {
        const broker = options.broker;
        if (!broker)
          throw new TaskFailure(
            'States.Runtime',
            `Task "${stateName}" waits for a task token and nothing can settle it`,
          );
        const heartbeat = secondsFrom(state.HeartbeatSeconds, state.HeartbeatSecondsPath, stateName) ?? Infinity;
        const timeout = state.TimeoutSeconds ?? 99999999;
        const deadlineSeconds = Math.min(heartbeat, timeout);
        emit('TaskSubmitted', { taskSubmittedEventDetails: { ...task, output: JSON.stringify(result ?? null) } });
        log({ kind: 'approval', state: stateName, detail: 'waiting for a task token' });
        result = await broker.wait({
          token,
          state: stateName,
          input: params,
          deadlineSeconds,
          deadlineError: heartbeat < timeout ? 'States.HeartbeatTimeout' : 'States.Timeout',
        });
        log({ kind: 'approval', state: stateName, detail: 'task token settled' });
      }
      return result;
    };

    const handlers: Record<string, (input: unknown) => Promise<never>> = {};
    const waitOverrides: Record<string, number> = {};
    const retryOverrides: Record<string, number> = {};
    for (const [stateName, state] of this.states) {
      if (state.Retry) retryOverrides[stateName] = 0;
      if (state.Type === 'Wait') waitOverrides[stateName] = 0;
      if (state.Type !== 'Task') continue;
      handlers[stateName] = ((params: unknown) => {
        const fireLibraryTimeout = takeLibraryTaskTimer();
        const task = (async () => {
          await nextTick(); // let the event consumer account for the Waits and retries before this call
          checkMachineTimeout();
          if (timedOut) throw new TaskFailure('States.Timeout', 'The execution timed out');
          // A stopped execution makes no more calls (the library stops at the next state, not inside this one).
          if (aborted) throw new StatesRuntimeFailure('The execution was stopped');
          if (terminal) throw terminal;
          notePayload(checkPayload(params, `input of Task "${stateName}" after Parameters`));
          const timeoutSeconds =
            state.TimeoutSeconds ?? secondsFrom(undefined, state.TimeoutSecondsPath, stateName) ?? 60;
          let out: unknown;
          try {
            out = await invoke(stateName, state, params, timeoutSeconds);
          } catch (e) {
            // The library's own States.Timeout, which its States.TaskFailed matching skips as AWS does.
            if ((e as Error).name === 'States.Timeout' && fireLibraryTimeout()) return new Promise<never>(() => {});
            throw e;
          }
          notePayload(checkPayload(out, `result of Task "${stateName}"`));
          return out;
        })();
        // The library may fail the state before it awaits this (a bad TimeoutSecondsPath): not an unhandled rejection.
        task.catch(() => undefined);
        return task;
      }) as (input: unknown) => Promise<never>;
    }

    const execution = withModeledDate(startMs, () =>
      this.machine.run(input as never, {
        overrides: {
          taskResourceLocalHandlers: handlers,
          waitTimeOverrides: waitOverrides,
          retryIntervalOverrides: retryOverrides,
        },
        context,
        noThrowOnAbort: false,
      }),
    );
    if (options.control) {
      options.control.abort = (error?: string, cause?: string) => {
        aborted = { error, cause };
        execution.abort();
      };
    }
    emit('ExecutionStarted', {
      executionStartedEventDetails: { input: JSON.stringify(input ?? {}), roleArn, stateMachineArn: this.arn },
    });
    clock.advanceSeconds(region.latency['sfn.startExecution']);
    log({ kind: 'execution', detail: `started ${name}` });

    // A state's input or output over 256 KiB fails the execution with States.DataLimitExceeded.
    const checkStatePayload = (json: string, what: string) => {
      const bytes = Buffer.byteLength(json, 'utf8');
      notePayload(bytes);
      if (bytes > PAYLOAD_LIMIT_BYTES) {
        try {
          checkPayload(JSON.parse(json), what);
        } catch (e) {
          failExecution(e as TaskFailure);
        }
      }
    };
    // A state's output is the next state's input, the very same object (the library passes it on and, like every
    // payload, never changes it): its JSON text is computed once.
    let exited: { value: unknown; json: string } | undefined;
    const consume = (async () => {
      for await (const event of execution.eventLogs) {
        switch (event.type) {
          case 'StateEntered': {
            stateInputs.set(event.state.name, event.state.input);
            transitions += 1;
            const state = this.states.get(event.state.name);
            log({ kind: 'state', state: event.state.name, detail: `entered ${event.state.type}` });
            const input =
              exited && exited.value === event.state.input ? exited.json : JSON.stringify(event.state.input ?? null);
            checkStatePayload(input, `input of state "${event.state.name}"`);
            emit(`${event.state.type}StateEntered` as HistoryEventType, {
              stateEnteredEventDetails: { name: event.state.name, input },
            });
            // An execution stopped as it enters a state (an operator's StopExecution, see drill's `stops`) does not
            // wait: the library ends it at this state, so its stop date is this moment.
            if (aborted) {
              // nothing: no wait, no transition latency
            } else if (state?.Type === 'Wait') {
              const seconds = waitSeconds(state, event.state.input, context, clock.now());
              clock.advanceSeconds(seconds);
              log({ kind: 'wait', state: event.state.name, detail: `waited ${seconds} s` });
            } else if (state && state.Type !== 'Task' && state.Type !== 'Map' && state.Type !== 'Parallel') {
              clock.advanceSeconds(region.latency['sfn.transition']);
            }
            break;
          }
          case 'StateRetried': {
            transitions += 1;
            const { retrier, attempt } = event.retry;
            let delay = retryDelaySeconds(retrier as AslRetrier, attempt);
            if (retrier.JitterStrategy === 'FULL') delay = region.random.next() * delay;
            clock.advanceSeconds(delay);
            log({ kind: 'retry', state: event.state.name, detail: `retry ${attempt} after ${delay.toFixed(1)} s` });
            break;
          }
          case 'StateExited':
            if (event.state.type !== 'Fail') {
              const output = JSON.stringify(event.state.output ?? null);
              exited = { value: event.state.output, json: output };
              checkStatePayload(output, `output of state "${event.state.name}"`);
              emit(`${event.state.type}StateExited` as HistoryEventType, {
                stateExitedEventDetails: { name: event.state.name, output },
              });
            }
            break;
          case 'MapIterationStarted':
          case 'MapIterationSucceeded':
          case 'MapIterationFailed': {
            const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
            emit(event.type, { [key]: { name: event.parentState.name, index: event.index } });
            break;
          }
          case 'StateFailed':
            log({ kind: 'state', state: event.state.name, detail: `failed ${event.Error}` });
            break;
          case 'StateCaught':
            log({ kind: 'catch', state: event.state.name, detail: `caught → ${event.catch.catcher.Next}` });
            break;
          default:
            break;
        }
        checkMachineTimeout();
      }
    })();

    let status: ExecutionStatus;
    let output: unknown;
    let error: string | undefined;
    let cause: string | undefined;
    try {
      output = await execution.result;
      status = 'SUCCEEDED';
    } catch (e) {
      if (terminal) {
        status = 'FAILED';
        error = terminal.name;
        cause = terminal.message;
      } else if (timedOut) {
        status = 'TIMED_OUT';
        error = 'States.Timeout';
        cause = `The execution ran longer than its TimeoutSeconds (${machineTimeout} s)`;
      } else if (e instanceof ExecutionAbortedError) {
        status = 'ABORTED';
        error = aborted?.error;
        cause = aborted?.cause;
      } else if (e instanceof ExecutionError) {
        const inner = e.cause as Error;
        status = 'FAILED';
        error = inner.name;
        cause = inner.message;
      } else {
        throw e;
      }
    }
    await consume;
    if (terminal && status === 'SUCCEEDED') {
      // The last state's output was over a limit: the execution fails instead of succeeding.
      status = 'FAILED';
      error = terminal.name;
      cause = terminal.message;
      output = undefined;
    }
    log({ kind: 'execution', detail: `${status.toLowerCase()}${error ? ` ${error}` : ''}` });
    switch (status) {
      case 'SUCCEEDED':
        emit('ExecutionSucceeded', { executionSucceededEventDetails: { output: JSON.stringify(output ?? null) } });
        break;
      case 'FAILED':
        emit('ExecutionFailed', { executionFailedEventDetails: { error, cause } });
        break;
      case 'TIMED_OUT':
        emit('ExecutionTimedOut', { executionTimedOutEventDetails: { error, cause } });
        break;
      case 'ABORTED':
        emit('ExecutionAborted', { executionAbortedEventDetails: { error, cause } });
        break;
    }
    return {
      executionArn,
      name,
      status,
      output,
      error,
      cause,
      startDate: new Date(startMs).toISOString(),
      stopDate: clock.nowIso(),
      modeledSeconds: Math.round(elapsed() * 1000) / 1000,
      transitions,
      lambdaInvocations,
      apiCalls: region.calls.length - callsBefore,
      timeline,
      history,
      largestPayloadBytes,
      historyEvents: history.length,
    };
  }
}

type TaskKind =
  | { type: 'sdk' | 'optimized'; service: ServiceName; action: string; callback: boolean; sync?: 'json' | 'string' }
  | { type: 'lambda'; callback: boolean };

function classify(resource: string): TaskKind | undefined {
  let m = OPTIMIZED.exec(resource);
  if (m) return { type: 'optimized', service: m[1] as ServiceName, action: pascal(m[2]), callback: !!m[3] };
  m = SDK.exec(resource);
  if (m && SDK_SERVICES[m[1]])
    return { type: 'sdk', service: SDK_SERVICES[m[1]], action: pascal(m[2]), callback: !!m[3] };
  m = LAMBDA.exec(resource);
  if (m) return { type: 'lambda', callback: !!m[1] };
  m = START_EXECUTION.exec(resource);
  if (m) {
    const sync = m[1] === '.sync:2' ? 'json' : m[1] === '.sync' ? 'string' : undefined;
    return {
      type: 'optimized',
      service: 'sfn',
      action: 'StartExecution',
      callback: m[1] === '.waitForTaskToken',
      sync,
    };
  }
  return undefined;
}

function waitSeconds(state: AslState, input: unknown, context: unknown, nowMs: number): number {
  if (state.Seconds !== undefined) return state.Seconds;
  if (state.SecondsPath) return Number(readReferencePath(state.SecondsPath, input, context));
  const ts =
    state.Timestamp ??
    (state.TimestampPath ? String(readReferencePath(state.TimestampPath, input, context)) : undefined);
  if (ts !== undefined) return Math.max(0, (Date.parse(ts) - nowMs) / 1000);
  return 0;
}
