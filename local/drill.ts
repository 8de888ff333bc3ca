import { CloudWatchSimulator } from './region/cloudwatch';
import { DynamoDbSimulator } from './region/dynamodb';
import { Ec2Simulator, type HookFiring } from './region/ec2';
import { BECAME_PRIMARY, type BecamePrimaryEvent, MIRROR_EVENT_SOURCE } from '../workflows/mirror-failover/input';
import { rulesFromTemplate } from './region/ec2/network';
import { applyDeployTimeCall, type Elbv2Environment, Elbv2Simulator } from './region/elbv2';
import { deepPartialMatch } from './region/faults';
import { HttpSimulator } from './region/http';
import { type ApiCallRecord, SimulatedRegion } from './region/region';
import { RequestRates } from './region/request-rates';
import { SnsSimulator } from './region/sns';
import { SsmSimulator } from './region/ssm';
import { checkNeverTwoWriters, type WriterRow } from './region/writers';
import { executionClock, VirtualClock } from './clock';
import { ScriptedApprovals, type WaitInterrupt } from './engine/approvals';
import { localClients } from './engine/clients';
import {
  type ExecutionResult,
  type LambdaHandler,
  LocalStateMachine,
  type TimelineEntry,
  withFunctionTimeout,
} from './engine/runner';
import { endState } from './engine/timeline';
import { TASK_METADATA_KEY, WORKFLOW_METADATA_KEY } from '../contracts/metadata';
import { EventBus, eventRules, executionStatusEvent } from './engine/eventbridge';
import { type ExecutionRecord, StepFunctionsSimulator, type StepFunctionsOptions } from './engine/stepfunctions';
import type { Predicate, Scenario } from './scenario/schema';
import { silentLogger, TASK_HANDLERS } from './tasks-registry';
import { INVARIANTS } from './campaign/invariants';
import {
  type CfnTemplate,
  DEFAULT_ENV,
  type ResolveEnv,
  resolveQualifiers,
  resolveStateMachines,
  TemplateResolver,
} from './template';

