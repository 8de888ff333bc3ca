/**
 * The campaign runner (issue #14): draws seeded fault schedules for one workflow, drills each one through the
 * engine, checks the invariants over each drill's history, shrinks a failing schedule to a minimal one and writes it
 * as a scenario file that `ha-workflows drill` replays.
 *
 * Everything is a function of the campaign seed: schedule `i` has its own seed (`scheduleSeed(seed, i)`), from which
 * its faults are drawn and which the drill's region uses, so one schedule can be re-run alone (`--seed` with
 * `--schedules 1` does not reproduce schedule `i`, its written scenario does).
 *
 * The catalogue, the base scenarios and the invariants are passed in (`CampaignInputs`), so the runner is tested
 * with small stand-ins and the CLI wires the real ones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type DrillResult, drill } from '../drill';
import { Random } from '../random';
import { parseScenario } from '../scenario/load';
import type { ScenarioInput } from '../scenario/schema';
import type { CfnTemplate, ResolveEnv } from '../template';
import type {
  BaseFacts,
  CampaignWorkflow,
  FaultInstance,
  FaultKind,
  Invariant,
  ScheduleOutcome,
  Violation,
} from './types';

/** What a campaign needs besides its size: where to drill, what to start from, what to inject, what to check. */
export interface CampaignInputs {
  readonly workflow: CampaignWorkflow;
  /** The synthesized stack the workflow runs in. */
  readonly site: { readonly template: CfnTemplate; readonly env: ResolveEnv };
  /** The base scenario (a healthy world) and its file, whose directory relative paths (`config`) are read from. */
  readonly base: { readonly file: string; readonly scenario: ScenarioInput };
  /** Facts about the base, from a drill of it without faults. */
  readonly facts: (result: DrillResult) => BaseFacts;
  readonly kinds: readonly FaultKind[];
  readonly invariants: readonly Invariant[];
}

export interface CampaignOptions {
  readonly schedules: number;
  readonly seed: number;
  /** At most this many faults per schedule (each schedule draws 1 … maxFaults). @default 3 */
  readonly maxFaults?: number;
  /** Where shrunk failing schedules are written as scenario files; omitted: not written. */
  readonly outDir?: string;
  /** Drills the shrinker may spend on one failure. @default 60 */
  readonly shrinkBudget?: number;
  /** Only schedules `from` … `to - 1` (a worker's share); the defaults cover all. */
  readonly from?: number;
  readonly to?: number;
  readonly onProgress?: (done: number, violations: number) => void;
}

export interface CampaignFailure {
  /** The failing schedule's own seed. */
  readonly seed: number;
  readonly invariant: string;
  readonly detail: string;
  /** The shrunk schedule's faults. */
  readonly faults: readonly FaultInstance[];
  /** The scenario file written for it (when `outDir` was given). */
  readonly scenario?: string;
}

export interface CampaignCoverage {
  /** Schedules that drew each fault kind. */
  readonly faultKinds: Readonly<Record<string, number>>;
  /** Distinct states entered over every schedule. */
  readonly statesVisited: number;
  /** Distinct (fault kind, state) pairs: a state entered in a schedule that carried that kind. */
  readonly faultStatePairs: number;
}

export interface CampaignReport {
  readonly workflow: CampaignWorkflow;
  readonly schedules: number;
  readonly seed: number;
  /** Schedules with at least one violation. */
  readonly violations: number;
  /** Schedules whose scenario could not be drilled (a catalogue bug, counted apart from violations). */
  readonly errors: number;
  readonly failures: readonly CampaignFailure[];
  readonly coverage: CampaignCoverage;
  /** The raw sets behind `coverage`, for merging workers' reports. */
  readonly visited: { readonly states: readonly string[]; readonly pairs: readonly string[] };
  readonly errorSamples: readonly string[];
}

/** Schedule `index`'s own seed: a mix of the campaign seed and the index (never 0, which Random maps to a constant). */
export function scheduleSeed(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (index + 1), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) % 2_000_000_000 || 1;
}

/** Draws one schedule: 1 … maxFaults faults of kinds that apply to the workflow. */
export function drawSchedule(
  seed: number,
  kinds: readonly FaultKind[],
  facts: BaseFacts,
  maxFaults: number,
): FaultInstance[] {
  const rng = new Random(seed);
  const usable = kinds.filter((k) => k.workflows.includes(facts.workflow));
  if (usable.length === 0) return [];
  const count = 1 + Math.floor(rng.next() * maxFaults);
  return Array.from({ length: count }, () => {
    const kind = usable[Math.floor(rng.next() * usable.length)];
    return { kind: kind.name, params: kind.draw(rng, facts) };
  });
}

