/**
 * The safety invariants of a fault campaign (issue #14). Each is a pure function over a drill's whole recorded
 * history — the API calls the region answered, the executions' timeline and the final environment's histories
 * (`ec2.writers`, `ec2.frozen`, instances' launch times, target registrations) — so a property that held at the end
 * but broke on the way (two writers for ten seconds, a freeze thawed an hour late) is still found. They restate the
 * safety principles of DESIGN.md as checks; a violation names the moment (drill seconds) and the resource.
 */
import type { DrillResult } from '../drill';
import type { ScenarioInput } from '../scenario/schema';
import { findTwoWriters, type WriterRow } from '../region/writers';
import { LOCK_ATTRIBUTES } from '../../workflows/fragments/lock';
import { BACKUP_TAGS, CREATED_BY_VALUE, RECOVERY_GROUP_TAG, REPLACES_TAG } from '../../contracts/tags';
import { Aws, Errors, TaskErrorNames } from '../../contracts/errors';
import { BackupState } from '../../workflows/snapshot-backup/instance-definition';
import { CAMPAIGN_WORKFLOWS, type CampaignWorkflow, type Invariant, type Violation } from './types';
import {
  callsOf,
  drillStartMs,
  executionSpans,
  type ExecutionSpan,
  executionStarts,
  inputList,
  inputString,
  instancesOf,
  type Interval,
  intervalsAt,
  itemsOf,
  listAt,
  type Message,
  messagesOf,
  names,
  requestTags,
  targetIds,
} from './history';

const ALL: readonly CampaignWorkflow[] = CAMPAIGN_WORKFLOWS;

const violation = (invariant: string, atSeconds: number, detail: string): Violation => ({
  invariant,
  atSeconds: Math.round(atSeconds * 1000) / 1000,
  detail,
});

/** The drill's last modeled second: the latest execution end (or the drill's own length). */
const drillEnd = (result: DrillResult): number =>
  Math.max(result.modeledSeconds, ...executionSpans(result).map((e) => e.stoppedAt ?? 0));

const DEAD = new Set(['terminated', 'shutting-down']);

/** Instances whose workload has a mirror role: the members of the drill's mirror set (one set per scenario). */
const mirrorMembers = (result: DrillResult): Set<string> =>
  new Set(
    instancesOf(result)
      .filter((i) => 'mirrorRole' in i.workload)
      .map((i) => i.instanceId),
  );

// ------------------------------------------------------------------------------------------------ never-two-writers

/** Whether a drill's request explicitly accepts an unconfirmed fence (dr-promotion `allowUnfenced: true`). */
const allowsUnfenced = (scenario: ScenarioInput): boolean =>
  (scenario.triggers ?? []).some((t) => (t.input as { allowUnfenced?: unknown } | undefined)?.allowUnfenced === true);

/**
 * The overlaps of writing intervals within `rows`, one per pair of instances (findTwoWriters on the pair), leaving
 * out a pair that both write from the drill's first moment: that is the scenario's premise (a split brain the drill
 * starts in), not something a workflow did.
 */
function overlaps(rows: readonly WriterRow[], startMs: number): NonNullable<ReturnType<typeof findTwoWriters>>[] {
  const ids = [...new Set(rows.map((r) => r.instanceId))];
  const out: NonNullable<ReturnType<typeof findTwoWriters>>[] = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const pair = rows.filter((r) => r.instanceId === ids[i] || r.instanceId === ids[j]);
      const atStart = (id: string) => pair.some((r) => r.instanceId === id && Date.parse(r.from) <= startMs);
      const found = findTwoWriters(pair, true);
      if (!found) continue;
      if (atStart(ids[i]) && atStart(ids[j]) && Date.parse(found.from) <= startMs) continue;
      out.push(found);
    }
  }
  return out;
}

/**
 * never-two-writers: at no moment do two instances of one recovery group (same `ha-workflows:recovery-group` tag
 * value), or two members of the mirror set (instances with a workload `mirrorRole`), both write. "Writes" is the
 * simulator's writers timeline (local/region/writers.ts): a member while it is primary and alive, any other workload
 * from boot while a security group admits clients, and in both cases until it is stopped or terminated — a
 * deny-all group swap alone never ends it (connection tracking). Two exceptions, both outside a workflow's doing:
 * a pair already writing together when the drill starts (a split brain is the scenario's premise), and a
 * dr-promotion whose request sets `allowUnfenced` (the operator explicitly accepted an unconfirmed fence; the
 * workflow records it).
 */
