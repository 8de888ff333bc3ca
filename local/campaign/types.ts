/**
 * Fault campaigns (issue #14): the shared vocabulary of the catalogue (faults.ts), the invariants (invariants.ts),
 * the known-bad variants of the self-test (mutations.ts) and the runner (runner.ts).
 *
 * A *schedule* is a base scenario of one workflow plus a list of fault instances drawn from a seed. Applying the
 * faults to the base gives an ordinary scenario (the same format `drill` reads), so a failing schedule is written
 * out as a scenario file and replayed with `ha-workflows drill`. Shrinking only removes faults or shrinks their
 * numeric parameters, then re-applies them to the base.
 */
import type { Random } from '../random';
import type { DrillResult } from '../drill';
import type { ScenarioInput } from '../scenario/schema';

/** The workflows a campaign drills. */
export const CAMPAIGN_WORKFLOWS = ['instance-recovery', 'mirror-failover', 'dr-promotion', 'snapshot-backup'] as const;
export type CampaignWorkflow = (typeof CAMPAIGN_WORKFLOWS)[number];

/** A JSON value a fault's parameters may hold (a schedule is written to a file as it is). */
export type FaultParams = Readonly<Record<string, string | number | boolean | readonly (string | number)[]>>;

/** One fault of a schedule: a kind of the catalogue and the parameters drawn for it. */
export interface FaultInstance {
  readonly kind: string;
  readonly params: FaultParams;
}

/** What a fault kind may read about the base scenario it is drawn for (zones, instances, actions…). */
export interface BaseFacts {
  readonly workflow: CampaignWorkflow;
  /** Availability Zones of the base's subnets. */
  readonly zones: readonly string[];
  /** Instance ids of the base environment. */
  readonly instanceIds: readonly string[];
  /** The API actions (`service:Action`) the workflow calls in the base drill, e.g. `ec2:RunInstances`. */
  readonly actions: readonly string[];
  /** Modeled seconds the base drill takes: windows and moments are drawn inside it. */
  readonly durationSeconds: number;
}

/** One entry of the fault catalogue. */
export interface FaultKind {
  /** Stable, kebab-case: `az-dark`, `api-throttling`, `lost-response`, … (coverage counts by it). */
  readonly name: string;
  /** One line for docs/campaigns.md and `--json` coverage. */
  readonly description: string;
  /** The workflows it applies to. */
  readonly workflows: readonly CampaignWorkflow[];
  /** Draws one instance's parameters from `rng` for the base described by `facts`. */
  draw(rng: Random, facts: BaseFacts): FaultParams;
  /** Adds the fault to `scenario` (a deep copy of the base, already carrying earlier faults): mutate it in place. */
  apply(scenario: ScenarioInput, params: FaultParams): void;
  /**
   * Smaller variants of `params` for the shrinker (a shorter window, fewer times, a lower fraction); none when it
   * cannot shrink.
   */
  shrink?(params: FaultParams): FaultParams[];
}

/** A broken invariant: which, when (modeled seconds since the drill started) and what was seen. */
export interface Violation {
  readonly invariant: string;
  readonly atSeconds: number;
  readonly detail: string;
}

/** A safety invariant, evaluated over the whole recorded history of a drill (each event, not only the end). */
export interface Invariant {
  /** Stable, kebab-case, e.g. `never-two-writers`. */
  readonly name: string;
  /** One line for docs/campaigns.md and the self-test. */
  readonly description: string;
  /** The workflows whose drills it checks. */
  readonly workflows: readonly CampaignWorkflow[];
  /** Every violation in the drill's history (empty when it holds). */
  check(result: DrillResult, scenario: ScenarioInput): Violation[];
}

/** One drilled schedule. */
export interface ScheduleOutcome {
  readonly seed: number;
  readonly faults: readonly FaultInstance[];
  readonly violations: readonly Violation[];
  /** States entered, by name, across the drill's executions. */
  readonly statesVisited: readonly string[];
  /** A drill that could not run (an invalid scenario is a bug of the catalogue): the message. */
  readonly error?: string;
}
