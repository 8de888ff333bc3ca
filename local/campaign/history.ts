/**
 * Typed readers of a drill's recorded history for the campaign invariants (invariants.ts): the final environment is
 * plain JSON (`Record<string, unknown>`), so each reader checks the shape it relies on and yields nothing for what
 * is absent, rather than trusting a cast. Times are converted to modeled seconds since the drill's start, the unit of
 * `Violation.atSeconds` and of `ApiCallRecord.at`.
 */
import type { DrillResult } from '../drill';
import type { ApiCallRecord } from '../region/region';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The list at `path` (dot-separated) of the final environment, keeping only objects. */
export function listAt(result: Pick<DrillResult, 'environment'>, path: string): Json[] {
  const value = path.split('.').reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), result.environment);
  return Array.isArray(value) ? value.filter(isObject) : [];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const tagsOf = (v: unknown): Record<string, string> =>
  isObject(v)
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};

export interface InstanceRow {
  readonly instanceId: string;
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly workload: Readonly<Json>;
  readonly launchTime?: string;
}

/** `ec2.instances` of the final environment. */
export function instancesOf(result: Pick<DrillResult, 'environment'>): InstanceRow[] {
  return listAt(result, 'ec2.instances').flatMap((i) => {
    const instanceId = str(i.instanceId);
    if (!instanceId) return [];
    return [
      {
        instanceId,
        state: str(i.state) ?? '',
        tags: tagsOf(i.tags),
        workload: isObject(i.workload) ? i.workload : {},
        launchTime: str(i.launchTime),
      },
    ];
  });
}

/** An interval of modeled time, in seconds since the drill started; `to` undefined = still open at the end. */
export interface Interval {
  readonly id: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly from: number;
  readonly to?: number;
}

/**
 * The epoch milliseconds of the drill's start: an execution's start date less its start in drill seconds (the Step
 * Functions snapshot records `startedAt` relative to the drill). Falls back to the first execution's start.
 */
export function drillStartMs(result: Pick<DrillResult, 'environment' | 'executions'>): number {
  const records = listAt(result, 'sfn.executions');
  for (const e of result.executions) {
    const record = records.find((r) => r.executionArn === e.executionArn);
    if (record && typeof record.startedAt === 'number') return Date.parse(e.startDate) - record.startedAt * 1000;
  }
  return result.executions.length > 0 ? Date.parse(result.executions[0].startDate) : 0;
}

/** Rows of `{ instanceId, tags?, from, to }` with ISO times (ec2.writers, ec2.frozen) as intervals in drill seconds. */
export function intervalsAt(result: Pick<DrillResult, 'environment' | 'executions'>, path: string): Interval[] {
  const start = drillStartMs(result);
  return listAt(result, path).flatMap((row) => {
    const id = str(row.instanceId);
    const from = str(row.from);
    if (!id || !from) return [];
    const to = str(row.to);
    return [
      {
        id,
        tags: tagsOf(row.tags),
        from: (Date.parse(from) - start) / 1000,
        ...(to ? { to: (Date.parse(to) - start) / 1000 } : {}),
      },
    ];
  });
}

export interface ExecutionSpan {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  /** The workflow of its state machine (template metadata), e.g. `snapshot-backup-instance`. */
  readonly workflow?: string;
  readonly status: string;
  /** The error and cause it ended with, if it failed. */
  readonly error?: string;
  readonly cause?: string;
  /** Drill seconds. */
  readonly startedAt: number;
  readonly stoppedAt?: number;
}

/** Every execution the drill's Step Functions service ran (triggered ones, children, rescues), with its workflow. */
export function executionSpans(result: Pick<DrillResult, 'environment'>): ExecutionSpan[] {
  const workflows = new Map(listAt(result, 'sfn.stateMachines').map((m) => [str(m.arn), str(m.workflow)]));
  return listAt(result, 'sfn.executions').flatMap((e) => {
    const executionArn = str(e.executionArn);
    const stateMachineArn = str(e.stateMachineArn) ?? '';
    if (!executionArn || typeof e.startedAt !== 'number') return [];
    return [
      {
        executionArn,
        name: str(e.name) ?? '',
        stateMachineArn,
        workflow: workflows.get(stateMachineArn),
        status: str(e.status) ?? '',
        ...(str(e.error) !== undefined ? { error: str(e.error) } : {}),
        ...(str(e.cause) !== undefined ? { cause: str(e.cause) } : {}),
        startedAt: e.startedAt,
        ...(typeof e.stoppedAt === 'number' ? { stoppedAt: e.stoppedAt } : {}),
      },
    ];
  });
}

