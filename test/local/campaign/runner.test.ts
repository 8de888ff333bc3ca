/**
 * The campaign runner with stand-ins for the catalogue and the invariants: a real workflow (snapshot-backup's happy
 * path as the base), a fault kind that makes thaws fail, a harmless one, and an invariant "nothing is frozen at
 * the end" that enough thaw failures break (the instance backup retries its thaw, ends CRITICAL, and its status event
 * starts the rescue, which retries again; fail more thaws than both and the database stays frozen).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { synthesize } from '../../../cli/template';
import type { DrillResult } from '../../../local/drill';
import {
  type CampaignInputs,
  applySchedule,
  drawSchedule,
  mergeReports,
  runCampaign,
  scheduleSeed,
  shrinkSchedule,
} from '../../../local/campaign/runner';
import type { BaseFacts, FaultInstance, FaultKind, Invariant } from '../../../local/campaign/types';
import { loadScenario } from '../../../local/scenario/load';
import type { ScenarioInput } from '../../../local/scenario/schema';

const BASE_FILE = path.join(__dirname, '..', '..', 'scenarios', 'snapshot-backup', 'happy-path.json');
const THAW = 'ha-workflows-eu-west-1-iris-thaw';

/** Every thaw fails `times` times (before the base's own script, which thaws). */
const thawFails: FaultKind = {
  name: 'thaw-fails',
  description: 'the thaw command fails n times',
  workflows: ['snapshot-backup'],
  draw: (rng) => ({ times: 1 + Math.floor(rng.next() * 20) }),
  apply: (scenario, params) => {
    const ssm = (scenario.environment as { ssm: { scripts: Record<string, unknown>[] } }).ssm;
    ssm.scripts.unshift({ match: { document: THAW }, exitCode: 1, stdout: 'STILL_FROZEN', times: params.times });
  },
  shrink: (params) => {
    const times = Number(params.times);
    return times > 1 ? [{ times: Math.floor(times / 2) }, { times: times - 1 }] : [];
  },
};

/** A fault that changes nothing the invariant sees: a little latency on DescribeSnapshots. */
const slowDescribe: FaultKind = {
  name: 'slow-describe',
  description: 'DescribeSnapshots takes longer',
  workflows: ['snapshot-backup'],
  draw: (rng) => ({ seconds: Math.round(rng.next() * 5) }),
  apply: (scenario, params) => {
    (scenario.faults ??= []).push({
      service: 'ec2',
      action: 'DescribeSnapshots',
      addLatencySeconds: Number(params.seconds),
    });
  },
};

const notFrozenAtEnd: Invariant = {
  name: 'not-frozen-at-end',
  description: 'no instance is frozen when the drill ends',
  workflows: ['snapshot-backup'],
  check: (result: DrillResult) => {
    const instances = (
      result.environment.ec2 as { instances: { instanceId: string; workload: { frozen?: boolean } }[] }
    ).instances;
    return instances
      .filter((i) => i.workload.frozen === true)
      .map((i) => ({
        invariant: 'not-frozen-at-end',
        atSeconds: result.modeledSeconds,
        detail: `${i.instanceId} frozen`,
      }));
  },
};

let inputs: CampaignInputs;
beforeAll(() => {
  const scenario = JSON.parse(readFileSync(BASE_FILE, 'utf8')) as ScenarioInput;
  delete (scenario as { expect?: unknown }).expect;
  const site = synthesize(path.resolve(path.dirname(BASE_FILE), scenario.config as string)).primary!;
  inputs = {
    workflow: 'snapshot-backup',
    site,
    base: { file: BASE_FILE, scenario },
    facts: (result): BaseFacts => ({
      workflow: 'snapshot-backup',
      zones: ['eu-west-1a'],
      instanceIds: ['i-0bbbbbbbbbbbbbbb1'],
      actions: [...new Set(result.calls.map((c) => `${c.service}:${c.action}`))],
      durationSeconds: result.modeledSeconds,
    }),
    kinds: [thawFails, slowDescribe],
    invariants: [notFrozenAtEnd],
  };
});

const FACTS: BaseFacts = {
  workflow: 'snapshot-backup',
  zones: ['eu-west-1a'],
  instanceIds: [],
  actions: [],
  durationSeconds: 100,
};