/** The base with the faults applied, as a scenario named after the schedule (a deep copy: the base is untouched). */
export function applySchedule(
  inputs: Pick<CampaignInputs, 'base' | 'kinds' | 'workflow'>,
  seed: number,
  faults: readonly FaultInstance[],
): ScenarioInput {
  const scenario = JSON.parse(JSON.stringify(inputs.base.scenario)) as ScenarioInput & Record<string, unknown>;
  for (const f of faults) {
    const kind = inputs.kinds.find((k) => k.name === f.kind);
    if (!kind) throw new Error(`schedule ${seed}: no fault kind "${f.kind}" in the catalogue`);
    kind.apply(scenario, f.params);
  }
  scenario.name = `campaign ${inputs.workflow} schedule ${seed}: ${faults.map((f) => f.kind).join(', ') || 'no fault'}`;
  scenario.description = `Generated by ha-workflows campaign (schedule seed ${seed}). Faults: ${JSON.stringify(faults)}`;
  scenario.seed = seed;
  return scenario;
}

/** The states entered in a drill, across its executions. */
function statesOf(result: DrillResult): string[] {
  return [...new Set(result.timeline.flatMap((e) => (e.kind === 'state' && e.state ? [e.state] : [])))];
}

/** Drills one schedule and checks the invariants that apply to the workflow. */
export async function runSchedule(
  inputs: CampaignInputs,
  seed: number,
  faults: readonly FaultInstance[],
): Promise<ScheduleOutcome> {
  let scenario: ScenarioInput;
  try {
    scenario = applySchedule(inputs, seed, faults);
  } catch (e) {
    return { seed, faults, violations: [], statesVisited: [], error: (e as Error).message };
  }
  let result: DrillResult;
  try {
    result = await drill(withConfigFrom(inputs.base.file, scenario), inputs.site);
  } catch (e) {
    return { seed, faults, violations: [], statesVisited: [], error: (e as Error).message.split('\n')[0] };
  }
  const violations: Violation[] = inputs.invariants
    .filter((i) => i.workflows.includes(inputs.workflow))
    .flatMap((i) => i.check(result, scenario));
  return { seed, faults, violations, statesVisited: statesOf(result) };
}

/** Parses the scenario (the drill takes the parsed form); its `config` stays as written, relative to the base file. */
function withConfigFrom(baseFile: string, scenario: ScenarioInput) {
  return parseScenario(scenario, baseFile);
}

/**
 * Shrinks a failing schedule: drops faults one at a time, then replaces each fault's parameters by a smaller variant
 * (its kind's `shrink`), keeping every change after which the same invariant still breaks; until nothing changes or
 * the budget of drills is spent.
 */
export async function shrinkSchedule(
  inputs: CampaignInputs,
  failing: ScheduleOutcome,
  invariant: string,
  budget = 60,
): Promise<ScheduleOutcome> {
  let best = failing;
  let spent = 0;
  // A drill is a function of the schedule's seed and its faults: a candidate tried before (a list met again on a
  // later pass) is answered from here. It still counts against the budget, so the shrinker takes exactly the steps it
  // would take drilling every candidate.
  const tried = new Map<string, ScheduleOutcome>();
  const stillFails = async (faults: readonly FaultInstance[]): Promise<ScheduleOutcome | undefined> => {
    spent++;
    const key = JSON.stringify(faults);
    let outcome = tried.get(key);
    if (!outcome) {
      outcome = await runSchedule(inputs, failing.seed, faults);
      tried.set(key, outcome);
    }
    return outcome.violations.some((v) => v.invariant === invariant) ? outcome : undefined;
  };
  let changed = true;
  while (changed && spent < budget) {
    changed = false;
    for (let i = 0; i < best.faults.length && spent < budget; i++) {
      const fewer = best.faults.filter((_, j) => j !== i);
      const outcome = await stillFails(fewer);
      if (outcome) {
        best = outcome;
        changed = true;
        i--;
      }
    }
    for (let i = 0; i < best.faults.length && spent < budget; i++) {
      const f = best.faults[i];
      const kind = inputs.kinds.find((k) => k.name === f.kind);
      for (const smaller of kind?.shrink?.(f.params) ?? []) {
        if (spent >= budget) break;
        const faults = best.faults.map((g, j) => (j === i ? { kind: f.kind, params: smaller } : g));
        const outcome = await stillFails(faults);
        if (outcome) {
          best = outcome;
          changed = true;
          break;
        }
      }
    }
  }
  return best;
}

