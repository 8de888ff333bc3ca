import type { VirtualClock } from '../clock';
import { AwsApiError } from '../region/errors';
import type { ActionHandler, ServiceSimulator, SimulatedRegion } from '../region/region';
import {
  type ChildExecutions,
  type ExecutionControl,
  type ExecutionResult,
  type ExecutionStatus,
  type HistoryEvent,
  type LambdaHandler,
  LocalStateMachine,
  type RedriveRun,
  TaskFailure,
  type TaskTokenBroker,
  type TimelineEntry,
} from './runner';
import { HISTORY_EVENT_LIMIT, StatesRuntimeFailure } from './states-errors';

/** A state machine the simulated Step Functions service knows. */
export interface MachineEntry {
  readonly machine: LocalStateMachine;
  readonly definition: Record<string, unknown>;
  /** The `ha-workflows:workflow` metadata, when the template has it. */
  readonly workflow?: string;
  readonly roleArn?: string;
  readonly creationDate: number;
}

/**
 * A version or alias of a state machine the service knows (from the template: AWS::StepFunctions::StateMachineVersion
 * and StateMachineAlias). A version runs the state machine's definition as the template deploys it.
 */
export interface QualifierEntry {
  readonly kind: 'version' | 'alias';
  /** `<state machine ARN>:<version number | alias name>`. */
  readonly arn: string;
  readonly stateMachineArn: string;
  /** An alias's versions and weights (1 or 2, adding up to 100); a version: itself, 100. */
  readonly routing: readonly { readonly versionArn: string; readonly weight: number }[];
}

/** One execution as the service keeps it. */
export interface ExecutionRecord {
  readonly executionArn: string;
  /** The unqualified ARN of the state machine that runs it. */
  readonly stateMachineArn: string;
  /** The alias it was started through, if any (DescribeExecution `stateMachineAliasArn`). */
  readonly stateMachineAliasArn?: string;
  /** The version it runs, when started through a version or an alias (DescribeExecution `stateMachineVersionArn`). */
  readonly stateMachineVersionArn?: string;
  readonly name: string;
  /** The input as a JSON string, as StartExecution received it. */
  readonly input: string;
  status: 'RUNNING' | ExecutionStatus;
  readonly startDate: number;
  result?: ExecutionResult;
  readonly history: HistoryEvent[];
  readonly timeline: TimelineEntry[];
  done: Promise<ExecutionResult>;
  readonly control: ExecutionControl;
  /** The execution that started this one through a `states:startExecution` Task, if any. */
  readonly parent?: string;
  /** How many times RedriveExecution has redriven it (DescribeExecution's `redriveCount`). */
  redriveCount?: number;
  /** When it was last redriven, epoch ms (DescribeExecution's `redriveDate`). */
  redriveDate?: number;
  /** The client tokens of its successful redrives, newest last: RedriveExecution's idempotency. */
  redriveTokens?: { token: string; atMs: number; redriveDate: number }[];
}

interface PendingToken {
  readonly executionArn: string;
  readonly state: string;
  readonly resolve: (output: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly wallStart: number;
  /** The waiting execution's own modeled clock: the decision is stamped on it. */
  readonly clock: VirtualClock;
  timer?: NodeJS.Timeout;
}

export interface StepFunctionsOptions {
  readonly lambdas?: ReadonlyMap<string, LambdaHandler>;
  /**
   * How `.waitForTaskToken` tasks are settled: scripted (a drill), or `live` — by SendTaskSuccess /
   * SendTaskFailure calls (local serve), with heartbeat and timeout deadlines in wall-clock time.
   */
  readonly broker: TaskTokenBroker | 'live';
  /** Called for every timeline entry of every execution. */
  readonly onTimeline?: (execution: ExecutionRecord, entry: TimelineEntry) => void;
  /** Called once when an execution has ended (its status and result set), e.g. to emit its status-change event. */
  readonly onEnd?: (execution: ExecutionRecord) => void;
}

/** Execution names: 1-80 characters, none of whitespace, brackets, wildcards, `" # % \ ^ | ~ ` $ & , ; : /` or controls. */
function validName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(name)) return false;
  return [...name].every((c) => {
    const code = c.charCodeAt(0);
    return !(code <= 0x1f || (code >= 0x7f && code <= 0x9f));
  });
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