const neverTwoWriters: Invariant = {
  name: 'never-two-writers',
  description: 'no two instances of a recovery group or members of a mirror set write at the same moment',
  workflows: ALL,
  check(result, scenario) {
    const rows = listAt(result, 'ec2.writers') as unknown as WriterRow[];
    const start = drillStartMs(result);
    const members = mirrorMembers(result);
    const groups = new Map<string, WriterRow[]>();
    for (const row of rows) {
      const group = row.tags[RECOVERY_GROUP_TAG];
      if (group !== undefined)
        groups.set(`recovery group ${group}`, [...(groups.get(`recovery group ${group}`) ?? []), row]);
    }
    if (!(scenario.workflow === 'dr-promotion' && allowsUnfenced(scenario))) {
      groups.set(
        'mirror set',
        rows.filter((r) => members.has(r.instanceId)),
      );
    }
    return [...groups].flatMap(([group, list]) =>
      overlaps(list, start).map((f) =>
        violation(
          'never-two-writers',
          (Date.parse(f.from) - start) / 1000,
          `${f.a} and ${f.b} (${group}) both write from ${f.from} to ${f.to ?? 'the end of the drill'}`,
        ),
      ),
    );
  },
};

// ------------------------------------------------------------------------------------------------ never-left-frozen

/** Fallback freeze budget when no backup's settings are found: 10 minutes. */
const DEFAULT_FREEZE_BUDGET_SECONDS = 600;
/** Thaw attempts after a failed thaw (snapshot-backup-instance: "sent again, up to 5 times, 5 s apart"). */
const THAW_ATTEMPTS = 6;

/** A JSON text's value, or undefined when it is not JSON (a StartExecution input is a string). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The freeze budget of an instance: the longest a correct backup may keep it frozen, from the settings the run
 * handed its child (`StartExecution` input): the freeze confirmation (`freezePolls` 1-s reads), then every thaw
 * attempt read to its end (`thawPolls` 1-s reads each, 5 s apart). Beyond it, a correct backup has given up and
 * said so (CRITICAL).
 */
function freezeBudgetSeconds(result: DrillResult, instanceId: string): number {
  const budgets = callsOf(result, 'sfn', 'StartExecution').flatMap((c) => {
    const input = (c.input as { Input?: unknown }).Input;
    const parsed = typeof input === 'string' ? parseJson(input) : input;
    const p = parsed as { instanceId?: unknown; settings?: { freezePolls?: unknown; thawPolls?: unknown } } | null;
    if (p?.instanceId !== instanceId || typeof p.settings?.freezePolls !== 'number') return [];
    const thawPolls = typeof p.settings.thawPolls === 'number' ? p.settings.thawPolls : 60;
    return [p.settings.freezePolls + THAW_ATTEMPTS * (thawPolls + 5)];
  });
  return budgets.length > 0 ? Math.max(...budgets) : DEFAULT_FREEZE_BUDGET_SECONDS;
}

/** The instance is impaired (its AZ dark, its host failed) or not running when the drill ends: nothing reaches it. */
function unreachableAtEnd(result: DrillResult, instanceId: string): boolean {
  const row = listAt(result, 'ec2.instances').find((i) => i.instanceId === instanceId);
  return row !== undefined && (row.impaired === true || row.state !== 'running');
}

/**
 * never-left-frozen: every freeze (a workload `frozen: true` interval, `ec2.frozen`) ends in a thaw within the
 * freeze budget (freezeBudgetSeconds), or the run reported it — an SNS message naming CRITICAL or the instance, sent
 * by the end of the budget — and a thaw still came later (the rescue); and nothing is frozen when the drill ends,
 * unless the instance is unreachable then (impaired or not running) and the run reported it within the budget.
 */
const neverLeftFrozen: Invariant = {
  name: 'never-left-frozen',
  description: 'every freeze is thawed within its budget (or reported CRITICAL and thawed later); none at the end',
  workflows: ['snapshot-backup'],
  check(result) {
    const messages = messagesOf(result);
    const reportedWithin = (id: string, from: number, budget: number) =>
      messages.some((m) => m.at <= from + budget && (names(m, id) || /CRITICAL/.test(m.subject)));
    return intervalsAt(result, 'ec2.frozen').flatMap((f): Violation[] => {
      // An instance nobody can reach (its AZ went dark: SSM cannot deliver the thaw) cannot be thawed by any workflow;
      // what is owed then is the report, in time (found by the campaign: az-dark during a freeze).
      if (
        f.to === undefined &&
        unreachableAtEnd(result, f.id) &&
        reportedWithin(f.id, f.from, freezeBudgetSeconds(result, f.id))
      ) {
        return [];
      }
      if (f.to === undefined) {
        return [
          violation(
            'never-left-frozen',
            drillEnd(result),
            `${f.id} is still frozen at the end (frozen since ${f.from} s)`,
          ),
        ];
      }
      const budget = freezeBudgetSeconds(result, f.id);
      if (f.to - f.from <= budget) return [];
      return reportedWithin(f.id, f.from, budget)
        ? []
        : [
            violation(
              'never-left-frozen',
              f.from + budget,
              `${f.id} stayed frozen ${Math.round(f.to - f.from)} s (budget ${budget} s) and nobody was told`,
            ),
          ];
    });
  },
};