/**
 * Writes a shrunk failing schedule as a scenario file under `dir`: the base with its faults, its `config` made
 * relative to the new file, and `expect.invariants` naming the invariant, so that `ha-workflows drill` on it reports
 * the violation (and, once the workflow is fixed, passes as a regression).
 */
export function writeFailure(inputs: CampaignInputs, outcome: ScheduleOutcome, invariant: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const scenario = applySchedule(inputs, outcome.seed, outcome.faults) as ScenarioInput & Record<string, unknown>;
  const file = path.resolve(dir, `${inputs.workflow}-${invariant}-${outcome.seed}.json`);
  if (typeof scenario.config === 'string') {
    const absolute = path.resolve(path.dirname(inputs.base.file), scenario.config);
    scenario.config = path.relative(path.dirname(file), absolute).split(path.sep).join('/');
  }
  scenario.expect = { invariants: [invariant] } as never;
  writeFileSync(file, `${JSON.stringify(scenario, null, 2)}\n`);
  return file;
}

/** Runs a campaign (or a worker's share of one) and reports violations, shrunk failures and coverage. */
export async function runCampaign(inputs: CampaignInputs, options: CampaignOptions): Promise<CampaignReport> {
  const maxFaults = options.maxFaults ?? 3;
  const baseResult = await drill(withConfigFrom(inputs.base.file, inputs.base.scenario), inputs.site);
  const facts = inputs.facts(baseResult);
  const from = options.from ?? 0;
  const to = Math.min(options.to ?? options.schedules, options.schedules);
  const faultKinds: Record<string, number> = {};
  const states = new Set<string>();
  const pairs = new Set<string>();
  const failures: CampaignFailure[] = [];
  const errorSamples: string[] = [];
  let violations = 0;
  let errors = 0;
  for (let i = from; i < to; i++) {
    const seed = scheduleSeed(options.seed, i);
    const faults = drawSchedule(seed, inputs.kinds, facts, maxFaults);
    const outcome = await runSchedule(inputs, seed, faults);
    const kinds = [...new Set(faults.map((f) => f.kind))];
    for (const k of kinds) faultKinds[k] = (faultKinds[k] ?? 0) + 1;
    for (const s of outcome.statesVisited) {
      states.add(s);
      for (const k of kinds) pairs.add(`${k}\u0000${s}`);
    }
    if (outcome.error) {
      errors++;
      if (errorSamples.length < 5) errorSamples.push(`schedule ${seed}: ${outcome.error}`);
    } else if (outcome.violations.length > 0) {
      violations++;
      const first = outcome.violations[0];
      const shrunk = await shrinkSchedule(inputs, outcome, first.invariant, options.shrinkBudget);
      const detail = shrunk.violations.find((v) => v.invariant === first.invariant)?.detail ?? first.detail;
      failures.push({
        seed,
        invariant: first.invariant,
        detail,
        faults: shrunk.faults,
        scenario: options.outDir ? writeFailure(inputs, shrunk, first.invariant, options.outDir) : undefined,
      });
    }
    options.onProgress?.(i - from + 1, violations);
  }
  return {
    workflow: inputs.workflow,
    schedules: to - from,
    seed: options.seed,
    violations,
    errors,
    failures,
    coverage: { faultKinds, statesVisited: states.size, faultStatePairs: pairs.size },
    visited: { states: [...states], pairs: [...pairs] },
    errorSamples,
  };
}

/** Merges the reports of workers that ran disjoint shares of one campaign. */
export function mergeReports(reports: readonly CampaignReport[]): CampaignReport {
  const [first] = reports;
  const faultKinds: Record<string, number> = {};
  for (const r of reports)
    for (const [k, n] of Object.entries(r.coverage.faultKinds)) faultKinds[k] = (faultKinds[k] ?? 0) + n;
  const states = new Set(reports.flatMap((r) => r.visited.states));
  const pairs = new Set(reports.flatMap((r) => r.visited.pairs));
  return {
    workflow: first.workflow,
    seed: first.seed,
    schedules: reports.reduce((n, r) => n + r.schedules, 0),
    violations: reports.reduce((n, r) => n + r.violations, 0),
    errors: reports.reduce((n, r) => n + r.errors, 0),
    failures: reports.flatMap((r) => r.failures),
    coverage: { faultKinds, statesVisited: states.size, faultStatePairs: pairs.size },
    visited: { states: [...states], pairs: [...pairs] },
    errorSamples: reports.flatMap((r) => r.errorSamples).slice(0, 5),
  };
}