const DAY_MS = 24 * 3600 * 1000;
/** RedriveExecution: "didn't complete successfully in the last 14 days" (the redrivable period). */
const REDRIVABLE_PERIOD_MS = 14 * DAY_MS;
/** A Standard execution's maximum open time, one year (Step Functions service quotas), redrives included. */
const MAX_OPEN_MS = 365 * DAY_MS;
/** RedriveExecution's client tokens: the last 10, each for 15 minutes after its first use. */
const CLIENT_TOKENS_KEPT = 10;
const CLIENT_TOKEN_VALID_MS = 15 * 60 * 1000;

/**
 * The fields DescribeExecution and ListExecutions both give of an execution. "If you specify a version or alias ARN
 * when you call the StartExecution API action, DescribeExecution returns that ARN" (API Reference, DescribeExecution;
 * ListExecutions' items likewise); an alias start names its version too.
 */
function executionSummary(e: ExecutionRecord) {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    ...(e.stateMachineAliasArn ? { stateMachineAliasArn: e.stateMachineAliasArn } : {}),
    ...(e.stateMachineVersionArn ? { stateMachineVersionArn: e.stateMachineVersionArn } : {}),
    name: e.name,
    status: e.status,
    startDate: seconds(e.startDate),
    stopDate: e.result ? Date.parse(e.result.stopDate) / 1000 : undefined,
  };
}

/**
 * The Step Functions API over the engine: state machines from the template, executions run by
 * `LocalStateMachine`, their history, task tokens, and StartExecution's name idempotency for Standard
 * workflows. Timestamps are epoch seconds, as on the JSON wire.
 *
 * StartExecution with a name already used (docs: StartExecution API reference): same name and same input
 * while the first is still running → the same execution is returned; different input, or the first has
 * closed → `ExecutionAlreadyExists`.
 */
export class StepFunctionsSimulator implements ServiceSimulator, ChildExecutions, TaskTokenBroker {
  readonly name = 'sfn' as const;
  readonly machines = new Map<string, MachineEntry>();
  /** Versions and aliases, by qualified ARN. */
  readonly qualifiers = new Map<string, QualifierEntry>();
  readonly executions = new Map<string, ExecutionRecord>();
  readonly actions: Readonly<Record<string, ActionHandler>>;
  private readonly tokens = new Map<string, PendingToken>();
  private readonly settledTokens = new Set<string>();