export interface ExpectationResult {
  readonly description: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface DrillResult {
  readonly scenario: string;
  readonly workflow: string;
  readonly status: ExecutionResult['status'];
  readonly error?: string;
  readonly cause?: string;
  /** Modeled seconds from the first trigger to the end of the last execution. */
  readonly modeledSeconds: number;
  readonly transitions: number;
  readonly lambdaInvocations: number;
  readonly apiCalls: number;
  /** Every call the region answered (SDK-integration Tasks and Lambda tasks alike), in order. */
  readonly calls: readonly ApiCallRecord[];
  readonly timeline: readonly (TimelineEntry & { execution: number })[];
  readonly executions: readonly ExecutionResult[];
  readonly environment: Record<string, unknown>;
  readonly expectations: readonly ExpectationResult[];
  /** True when every expectation holds (or, without any, when every execution succeeded). */
  readonly ok: boolean;
}

const machines = new Map<string, LocalStateMachine>();
const machinesByDefinition = new WeakMap<object, Map<string, LocalStateMachine>>();

/**
 * Builds each distinct definition once per process: construction validates it, runs are cheap. A definition
 * object seen before (resolveStateMachines keeps them) is found without serializing it; the library gets a copy,
 * since its validator adds defaults to the definition it is given.
 */
function machineFor(arn: string, definition: Record<string, unknown>): LocalStateMachine {
  const byArn = machinesByDefinition.get(definition) ?? new Map<string, LocalStateMachine>();
  machinesByDefinition.set(definition, byArn);
  const seen = byArn.get(arn);
  if (seen) return seen;
  const key = `${arn}\n${JSON.stringify(definition)}`;
  let m = machines.get(key);
  if (!m) {
    // A JSON copy, not structuredClone: under jest that would make objects of another realm, which the library's
    // plain-object checks do not recognize.
    m = new LocalStateMachine(arn, JSON.parse(JSON.stringify(definition)) as never);
    machines.set(key, m);
  }
  byArn.set(arn, m);
  return m;
}

/** What the stack itself creates and the workflows use, added to the scenario's starting environment. */
function provision(template: CfnTemplate, resolver: TemplateResolver, environment: Scenario['environment']) {
  type Named = Record<string, unknown>;
  const env = structuredClone(environment) as Record<string, Record<string, Named[]> | undefined>;
  const ec2 = (env.ec2 ??= {});
  const dynamodb = (env.dynamodb ??= {});
  const sns = (env.sns ??= {});
  const ssm = (env.ssm ??= {}) as Record<string, Named[] | undefined>;
  for (const [logicalId, r] of Object.entries(template.Resources ?? {})) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::DynamoDB::Table') {
      const keys = (p.KeySchema as { AttributeName: string; KeyType: string }[]) ?? [];
      const tableName = resolver.ref(logicalId);
      const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled?: boolean } | undefined;
      const tables = (dynamodb.tables ??= []);
      if (!tables.some((t) => t.tableName === tableName)) {
        tables.push({
          tableName,
          partitionKey: keys.find((k) => k.KeyType === 'HASH')?.AttributeName ?? 'pk',
          sortKey: keys.find((k) => k.KeyType === 'RANGE')?.AttributeName,
          timeToLiveAttribute: ttl?.Enabled ? ttl.AttributeName : undefined,
        });
      }
    } else if (r.Type === 'Custom::AWS' && typeof p.Create === 'string') {
      applyDeployTimeCall((env.elasticloadbalancingv2 ??= {}) as Elbv2Environment, p.Create);
    } else if (r.Type === 'AWS::SNS::Topic') {
      const topicArn = resolver.ref(logicalId);
      const topics = (sns.topics ??= []);
      if (!topics.some((t) => t.topicArn === topicArn)) topics.push({ topicArn });
    } else if (r.Type === 'AWS::EC2::SecurityGroup' && typeof p.VpcId === 'string') {
      const groupId = resolver.ref(logicalId);
      const groups = (ec2.securityGroups ??= []);
      if (!groups.some((g) => g.groupId === groupId)) {
        groups.push({
          groupId,
          vpcId: p.VpcId,
          groupName: logicalId,
          description: String(p.GroupDescription ?? ''),
          ...rulesFromTemplate(p),
        });
      }
    } else if (r.Type === 'AWS::SSM::Document' && p.DocumentType === 'Command') {
      // The stack's command documents (freeze/thaw), with the parameters their content declares.
      const name = resolver.ref(logicalId);
      const content = (typeof p.Content === 'string' ? JSON.parse(p.Content) : p.Content) as
        { parameters?: Record<string, unknown> } | undefined;
      const documents = (ssm.documents ??= []);
      if (!documents.some((d) => d.name === name)) {
        documents.push({ name, parameters: Object.keys(content?.parameters ?? {}) });
      }
    }
  }
  return env as Scenario['environment'];
}

function lambdasFor(template: CfnTemplate, resolver: TemplateResolver, region: SimulatedRegion) {
  const clients = localClients(region);
  const logger = silentLogger();
  const out = new Map<string, LambdaHandler>();
  for (const [logicalId, r] of Object.entries(template.Resources ?? {})) {
    const task = r.Metadata?.[TASK_METADATA_KEY];
    if (r.Type !== 'AWS::Lambda::Function' || typeof task !== 'string') continue;
    const make = TASK_HANDLERS[task];
    if (!make) throw new Error(`function ${logicalId} runs task "${task}", which the engine has no handler for`);
    out.set(resolver.ref(logicalId), withFunctionTimeout(make(clients, logger), r.Properties?.Timeout));
  }
  return out;
}

/** The event a member's become-primary hook puts (the contract: BecamePrimaryEvent, workflows/mirror-failover). */
function hookEvent(firing: HookFiring, region: SimulatedRegion): Record<string, unknown> {
  const event: BecamePrimaryEvent = {
    source: MIRROR_EVENT_SOURCE,
    'detail-type': BECAME_PRIMARY,
    detail: { mirrorSet: firing.mirrorSet, instanceId: firing.instanceId },
  };
  return eventEnvelope({ ...event, time: new Date(firing.atMs).toISOString().replace(/\.\d{3}Z$/, 'Z') }, region);
}

function eventEnvelope(event: Record<string, unknown>, region: SimulatedRegion): Record<string, unknown> {
  return {
    version: '0',
    id: event.id ?? region.random.uuid(),
    account: region.accountId,
    time: region.clock.nowIso().replace(/\.\d{3}Z$/, 'Z'),
    region: region.regionName,
    resources: [],
    ...event,
  };
}

