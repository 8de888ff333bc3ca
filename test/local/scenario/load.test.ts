import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadScenario, parseScenario, ScenarioError } from '../../../local/scenario/load';

const minimal = { name: 'x', workflow: 'instance-recovery', triggers: [{ input: { instanceId: 'i-1' } }] };

describe('scenario files', () => {
  it('fills the defaults of a minimal scenario', () => {
    const s = parseScenario(minimal);
    expect(s).toMatchObject({ site: 'primary', seed: 1, faults: [], approvals: [], latency: {} });
    expect(s.triggers[0].start).toBe('together');
  });

  it('names the file, the JSON path, the value and what is allowed for each problem', () => {
    const bad = {
      ...minimal,
      seed: -1,
      faults: [{ service: 'ec3', action: 'runInstances' }],
      triggers: [{ input: {}, event: { source: 's', 'detail-type': 'd', detail: {} } }],
      extra: true,
    };
    let error: ScenarioError | undefined;
    try {
      parseScenario(bad, 'drills/bad.json');
    } catch (e) {
      error = e as ScenarioError;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect(error?.message).toContain('Invalid scenario drills/bad.json');
    expect(error?.message).toContain('$.seed: got -1');
    expect(error?.message).toMatch(/\$\.faults\[0\]\.service: got "ec3"; .*"ec2"/);
    expect(error?.message).toContain('$.faults[0].action: got "runInstances"; must be a PascalCase API action');
    expect(error?.message).toContain('$.triggers[0]: got');
    expect(error?.message).toContain('give exactly one of "event", "input" or "alarm"');
    expect(error?.message).toContain('$.extra: unknown field');
  });

  it('refuses an API fault window that closes before it opens', () => {
    // GIVEN a fault from second 30 until second 30, and one from 0 until 10
    const fault = { service: 'ec2', action: 'RunInstances', error: { code: 'RequestLimitExceeded' } };
    const empty = { ...minimal, faults: [{ ...fault, afterSeconds: 30, untilSeconds: 30 }] };
    const open = { ...minimal, faults: [{ ...fault, untilSeconds: 10 }] };
    // WHEN they are parsed / THEN the empty window is refused at its path, the other accepted
    expect(() => parseScenario(empty)).toThrow(/\$\.faults\[0\]\.untilSeconds: .*must be after "afterSeconds"/);
    expect(parseScenario(open).faults[0]).toMatchObject({ untilSeconds: 10 });
  });

  it('reports a file that is not JSON with the parser message', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scenario-'));
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{ "name": ');
    expect(() => loadScenario(file)).toThrow(/Invalid scenario .*broken\.json:\n {2}- not valid JSON/);
    expect(() => loadScenario(path.join(dir, 'missing.json'))).toThrow(/cannot read the file/);
  });
});