  constructor(
    private readonly region: SimulatedRegion,
    private readonly options: StepFunctionsOptions,
  ) {
    const actions: Record<string, ActionHandler> = {
      ListStateMachines: () => this.listStateMachines(),
      DescribeStateMachine: (i) => this.describeStateMachine(String(i.stateMachineArn)),
      StartExecution: (i) => this.startExecution(i),
      DescribeExecution: (i) => this.describeExecution(String(i.executionArn)),
      ListExecutions: (i) => this.listExecutions(i),
      GetExecutionHistory: (i) => this.getExecutionHistory(i),
      StopExecution: (i) => this.stopExecution(i),
      RedriveExecution: (i) => this.redriveExecution(i),
      SendTaskSuccess: (i) => this.sendTaskResult(String(i.taskToken), { output: String(i.output) }),
      SendTaskFailure: (i) =>
        this.sendTaskResult(String(i.taskToken), {
          error: i.error === undefined ? undefined : String(i.error),
          cause: i.cause === undefined ? undefined : String(i.cause),
        }),
      SendTaskHeartbeat: (i) => this.sendTaskHeartbeat(String(i.taskToken)),
    };
    // The JSON API names members in camelCase; Step Functions Task Parameters name them in PascalCase
    // (and may give `Input` as an object). Accept both.
    this.actions = Object.fromEntries(
      Object.entries(actions).map(([action, handler]) => [
        action,
        (input: Record<string, unknown>) => {
          const normal: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(input)) normal[k.charAt(0).toLowerCase() + k.slice(1)] = v;
          if (normal.input !== undefined && typeof normal.input !== 'string')
            normal.input = JSON.stringify(normal.input);
          return handler(normal);
        },
      ]),
    );
  }

  addMachine(arn: string, definition: Record<string, unknown>, extra: { workflow?: string; roleArn?: string } = {}) {
    this.machines.set(arn, {
      machine: new LocalStateMachine(arn, definition as never),
      definition,
      ...extra,
      creationDate: this.region.clock.now(),
    });
  }

  /** Adds a machine that is already built (build once, run many). */
  addBuiltMachine(machine: LocalStateMachine, definition: Record<string, unknown>, extra: { workflow?: string } = {}) {
    this.machines.set(machine.arn, { machine, definition, ...extra, creationDate: this.region.clock.now() });
  }

  /** Adds a version or an alias of a machine already added. */
  addQualifier(q: QualifierEntry) {
    if (!this.machines.has(q.stateMachineArn)) {
      throw new Error(`addQualifier ${q.arn}: no state machine ${q.stateMachineArn} (add it first)`);
    }
    for (const v of q.routing) {
      if (q.kind === 'alias' && this.qualifiers.get(v.versionArn)?.kind !== 'version') {
        throw new Error(`addQualifier ${q.arn}: its version ${v.versionArn} is not known (add the versions first)`);
      }
    }
    this.qualifiers.set(q.arn, q);
  }

  latencyOf(): number {
    return this.region.latency['sfn.api'];
  }

  private error(code: string, message: string): AwsApiError {
    return new AwsApiError('sfn', code, message);
  }

  private machineOf(arn: string): MachineEntry {
    if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/.test(arn)) {
      throw this.error('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    }
    const m = this.machines.get(arn);
    if (!m) throw this.error('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  /**
   * What a `stateMachineArn` parameter names, as StartExecution and ListExecutions accept it: an unqualified state
   * machine ARN, a version ARN (`…:stateMachine:<name>:<number>`) or an alias ARN (`…:stateMachine:<name>:<alias>`)
   * (Step Functions API Reference, StartExecution `stateMachineArn`; ListExecutions "You can also return a list of
   * executions associated with a specific alias or version"). A Distributed Map's qualified ARN (`…/<label>`) is
   * refused with ValidationException, as StartExecution does; an unknown version or alias of a known state machine
   * with `missing` (StartExecution: StateMachineDoesNotExist, the only "not found" error it has; ListExecutions:
   * ResourceNotFound).
   */
  private targetOf(
    arn: string,
    missing: 'StateMachineDoesNotExist' | 'ResourceNotFound',
  ): { machineArn: string; entry: MachineEntry; alias?: QualifierEntry; version?: QualifierEntry } {
    const m = /^(arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:/]+)(?::([^:/]+))?$/.exec(arn);
    if (!m) {
      if (/:stateMachine:[^:/]+\/./.test(arn)) {
        throw this.error('ValidationException', `A Distributed Map's state machine ARN cannot be started: '${arn}'`);
      }
      throw this.error('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    }
    const [, machineArn, qualifier] = m;
    const entry = this.machineOf(machineArn);
    if (qualifier === undefined) return { machineArn, entry };
    const q = this.qualifiers.get(arn);
    if (!q) {
      const what = /^\d+$/.test(qualifier) ? 'State Machine Version' : 'State Machine Alias';
      throw this.error(missing, `${what} Does Not Exist: '${arn}'`);
    }
    if (q.kind === 'version') return { machineArn, entry, version: q };
    // An alias with two versions routes each start by weight (Step Functions Developer Guide, "Alias routing"); one
    // with a single version draws nothing (the region's random stream stays what a drill without aliases sees).
    let route = q.routing[0];
    if (q.routing.length > 1) {
      let pick = this.region.random.next() * 100;
      route = q.routing.find((r) => (pick -= r.weight) < 0) ?? q.routing[q.routing.length - 1];
    }
    return { machineArn, entry, alias: q, version: this.qualifiers.get(route.versionArn) };
  }

  private executionOf(arn: string): ExecutionRecord {
    const e = this.executions.get(arn);
    if (!e) {
      if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/.test(arn)) {
        throw this.error('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
      }
      throw this.error('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    }
    return e;
  }

  private listStateMachines() {
    return {
      stateMachines: [...this.machines.entries()].map(([arn, m]) => ({
        stateMachineArn: arn,
        name: m.machine.name,
        type: 'STANDARD',
        creationDate: seconds(m.creationDate),
      })),
    };
  }

  private describeStateMachine(arn: string) {
    const m = this.machineOf(arn);
    return {
      stateMachineArn: arn,
      name: m.machine.name,
      status: 'ACTIVE',
      definition: JSON.stringify(m.definition),
      roleArn: m.roleArn ?? `arn:aws:iam::${this.region.accountId}:role/local`,
      type: 'STANDARD',
      creationDate: seconds(m.creationDate),
      description: typeof m.definition.Comment === 'string' ? m.definition.Comment : undefined,
    };
  }

  private startExecution(i: Record<string, unknown>) {
    const arn = String(i.stateMachineArn ?? '');
    const input = i.input === undefined ? '{}' : String(i.input);
    const record = this.start(arn, input, i.name === undefined ? undefined : String(i.name));
    return { executionArn: record.executionArn, startDate: seconds(record.startDate) };
  }

  /**
   * Starts an execution (StartExecution). `input` is the JSON text. Returns the existing record for an
   * idempotent repeat.
   */
  start(startedArn: string, input: string, name?: string, parent?: string): ExecutionRecord {
    const target = this.targetOf(startedArn, 'StateMachineDoesNotExist');
    const m = target.entry;
    // An execution's ARN is built from the state machine's name, whether it was started through an alias, a version
    // or neither (`arn:…:execution:<state machine name>:<execution name>`).
    const stateMachineArn = target.machineArn;
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (e) {
      throw this.error('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(e as Error).message}'`);
    }
    if (name !== undefined && !validName(name)) {
      throw this.error('InvalidName', `Invalid Name: '${name}'`);
    }
    const executionName = name ?? this.region.random.uuid();
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw this.error('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn,
      ...(target.alias ? { stateMachineAliasArn: target.alias.arn } : {}),
      ...(target.version ? { stateMachineVersionArn: target.version.arn } : {}),
      name: executionName,
      input,
      status: 'RUNNING',
      startDate: this.region.clock.now(),
      history: [],
      timeline: [],
      done: Promise.resolve(undefined as never),
      control: {},
      parent,
    };
    record.done = this.runRecord(record, m, m.machine, parsed);
    this.executions.set(executionArn, record);
    return record;
  }

  /** Runs `machine` for the execution `record` (a start, or a redrive from its redrive point). */
  private runRecord(
    record: ExecutionRecord,
    m: MachineEntry,
    machine: LocalStateMachine,
    input: unknown,
    redrive?: RedriveRun,
  ): Promise<ExecutionResult> {
    return machine
      .run(input, {
        region: this.region,
        lambdas: this.options.lambdas,
        broker: this.options.broker === 'live' ? this : this.options.broker,
        executionName: record.name,
        executionArn: record.executionArn,
        roleArn: m.roleArn,
        control: record.control,
        redrive,
        onHistory: (event) => record.history.push(event),
        onTimeline: (entry) => {
          record.timeline.push(entry);
          this.options.onTimeline?.(record, entry);
        },
      })
      .then((result) => {
        record.result = result;
        record.status = result.status;
        this.options.onEnd?.(record);
        return result;
      });
  }

  async waitForExecution(executionArn: string): Promise<ExecutionResult> {
    return this.executionOf(executionArn).done;
  }

  /** Resolves once no execution is running (children started by running executions included). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
      if (running.length === 0) return;
      await Promise.all(running.map((e) => e.done));
    }
  }

  private describeExecution(arn: string) {
    const e = this.executionOf(arn);
    const r = e.result;
    return {
      ...executionSummary(e),
      input: e.input,
      inputDetails: { included: true },
      ...(r?.status === 'SUCCEEDED'
        ? { output: JSON.stringify(r.output ?? null), outputDetails: { included: true } }
        : {}),
      ...(r?.error !== undefined ? { error: r.error } : {}),
      ...(r?.cause !== undefined ? { cause: r.cause } : {}),
      ...this.redriveFields(e),
    };
  }

  private listExecutions(i: Record<string, unknown>) {
    const listedArn = String(i.stateMachineArn ?? '');
    const target = this.targetOf(listedArn, 'ResourceNotFound');
    // By alias: the executions started through it; by version: those that ran it (started through it or through an
    // alias that routed to it); unqualified: every execution of the state machine.
    const ofTarget = (e: ExecutionRecord) =>
      target.alias
        ? e.stateMachineAliasArn === listedArn
        : target.version
          ? e.stateMachineVersionArn === listedArn
          : e.stateMachineArn === target.machineArn;
    const filter = i.statusFilter === undefined ? undefined : String(i.statusFilter);
    const redriven = this.redriveFilterOf(i.redriveFilter);
    const all = [...this.executions.values()]
      .filter((e) => ofTarget(e) && (!filter || e.status === filter))
      .filter((e) => redriven === undefined || (e.redriveCount ?? 0) > 0 === redriven)
      .sort((a, b) => b.startDate - a.startDate);
    const start = i.nextToken === undefined ? 0 : Number(i.nextToken);
    const max = Math.min(1000, Number(i.maxResults ?? 100) || 100);
    const page = all.slice(start, start + max);
    return {
      executions: page.map((e) => ({
        ...executionSummary(e),
        redriveCount: e.redriveCount ?? 0,
        ...(e.redriveDate !== undefined ? { redriveDate: seconds(e.redriveDate) } : {}),
      })),
      ...(start + max < all.length ? { nextToken: String(start + max) } : {}),
    };
  }

  private getExecutionHistory(i: Record<string, unknown>) {
    const e = this.executionOf(String(i.executionArn));
    const events = i.reverseOrder ? [...e.history].reverse() : e.history;
    const start = i.nextToken === undefined ? 0 : Number(i.nextToken);
    const max = Math.min(1000, Number(i.maxResults ?? 100) || 100);
    const page = events.slice(start, start + max).map((ev) => ({ ...ev, timestamp: ev.timestamp / 1000 }));
    return { events: page, ...(start + max < events.length ? { nextToken: String(start + max) } : {}) };
  }

  private stopExecution(i: Record<string, unknown>) {
    const e = this.executionOf(String(i.executionArn));
    if (e.status === 'RUNNING') {
      e.control.abort?.(
        i.error === undefined ? undefined : String(i.error),
        i.cause === undefined ? undefined : String(i.cause),
      );
      // Settle the task token the stopped execution was waiting on, so nothing waits for it any more
      // (aws-local-stepfunctions clears a Task's timeout timer only once the Task's promise settles).
      for (const [token, p] of this.tokens) {
        if (p.executionArn !== e.executionArn) continue;
        if (p.timer) clearTimeout(p.timer);
        this.tokens.delete(token);
        this.settledTokens.add(token);
        p.reject(new StatesRuntimeFailure('The execution was stopped'));
      }
    }
    return { stopDate: this.region.clock.now() / 1000 };
  }

  // ── Redrive ─────────────────────────────────────────────────────────────────────────────────────
  //
  // Sources: RedriveExecution API reference and the Step Functions Developer Guide, "Restarting state machine
  // executions with redrive" (redrive-executions.html); DescribeExecution's redriveStatus / redriveStatusReason and
  // ListExecutions' redriveFilter in the API reference (the installed @aws-sdk/client-sfn models carry the same text).

  /** ListExecutions' `redriveFilter`: REDRIVEN → true, NOT_REDRIVEN → false, absent → undefined. */
  private redriveFilterOf(value: unknown): boolean | undefined {
    if (value === undefined) return undefined;
    if (value === 'REDRIVEN') return true;
    if (value === 'NOT_REDRIVEN') return false;
    throw this.error(
      'ValidationException',
      `1 validation error detected: Value '${String(value)}' at 'redriveFilter' failed to satisfy constraint: ` +
        'Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]',
    );
  }

  /**
   * Why RedriveExecution would refuse the execution now (the reasons are DescribeExecution's documented
   * `redriveStatusReason` values), or undefined when it may be redriven.
   */
  notRedrivableReason(e: ExecutionRecord): string | undefined {
    // "The execution status isn't SUCCEEDED" (and a running execution has nothing to redrive).
    if (e.status === 'RUNNING' || e.status === 'SUCCEEDED') return `Execution is ${e.status} and cannot be redriven`;
    const now = this.region.clock.now();
    // "The workflow execution hasn't exceeded the maximum open time of one year" (Standard: one year, service quotas).
    if (now - e.startDate > MAX_OPEN_MS) return 'Execution has exceeded the max execution time';
    // "The execution event history count is less than 24,999 … to accommodate the ExecutionRedriven history event
    // and at least one other history event."
    if (e.history.length >= HISTORY_EVENT_LIMIT - 1) return 'Execution history event limit exceeded';
    // "The workflow execution hasn't exceeded the redrivable period of 14 days … from the day a state machine
    // completes its execution." Counted here from the stop itself, in modeled time (stricter than from the day).
    const stopMs = e.result ? Date.parse(e.result.stopDate) : now;
    if (now - stopMs > REDRIVABLE_PERIOD_MS) return 'Execution redrivable period exceeded';
    return undefined;
  }

  /** DescribeExecution's redrive members. */
  private redriveFields(e: ExecutionRecord) {
    const reason = this.notRedrivableReason(e);
    return {
      redriveCount: e.redriveCount ?? 0,
      ...(e.redriveDate !== undefined ? { redriveDate: seconds(e.redriveDate) } : {}),
      redriveStatus: reason === undefined ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
      ...(reason !== undefined ? { redriveStatusReason: reason } : {}),
    };
  }

  /**
   * The top-level state a redrive restarts at, and the input it was entered with: the last top-level state the
   * execution entered. A state it entered and did not leave is where it failed, was stopped or timed out: a Task is
   * scheduled again, a Fail state is entered again and fails again, a Choice is evaluated again, a Map or Parallel
   * runs again (redrive-executions.html, "Redrive behavior of individual states"). The engine reruns a whole inline
   * Map or Parallel, also the iterations or branches that succeeded, where AWS reruns only those that failed or were
   * aborted: see docs/redrive.md. State names are unique in a state machine, so a nested state is never mistaken
   * for a top-level one.
   */
  redrivePoint(e: ExecutionRecord): { state: string; input: unknown } {
    const { definition } = this.machineOf(e.stateMachineArn);
    const topLevel = new Set(Object.keys((definition.States ?? {}) as Record<string, unknown>));
    let last: { state: string; input: string } | undefined;
    for (const ev of e.history) {
      const entered = ev.stateEnteredEventDetails;
      if (entered?.name !== undefined && String(ev.type).endsWith('StateEntered') && topLevel.has(entered.name)) {
        last = { state: entered.name, input: entered.input ?? '{}' };
      }
    }
    // Ended before it entered any state (e.g. stopped at once): the redrive starts at StartAt with the input.
    if (!last) return { state: String(definition.StartAt), input: JSON.parse(e.input) as unknown };
    return { state: last.state, input: JSON.parse(last.input) as unknown };
  }

  private redriveExecution(i: Record<string, unknown>) {
    if (i.executionArn === undefined) {
      throw this.error(
        'ValidationException',
        "1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null",
      );
    }
    const token = i.clientToken === undefined ? undefined : String(i.clientToken);
    // The ClientToken shape of the Step Functions API model: 1-64 printable ASCII characters.
    if (token !== undefined && !/^[!-~]{1,64}$/.test(token)) {
      throw this.error(
        'ValidationException',
        "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: " +
          'Member must have length between 1 and 64 and match [!-~]+',
      );
    }
    const e = this.executionOf(String(i.executionArn));
    const now = this.region.clock.now();
    // "The API will return idempotent responses for the last 10 client tokens used to successfully redrive the
    // execution. These client tokens are valid for up to 15 minutes after they are first used."
    const used = token === undefined ? undefined : e.redriveTokens?.find((t) => t.token === token);
    if (used && now - used.atMs <= CLIENT_TOKEN_VALID_MS) return { redriveDate: seconds(used.redriveDate) };
    const record = this.redrive(e);
    if (token !== undefined) {
      const tokens = [...(record.redriveTokens ?? []), { token, atMs: now, redriveDate: record.redriveDate as number }];
      record.redriveTokens = tokens.slice(-CLIENT_TOKENS_KEPT);
    }
    return { redriveDate: seconds(record.redriveDate) };
  }

  /**
   * Redrives an execution that ended unsuccessfully (RedriveExecution): it runs again from its redrive point
   * (`redrivePoint`), same ARN, name, input and start date, its new events appended to its history. Throws
   * `ExecutionNotRedrivable` with the reason DescribeExecution gives.
   */
  redrive(e: ExecutionRecord): ExecutionRecord {
    const reason = this.notRedrivableReason(e);
    if (reason !== undefined) throw this.error('ExecutionNotRedrivable', `${reason}: '${e.executionArn}'`);
    const m = this.machineOf(e.stateMachineArn);
    const point = this.redrivePoint(e);
    const redriveCount = (e.redriveCount ?? 0) + 1;
    const prior = [...e.history];
    e.status = 'RUNNING';
    e.result = undefined;
    e.redriveCount = redriveCount;
    e.redriveDate = this.region.clock.now();
    e.done = this.runRecord(e, m, m.machine.resumingAt(point.state), point.input, {
      history: prior,
      redriveCount,
      startMs: e.startDate,
    });
    return e;
  }

  // ── Task tokens (live mode) ──────────────────────────────────────────────────────────────────────

  /** TaskTokenBroker: waits for SendTaskSuccess / SendTaskFailure, or the deadline in wall-clock time. */
  wait(request: { token: string; state: string; deadlineSeconds: number; deadlineError: string }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const executionArn = request.token.split('#')[0];
      if (this.executions.get(executionArn)?.status !== 'RUNNING') {
        reject(new StatesRuntimeFailure('The execution is no longer running'));
        return;
      }
      const pending: PendingToken = {
        ...{ executionArn, state: request.state, resolve, reject },
        ...{ wallStart: Date.now(), clock: this.region.clock },
      };
      if (Number.isFinite(request.deadlineSeconds)) {
        pending.timer = setTimeout(() => {
          this.tokens.delete(request.token);
          this.settledTokens.add(request.token);
          pending.clock.advanceSeconds(request.deadlineSeconds);
          reject(new TaskFailure(request.deadlineError, `No decision arrived within ${request.deadlineSeconds} s`));
        }, request.deadlineSeconds * 1000);
        pending.timer.unref?.();
      }
      this.tokens.set(request.token, pending);
    });
  }

  /** The task tokens executions are waiting on now, with the execution and state (for `approve`). */
  pendingTokens(): { token: string; executionArn: string; state: string }[] {
    return [...this.tokens.entries()].map(([token, p]) => ({ token, executionArn: p.executionArn, state: p.state }));
  }

  private pendingFor(token: string): PendingToken {
    if (!token || token.length > 2048) throw this.error('InvalidToken', 'Invalid Token');
    const p = this.tokens.get(token);
    if (p) return p;
    if (this.settledTokens.has(token)) throw this.error('TaskTimedOut', 'Task Timed Out');
    throw this.error('TaskDoesNotExist', 'Task Does Not Exist');
  }

  private sendTaskResult(token: string, result: { output: string } | { error?: string; cause?: string }) {
    const p = this.pendingFor(token);
    let output: unknown;
    if ('output' in result) {
      try {
        output = JSON.parse(result.output);
      } catch {
        throw this.error('InvalidOutput', `Invalid Output: '${result.output.slice(0, 80)}'`);
      }
    }
    if (p.timer) clearTimeout(p.timer);
    this.tokens.delete(token);
    this.settledTokens.add(token);
    // The person took real time to decide; the waiting execution's modeled time follows it (the request arrives
    // outside the execution, so `region.clock` here is the base clock, which under `local serve` is the wall clock).
    p.clock.advanceSeconds((Date.now() - p.wallStart) / 1000);
    p.clock.advanceTo(this.region.baseClock.now());
    if ('output' in result) p.resolve(output);
    else p.reject(new TaskFailure(result.error ?? '', result.cause ?? ''));
    return {};
  }

  private sendTaskHeartbeat(token: string) {
    this.pendingFor(token);
    return {};
  }

  snapshot(): unknown {
    return {
      stateMachines: [...this.machines.entries()].map(([arn, m]) => ({ arn, workflow: m.workflow })),
      executions: [...this.executions.values()].map((e) => ({
        executionArn: e.executionArn,
        name: e.name,
        stateMachineArn: e.stateMachineArn,
        status: e.status,
        parent: e.parent,
        error: e.result?.error,
        cause: e.result?.cause,
        // Modeled seconds since the drill started (each execution runs on its own clock; these are comparable).
        startedAt: (e.startDate - this.region.baseClock.originMs) / 1000,
        ...(e.result ? { stoppedAt: (Date.parse(e.result.stopDate) - this.region.baseClock.originMs) / 1000 } : {}),
      })),
    };
  }
}
