import type { WorkloadState } from './types';

/**
 * The writers timeline (issue #13 item 8): for each instance, the intervals of modeled time during which its workload
 * serves and writes. A drill asserts on it that two writers never overlap at any moment (`expect.neverTwoWriters`).
 *
 * When an instance writes:
 * - a database mirror member (its workload has `mirrorRole`): while its role is `primary` and its guest runs;
 * - any other workload: from the first moment it runs, has booted (`ec2.runningToSsmOnline` after `running`), did
 *   not fail its boot, and a security group of one of its interfaces admits clients (some ingress rule);
 * - either way, until it is `stopped` or `terminated`: `stopping` and `shutting-down` guests still write, and a
 *   security-group change never ends the writing (connection tracking: "If you remove a security group rule that
 *   allows the tracked connection, the connection is not interrupted", VPC User Guide, "Security group connection
 *   tracking"). Only the workload's own role change, a stop or a termination ends it.
 */

/** Guest OS states in which an instance that writes keeps writing. */
const ALIVE = new Set(['running', 'stopping', 'shutting-down']);

export interface WriterSource {
  readonly instanceId: string;
  readonly tags: Readonly<Record<string, string>>;
  /** State changes in time order (entries later than the drill's end are scheduled transitions). */
  readonly timeline: readonly { readonly at: number; readonly state: string }[];
  /** Moments when anything else that decides may have changed (workload, groups, impairments). */
  readonly changes: readonly number[];
  readonly workloadAt: (t: number) => WorkloadState;
  /** Some security group of some interface of the instance admits clients at `t`. */
  readonly admitsClientsAt: (t: number) => boolean;
  /** The boot failed: the workload never started. */
  readonly bootFails: boolean;
}

export interface WriterInterval {
  readonly instanceId: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Epoch ms; the drill's start for an instance already writing then. */
  readonly fromMs: number;
  /** Epoch ms; null while still writing at the end of everything modeled. */
  readonly toMs: number | null;
}

/** The intervals during which `source` writes, from `startMs` (the drill's start) on. */
export function writerIntervals(source: WriterSource, startMs: number, bootMs: number): WriterInterval[] {
  const runningSince = (t: number): number | undefined => {
    let since: number | undefined;
    for (const e of source.timeline) {
      if (e.at > t) break;
      since = e.state === 'running' ? (since ?? e.at) : undefined;
    }
    return since;
  };
  const stateAt = (t: number): string | undefined => {
    let state: string | undefined;
    for (const e of source.timeline) if (e.at <= t) state = e.state;
    return state;
  };
  const out: WriterInterval[] = [];
  // From the instance's own past (a workload writing since before the drill keeps writing through a group swap at
  // the drill's first moment); intervals are clipped to the drill's start.
  const points = new Set<number>();
  for (const e of source.timeline) {
    points.add(e.at);
    if (e.state === 'running') points.add(e.at + bootMs);
  }
  for (const t of source.changes) if (Number.isFinite(t)) points.add(t);
  const push = (fromMs: number, toMs: number | null) => {
    if (toMs !== null && toMs <= startMs) return;
    out.push({ instanceId: source.instanceId, tags: source.tags, fromMs: Math.max(startMs, fromMs), toMs });
  };
  let writingSince: number | undefined;
  for (const t of [...points].sort((a, b) => a - b)) {
    const state = stateAt(t) ?? '';
    const alive = ALIVE.has(state);
    const role = source.workloadAt(t).mirrorRole;
    let writing: boolean;
    if (role !== undefined && role !== null) {
      writing = alive && role === 'primary';
    } else if (writingSince !== undefined) {
      writing = alive;
    } else {
      const since = runningSince(t);
      writing =
        state === 'running' &&
        since !== undefined &&
        t >= since + bootMs &&
        !source.bootFails &&
        source.admitsClientsAt(t);
    }
    if (writing && writingSince === undefined) writingSince = t;
    if (!writing && writingSince !== undefined) {
      push(writingSince, t);
      writingSince = undefined;
    }
  }
  if (writingSince !== undefined) push(writingSince, null);
  return out;
}

/** `expect.neverTwoWriters`: true (all instances together) or one group per value of a tag. */
export type NeverTwoWriters = true | { readonly groupByTag: string };

export interface WriterRow {
  readonly instanceId: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly from: string;
  readonly to: string | null;
}

/**
 * The first moment two instances of one group write at once, or undefined. Instances without the tag are left
 * out when grouping by tag.
 */
export function findTwoWriters(
  rows: readonly WriterRow[],
  rule: NeverTwoWriters,
): { a: string; b: string; from: string; to: string | null; group?: string } | undefined {
  const groups = new Map<string, WriterRow[]>();
  for (const row of rows) {
    const key = rule === true ? '' : row.tags[rule.groupByTag];
    if (key === undefined) continue;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const end = (r: WriterRow) => (r.to === null ? Infinity : Date.parse(r.to));
  let first: ReturnType<typeof findTwoWriters>;
  for (const [key, list] of groups) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const [x, y] = [list[i], list[j]];
        if (x.instanceId === y.instanceId) continue;
        const from = Math.max(Date.parse(x.from), Date.parse(y.from));
        const to = Math.min(end(x), end(y));
        if (from >= to) continue;
        if (first && Date.parse(first.from) <= from) continue;
        first = {
          a: x.instanceId,
          b: y.instanceId,
          from: new Date(from).toISOString(),
          to: to === Infinity ? null : new Date(to).toISOString(),
          ...(rule === true ? {} : { group: key }),
        };
      }
    }
  }
  return first;
}

/** The drill's expectation on `ec2.writers`. */
export function checkNeverTwoWriters(
  rows: readonly WriterRow[] | undefined,
  rule: NeverTwoWriters,
): { description: string; ok: boolean; detail?: string } {
  const description =
    rule === true
      ? 'never two writers at any moment'
      : `never two writers at any moment among instances with the same "${rule.groupByTag}" tag`;
  if (!rows) return { description, ok: false, detail: 'the final environment has no ec2.writers' };
  const found = findTwoWriters(rows, rule);
  if (!found) return { description, ok: true, detail: `${rows.length} writing interval(s), none overlap` };
  return {
    description,
    ok: false,
    detail:
      `${found.a} and ${found.b}${found.group !== undefined ? ` (group ${found.group})` : ''} both write from ` +
      `${found.from} to ${found.to ?? 'the end of the drill'}`,
  };
}