// ------------------------------------------------------------------------------------------------ nothing-orphaned

/**
 * nothing-orphaned: what a run created is accounted for at the end.
 * - An instance it launched (in the final environment, not in the scenario's) is terminated, or in use (a target of
 *   a target group), or recorded for an operator (a state-table item or an SNS message names it).
 * - A snapshot it created is tagged as the project's (a backup set, found by its tags), or named for an operator, or
 *   deleted.
 * - No lock outlives its execution: a state-table item still carrying an `owner` (LOCK_ATTRIBUTES.owner) whose
 *   execution has ended is a leak (a duplicate trigger would be refused until the lease expires, and nothing says so),
 *   except a backup lock left `FROZEN` after a failed thaw with a CRITICAL notification (kept on purpose, see
 *   docs/workflows/snapshot-backup.md, "thaw fails 5 times").
 */
const nothingOrphaned: Invariant = {
  name: 'nothing-orphaned',
  description: 'every instance, snapshot and lock a run created is in use, recorded for an operator, or deleted',
  workflows: ALL,
  check(result, scenario) {
    const end = drillEnd(result);
    const items = itemsOf(result);
    const messages = messagesOf(result);
    const recorded = (id: string) =>
      items.some((item) => Object.values(item).some((v) => v.includes(id))) || messages.some((m) => names(m, id));
    const targets = new Set(
      listAt(result, 'elasticloadbalancingv2.targetGroups').flatMap((g) =>
        Array.isArray(g.targets) ? g.targets.map((t) => (t as { id?: unknown }).id) : [],
      ),
    );
    const initial = scenario.environment?.ec2;
    const before = new Set([
      ...(initial?.instances ?? []).map((i) => i.instanceId),
      ...(initial?.snapshots ?? []).map((s) => s.snapshotId),
    ]);
    const out: Violation[] = [];
    for (const i of instancesOf(result)) {
      if (before.has(i.instanceId) || DEAD.has(i.state) || targets.has(i.instanceId) || recorded(i.instanceId))
        continue;
      out.push(
        violation(
          'nothing-orphaned',
          end,
          `instance ${i.instanceId} (${i.state}) was launched and is not accounted for`,
        ),
      );
    }
    for (const s of listAt(result, 'ec2.snapshots')) {
      const id = String(s.snapshotId);
      const tags = (s.tags ?? {}) as Record<string, unknown>;
      if (before.has(id) || tags[BACKUP_TAGS.createdBy] === CREATED_BY_VALUE || recorded(id)) continue;
      out.push(violation('nothing-orphaned', end, `snapshot ${id} was created and is not accounted for`));
    }
    const spans = executionSpans(result);
    for (const item of items) {
      const owner = item[LOCK_ATTRIBUTES.owner];
      if (owner === undefined) continue;
      const span = spans.find((e) => e.executionArn === owner);
      if (span && span.stoppedAt === undefined) continue;
      // A backup whose thaw failed keeps its lock FROZEN on purpose (no other backup may freeze a database that may
      // still be frozen; the rescue and the operator need it): recorded for an operator, if CRITICAL was said.
      if (item[LOCK_ATTRIBUTES.state] === BackupState.FROZEN && messages.some((m) => /CRITICAL/.test(m.subject)))
        continue;
      out.push(
        violation(
          'nothing-orphaned',
          span?.stoppedAt ?? end,
          `lock ${Object.values(item)[0] ?? '?'} is still held by ${owner.split(':').pop()}, which has ended`,
        ),
      );
    }
    return out;
  },
};

// ------------------------------------------------------------------------------------------------ only-own-deleted

/** The tags of every snapshot the drill knew: the scenario's, those created by calls, those left at the end. */
function snapshotTags(result: DrillResult, scenario: ScenarioInput): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const s of scenario.environment?.ec2?.snapshots ?? []) out.set(s.snapshotId, { ...(s.tags ?? {}) });
  for (const s of listAt(result, 'ec2.snapshots')) {
    out.set(String(s.snapshotId), { ...((s.tags ?? {}) as Record<string, string>) });
  }
  return out;
}

/**
 * only-own-deleted: the workflows destroy only what the project made for a configured group. Every `DeleteSnapshot`
 * call names a snapshot tagged `ha-workflows:created-by` = `ha-workflows` (its tags from the scenario, the
 * environment, or the `TagSpecifications` of the call that created it); every `TerminateInstances` call names only
 * instances carrying the recovery-group tag. The call is the violation, whether or not IAM would have refused it.
 */
