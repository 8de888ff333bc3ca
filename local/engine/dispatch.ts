/**
 * Task dispatch by resource ARN: a Task's `Resource` names a Lambda function (`lambda:invoke`, run as the real task
 * handler), an optimized integration (`dynamodb:putItem`, `sns:publish`, `states:startExecution[.sync]`) or an AWS SDK
 * integration (`aws-sdk:<service>:<action>`); the two integrations call the simulated region. `.sync` waits for the
 * child execution; `.waitForTaskToken` waits for the task token broker.
 */
import type { LambdaContext } from '../../tasks/shared/logger';
import { stableHex } from '../template';
import type { VirtualClock } from '../clock';
import { AwsApiError, sdkIntegrationCause, sdkIntegrationErrorName, type ServiceName } from '../region/errors';
import type { ServiceSimulator, SimulatedRegion } from '../region/region';
import type { AslState } from './asl';
import { EndedAt, KillTime } from './clock';
import type { ExecutionHistory, ExecutionStatus, TaskResource } from './history';
import { TaskFailure } from './states-errors';

/**
 * A Lambda function as the engine runs it: the real task handler, given clients that reach the region, and the
 * function's `Timeout` in seconds (CloudFormation's default when absent: 3 s).
 */
export type LambdaHandler = ((event: unknown, context?: LambdaContext) => Promise<unknown>) & {
  readonly timeoutSeconds?: number;
};

/** CloudFormation's default `Timeout` of an AWS::Lambda::Function. */
export const DEFAULT_LAMBDA_TIMEOUT_SECONDS = 3;