function at(root: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      root,
    );
}

function checkPredicate(p: Predicate, environment: Record<string, unknown>): ExpectationResult {
  if ('select' in p) {
    const list = at(environment, p.select);
    const description =
      p.description ?? `${p.select}${p.where ? ` where ${JSON.stringify(p.where)}` : ''} counts ${p.count}`;
    if (!Array.isArray(list))
      return { description, ok: false, detail: `${p.select} is not a list in the final environment` };
    const n = list.filter((e) => (p.where ? deepPartialMatch(e, p.where) : true)).length;
    return { description, ok: n === p.count, detail: `found ${n}` };
  }
  const value = at(environment, p.path);
  const description = p.description ?? `${p.path} equals ${JSON.stringify(p.equals)}`;
  const ok = deepPartialMatch(value, p.equals) && (typeof p.equals === 'object' || value === p.equals);
  return { description, ok, detail: `found ${JSON.stringify(value)}` };
}

/**
 * The simulated region a drill (or `local serve`) runs in: every service, the stack's own resources from
 * the template, the real Lambda task handlers, and a Step Functions service holding every state machine of
 * the template (so a workflow can start another).
 */
export function buildWorld(
  region: SimulatedRegion,
  template: CfnTemplate,
  env: ResolveEnv,
  environment: Scenario['environment'],
  sfnOptions: Omit<StepFunctionsOptions, 'lambdas'> & {
    /**
     * Deliver each ended execution's status-change event to the template's rules (default true). Off only for
     * tests that deliver the event by hand, e.g. twice, to show a target is idempotent.
     */
    readonly statusEvents?: boolean;
  },
): StepFunctionsSimulator {
  const resolver = new TemplateResolver(template, env);
  const e = provision(template, resolver, environment);
  region.register(new Ec2Simulator(region, e.ec2 ?? {}));
  if (e.requestRates?.enabled) region.useRequestRates(new RequestRates(e.requestRates, region.baseClock.startMs));
  region.register(new Elbv2Simulator(region, e.elasticloadbalancingv2 ?? {}));
  region.register(new SsmSimulator(region, e.ssm ?? {}));
  region.register(new DynamoDbSimulator(region, e.dynamodb ?? {}));
  region.register(new CloudWatchSimulator(region, e.cloudwatch ?? {}));
  region.register(new SnsSimulator(region, e.sns ?? {}));
  region.register(new HttpSimulator(region, e.http ?? {}));
  // The default event bus: an execution's status change (snapshot-backup's rescue, dr-promotion's release), an
  // alarm's state change and a scenario's events go through the template's rules to the state machines they start.
  const bus = new EventBus(eventRules(template, resolver), region, (arn, input) => sfn.start(arn, input).executionArn);
  const onEnd = (record: ExecutionRecord) => {
    sfnOptions.onEnd?.(record);
    if (sfnOptions.statusEvents === false) return;
    const event = executionStatusEvent(record, region);
    bus.emit(event, 'stepfunctions', (event.detail as { stopDate: number }).stopDate);
  };
  region.service<CloudWatchSimulator>('cloudwatch').onStateChangeEvent((event) => bus.emit(event, 'cloudwatch'));
  // A become-primary hook run by a change the drill makes (a promotion command): its event, as the member puts it.
  region
    .service<Ec2Simulator>('ec2')
    .onHookFiring((firing) => bus.emit(hookEvent(firing, region), 'hook', firing.atMs));
  const sfn = new StepFunctionsSimulator(region, {
    ...sfnOptions,
    onEnd,
    lambdas: lambdasFor(template, resolver, region),
  });
  for (const m of resolveStateMachines(template, env)) {
    const workflow = m.resource.Metadata?.[WORKFLOW_METADATA_KEY];
    sfn.addBuiltMachine(machineFor(m.arn, m.definition), m.definition, {
      workflow: typeof workflow === 'string' ? workflow : undefined,
    });
  }
  // Versions first, then the aliases that route to them: the triggers and child starts name the live aliases.
  for (const q of resolveQualifiers(template, env)
    .toSorted((a, b) => a.kind.localeCompare(b.kind))
    .reverse()) {
    sfn.addQualifier(q);
  }
  region.register(sfn);
  buses.set(sfn, bus);
  return sfn;
}