const onlyOwnDeleted: Invariant = {
  name: 'only-own-deleted',
  description: 'DeleteSnapshot only of snapshots created by the project, TerminateInstances only of recovery groups',
  workflows: ALL,
  check(result, scenario) {
    const tags = snapshotTags(result, scenario);
    const instances = new Map(instancesOf(result).map((i) => [i.instanceId, i.tags]));
    for (const i of scenario.environment?.ec2?.instances ?? []) {
      if (!instances.has(i.instanceId)) instances.set(i.instanceId, { ...(i.tags ?? {}) });
    }
    const created = [...callsOf(result, 'ec2', 'CreateSnapshots'), ...callsOf(result, 'ec2', 'CopySnapshot')];
    const out: Violation[] = [];
    for (const call of callsOf(result, 'ec2', 'DeleteSnapshot')) {
      const id = inputString(call, 'SnapshotId') ?? '';
      const own =
        tags.get(id)?.[BACKUP_TAGS.createdBy] === CREATED_BY_VALUE ||
        (!tags.has(id) && created.some((c) => requestTags(c, 'snapshot')[BACKUP_TAGS.createdBy] === CREATED_BY_VALUE));
      if (!own)
        out.push(violation('only-own-deleted', call.at, `DeleteSnapshot of ${id}, which the project did not create`));
    }
    for (const call of callsOf(result, 'ec2', 'TerminateInstances')) {
      for (const id of inputList(call, 'InstanceIds')) {
        if (instances.get(id)?.[RECOVERY_GROUP_TAG] !== undefined) continue;
        out.push(violation('only-own-deleted', call.at, `TerminateInstances of ${id}, which is in no recovery group`));
      }
    }
    return out;
  },
};

// ------------------------------------------------------------------------------------------------ one-replacement

/**
 * The lifetime of each instance in drill seconds: from its launch (a launch before the drill counts from 0) to the
 * first TerminateInstances call naming it (or the end, when it is still alive).
 */
function lifetimes(result: DrillResult): Interval[] {
  const start = drillStartMs(result);
  const terminated = (id: string) =>
    callsOf(result, 'ec2', 'TerminateInstances').find((c) => !c.error && inputList(c, 'InstanceIds').includes(id))?.at;
  return instancesOf(result).map((i) => {
    const to = terminated(i.instanceId) ?? (DEAD.has(i.state) ? drillEnd(result) : undefined);
    return {
      id: i.instanceId,
      tags: i.tags,
      from: Math.max(0, i.launchTime ? (Date.parse(i.launchTime) - start) / 1000 : 0),
      ...(to !== undefined ? { to } : {}),
    };
  });
}

/**
 * one-replacement-per-failure: at no moment are two replacements of the same failed instance alive (instances tagged
 * `ha-workflows:replaces` = the failed instance id, from launch to their TerminateInstances). A duplicate alarm, a
 * retried RunInstances without its ClientToken or a second execution must not launch a second one.
 */
const oneReplacementPerFailure: Invariant = {
  name: 'one-replacement-per-failure',
  description: 'at most one live replacement (tag ha-workflows:replaces) per failed instance at any moment',
  workflows: ['instance-recovery'],
  check(result) {
    const byFailed = new Map<string, Interval[]>();
    for (const life of lifetimes(result)) {
      const failed = life.tags[REPLACES_TAG];
      if (failed !== undefined) byFailed.set(failed, [...(byFailed.get(failed) ?? []), life]);
    }
    const out: Violation[] = [];
    for (const [failed, lives] of byFailed) {
      const sorted = [...lives].sort((a, b) => a.from - b.from);
      for (let i = 1; i < sorted.length; i++) {
        const alive = sorted.slice(0, i).filter((p) => p.to === undefined || p.to > sorted[i].from);
        if (alive.length === 0) continue;
        out.push(
          violation(
            'one-replacement-per-failure',
            sorted[i].from,
            `${sorted[i].id} replaces ${failed} while ${alive.map((p) => p.id).join(', ')} still does`,
          ),
        );
      }
    }
    return out;
  },
};

// ------------------------------------------------------------------------------------------------ lb-routes-only-primary

/**
 * The switch window: how long a mirror set's target group may keep a non-primary member registered while another
 * member is primary, before that is a violation. It covers the workflow's own reaction — the become-primary event's
 * delivery, the status-page probes, RegisterTargets of the new primary and DeregisterTargets of the old one — with
 * room for throttling retries: 300 s, the ELBv2 default health-check budget (unhealthy threshold × interval at the
 * defaults, 2 × 30 s, plus NLB registration and the workflow's wait for the new primary to turn healthy).
 * Regardless of it, the registration must be gone once every execution has ended.
 */
export const SWITCH_WINDOW_SECONDS = 300;