/** The handler with the function's configured `Timeout` (from the template) attached. */
export function withFunctionTimeout(
  handler: (event: unknown, context?: LambdaContext) => Promise<unknown>,
  timeoutSeconds: unknown,
): LambdaHandler {
  const seconds = typeof timeoutSeconds === 'number' ? timeoutSeconds : DEFAULT_LAMBDA_TIMEOUT_SECONDS;
  return Object.assign((event: unknown, context?: LambdaContext) => handler(event, context), {
    timeoutSeconds: seconds,
  });
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

/** What a `.sync` Task reads of its child execution's result (the runner's ExecutionResult has it). */
export interface ChildExecutionResult {
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startDate: string;
  readonly stopDate: string;
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

/** The resources `classify` knows, for the error that names an unknown one. */
export const KNOWN_RESOURCES =
  'arn:aws:states:::aws-sdk:<service>:<action>, dynamodb:putItem|getItem|updateItem|deleteItem, sns:publish, ' +
  'lambda:invoke, states:startExecution[.sync|.sync:2]';

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** What a Task's resource is: the integration it calls and how it waits. */
export type TaskKind =
  | { type: 'sdk' | 'optimized'; service: ServiceName; action: string; callback: boolean; sync?: 'json' | 'string' }
  | { type: 'lambda'; callback: boolean };

/** The integration a Task's resource ARN names; undefined when the engine does not know it. */
export function classify(resource: string): TaskKind | undefined {
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

/** What the dispatcher needs of the execution it serves. */
export interface DispatchContext {
  readonly region: SimulatedRegion;
  /** Lambda handlers by function name. */
  readonly lambdas?: ReadonlyMap<string, LambdaHandler>;
  readonly broker?: TaskTokenBroker;
  /** The execution's task token (`$$.Task.Token`). */
  readonly token: string;
  readonly history: ExecutionHistory;
  /** The clock of the code running now (the Task's own). */
  readonly clock: () => VirtualClock;
  /** A `*Seconds` field of a state, or its `*SecondsPath` read from the state's input. */
  readonly secondsFrom: (
    fixed: number | undefined,
    refPath: string | undefined,
    stateName: string,
  ) => number | undefined;
}

/** A Task being dispatched: its state, its input after Parameters, what its resource is. */
export interface TaskCall {
  readonly stateName: string;
  readonly state: AslState;
  readonly params: unknown;
  readonly kind: TaskKind | undefined;
  readonly task: TaskResource;
}

/**
 * Calls Tasks for one execution, on the Task's own clock; counts its Lambda invocations and cold starts.
 *
 * `dispatch` awaits each call directly and its helpers are synchronous (except `callApi` and `waitForChild`, awaited
 * once each as before the split): every await is a step at which another execution running at the same time may
 * proceed, so the number of them decides the order in which concurrent executions reach the region.
 */
export class TaskDispatcher {
  lambdaInvocations = 0;
  private readonly coldStarted = new Set<string>();

  constructor(private readonly ctx: DispatchContext) {}

  /** Calls the Task's integration and, for `.waitForTaskToken`, waits for its token to be settled. */
  async dispatch(call: TaskCall): Promise<unknown> {
    const { kind, stateName, params } = call;
    const { region, history } = this.ctx;
    let result: unknown;
    if (kind?.type === 'lambda') {
      const { handler, payload, kill, context } = this.startLambda(call);
      try {
        // The Lambda runtime serializes the function's result to JSON (an SDK output's Dates become ISO strings).
        const out: unknown = JSON.parse(JSON.stringify((await handler(payload, context)) ?? null));
        if (kill.passed()) throw this.sandboxTimedOut(handler, kill);
        result = kind.callback ? out : { ExecutedVersion: '$LATEST', Payload: out, StatusCode: 200 };
      } catch (e) {
        if (e instanceof EndedAt) throw e;
        if (kill.passed()) throw this.sandboxTimedOut(handler, kill);
        const err = e as Error;
        // A function error reaches Retry/Catch as its errorType; the Cause is the Lambda error payload.
        throw new TaskFailure(
          err.name || 'Error',
          JSON.stringify({ errorType: err.name || 'Error', errorMessage: err.message, trace: [] }),
        );
      } finally {
        kill.clear();
      }
    } else if (kind) {
      this.ctx.clock().advanceSeconds(region.latency['sfn.sdkTaskOverhead']);
      result = await this.callApi(kind.service, kind.action, params, kind.type === 'optimized');
      // Step Functions returns its own API's results to a Task in PascalCase.
      if (kind.service === 'sfn' && result && typeof result === 'object') {
        result = Object.fromEntries(Object.entries(result).map(([k, v]) => [pascal(k), v]));
      }
      if (kind.sync) result = await this.waitForChild(result, kind.sync);
      const last = region.calls[region.calls.length - 1];
      history.log({
        kind: 'api',
        state: stateName,
        detail: `${kind.service}:${kind.action}${last?.error ? ` → ${last.error}` : ''}`,
      });
    }
    if (kind?.callback) {
      result = await this.waitForToken(call, result);
      history.log({ kind: 'approval', state: stateName, detail: 'task token settled' });
    }
    return result;
  }

  private lambdaFor(fn: unknown): LambdaHandler {
    const { lambdas } = this.ctx;
    const id = String(fn);
    const fnName = id.startsWith('arn:') ? (id.split(':')[6] ?? id) : id;
    const h = lambdas?.get(fnName);
    if (!h) {
      throw new Error(
        `lambda:invoke of ${JSON.stringify(id)}: no local handler for function "${fnName}" ` +
          `(known: ${[...(lambdas?.keys() ?? [])].join(', ') || 'none'})`,
      );
    }
    return h;
  }

  /**
   * Before a Lambda function runs: the invocation (and, the first time, the cold start) on the Task's clock, and the
   * function's kill time at its own Timeout.
   */
  private startLambda({ stateName, params }: TaskCall): {
    handler: LambdaHandler;
    payload: unknown;
    kill: KillTime;
    context: LambdaContext;
  } {
    const { region, history } = this.ctx;
    const p = (params ?? {}) as { FunctionName?: unknown; Payload?: unknown };
    const handler = this.lambdaFor(p.FunctionName);
    this.lambdaInvocations += 1;
    const fnKey = String(p.FunctionName);
    const taskClock = this.ctx.clock();
    taskClock.advanceSeconds(
      region.latency['lambda.invoke'] + (this.coldStarted.has(fnKey) ? 0 : region.latency['lambda.coldStart']),
    );
    this.coldStarted.add(fnKey);
    history.log({ kind: 'lambda', state: stateName, detail: `invoke ${fnKey.split(':').pop()}` });
    // The function runs for at most its own Timeout; past it, it is frozen (makes no more calls) and Lambda
    // reports Sandbox.Timedout (FunctionError "Unhandled", errorMessage "RequestId: … Error: Task timed out after
    // N.NN seconds"), which Step Functions' lambda:invoke surfaces as the error Sandbox.Timedout.
    const fnTimeout = handler.timeoutSeconds ?? DEFAULT_LAMBDA_TIMEOUT_SECONDS;
    const kill = new KillTime(
      taskClock,
      fnTimeout,
      () => new Error(`Task timed out after ${fnTimeout.toFixed(2)} seconds`),
    );
    // The context object the Lambda runtime passes (Lambda Developer Guide, "Using the Lambda context object to
    // retrieve Node.js function information"): the handlers' logs carry its request id and cold start.
    // Its ids are derived from the execution and the invocation's number, not drawn from the region's random
    // stream, so a drill's other draws (faults, ids) stay what they were.
    const fnName = fnKey.startsWith('arn:') ? (fnKey.split(':')[6] ?? fnKey) : fnKey;
    const seed = `${this.ctx.token}#${this.lambdaInvocations}`;
    const context: LambdaContext = {
      functionName: fnName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${region.regionName}:${region.accountId}:function:${fnName}`,
      memoryLimitInMB: '128',
      awsRequestId: stableHex(seed, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
      logGroupName: `/aws/lambda/${fnName}`,
      logStreamName: `${taskClock.nowIso().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${stableHex(`${seed}#stream`, 32)}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, kill.atMs - taskClock.now()),
    };
    return { handler, payload: p.Payload ?? {}, kill, context };
  }

  /** Lambda's Sandbox.Timedout, ending the Task at the function's kill time. */
  private sandboxTimedOut(handler: LambdaHandler, kill: KillTime): EndedAt {
    const fnTimeout = handler.timeoutSeconds ?? DEFAULT_LAMBDA_TIMEOUT_SECONDS;
    return new EndedAt(
      'Sandbox.Timedout',
      JSON.stringify({
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${this.ctx.region.nextRequestId()} Error: Task timed out after ${fnTimeout.toFixed(2)} seconds`,
      }),
      kill.atMs,
    );
  }

  private async callApi(service: ServiceName, action: string, params: unknown, optimized: boolean): Promise<unknown> {
    const { region } = this.ctx;
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
  }

  /** `.sync` / `.sync:2`: wait for the child execution; its failure is this Task's `States.TaskFailed`. */
  private async waitForChild(started: unknown, sync: 'json' | 'string'): Promise<unknown> {
    const arn = (started as { ExecutionArn: string }).ExecutionArn;
    const sfn = this.ctx.region.service<
      ServiceSimulator & { waitForExecution(executionArn: string): Promise<ChildExecutionResult> }
    >('sfn');
    const child = await sfn.waitForExecution(arn);
    // The child ran on its own clock: this execution has waited until the child stopped.
    this.ctx.clock().advanceTo(Date.parse(child.stopDate));
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
  }

  /**
   * `.waitForTaskToken`: the call's result is submitted, and the broker's promise (the Task's result) is returned
   * for `dispatch` to await: the broker settles it at the heartbeat or timeout if nothing else does.
   */
  private waitForToken({ stateName, state, params, task }: TaskCall, submitted: unknown): Promise<unknown> {
    const { broker, history } = this.ctx;
    if (!broker)
      throw new TaskFailure('States.Runtime', `Task "${stateName}" waits for a task token and nothing can settle it`);
    const heartbeat = this.ctx.secondsFrom(state.HeartbeatSeconds, state.HeartbeatSecondsPath, stateName) ?? Infinity;
    const timeout = state.TimeoutSeconds ?? 99999999;
    const deadlineSeconds = Math.min(heartbeat, timeout);
    history.emit('TaskSubmitted', {
      taskSubmittedEventDetails: { ...task, output: JSON.stringify(submitted ?? null) },
    });
    history.log({ kind: 'approval', state: stateName, detail: 'waiting for a task token' });
    return broker.wait({
      token: this.ctx.token,
      state: stateName,
      input: params,
      deadlineSeconds,
      deadlineError: heartbeat < timeout ? 'States.HeartbeatTimeout' : 'States.Timeout',
    });
  }
}
