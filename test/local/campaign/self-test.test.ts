/**
 * The campaign's self-test (issue #14): every invariant fires on some known-bad variant of a workflow, and each
 * variant's scenario keeps its invariant on the unmodified workflow. Also the ASL mutations themselves.
 */
import * as path from 'node:path';
import { synthesize } from '../../../cli/template';
import { INVARIANTS } from '../../../local/campaign/invariants';
import {
  type AslMachine,
  forceChoice,
  mutateTemplate,
  redirectCatch,
  skipState,
  VARIANTS,
} from '../../../local/campaign/mutations';
import { type SelfTestReport, selfTest } from '../../../local/campaign/self-test';
import type { CampaignWorkflow } from '../../../local/campaign/types';
import { resolveStateMachines } from '../../../local/template';

const ROOT = path.join(__dirname, '..', '..', '..');
const EXAMPLE_CONFIG = path.join(ROOT, 'infra', 'config', 'example.json');
const BACKUP_CONFIG = path.join(ROOT, 'test', 'fixtures', 'snapshot-backup-config.json');

/** The site of each workflow, as the CLI hands it in: dr-promotion in the DR stack, backups with their fixture. */
function site(workflow: CampaignWorkflow) {
  if (workflow === 'snapshot-backup') return synthesize(BACKUP_CONFIG).primary!;
  const sites = synthesize(EXAMPLE_CONFIG);
  return workflow === 'dr-promotion' ? sites.dr! : sites.primary!;
}

/** A small machine: A → B → C, B's errors caught to D, with a Map whose body starts at X. */
function machine(): AslMachine {
  return {
    StartAt: 'A',
    States: {
      A: { Type: 'Choice', Choices: [{ Next: 'B' }], Default: 'D' },
      B: { Type: 'Task', Next: 'C', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'D' }] },
      C: {
        Type: 'Map',
        Next: 'E',
        ItemProcessor: { StartAt: 'X', States: { X: { Type: 'Task', Next: 'Y' }, Y: { Type: 'Succeed' } } },
      },
      D: { Type: 'Fail' },
      E: { Type: 'Succeed' },
    },
  };
}

let report: SelfTestReport;

beforeAll(async () => {
  report = await selfTest(site, { scenarioFile: (scenario) => path.resolve(ROOT, scenario) });
}, 180_000);

describe('the self-test', () => {
  it('makes every invariant fire on at least one known-bad variant', () => {
    // GIVEN the built-in variants, drilled on their scenarios (beforeAll)
    // WHEN the report is read
    const silent = report.invariants.filter((i) => !i.fired).map((i) => i.name);
    // THEN every invariant fired
    expect(silent).toEqual([]);
    expect(report.allFired).toBe(true);
    expect(report.invariants.map((i) => i.name)).toEqual(INVARIANTS.map((i) => i.name));
  });

  it('finds each variant clean on the unmodified workflow and makes its own invariant fire', () => {
    // GIVEN the same report
    // WHEN each variant's outcome is read
    const outcomes = report.variants.map((v) => ({
      name: v.name,
      error: v.error,
      fired: v.violations.length > 0,
      cleanOnOriginal: v.cleanOnOriginal,
    }));
    // THEN every variant ran, fired its invariant, and its scenario keeps the invariant on the original
    expect(outcomes).toEqual(
      VARIANTS.map((v) => ({ name: v.name, error: undefined, fired: true, cleanOnOriginal: true })),
    );
    expect(report.allCleanOnOriginal).toBe(true);
  });
});

describe('the ASL mutations', () => {
  it('skips a state by sending every transition to it on to its Next', () => {
    // GIVEN a machine where B is reached from a Choice rule
    const m = machine();
    // WHEN B is skipped
    skipState(m, 'B');
    // THEN the rule leads to C and B is gone
    expect(m.States.A.Choices).toEqual([{ Next: 'C' }]);
    expect(m.States.B).toBeUndefined();
  });

  it('skips a state inside a Map body, and forces a Choice one way', () => {
    // GIVEN the same machine
    const m = machine();
    // WHEN X (in the Map's body) is skipped and A always goes to D
    skipState(m, 'X');
    forceChoice(m, 'A', 'D');
    // THEN the body starts at Y and A is a Pass to D
    expect(m.States.C.ItemProcessor).toMatchObject({ StartAt: 'Y', States: { Y: { Type: 'Succeed' } } });
    expect(m.States.A).toEqual({ Type: 'Pass', Next: 'D' });
  });

  it('redirects a Catch and refuses to mutate a state that does not exist', () => {
    // GIVEN the same machine
    const m = machine();
    // WHEN B's errors are sent to E
    redirectCatch(m, 'B', 'E');
    // THEN its Catch leads to E; a missing state is an error, not a silent no-op
    expect(m.States.B.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'E' }]);
    expect(() => skipState(m, 'Nope')).toThrow(/no state "Nope"/);
  });

  it('writes the mutated definition into a copy of the template and prunes what became unreachable', () => {
    // GIVEN the synthesized mirror-failover machine
    const { template, env } = site('mirror-failover');
    // WHEN its deregistration is skipped
    const mutated = mutateTemplate(template, env, 'mirror-failover', (m) =>
      skipState(m, 'Deregister the other members'),
    );
    // THEN the copy's machine no longer has the state, the original is untouched
    const states = (t: typeof template) => {
      const found = resolveStateMachines(t, env).find(
        (x) => x.resource.Metadata?.['ha-workflows:workflow'] === 'mirror-failover',
      );
      return Object.keys((found!.definition as unknown as AslMachine).States);
    };
    expect(states(mutated)).not.toContain('Deregister the other members');
    expect(states(mutated)).not.toContain('Member not deregistered');
    expect(states(template)).toContain('Deregister the other members');
  });
});