const buses = new WeakMap<StepFunctionsSimulator, EventBus>();

/** The event bus of a world built by `buildWorld`. */
export function eventBusOf(sfn: StepFunctionsSimulator): EventBus {
  const bus = buses.get(sfn);
  if (!bus) throw new Error('eventBusOf: this Step Functions service was not built by buildWorld');
  return bus;
}

export interface DrillOptions {
  readonly template: CfnTemplate;
  readonly env?: ResolveEnv;
  /** Overrides the scenario's seed. */
  readonly seed?: number;
}

/** The one state machine of the template that runs the scenario's workflow; an error naming those there if none. */
function workflowMachineArn(scenario: Scenario, template: CfnTemplate, env: ResolveEnv): string {
  const found = resolveStateMachines(template, env).filter(
    (m) => m.resource.Metadata?.[WORKFLOW_METADATA_KEY] === scenario.workflow,
  );
  if (found.length !== 1) {
    const known = resolveStateMachines(template, env)
      .map((m) => m.resource.Metadata?.[WORKFLOW_METADATA_KEY])
      .filter(Boolean);
    throw new Error(
      `scenario "${scenario.name}": workflow "${scenario.workflow}" is not in the ${scenario.site} stack ` +
        `(workflows there: ${known.join(', ') || 'none'}; is it configured?)`,
    );
  }
  return found[0].arn;
}

/**
 * The operator's stops of a scenario still to make. Each is checked synchronously on its execution's timeline
 * entries, so the execution stops at exactly that step (a Task entered then makes no call) and the drill stays
 * deterministic. An execution is named by its number among the triggered ones (`triggered`, in starting order).
 */
class OperatorStops {
  private readonly pending: Scenario['stops'][number][];

  constructor(
    stops: Scenario['stops'],
    private readonly triggered: readonly string[],
    private readonly region: SimulatedRegion,
    /** The Step Functions service, once built (the stops are handed to it while it is built). */
    private readonly sfn: () => StepFunctionsSimulator,
  ) {
    this.pending = [...stops];
  }

  /** Stops `execution` when a stop is due at this entry of its timeline (`seconds` since the drill's start). */
  stopIfDue(execution: ExecutionRecord, entry: TimelineEntry, seconds: number): void {
    if (this.pending.length === 0 || execution.status !== 'RUNNING') return;
    const n = this.triggered.indexOf(execution.executionArn) + 1;
    const due = this.pending.findIndex(
      (s) =>
        s.execution === n &&
        (s.atSeconds === undefined || seconds >= s.atSeconds) &&
        (s.atState === undefined ||
          (entry.kind === 'state' && entry.state === s.atState && /^entered/.test(entry.detail))),
    );
    if (due < 0) return;
    const [stop] = this.pending.splice(due, 1);
    this.sfn().actions.StopExecution({ executionArn: execution.executionArn, error: stop.error, cause: stop.cause });
  }

  /**
   * A stop by the second (not by state) that falls inside a wait for a task token (an approval) ends the wait then:
   * on AWS the operator's StopExecution does not wait for the callback.
   */
  interruptOf(request: { token: string; state: string }): WaitInterrupt | undefined {
    const executionArn = request.token.split('#')[0];
    const sfn = this.sfn();
    const execution = sfn.executions.get(executionArn);
    const n = this.triggered.indexOf(executionArn) + 1;
    const i = this.pending.findIndex((s) => s.execution === n && s.atState === undefined && s.atSeconds !== undefined);
    if (!execution || i < 0) return undefined;
    const now = this.region.clock.elapsedSeconds();
    const stop = this.pending[i];
    return {
      afterSeconds: (stop.atSeconds ?? now) - now,
      stop: () => {
        this.pending.splice(this.pending.indexOf(stop), 1);
        sfn.actions.StopExecution({ executionArn, error: stop.error, cause: stop.cause });
      },
    };
  }
}

/**
 * When the drill's two firing loops (scenario triggers, scripted hooks) may fire: the second each fires at next
 * (Infinity when it has none left or waits for the drill to go idle). A loop fires at second N only once the other has
 * nothing earlier left (at a tie the trigger goes first) and every running execution has reached N: both then start
 * executions in the order of their modeled seconds.
 */
