/**
 * The database workload on the simulated instances (an IRIS/Caché mirror member, a single-node database): its mirror
 * role, its freeze state and whatever else a scenario or a Run Command script sets, as a history over modeled time.
 *
 * - A scenario gives each instance's starting state (`instances[].workload`) and scripted changes
 *   (`workloadChanges`): at `atSeconds` of modeled time `set` is merged into the state, repeated every `everySeconds`
 *   until `untilSeconds` (a flapping primary). Scripted changes are written into the history lazily, each at its own
 *   moment, on the first read at or after it, so that reads see time in order.
 * - A Run Command script's `effect` is merged in when the command ends (SSM), now or at an earlier moment when the
 *   command ended before the caller's modeled time (each execution keeps its own clock).
 * - The become-primary hook (an IRIS `^ZMIRROR` NotifyBecomePrimary entry point that runs `aws events put-events`):
 *   whenever `mirrorRole` changes to `primary` from another role on a member that has one, the member puts its
 *   mirror set's "Mirror Member Became Primary" event, `delaySeconds` later, `times` times `duplicateAfterSeconds`
 *   apart. Firings of scripted changes are known before the drill starts (`scriptedHookFirings`); firings of changes
 *   made while it runs go to `onHookFiring` listeners.
 *
 * The EC2 simulator owns the model (its instances carry the workload) and shows it in `InstanceView.workload`;
 * SSM writes to it through `WorkloadUpdates`; the writers timeline (writers.ts) and the frozen timeline read it.
 */
import { z } from 'zod';
import type { SimulatedRegion } from './region';
import { type InstanceInspector, instanceInspectorOf, type WorkloadState } from './types';

export type { WorkloadState } from './types';

/** A workload state in a scenario: flat keys with JSON scalar values, e.g. `{ "mirrorRole": "primary" }`. */
export const workloadStateSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

/** A member's become-primary hook (see the module comment). */
export const becomePrimaryHookSchema = z.strictObject({
  mirrorSet: z.string().min(1),
  delaySeconds: z.number().nonnegative().default(0),
  times: z.number().int().positive().default(1),
  duplicateAfterSeconds: z.number().nonnegative().default(0),
});
export type BecomePrimaryHook = z.output<typeof becomePrimaryHookSchema>;

/**
 * Scripted workload changes: at `atSeconds` of modeled time, `set` is merged into the instance's workload
 * (e.g. a mirror member becoming primary 20 s into the drill: `{ "mirrorRole": "primary" }`). With
 * `everySeconds`, the change repeats at that period until `untilSeconds` (a flapping primary).
 */
export const workloadChangesSchema = z
  .array(
    z
      .strictObject({
        instanceId: z.string(),
        atSeconds: z.number().nonnegative(),
        set: workloadStateSchema,
        everySeconds: z.number().positive().optional(),
        untilSeconds: z.number().nonnegative().optional(),
      })
      .refine((c) => (c.everySeconds === undefined) === (c.untilSeconds === undefined), {
        message: 'give "everySeconds" and "untilSeconds" together (a repeating change needs an end)',
        path: ['everySeconds'],
      })
      .refine((c) => c.untilSeconds === undefined || c.untilSeconds >= c.atSeconds, {
        message: '"untilSeconds" must not be before "atSeconds"',
        path: ['untilSeconds'],
      }),
  )
  .default([]);
export type WorkloadChanges = z.output<typeof workloadChangesSchema>;

/** One run of a member's become-primary hook: it puts the event for `mirrorSet` at `atMs`. */
export interface HookFiring {
  readonly instanceId: string;
  readonly mirrorSet: string;
  readonly atMs: number;
}

/** What a service that changes the workload needs of it (SSM: a command's effect). */
export interface WorkloadUpdates {
  /**
   * Merges `changes` into the instance's workload now, or at `atMs` (epoch ms) when the change happened earlier than
   * the caller's modeled time.
   */
  update(instanceId: string, changes: WorkloadState, atMs?: number): void;
}

/** An interval of modeled time during which an instance's workload is frozen (`frozen: true`). */
export interface FrozenInterval {
  readonly instanceId: string;
  readonly from: string;
  /** Null while still frozen at the end. */
  readonly to: string | null;
}