/** Registration intervals per target group and instance: the scenario's targets from 0, then the calls. */
function registrations(result: DrillResult, scenario: ScenarioInput): Map<string, Interval[]> {
  const out = new Map<string, Interval[]>();
  const open = (group: string, id: string, at: number) => {
    const list = out.get(group) ?? [];
    if (!list.some((r) => r.id === id && r.to === undefined)) list.push({ id, tags: {}, from: at });
    out.set(group, list);
  };
  const close = (group: string, id: string, at: number) => {
    const list = out.get(group) ?? [];
    out.set(
      group,
      list.map((r) => (r.id === id && r.to === undefined ? { ...r, to: at } : r)),
    );
  };
  for (const g of scenario.environment?.elasticloadbalancingv2?.targetGroups ?? []) {
    for (const t of g.targets ?? []) open(g.targetGroupArn, t.id, 0);
  }
  const calls = result.calls.filter(
    (c) => c.service === 'elasticloadbalancingv2' && !c.error && /^(Register|Deregister)Targets$/.test(c.action),
  );
  for (const c of calls) {
    const group = inputString(c, 'TargetGroupArn') ?? '';
    for (const id of targetIds(c)) (c.action === 'RegisterTargets' ? open : close)(group, id, c.at);
  }
  return out;
}

/** The moments (drill seconds) in [from, to) when some member other than `id` writes (is the live primary). */
function otherPrimaryStretches(writers: Interval[], id: string, from: number, to: number): Interval[] {
  return writers
    .filter((w) => w.id !== id && w.from < to && (w.to ?? Infinity) > from)
    .map((w) => ({ id: w.id, tags: {}, from: Math.max(w.from, from), to: Math.min(w.to ?? Infinity, to) }));
}

/**
 * lb-routes-only-primary: a mirror set's target group never sends traffic to a member that is not the primary while
 * a primary exists. Routing is judged by registration, not health: a registered target can get traffic whenever the
 * group fails open (every target unhealthy), so the workflow's duty is that only the primary stays registered. A
 * member counts as primary while it writes (`ec2.writers`: primary role and alive). A violation is a stretch during
 * which a registered member is not primary while another member is, lasting longer than SWITCH_WINDOW_SECONDS from
 * when the workflow could know (toldAt: a run under way, else the next run's start — a late become-primary hook is
 * the database's delay, not the workflow's) or still open when the drill ends (every execution finished). Not a
 * violation: a stretch no run was told of (the drill does not model the no-healthy-host alarm), or one a run failed
 * closed on because it could not see the primary, and escalated (escalatedUnseen), or one it could not end because
 * the load balancer kept refusing the deregistration, and escalated (escalatedRefused). A run an operator stopped,
 * reported afterwards, does not count as told (stoppedAndReported). Only target groups the drill's workflows called
 * ELBv2 about are judged: a target group no workflow manages (a mirror set that is not configured) is not theirs.
 */
const lbRoutesOnlyPrimary: Invariant = {
  name: 'lb-routes-only-primary',
  description: 'a mirror target group routes to a non-primary member only within the switch window, never at the end',
  workflows: ['mirror-failover', 'dr-promotion'],
  check(result, scenario) {
    const members = mirrorMembers(result);
    const writers = intervalsAt(result, 'ec2.writers').filter((w) => members.has(w.id));
    const end = drillEnd(result);
    const out: Violation[] = [];
    const managed = new Set(
      result.calls.filter((c) => c.service === 'elasticloadbalancingv2').map((c) => inputString(c, 'TargetGroupArn')),
    );
    const runs = executionSpans(result).filter((e) => e.workflow === scenario.workflow);
    // The moments a status page was read (a probe's GETs).
    const probes = result.calls.filter((c) => c.service === 'http').map((c) => c.at);
    const messages = messagesOf(result);
    for (const [group, regs] of registrations(result, scenario)) {
      if (!managed.has(group)) continue;
      for (const r of regs.filter((x) => members.has(x.id))) {
        const mine = writers.filter((w) => w.id === r.id);
        for (const s of otherPrimaryStretches(writers, r.id, r.from, r.to ?? end)) {
          // Within the stretch, the moments the member itself is not primary.
          const notPrimary = complement(mine, s.from, s.to ?? end);
          for (const gap of notPrimary) {
            // An operator's stop (reported) hands the stretch to a person: what the runs before it did no longer
            // counts, the window starts again with the next run.
            const stops = runs
              .filter((e) => stoppedAndReported(e, messages))
              .map((e) => e.stoppedAt ?? 0)
              .filter((t) => t >= gap.from && t < (gap.to ?? end));
            const told = toldAt(
              runs.filter((e) => !stoppedAndReported(e, messages)),
              probes,
              Math.max(gap.from, ...stops),
            );
            // Never told (no run then, none after): the drill does not model the no-healthy-host alarm.
            if (told === undefined) continue;
            if (escalatedUnseen(runs, messages, s.id, gap.from, gap.to ?? end)) continue;
            if (escalatedRefused(runs, messages, result.calls, r.id, gap.from, gap.to ?? end)) continue;
            const length = (gap.to ?? end) - gap.from;
            const late = (gap.to ?? end) - told;
            const open = r.to === undefined && (gap.to ?? end) >= end;
            if (late <= SWITCH_WINDOW_SECONDS && !open) continue;
            out.push(
              violation(
                'lb-routes-only-primary',
                open && late <= SWITCH_WINDOW_SECONDS ? end : told + SWITCH_WINDOW_SECONDS,
                `${group.split('/').slice(-2, -1)[0] ?? group} routes to ${r.id}, not primary while ${s.id} is, ` +
                  `from ${gap.from} s${open ? ' to the end' : ` for ${Math.round(length)} s`}`,
              ),
            );
          }
        }
      }
    }
    return out;
  },
};

