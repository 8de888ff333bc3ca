import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { drillFile, formatSummary, formatTimeline } from '../../cli/drill';
import { scenarioJsonSchema } from '../../cli/schema';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'test', 'scenarios', 'instance-recovery.json');

describe('ha-workflows drill', () => {
  it('drills the example scenario and prints a timeline with the result', async () => {
    const result = await drillFile(EXAMPLE);
    expect(result.ok).toBe(true);
    const text = formatTimeline(result);
    expect(text).toMatch(/Take the group lock: dynamodb:UpdateItem/);
    expect(text).toMatch(/RESULT: ok$/);
    expect(formatSummary([{ file: EXAMPLE, result }])).toMatch(
      /\nok\s+SUCCEEDED\s+[\d.]+ s\s+\d+\s+\d+\s+\d+\s+instance-recovery\.json\n/,
    );
  });

  it('gives the same modeled result for the same seed', async () => {
    const a = await drillFile(EXAMPLE, 5);
    const b = await drillFile(EXAMPLE, 5);
    expect(b.modeledSeconds).toBe(a.modeledSeconds);
    expect(b.timeline.map((e) => [e.at, e.state, e.detail])).toEqual(a.timeline.map((e) => [e.at, e.state, e.detail]));
  });

  it('exits 2 (an input error) and prints file, path and reason for an invalid scenario, running nothing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ name: 'bad', workflow: 'instance-recovery', triggers: [] }));
    let status = 0;
    let stderr = '';
    try {
      execFileSync(
        process.execPath,
        [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'cli/bin.ts', 'drill', file],
        {
          cwd: ROOT,
          stdio: 'pipe',
        },
      );
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      status = err.status;
      stderr = err.stderr.toString();
    }
    expect(status).toBe(2);
    expect(stderr).toContain(`Invalid scenario ${file}`);
    expect(stderr).toContain('$.triggers: got []; must have at least one trigger');
  });
});

describe('the scenario JSON Schema', () => {
  it('is committed as docs/scenario.schema.json and matches the format the drill accepts', () => {
    const committed = JSON.parse(readFileSync(path.join(ROOT, 'docs', 'scenario.schema.json'), 'utf8'));
    expect(committed).toEqual(scenarioJsonSchema());
  });
});
