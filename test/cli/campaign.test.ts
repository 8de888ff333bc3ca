/**
 * `ha-workflows campaign` over the real catalogue, bases and invariants: a fixed-seed slice per workflow. The slice
 * is small (the machine is shared); `npm run bench` runs the large campaigns.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CampaignUsageError,
  checkWorkflow,
  formatCampaign,
  runCampaignCli,
  shares,
  variantScenarioFile,
} from '../../cli/campaign';
import { VARIANTS } from '../../local/campaign/mutations';
import { CAMPAIGN_WORKFLOWS } from '../../local/campaign/types';

/** The fixed-seed slice per workflow that `npm test` runs (issue #14: 200 schedules per workflow). */
const SLICE = 200;

describe('campaign command', () => {
  it("finds each self-test variant's scenario in the repository, and in the installed package's examples", () => {
    // GIVEN the repository, and a package layout where test/scenarios ships as examples/scenarios
    for (const v of VARIANTS) {
      expect(variantScenarioFile(v.scenario)).toBe(path.resolve(__dirname, '..', '..', v.scenario));
    }
    const pkg = mkdtempSync(path.join(tmpdir(), 'ha-workflows-pkg-'));
    try {
      mkdirSync(path.join(pkg, 'examples', 'scenarios', 'x'), { recursive: true });
      writeFileSync(path.join(pkg, 'examples', 'scenarios', 'x', 'a.json'), '{}');
      // THEN the shipped copy is found, and a missing one is named with both places looked at
      expect(variantScenarioFile('test/scenarios/x/a.json', pkg)).toBe(path.join(pkg, 'examples/scenarios/x/a.json'));
      expect(() => variantScenarioFile('test/scenarios/x/b.json', pkg)).toThrow(
        `self-test: the scenario test/scenarios/x/b.json is neither at ${path.join(pkg, 'test/scenarios/x/b.json')} ` +
          `nor at ${path.join(pkg, 'examples/scenarios/x/b.json')}`,
      );
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });

  it('refuses an unknown workflow with a usage error naming the known ones', () => {
    expect(() => checkWorkflow('instance-recovry')).toThrow(CampaignUsageError);
    expect(() => checkWorkflow('instance-recovry')).toThrow(/one of instance-recovery, mirror-failover/);
  });

  it('exits 2 for a usage error: an unknown workflow, none, or an invalid option value', () => {
    const root = path.join(__dirname, '..', '..');
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'cli/bin.ts', 'campaign', ...args],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
    const unknown = run('nope');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('workflow "nope"');
    expect(run().status).toBe(2);
    const zero = run('instance-recovery', '--schedules', '0');
    expect(zero.status).toBe(2);
    expect(zero.stderr).toContain("option '--schedules <n>' argument '0' is invalid");
  });

  it('splits the schedules into contiguous shares, one per job, none empty', () => {
    expect(shares(10, 3)).toEqual([
      { from: 0, to: 4 },
      { from: 4, to: 8 },
      { from: 8, to: 10 },
    ]);
    expect(shares(2, 4)).toEqual([
      { from: 0, to: 1 },
      { from: 1, to: 2 },
    ]);
  });

  it('finds no violation in a fixed-seed slice of dr-promotion schedules, and reports the stable --json shape', async () => {
    // GIVEN 200 schedules of dr-promotion (approvals late, never, refused; fence calls failing; stops; …), seed 1
    // WHEN the campaign runs in this thread
    const report = await runCampaignCli('dr-promotion', { schedules: SLICE, seed: 1, jobs: 1 });
    // THEN every schedule was drilled and none broke an invariant
    expect(report).toMatchObject({ workflow: 'dr-promotion', schedules: SLICE, seed: 1, violations: 0, errors: 0 });
    expect(report.failures).toEqual([]);
    expect(report.errorSamples).toEqual([]);
    // AND the coverage names the fault kinds drawn and counts states and fault × state pairs
    expect(Object.keys(report.coverage.faultKinds).length).toBeGreaterThan(5);
    expect(report.coverage.statesVisited).toBeGreaterThan(20);
    expect(report.coverage.faultStatePairs).toBeGreaterThan(report.coverage.statesVisited);
    expect(report.wallSeconds).toBeGreaterThan(0);
    expect(report.peakRssMiB).toBeGreaterThan(0);
    expect(formatCampaign(report)).toMatch(/^campaign dr-promotion: 200 schedules \(seed 1\)/);
  }, 600_000);

  it.each(['instance-recovery', 'mirror-failover', 'snapshot-backup'] as const)(
    'finds no violation in a fixed-seed slice of %s schedules',
    async (workflow) => {
      // GIVEN 200 schedules, seed 1 (the first 200 of the 10,000 BENCHMARKS.md reports)
      const report = await runCampaignCli(workflow, { schedules: SLICE, seed: 1, jobs: 1 });
      // THEN every schedule was drilled and none broke an invariant
      expect(report.failures).toEqual([]);
      expect(report).toMatchObject({ violations: 0, errors: 0 });
    },
    600_000,
  );

  it.each(CAMPAIGN_WORKFLOWS.filter((w) => w !== 'dr-promotion'))(
    'drills every schedule of a %s slice (no catalogue error) and finds the same failures for the same seed',
    async (workflow) => {
      // GIVEN 8 schedules, seed 5, run twice
      const first = await runCampaignCli(workflow, { schedules: 8, seed: 5, jobs: 1 });
      const again = await runCampaignCli(workflow, { schedules: 8, seed: 5, jobs: 1 });
      // THEN every schedule could be drilled, and the campaign is a function of its seed
      expect(first.errors).toBe(0);
      expect(again.failures).toEqual(first.failures);
      expect(again.coverage).toEqual(first.coverage);
    },
    240_000,
  );
});