/**
 * When the workflow could first act on a stretch that starts at `from`: then, if one of its runs was under way and
 * probed the members again before it ended (it re-probes before it releases), else when its next run started (the
 * become-primary event's delivery, however late the hook put it); undefined if neither. A run whose last probe came
 * just before the change cannot see it: the change's own event (the hand-off) is what tells the workflow.
 */
function toldAt(runs: readonly ExecutionSpan[], probes: readonly number[], from: number): number | undefined {
  const probesAgain = (e: ExecutionSpan) => probes.some((t) => t >= from && t <= (e.stoppedAt ?? Infinity));
  if (runs.some((e) => e.startedAt <= from && (e.stoppedAt ?? Infinity) > from && probesAgain(e))) return from;
  const later = runs.filter((e) => e.startedAt > from).map((e) => e.startedAt);
  return later.length > 0 ? Math.min(...later) : undefined;
}

/**
 * Whether a run that overlapped [from, to) failed closed because it could not see `primary` — NoPrimary, its last
 * probe naming `primary` UNREACHABLE (a status page slower than the probe's timeout, a dark zone) or UNEXPECTED (a
 * page answering garbage) — and told the
 * operators: DESIGN.md's "fail closed: never zero or two" leaves the targets as they were, and a person decides.
 */
function escalatedUnseen(
  runs: readonly ExecutionSpan[],
  messages: readonly Message[],
  primary: string,
  from: number,
  to: number,
): boolean {
  return runs.some(
    (e) =>
      e.status === 'FAILED' &&
      e.error === Errors.NO_PRIMARY &&
      e.startedAt < to &&
      (e.stoppedAt ?? Infinity) > from &&
      new RegExp(`${primary} (UNREACHABLE|UNEXPECTED)`).test(e.cause ?? '') &&
      messages.some((m) => m.at >= e.startedAt && m.at <= (e.stoppedAt ?? Infinity) + ESCALATION_GRACE_SECONDS),
  );
}

/** How a run names ELBv2 refusing it: the SDK integration's generic name, and the Lambda tasks' SDK v3 names. */
const ELB_REFUSALS: readonly string[] = [Aws.ELB_UNMODELED, 'Throttling', 'InternalFailure', 'ServiceUnavailable'];

/**
 * Whether a run that overlapped [from, to) failed because ELBv2 kept refusing it (reading or changing the targets),
 * or tried to deregister `member`, had its last attempt refused by the load
 * balancer itself (throttling or a server error outlasting the retries), failed and told the operators: the
 * workflow did what it could; nothing else can move a target while ELBv2 refuses to.
 */
function escalatedRefused(
  runs: readonly ExecutionSpan[],
  messages: readonly Message[],
  calls: DrillResult['calls'],
  member: string,
  from: number,
  to: number,
): boolean {
  return runs.some((e) => {
    if (e.status !== 'FAILED' || e.startedAt >= to || (e.stoppedAt ?? Infinity) <= from) return false;
    const stop = e.stoppedAt ?? Infinity;
    const notified = messages.some((m) => m.at >= e.startedAt && m.at <= stop + ESCALATION_GRACE_SECONDS);
    // The run failed on ELBv2's own refusal (throttling or a server error past every retry, as its SDK task or its
    // Lambda task names it), reading or changing the targets.
    if (notified && ELB_REFUSALS.includes(e.error ?? '')) return true;
    const last = calls
      .filter(
        (c) =>
          c.service === 'elasticloadbalancingv2' &&
          c.action === 'DeregisterTargets' &&
          c.at >= e.startedAt &&
          c.at <= stop &&
          targetIds(c).includes(member),
      )
      .at(-1);
    return (
      last?.error !== undefined && messages.some((m) => m.at >= e.startedAt && m.at <= stop + ESCALATION_GRACE_SECONDS)
    );
  });
}

/**
 * Whether an operator stopped the run (ABORTED) and the operators were told afterwards (the lock janitor's
 * notification): a person ended the switch halfway and owns what it left, so the run does not count as told.
 */
function stoppedAndReported(e: ExecutionSpan, messages: readonly Message[]): boolean {
  const stop = e.stoppedAt;
  return (
    e.status === 'ABORTED' &&
    stop !== undefined &&
    messages.some((m) => m.at >= stop && m.at <= stop + ESCALATION_GRACE_SECONDS)
  );
}