const PRIMARY = 'primary';
const iso = (ms: number) => new Date(ms).toISOString();

/** The hook's runs for one change to primary at `atMs` (its delay, then its repeats). */
function firings(instanceId: string, hook: BecomePrimaryHook, atMs: number): HookFiring[] {
  return Array.from({ length: hook.times }, (_, k) => ({
    instanceId,
    mirrorSet: hook.mirrorSet,
    atMs: atMs + (hook.delaySeconds + k * hook.duplicateAfterSeconds) * 1000,
  }));
}

type History = { at: number; state: WorkloadState }[];

/** The workload of every instance, over modeled time. */
export class WorkloadModel implements WorkloadUpdates {
  private readonly histories = new Map<string, History>();
  private readonly hooks = new Map<string, BecomePrimaryHook>();
  private readonly hookListeners: ((firing: HookFiring) => void)[] = [];
  /** Scripted changes not yet written into a history, in time order. */
  private readonly pending: { at: number; instanceId: string; set: WorkloadState }[];

  constructor(
    /** The caller's modeled time (epoch ms): each execution has its own clock. */
    private readonly now: () => number,
    /** Epoch ms of the drill's start (`atSeconds` counts from it). */
    startMs: number,
    changes: WorkloadChanges = [],
  ) {
    this.pending = changes
      .flatMap((c) => {
        const times = [c.atSeconds];
        if (c.everySeconds !== undefined && c.untilSeconds !== undefined)
          for (let t = c.atSeconds + c.everySeconds; t <= c.untilSeconds; t += c.everySeconds) times.push(t);
        return times.map((t) => ({ at: startMs + t * 1000, instanceId: c.instanceId, set: { ...c.set } }));
      })
      .sort((a, b) => a.at - b.at);
  }

  /** Adds an instance whose workload is `initial` since ever, with its become-primary hook if it has one. */
  addInstance(instanceId: string, initial: WorkloadState = {}, hook?: BecomePrimaryHook): void {
    this.histories.set(instanceId, [{ at: -Infinity, state: { ...initial } }]);
    if (hook) this.hooks.set(instanceId, hook);
  }

  has(instanceId: string): boolean {
    return this.histories.has(instanceId);
  }

  /** The workload at `t` (epoch ms), with every scripted change the caller's clock has reached. */
  stateAt(instanceId: string, t: number): WorkloadState {
    this.applyDueChanges();
    return this.recordedAt(instanceId, t);
  }

  /** The workload at `t` as recorded so far (call `applyDueChanges` first to include scripted changes). */
  recordedAt(instanceId: string, t: number): WorkloadState {
    const history = this.history(instanceId);
    let current = history[0].state;
    for (const w of history) if (w.at <= t) current = w.state;
    return current;
  }

  /** The moments the instance's workload changed, as recorded so far. */
  changeTimes(instanceId: string): number[] {
    return this.history(instanceId).map((w) => w.at);
  }

  update(instanceId: string, changes: WorkloadState, atMs?: number): void {
    const history = this.histories.get(instanceId);
    if (!history) throw new Error(`updateWorkload: no instance ${instanceId}`);
    this.applyDueChanges();
    const now = this.now();
    const at = atMs !== undefined && atMs < now ? atMs : now;
    const hook = this.hooks.get(instanceId);
    if (hook && changes.mirrorRole === PRIMARY && this.recordedAt(instanceId, at).mirrorRole !== PRIMARY) {
      queueMicrotask(() => {
        for (const f of firings(instanceId, hook, at)) for (const listener of this.hookListeners) listener(f);
      });
    }
    if (atMs !== undefined && atMs < now) {
      // An earlier moment (a command that ended before the caller's modeled time): keep the history in order.
      const state = { ...this.recordedAt(instanceId, atMs), ...changes };
      const index = history.findIndex((w) => w.at >= atMs);
      if (index === -1) history.push({ at: atMs, state });
      else if (history[index].at === atMs) history[index] = { at: atMs, state };
      else history.splice(index, 0, { at: atMs, state });
      return;
    }
    const state = { ...this.stateAt(instanceId, now), ...changes };
    if (history[history.length - 1].at === now) history.pop();
    history.push({ at: now, state });
  }

