/**
 * The campaign's self-test (`ha-workflows campaign --self-test`, issue #14): proves each invariant can fire. Every
 * known-bad variant (mutations.ts) is drilled on its scenario and the invariants are checked over the result; an
 * invariant is "fired" when some variant that targets it produced a violation of it. Each variant's scenario is also
 * drilled on the unmutated workflow, where its invariant must hold (`cleanOnOriginal`): an invariant that fires on
 * the correct workflow too would only be noise.
 *
 * The engine never builds the app (local/ does not import cli/ or infra/): the caller hands in the synthesized site
 * of each workflow.
 */
import * as path from 'node:path';
import { drill } from '../drill';
import { loadScenario } from '../scenario/load';
import type { CfnTemplate, ResolveEnv } from '../template';
import { INVARIANTS } from './invariants';
import { VARIANTS, type Variant } from './mutations';
import type { CampaignWorkflow, Invariant, Violation } from './types';

/** A synthesized stack: the template and where it is deployed. */
export interface Site {
  readonly template: CfnTemplate;
  readonly env: ResolveEnv;
}

/** The outcome of one variant. */
export interface VariantOutcome {
  readonly name: string;
  readonly invariant: string;
  readonly scenario: string;
  /** The targeted invariant's violations on the mutated workflow (at least one expected). */
  readonly violations: readonly Violation[];
  /** Whether the targeted invariant held on the unmutated workflow with the same scenario. */
  readonly cleanOnOriginal: boolean;
  /** The targeted invariant's violations on the unmutated workflow (none expected). */
  readonly originalViolations: readonly Violation[];
  /** A drill that could not run (a broken mutation, a scenario that no longer loads). */
  readonly error?: string;
}

export interface SelfTestReport {
  readonly invariants: readonly { readonly name: string; readonly fired: boolean; readonly variants: string[] }[];
  readonly variants: readonly VariantOutcome[];
  /** Every invariant fired on some variant. */
  readonly allFired: boolean;
  /** Every variant's scenario kept its invariant on the unmutated workflow. */
  readonly allCleanOnOriginal: boolean;
}

export interface SelfTestOptions {
  /**
   * The file a variant's scenario path (`test/scenarios/…`) names. @default - the path from the current directory
   */
  readonly scenarioFile?: (scenario: string) => string;
  /** The variants to run. @default - VARIANTS */
  readonly variants?: readonly Variant[];
  /** The invariants to judge. @default - INVARIANTS */
  readonly invariants?: readonly Invariant[];
}

/** Drills `scenarioFile` on `template` and returns the violations of `invariant`. */
async function violationsOf(
  invariant: Invariant,
  scenarioFile: string,
  template: CfnTemplate,
  env: ResolveEnv,
): Promise<Violation[]> {
  const scenario = loadScenario(scenarioFile);
  const result = await drill(scenario, { template, env });
  return invariant.check(result, scenario);
}

async function runVariant(
  v: Variant,
  site: (workflow: CampaignWorkflow) => Site,
  scenarioFile: (scenario: string) => string,
  invariants: readonly Invariant[],
): Promise<VariantOutcome> {
  const base = { name: v.name, invariant: v.invariant, scenario: v.scenario };
  const invariant = invariants.find((i) => i.name === v.invariant);
  if (!invariant) {
    return { ...base, violations: [], originalViolations: [], cleanOnOriginal: false, error: 'unknown invariant' };
  }
  try {
    const { template, env } = site(v.workflow);
    const file = scenarioFile(v.scenario);
    const original = await violationsOf(invariant, file, template, env);
    const violations = await violationsOf(invariant, file, v.mutate(template, env), env);
    return { ...base, violations, originalViolations: original, cleanOnOriginal: original.length === 0 };
  } catch (e) {
    return {
      ...base,
      violations: [],
      originalViolations: [],
      cleanOnOriginal: false,
      error: (e as Error).message,
    };
  }
}

/**
 * Runs every variant (one after the other: the machine is shared) and reports, per invariant, whether it fired and
 * on which variants.
 */
export async function selfTest(
  site: (workflow: CampaignWorkflow) => Site,
  options: SelfTestOptions = {},
): Promise<SelfTestReport> {
  const invariants = options.invariants ?? INVARIANTS;
  const outcomes: VariantOutcome[] = [];
  for (const v of options.variants ?? VARIANTS) {
    outcomes.push(
      await runVariant(v, site, options.scenarioFile ?? ((scenario) => path.resolve(scenario)), invariants),
    );
  }
  const perInvariant = invariants.map((i) => {
    const fired = outcomes.filter((o) => o.invariant === i.name && o.violations.length > 0).map((o) => o.name);
    return { name: i.name, fired: fired.length > 0, variants: fired };
  });
  return {
    invariants: perInvariant,
    variants: outcomes,
    allFired: perInvariant.every((i) => i.fired),
    allCleanOnOriginal: outcomes.every((o) => o.cleanOnOriginal),
  };
}