class FiringSchedule {
  readonly next = { trigger: Infinity, hook: Infinity };
  /** Who waits for an execution to progress: the triggers' loop and the hooks' loop, each at most once. */
  private readonly waiting = new Set<() => void>();

  constructor(private readonly startMs: number) {}

  /** An execution has progressed (a timeline entry): the loops look again. */
  progressed(): void {
    for (const resolve of [...this.waiting]) resolve();
  }

  setNext(loop: FiringLoop, seconds: number): void {
    this.next[loop] = seconds;
    this.progressed();
  }

  /**
   * Resolves once `loop` may fire at `seconds`: every execution still running has reached that second of modeled
   * time (or none runs), i.e. none can still act before it (its frontier, see ExecutionControl.frontierMs). Not the
   * time of its latest timeline entry: a call answering after its Task's TimeoutSeconds is logged at its late moment,
   * while the execution goes on from the deadline (a campaign found a trigger started that early).
   */
  async reach(seconds: number, loop: FiringLoop, sfn: StepFunctionsSimulator): Promise<void> {
    const reached = (e: ExecutionRecord): number => ((e.control.frontierMs?.() ?? this.startMs) - this.startMs) / 1000;
    for (;;) {
      const running = [...sfn.executions.values()].filter((e) => e.status === 'RUNNING');
      const otherFirst = loop === 'trigger' ? this.next.hook < seconds : this.next.trigger <= seconds;
      if (!otherFirst && running.every((e) => reached(e) >= seconds)) return;
      let waiter: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        waiter = resolve;
        this.waiting.add(resolve);
        void Promise.race(running.map((e) => e.done)).then(() => resolve());
      });
      this.waiting.delete(waiter!);
    }
  }
}

type FiringLoop = 'trigger' | 'hook';

/** What the firing loops of one drill share. */
interface DrillWorld {
  readonly scenario: Scenario;
  readonly region: SimulatedRegion;
  readonly sfn: StepFunctionsSimulator;
  readonly bus: EventBus;
  readonly schedule: FiringSchedule;
  /** The executions the triggers and hooks started, in starting order (the loops append). */
  readonly triggered: string[];
  /** The state machine a trigger without an event or alarm starts. */
  readonly machineArn: string;
  /** The drill's first moment (ms since the epoch, modeled): a trigger's `atSeconds` counts from it. */
  readonly startMs: number;
}

/** An error when a trigger changes an alarm the scenario's environment does not have. */
function checkTriggerAlarms(scenario: Scenario): void {
  const alarmNames = new Set((scenario.environment.cloudwatch?.alarms ?? []).map((a) => a.AlarmName));
  scenario.triggers.forEach((t, n) => {
    if (t.alarm && !alarmNames.has(t.alarm.name)) {
      throw new Error(
        `scenario "${scenario.name}": trigger ${n + 1} changes alarm "${t.alarm.name}", which environment.cloudwatch.alarms does not have`,
      );
    }
  });
}