/** The parts of [from, to) not covered by `covered`. */
function complement(covered: Interval[], from: number, to: number): Interval[] {
  const out: Interval[] = [];
  let cursor = from;
  for (const c of [...covered].sort((a, b) => a.from - b.from)) {
    if ((c.to ?? Infinity) <= cursor || c.from >= to) continue;
    if (c.from > cursor) out.push({ id: '', tags: {}, from: cursor, to: c.from });
    cursor = Math.max(cursor, c.to ?? Infinity);
  }
  if (cursor < to) out.push({ id: '', tags: {}, from: cursor, to });
  return out;
}

// ------------------------------------------------------------------------------------------------ ends-recovered-or-escalated

/**
 * How long after an execution's end its escalation may still come: the rescue started by its status-change event
 * (snapshot-backup-rescue, dr-promotion-release) notifies within its own run; 4 hours bounds the rescue's worst-case
 * thaw (about 3.3 hours, docs/workflows/snapshot-backup.md).
 */
const ESCALATION_GRACE_SECONDS = 4 * 3600;

/** State-table record values that tell an operator a run needs them (the workflows' documented failure records). */
const FAILURE_RECORDS = /NEEDS_ATTENTION|FAILED|THAWED_BY_RESCUE/;

/**
 * Requests refused before anything changed (a malformed input, an unknown mirror set, group or policy): the error
 * goes back to whoever started the execution (`ha-workflows start` prints it; an event's source is misconfigured),
 * and no resource is in a state an operator must look at, so no escalation is owed.
 */
const REFUSED_REQUESTS: readonly string[] = [
  Errors.INVALID_INPUT,
  Errors.UNKNOWN_MIRROR_SET,
  TaskErrorNames.UnknownBackupPolicy,
];

/** A write refused by its own condition (the run no longer held what it recorded on): no excuse for a missing record. */
const REFUSED_BY_CONDITION = /ConditionalCheckFailed/;

/** Workflows whose documented failure record is a state-table item, beside the notification. */
const RECORDS_FAILURE: readonly string[] = ['instance-recovery', 'mirror-failover'];

/**
 * ends-recovered-or-escalated: every triggered execution ends SUCCEEDED, or (FAILED, TIMED_OUT, ABORTED) escalated:
 * an SNS notification sent after it started and at most ESCALATION_GRACE_SECONDS after it ended, and for
 * instance-recovery and mirror-failover also the group's / set's state-table record (NEEDS_ATTENTION or FAILED),
 * written in that window (a later run that recovered may replace it) or standing at the end; when the record's last
 * write attempt failed on DynamoDB's side (a server error or throttling outlasting the retries), the notification
 * alone escalates (a refused condition is no excuse); when SNS kept failing the run's last Publish, the record alone
 * escalates (then required for every workflow). The engine ends an execution at its state machine's TimeoutSeconds (TIMED_OUT), so "within its budget" is the
 * status itself; a TIMED_OUT run must be escalated like a failed one. A refused request (REFUSED_REQUESTS) owes none.
 */
const endsRecoveredOrEscalated: Invariant = {
  name: 'ends-recovered-or-escalated',
  description: 'every execution succeeds, or fails escalated: an SNS notification (and the NEEDS_ATTENTION record)',
  workflows: ALL,
  check(result, scenario) {
    const spans = executionSpans(result);
    const messages = messagesOf(result);
    const items = itemsOf(result);
    const out: Violation[] = [];
    for (const e of result.executions) {
      if (!e || e.status === 'SUCCEEDED' || (e.error !== undefined && REFUSED_REQUESTS.includes(e.error))) continue;
      const span = spans.find((s) => s.executionArn === e.executionArn);
      const from = span?.startedAt ?? 0;
      const to = span?.stoppedAt ?? drillEnd(result);
      const sent = messages.some((m) => m.at >= from && m.at <= to + ESCALATION_GRACE_SECONDS);
      // SNS itself kept failing the run's last Publish (a server error or throttling past the retries): the state-table
      // record then carries the escalation alone (required below for every workflow in that case).
      const lastPublish = result.calls
        .filter(
          (c) => c.service === 'sns' && c.action === 'Publish' && c.at >= from && c.at <= to + ESCALATION_GRACE_SECONDS,
        )
        .at(-1);
      const snsDown = !sent && lastPublish?.error !== undefined;
      const told = sent || snsDown;
      const needsRecord = RECORDS_FAILURE.includes(scenario.workflow);
      // The record as written at the time (a successful DynamoDB write of a failure state during or just after the
      // run), or as it stands at the end: a later run that recovered may rightly have replaced it.
      const recordWrites = result.calls.filter(
        (c) =>
          c.service === 'dynamodb' &&
          c.at >= from &&
          c.at <= to + ESCALATION_GRACE_SECONDS &&
          FAILURE_RECORDS.test(JSON.stringify(c.input)),
      );
      // The record as written at the time, or as it stands at the end, or — when the table itself kept failing (a
      // DynamoDB server error or throttling on the record's last attempt, after its retries) — the notification alone:
      // no workflow can write a record to a table that refuses every write, and the message says it needs attention.
      const last = recordWrites.at(-1);
      const recorded =
        recordWrites.some((c) => c.error === undefined) ||
        (last?.error !== undefined && !REFUSED_BY_CONDITION.test(last.error)) ||
        items.some((item) => Object.values(item).some((v) => FAILURE_RECORDS.test(v)));
      if (told && (recorded || (!needsRecord && !snsDown))) continue;
      const missing = [
        told ? '' : 'no notification',
        recorded || (!needsRecord && !snsDown) ? '' : 'no NEEDS_ATTENTION record',
      ];
      out.push(
        violation(
          'ends-recovered-or-escalated',
          to,
          `execution ${e.name} ended ${e.status} (${e.error ?? 'no error'}) with ${missing.filter(Boolean).join(' and ')}`,
        ),
      );
    }
    return out;
  },
};