/**
 * The drill second each timeline execution number started at: the timeline's `started <name>` entry names the
 * execution, and the Step Functions snapshot has its start (entries' `at` count from their execution's start).
 */
export function executionStarts(result: Pick<DrillResult, 'environment' | 'timeline'>): Map<number, number> {
  const spans = executionSpans(result);
  const out = new Map<number, number>();
  for (const t of result.timeline) {
    if (t.kind !== 'execution' || !t.detail.startsWith('started ') || out.has(t.execution)) continue;
    const name = t.detail.slice('started '.length);
    const span = spans.find((s) => s.name === name);
    if (span) out.set(t.execution, span.startedAt);
  }
  return out;
}

export interface Message {
  readonly at: number;
  readonly subject: string;
  readonly message: string;
}

/** `sns.messages`: what the operators were told, and when (drill seconds). */
export function messagesOf(result: Pick<DrillResult, 'environment'>): Message[] {
  return listAt(result, 'sns.messages').map((m) => ({
    at: typeof m.at === 'number' ? m.at : 0,
    subject: str(m.subject) ?? '',
    message: str(m.message) ?? '',
  }));
}

/** Whether a message names `id` (an instance, a snapshot, a group) in its subject or body. */
export const names = (m: Message, id: string): boolean => m.subject.includes(id) || m.message.includes(id);

/** A DynamoDB item's attributes as plain strings (S and N values), by attribute name. */
export type PlainItem = Readonly<Record<string, string>>;

/** Every item of every table of the final environment, as plain strings. */
export function itemsOf(result: Pick<DrillResult, 'environment'>): PlainItem[] {
  return listAt(result, 'dynamodb.tables').flatMap((t) =>
    (Array.isArray(t.items) ? t.items.filter(isObject) : []).map((item) =>
      Object.fromEntries(
        Object.entries(item).flatMap(([k, v]) => {
          if (!isObject(v)) return [];
          const value = str(v.S) ?? str(v.N);
          return value === undefined ? [] : [[k, value]];
        }),
      ),
    ),
  );
}

/** The calls of one service and action (`ec2`, `TerminateInstances`). */
export const callsOf = (result: Pick<DrillResult, 'calls'>, service: string, action: string): ApiCallRecord[] =>
  result.calls.filter((c) => c.service === service && c.action === action);

/** A string list member of a call's input (`InstanceIds`), empty when absent. */
export function inputList(call: ApiCallRecord, member: string): string[] {
  const v = isObject(call.input) ? call.input[member] : undefined;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A string member of a call's input. */
export const inputString = (call: ApiCallRecord, member: string): string | undefined =>
  isObject(call.input) ? str(call.input[member]) : undefined;

/** The tags a call's `TagSpecifications` gives the resources it creates (CreateSnapshots, CopySnapshot, RunInstances). */
export function requestTags(call: ApiCallRecord, resourceType: string): Record<string, string> {
  const specs = isObject(call.input) && Array.isArray(call.input.TagSpecifications) ? call.input.TagSpecifications : [];
  const out: Record<string, string> = {};
  for (const spec of specs.filter(isObject)) {
    if (spec.ResourceType !== resourceType || !Array.isArray(spec.Tags)) continue;
    for (const t of spec.Tags.filter(isObject)) if (typeof t.Key === 'string') out[t.Key] = str(t.Value) ?? '';
  }
  return out;
}

/** The `Targets[].Id` of an ELBv2 Register/DeregisterTargets call. */
export function targetIds(call: ApiCallRecord): string[] {
  const targets = isObject(call.input) && Array.isArray(call.input.Targets) ? call.input.Targets : [];
  return targets.filter(isObject).flatMap((t) => (typeof t.Id === 'string' ? [t.Id] : []));
}