/** Fires the scenario's triggers, each at its second (or once the drill is idle), `times` times each. */
async function runTriggers(w: DrillWorld): Promise<void> {
  const { scenario, region, sfn, bus, schedule, triggered, startMs } = w;
  const cloudwatch = region.service<CloudWatchSimulator>('cloudwatch');
  for (const [n, trigger] of scenario.triggers.entries()) {
    if (trigger.start === 'after-previous') {
      schedule.setNext('trigger', Infinity);
      await sfn.idle();
    }
    // One event (one id), delivered `times` times: at-least-once delivery.
    let eventId: string | undefined;
    const begin = (): string[] => {
      if (trigger.alarm) {
        const before = bus.deliveries.length;
        // An alarm a workflow has deleted meanwhile changes nothing (and emits nothing).
        cloudwatch.setAlarmState(trigger.alarm.name, trigger.alarm.state, trigger.alarm.reason);
        return bus.deliveries.slice(before).map((d) => d.executionArn);
      }
      if (!trigger.event) return [sfn.start(w.machineArn, JSON.stringify(trigger.input), trigger.name).executionArn];
      eventId ??= region.random.uuid();
      const event = eventEnvelope({ id: eventId, ...trigger.event }, region);
      const started = bus.put(event, 'scenario');
      if (started.length === 0) {
        throw new Error(
          `scenario "${scenario.name}": trigger ${n + 1}'s event (source "${String(event.source)}", detail-type ` +
            `"${String(event['detail-type'])}") matches no rule of the ${scenario.site} stack, so EventBridge would ` +
            `start nothing. Rules tried: ${bus.describeRules()}`,
        );
      }
      return started;
    };
    for (let k = 0; k < trigger.times; k++) {
      const seconds = k === 0 ? trigger.atSeconds : (trigger.atSeconds ?? 0) + k * trigger.duplicateAfterSeconds;
      if (seconds === undefined || (k > 0 && trigger.duplicateAfterSeconds === 0 && trigger.atSeconds === undefined)) {
        triggered.push(...begin());
      } else {
        // Started on a clock set to that second: the event's time, the execution's start and its own clock.
        schedule.setNext('trigger', seconds);
        await schedule.reach(seconds, 'trigger', sfn);
        const at = new VirtualClock(startMs + seconds * 1000, region.baseClock.originMs);
        triggered.push(...executionClock.run(at, begin));
      }
    }
  }
  schedule.setNext('trigger', Infinity);
}

/**
 * Fires the hooks the scripted workload changes run (a member becoming primary): each puts its event at its moment,
 * like a trigger at that second; the executions they start are numbered with the triggers', in starting order.
 */
async function runHooks(w: DrillWorld, hookFirings: readonly HookFiring[]): Promise<void> {
  const { region, sfn, bus, schedule, triggered, startMs } = w;
  for (const firing of hookFirings) {
    const seconds = (firing.atMs - startMs) / 1000;
    schedule.setNext('hook', seconds);
    await schedule.reach(seconds, 'hook', sfn);
    const at = new VirtualClock(firing.atMs, region.baseClock.originMs);
    triggered.push(...executionClock.run(at, () => bus.emit(hookEvent(firing, region), 'hook', firing.atMs)));
  }
  schedule.setNext('hook', Infinity);
}

/** The scenario's `expect`, checked against the triggered executions' results and the final environment. */
function checkExpectations(
  exp: Scenario['expect'],
  executions: readonly ExecutionResult[],
  environment: Record<string, unknown>,
): ExpectationResult[] {
  const expectations: ExpectationResult[] = [];
  if (!exp) return expectations;
  const perExecution = exp.executions ?? [{ status: exp.status, error: exp.error, endState: exp.endState }];
  perExecution.forEach((x, i) => {
    const r = executions[i];
    if (!r) {
      expectations.push({ description: `execution ${i + 1} exists`, ok: false });
      return;
    }
    if (x.status)
      expectations.push({
        description: `execution ${i + 1} is ${x.status}`,
        ok: r.status === x.status,
        detail: `was ${r.status}${r.error ? ` (${r.error}: ${r.cause})` : ''}`,
      });
    if (x.error)
      expectations.push({
        description: `execution ${i + 1} fails with ${x.error}`,
        ok: r.error === x.error,
        detail: `error was ${r.error ?? 'none'}`,
      });
    if (x.endState)
      expectations.push({
        description: `execution ${i + 1} ends in "${x.endState}"`,
        ok: endState(r) === x.endState,
        detail: `ended in "${endState(r)}"`,
      });
  });
  for (const p of exp.environment) expectations.push(checkPredicate(p, environment));
  if (exp.neverTwoWriters !== undefined && exp.neverTwoWriters !== false) {
    const rows = (environment.ec2 as { writers?: WriterRow[] } | undefined)?.writers;
    expectations.push(checkNeverTwoWriters(rows, exp.neverTwoWriters));
  }
  return expectations;
}