  /** Calls `listener` each time a member's become-primary hook runs because of a change made while the drill runs. */
  onHookFiring(listener: (firing: HookFiring) => void): void {
    this.hookListeners.push(listener);
  }

  /**
   * The hook runs the scenario's scripted workload changes cause (each change that makes a hooked member primary
   * from another role, in the order of the scripted changes), known before the drill starts, in time order.
   */
  scriptedHookFirings(): HookFiring[] {
    const role = new Map<string, unknown>();
    const out: HookFiring[] = [];
    for (const change of this.pending) {
      const hook = this.hooks.get(change.instanceId);
      if (!hook || !this.histories.has(change.instanceId) || !('mirrorRole' in change.set)) continue;
      const before = role.has(change.instanceId)
        ? role.get(change.instanceId)
        : this.history(change.instanceId)[0].state.mirrorRole;
      role.set(change.instanceId, change.set.mirrorRole);
      if (before !== PRIMARY && change.set.mirrorRole === PRIMARY)
        out.push(...firings(change.instanceId, hook, change.at));
    }
    return out.sort((a, b) => a.atMs - b.atMs);
  }

  /**
   * The frozen timeline of every instance (issue #14, `never-left-frozen`): the intervals during which its workload
   * has `frozen: true` (an IRIS ExternalFreeze, a freeze command's effect, a scripted change), clipped to the drill's
   * start; `to` is null while still frozen at the end. The final workload alone cannot show a freeze that a thaw
   * ended too late.
   */
  frozenIntervals(
    /** Epoch ms the timeline starts (the caller's clock's start). */
    start: number,
  ): FrozenInterval[] {
    this.applyDueChanges();
    return [...this.histories].flatMap(([instanceId, history]) => {
      const out: FrozenInterval[] = [];
      let since: number | undefined;
      for (const w of history) {
        const frozen = w.state.frozen === true;
        if (frozen && since === undefined) since = w.at;
        if (!frozen && since !== undefined) {
          if (w.at > start) out.push({ instanceId, from: iso(Math.max(since, start)), to: iso(w.at) });
          since = undefined;
        }
      }
      if (since !== undefined) out.push({ instanceId, from: iso(Math.max(since, start)), to: null });
      return out;
    });
  }

  /**
   * Writes the scripted changes the caller's clock has reached into their instances' histories, each at its own
   * moment (lazily: on the first read of any workload at or after it, so that reads see time in order).
   */
  applyDueChanges(): void {
    const now = this.now();
    while (this.pending.length > 0 && this.pending[0].at <= now) {
      const change = this.pending.shift()!;
      const history = this.histories.get(change.instanceId);
      if (!history) continue;
      const state = { ...this.recordedAt(change.instanceId, change.at), ...change.set };
      const index = history.findIndex((w) => w.at > change.at);
      const entry = { at: change.at, state };
      if (index === -1) history.push(entry);
      else history.splice(index, 0, entry);
    }
  }

  private history(instanceId: string): History {
    const history = this.histories.get(instanceId);
    if (!history) throw new Error(`WorkloadModel: no instance ${instanceId}`);
    return history;
  }
}

/** The instances and their workload, as the region's `ec2` service offers them to SSM. */
export interface InstanceHost extends InstanceInspector {
  readonly workload: WorkloadUpdates;
}

/**
 * The region's `ec2` service as an `InstanceHost` (the EC2 simulator, or a test's stand-in), checked; `who` names
 * the service that needs it in the error when there is none.
 */
export function instanceHostOf(region: SimulatedRegion, who: string): InstanceHost {
  const ec2 = instanceInspectorOf(region, who);
  if (!hasWorkload(ec2)) throw new Error(`${who} needs the ec2 service's workload (WorkloadUpdates)`);
  return ec2;
}

function hasWorkload<T extends object>(service: T): service is T & { readonly workload: WorkloadUpdates } {
  return (
    'workload' in service &&
    typeof service.workload === 'object' &&
    service.workload !== null &&
    'update' in service.workload &&
    typeof service.workload.update === 'function'
  );
}

/** Run Command: its effects on the workload that are due are applied when it settles (ssm.ts). */
export interface PendingWorkloadEffects {
  /** Applies the effects of commands that have ended by the caller's modeled time. */
  settle(): void;
}