// ------------------------------------------------------------------------------------------------ approval-before-action

/** The calls that change the world in a DR promotion: fencing, promotion, traffic. */
const PROMOTION_ACTIONS: readonly (readonly [string, string])[] = [
  ['ec2', 'StopInstances'],
  ['ec2', 'ModifyInstanceAttribute'],
  ['ec2', 'ModifyNetworkInterfaceAttribute'],
  ['ssm', 'SendCommand'],
  ['elasticloadbalancingv2', 'RegisterTargets'],
  ['elasticloadbalancingv2', 'DeregisterTargets'],
];

/**
 * SendCommand of the preflight's mirror-state query (`<stack>-<preset>-mirror-query`, workflows/dr-promotion/
 * documents.ts) is a read, allowed before the approval; every other document (the promotion) is an action.
 */
const isQuery = (documentName: string | undefined): boolean => /-mirror-query$/.test(documentName ?? '');

/** Whether the scenario's scripted decisions include an explicit approval (`approved: true` and a named approver). */
function scenarioApproves(scenario: ScenarioInput): boolean {
  return (scenario.approvals ?? []).some((a) => {
    const output = (a as { output?: unknown }).output as { approved?: unknown; approvedBy?: unknown } | undefined;
    return (
      a.decision === 'approve' &&
      output?.approved === true &&
      typeof output.approvedBy === 'string' &&
      /[\p{L}\p{N}]/u.test(output.approvedBy)
    );
  });
}

/**
 * approval-before-action: in dr-promotion nothing is fenced, promoted or switched (StopInstances,
 * Modify*Attribute, a SendCommand other than the mirror-state query, Register/DeregisterTargets) before a person's
 * explicit approval: a settled task token in the timeline (kind `approval`), answering an explicit approval
 * (`approved: true` with a named approver). A practice run (`practice: true` in its input) makes none of them.
 */
const approvalBeforeAction: Invariant = {
  name: 'approval-before-action',
  description: 'dr-promotion fences, promotes and switches traffic only after an explicit approval; practice never',
  workflows: ['dr-promotion'],
  check(result, scenario) {
    const starts = executionStarts(result);
    const settled = result.timeline
      .filter((t) => t.kind === 'approval' && /settled/.test(t.detail))
      .map((t) => (starts.get(t.execution) ?? 0) + t.at);
    const approvedAt = scenarioApproves(scenario) && settled.length > 0 ? Math.min(...settled) : Infinity;
    const practice = (scenario.triggers ?? []).some((t) => (t.input as { practice?: unknown } | undefined)?.practice);
    const acts = result.calls.filter(
      (c) =>
        PROMOTION_ACTIONS.some(([s, a]) => c.service === s && c.action === a) &&
        !(c.action === 'SendCommand' && isQuery(inputString(c, 'DocumentName'))),
    );
    return acts
      .filter((c) => practice || c.at < approvedAt)
      .map((c) =>
        violation(
          'approval-before-action',
          c.at,
          `${c.service}:${c.action} ${JSON.stringify(c.input).slice(0, 120)} ${practice ? 'in a practice run' : 'before an explicit approval'}`,
        ),
      );
  },
};

/** Every invariant a campaign checks, in the order they are reported. */
export const INVARIANTS: readonly Invariant[] = [
  neverTwoWriters,
  neverLeftFrozen,
  nothingOrphaned,
  onlyOwnDeleted,
  oneReplacementPerFailure,
  lbRoutesOnlyPrimary,
  endsRecoveredOrEscalated,
  approvalBeforeAction,
];

/** The violations of every invariant that applies to the drill's workflow. */
export function checkInvariants(result: DrillResult, scenario: ScenarioInput): Violation[] {
  return INVARIANTS.filter((i) => i.workflows.includes(scenario.workflow as CampaignWorkflow)).flatMap((i) =>
    i.check(result, scenario),
  );
}