/** Runs a scenario: the synthesized workflow, in a simulated region built from the scenario, on modeled time. */
export async function drill(scenario: Scenario, options: DrillOptions): Promise<DrillResult> {
  const env = options.env ?? DEFAULT_ENV;
  const machineArn = workflowMachineArn(scenario, options.template, env);
  const region = new SimulatedRegion({
    regionName: env.region,
    accountId: env.account,
    seed: options.seed ?? scenario.seed,
    clock: new VirtualClock(),
    latency: scenario.latency,
    faults: scenario.faults,
  });
  const timeline: (TimelineEntry & { execution: number })[] = [];
  /** The execution of each timeline entry; numbered once the drill knows which executions the triggers started. */
  const timelineArns: string[] = [];
  const triggered: string[] = [];
  const startMs = region.baseClock.now();
  const schedule = new FiringSchedule(startMs);
  const stops = new OperatorStops(scenario.stops, triggered, region, () => sfn);
  const sfn = buildWorld(region, options.template, env, scenario.environment, {
    broker: new ScriptedApprovals(region, scenario.approvals, (request) => stops.interruptOf(request)),
    onTimeline: (execution, entry) => {
      timeline.push({ ...entry, execution: -1 });
      timelineArns.push(execution.executionArn);
      const seconds = (execution.startDate - startMs) / 1000 + entry.at;
      stops.stopIfDue(execution, entry, seconds);
      schedule.progressed();
    },
  });

  const bus = eventBusOf(sfn);
  checkTriggerAlarms(scenario);
  const world: DrillWorld = { scenario, region, sfn, bus, schedule, triggered, machineArn, startMs };
  const hookFirings = region.service<Ec2Simulator>('ec2').scriptedHookFirings();
  // Set before either loop runs: the triggers' loop checks the hooks' first second before the hooks' loop starts.
  schedule.next.hook = hookFirings.length > 0 ? (hookFirings[0].atMs - startMs) / 1000 : Infinity;
  await Promise.all([runTriggers(world), runHooks(world, hookFirings)]);
  await sfn.idle();
  // Entries are numbered by execution: the triggered ones (scenario triggers and hooks) in starting order, then the
  // others (child executions, executions started by status events or by hooks the workflows' changes ran).
  const numbers = new Map(triggered.map((arn, i) => [arn, i]));
  timeline.forEach((entry, i) => {
    const arn = timelineArns[i];
    if (!numbers.has(arn)) numbers.set(arn, numbers.size);
    entry.execution = numbers.get(arn)!;
  });
  const executions = triggered.map((arn) => sfn.executions.get(arn)?.result as ExecutionResult);

  const environment: Record<string, unknown> = { ...region.snapshot(), events: bus.snapshot() };
  const expectations = checkExpectations(scenario.expect, executions, environment);
  const ran = [...sfn.executions.values()].flatMap((e) => (e.result ? [e.result] : []));
  const first = executions[0];
  const result: DrillResult = {
    scenario: scenario.name,
    workflow: scenario.workflow,
    status: first.status,
    error: first.error,
    cause: first.cause,
    modeledSeconds: Math.round(region.baseClock.now() - startMs) / 1000,
    // Every execution the drill ran: the triggered ones and the children they started (states:startExecution).
    transitions: ran.reduce((n, r) => n + r.transitions, 0),
    lambdaInvocations: ran.reduce((n, r) => n + r.lambdaInvocations, 0),
    apiCalls: region.calls.length,
    calls: region.calls,
    timeline,
    executions,
    environment,
    expectations,
    ok: false,
  };
  // Campaign invariants the scenario names, over the whole history (a replayed campaign failure, or a regression).
  const exp = scenario.expect;
  for (const name of exp?.invariants ?? []) expectations.push(invariantExpectation(name, result, scenario));
  return { ...result, ok: exp ? expectations.every((x) => x.ok) : executions.every((r) => r.status === 'SUCCEEDED') };
}

/** One invariant of `expect.invariants` as an expectation: ok when it holds, else its first violation. */
function invariantExpectation(name: string, result: DrillResult, scenario: Scenario): ExpectationResult {
  const invariant = INVARIANTS.find((i) => i.name === name);
  if (!invariant) {
    throw new Error(
      `scenario "${scenario.name}": expect.invariants names "${name}", which is not an invariant ` +
        `(known: ${INVARIANTS.map((i) => i.name).join(', ')}; docs/campaigns.md)`,
    );
  }
  const violations = invariant.check(result, scenario);
  const [v] = violations;
  return {
    description: `invariant ${name} holds`,
    ok: violations.length === 0,
    detail: v
      ? `at ${v.atSeconds} s: ${v.detail}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''}`
      : undefined,
  };
}
