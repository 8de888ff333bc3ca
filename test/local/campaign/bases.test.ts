import * as path from 'node:path';
import { synthesize } from '../../../cli/template';
import { baseFacts, baseScenario } from '../../../local/campaign/bases';
import { faultKindsFor } from '../../../local/campaign/faults';
import { CAMPAIGN_WORKFLOWS, type CampaignWorkflow } from '../../../local/campaign/types';
import { drill, type DrillResult } from '../../../local/drill';
import { Random } from '../../../local/random';
import type { ScenarioInput } from '../../../local/scenario/schema';
import { parseScenario } from '../../../local/scenario/load';

/** Drills a scenario of `workflow` as `ha-workflows drill` would: the app synthesized once per configuration. */
function drillScenario(file: string, input: ScenarioInput): Promise<DrillResult> {
  const scenario = parseScenario(input, file);
  const config = scenario.config;
  const sites = synthesize(typeof config === 'string' ? path.resolve(path.dirname(file), config) : config);
  const site = sites[scenario.site];
  if (!site) throw new Error(`${file}: the configuration has no ${scenario.site} site`);
  return drill(scenario, { template: site.template, env: site.env });
}

const results = new Map<CampaignWorkflow, DrillResult>();

beforeAll(async () => {
  for (const workflow of CAMPAIGN_WORKFLOWS) {
    const { file, scenario } = baseScenario(workflow);
    results.set(workflow, await drillScenario(file, scenario));
  }
});

describe.each(CAMPAIGN_WORKFLOWS)('the %s base', (workflow) => {
  it('drills clean: every execution succeeds, with no expectation of its own', () => {
    // GIVEN the base scenario (WHEN drilled, in beforeAll)
    const result = results.get(workflow)!;
    // THEN it has no expect (the invariants judge), and every execution SUCCEEDED
    expect(baseScenario(workflow).scenario.expect).toBeUndefined();
    expect(result.workflow).toBe(workflow);
    expect(result.executions.length).toBeGreaterThan(0);
    expect(result.executions.map((e) => `${e.status}${e.error ? ` ${e.error}: ${e.cause}` : ''}`)).toEqual(
      result.executions.map(() => 'SUCCEEDED'),
    );
  });

  it('reports the facts fault kinds draw from, and every kind of the workflow can draw from them', () => {
    // GIVEN the base drill / WHEN its facts are taken
    const facts = baseFacts(workflow, results.get(workflow)!);
    // THEN they name zones, instances, the actions called and a duration
    expect(facts.workflow).toBe(workflow);
    expect(facts.zones.length).toBeGreaterThan(0);
    expect(facts.instanceIds.length).toBeGreaterThan(0);
    expect(facts.actions.every((a) => /^[a-z0-9]+:[A-Z][A-Za-z0-9]+$/.test(a))).toBe(true);
    expect(facts.durationSeconds).toBeGreaterThan(0);
    // AND each applicable kind draws parameters from them
    for (const kind of faultKindsFor(workflow)) expect(() => kind.draw(new Random(5), facts)).not.toThrow();
  });

  it('gives a fresh copy on each call', () => {
    // GIVEN one copy of the base, changed
    const first = baseScenario(workflow);
    first.scenario.name = 'changed';
    // WHEN another copy is taken
    const second = baseScenario(workflow);
    // THEN it is unchanged, and its file is absolute
    expect(second.scenario.name).not.toBe('changed');
    expect(path.isAbsolute(second.file)).toBe(true);
  });

  it('drills with each fault kind of the workflow without an engine error', async () => {
    // GIVEN each applicable kind, drawn from the real facts with one seed
    const facts = baseFacts(workflow, results.get(workflow)!);
    for (const kind of faultKindsFor(workflow)) {
      const { file, scenario } = baseScenario(workflow);
      kind.apply(scenario, kind.draw(new Random(2026), facts));
      // WHEN the schedule is drilled
      const result = await drillScenario(file, scenario).catch((e: Error) => e);
      // THEN the drill runs to its end (whatever the workflow's outcome: the invariants judge that)
      expect({ kind: kind.name, error: result instanceof Error ? result.message : undefined }).toEqual({
        kind: kind.name,
        error: undefined,
      });
    }
  });
});