describe('campaign runner', () => {
  it('derives distinct, stable seeds per schedule, and draws the same schedule from the same seed', () => {
    // GIVEN campaign seed 7
    const seeds = Array.from({ length: 50 }, (_, i) => scheduleSeed(7, i));
    // THEN each schedule has its own positive seed, the same every time
    expect(new Set(seeds).size).toBe(50);
    expect(seeds.every((s) => s > 0)).toBe(true);
    expect(Array.from({ length: 50 }, (_, i) => scheduleSeed(7, i))).toEqual(seeds);
    // AND a schedule is a function of its seed
    expect(drawSchedule(seeds[3], [thawFails, slowDescribe], FACTS, 3)).toEqual(
      drawSchedule(seeds[3], [thawFails, slowDescribe], FACTS, 3),
    );
  });

  it('draws only kinds that apply to the workflow, 1 to maxFaults of them', () => {
    const other: FaultKind = { ...slowDescribe, name: 'other', workflows: ['instance-recovery'] };
    for (let i = 0; i < 30; i++) {
      const faults = drawSchedule(scheduleSeed(1, i), [thawFails, other], FACTS, 2);
      expect(faults.length).toBeGreaterThanOrEqual(1);
      expect(faults.length).toBeLessThanOrEqual(2);
      expect(faults.every((f) => f.kind === 'thaw-fails')).toBe(true);
    }
  });

  it('applies faults to a copy of the base, which stays untouched', () => {
    const before = JSON.stringify(inputs.base.scenario);
    const scenario = applySchedule(inputs, 5, [{ kind: 'thaw-fails', params: { times: 3 } }]);
    expect(JSON.stringify(inputs.base.scenario)).toBe(before);
    expect(scenario.seed).toBe(5);
    expect(JSON.stringify(scenario.environment)).toContain('STILL_FROZEN');
  });

  it('finds the violation, shrinks the schedule to the one fault that matters and writes a scenario that replays it', async () => {
    // GIVEN a campaign of 6 schedules whose faults include thaw failures
    const out = mkdtempSync(path.join(tmpdir(), 'campaign-'));
    // WHEN it runs
    const report = await runCampaign(inputs, { schedules: 6, seed: 3, outDir: out, shrinkBudget: 20 });
    // THEN the schedules with enough thaw failures violate the invariant; each failure is shrunk to thaw faults only
    //      (two thaw faults stay when neither alone fails enough thaws: the shrunk schedule is 1-minimal)
    expect(report.schedules).toBe(6);
    expect(report.errors).toBe(0);
    expect(report.violations).toBeGreaterThan(0);
    expect(report.violations).toBe(report.failures.length);
    for (const f of report.failures) {
      expect(f.invariant).toBe('not-frozen-at-end');
      expect(new Set(f.faults.map((x) => x.kind))).toEqual(new Set(['thaw-fails']));
      // AND the written scenario loads, names the invariant, and keeps the faults
      const written = loadScenario(f.scenario!);
      expect(written.expect?.invariants).toEqual(['not-frozen-at-end']);
      expect(JSON.stringify(written.environment)).toContain('STILL_FROZEN');
    }
    // AND coverage counts the kinds drawn and the states entered
    expect(Object.keys(report.coverage.faultKinds).sort()).toEqual(
      Object.keys(report.coverage.faultKinds)
        .filter((k) => ['thaw-fails', 'slow-describe'].includes(k))
        .sort(),
    );
    expect(report.coverage.statesVisited).toBeGreaterThan(5);
    expect(report.coverage.faultStatePairs).toBeGreaterThanOrEqual(report.coverage.statesVisited);
  });

  it('shrinks a fault parameter while the violation persists', async () => {
    // GIVEN a schedule with a harmless fault and 40 thaw failures (more than the backup's 5 and the rescue's 20)
    const faults: FaultInstance[] = [
      { kind: 'slow-describe', params: { seconds: 2 } },
      { kind: 'thaw-fails', params: { times: 40 } },
    ];
    const failing = { seed: 9, faults, violations: [], statesVisited: [] };
    // WHEN it is shrunk
    const shrunk = await shrinkSchedule(inputs, failing, 'not-frozen-at-end', 30);
    // THEN only the thaw fault is left, with fewer failures than 40, and it still violates
    expect(shrunk.faults.map((f) => f.kind)).toEqual(['thaw-fails']);
    expect(Number(shrunk.faults[0].params.times)).toBeLessThan(40);
    expect(shrunk.violations.map((v) => v.invariant)).toContain('not-frozen-at-end');
  });

  it("merges workers' reports: sums counts, unions the coverage sets", () => {
    const part = (kinds: Record<string, number>, states: string[], violations: number) => ({
      workflow: 'snapshot-backup' as const,
      schedules: 3,
      seed: 1,
      violations,
      errors: 0,
      failures: [],
      coverage: { faultKinds: kinds, statesVisited: states.length, faultStatePairs: 0 },
      visited: { states, pairs: states.map((s) => `k\u0000${s}`) },
      errorSamples: [],
    });
    const merged = mergeReports([part({ a: 1 }, ['x', 'y'], 1), part({ a: 2, b: 1 }, ['y', 'z'], 0)]);
    expect(merged).toMatchObject({ schedules: 6, violations: 1, coverage: { faultKinds: { a: 3, b: 1 } } });
    expect(merged.coverage.statesVisited).toBe(3);
    expect(merged.coverage.faultStatePairs).toBe(3);
  });
});
