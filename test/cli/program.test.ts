/**
 * Every `ha-workflows` command path ends with the documented exit code (docs/cli.md#exit-codes): 0 success, 1 the
 * workflow or drill failed, 2 usage or input error; each bad input gets a message naming what and where. The commands
 * run in-process (runCliOutcome) against a `local serve` of the example configuration's DR stack.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { type CliIo, runCliOutcome } from '../../cli/program';
import { serve } from '../../cli/serve';
import type { LocalEndpoint } from '../../local/server';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE_CONFIG = path.join(ROOT, 'infra', 'config', 'example.json');
const EXAMPLE_SCENARIO = path.join(ROOT, 'test', 'scenarios', 'instance-recovery.json');
const DR_WORLD = path.join(ROOT, 'test', 'scenarios', 'dr-promotion', 'approved.json');
const DIR = mkdtempSync(path.join(tmpdir(), 'cli-program-'));

/** Runs one command line in-process; returns its exit code, usage kind and what it printed. */
async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), invokedAs: 'ha-workflows' };
  const outcome = await runCliOutcome(argv, io);
  return { ...outcome, out, err };
}

function writeTemp(name: string, data: unknown): string {
  const file = path.join(DIR, name);
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
}

/** The example scenario, with its configuration by absolute path and `change` applied. */
function exampleScenario(name: string, change: (s: Record<string, unknown>) => void): string {
  const scenario = JSON.parse(readFileSync(EXAMPLE_SCENARIO, 'utf8')) as Record<string, unknown>;
  scenario.config = EXAMPLE_CONFIG;
  delete scenario.$schema;
  change(scenario);
  return writeTemp(name, scenario);
}

describe('ha-workflows (root)', () => {
  it('prints the version of package.json and exits 0', async () => {
    const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await run('--version');
    expect(r).toMatchObject({ exitCode: 0, out: `${version}\n` });
  });

  it('exits 2 for an unknown command, naming it', async () => {
    const r = await run('promote');
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain("unknown command 'promote'");
  });
});

describe('ha-workflows drill', () => {
  it('exits 2 for an unknown option, naming it', async () => {
    const r = await run('drill', EXAMPLE_SCENARIO, '--verbose');
    expect(r).toMatchObject({ exitCode: 2, usage: 'commander.unknownOption' });
    expect(r.err).toContain("unknown option '--verbose'");
  });

  it('exits 2 for a bad --seed, naming the option and what it takes', async () => {
    const r = await run('drill', EXAMPLE_SCENARIO, '--seed', '-3');
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain("option '--seed <n>' argument '-3' is invalid. must be a non-negative integer");
  });

  it('exits 2 for a file that cannot be read, naming it', async () => {
    const r = await run('drill', path.join(DIR, 'nope.json'));
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain(`Invalid scenario ${path.join(DIR, 'nope.json')}:\n  - cannot read the file`);
  });

  it('exits 2 for an invalid scenario and keeps every reason in --json (an object for one file)', async () => {
    const file = writeTemp('bad.json', { name: 'bad', workflow: 'instance-recovery', triggers: [], seed: -1 });
    const r = await run('drill', file, '--json');
    expect(r.exitCode).toBe(2);
    const json = JSON.parse(r.out) as { file: string; ok: boolean; error: string; problems: string[] };
    expect(json).toMatchObject({ file, ok: false, error: `Invalid scenario ${file}:` });
    expect(json.problems).toEqual([
      expect.stringMatching(/^\$\.seed: got -1; /),
      expect.stringMatching(/^\$\.triggers: got \[\]; must have at least one trigger/),
    ]);
    expect(r.out).not.toMatch(/Invalid input|Too small/);
  });

  it('exits 1 when a drill fails its expectations, and prints an array for several files', async () => {
    const failing = exampleScenario('expects-failure.json', (s) => {
      (s.expect as Record<string, unknown>).status = 'FAILED';
    });
    const r = await run('drill', failing, EXAMPLE_SCENARIO, '--json');
    expect(r.exitCode).toBe(1);
    const json = JSON.parse(r.out) as { file: string; ok: boolean }[];
    expect(json.map((x) => [x.file, x.ok])).toEqual([
      [failing, false],
      [EXAMPLE_SCENARIO, true],
    ]);
  });

  it('streams one summary line per scenario within 80 columns, with the reasons of a failure', async () => {
    const failing = exampleScenario('fails-quietly.json', (s) => {
      (s.expect as Record<string, unknown>).status = 'FAILED';
    });
    const bad = writeTemp('invalid.json', { name: 'bad', workflow: 'instance-recovery', triggers: [] });
    const r = await run('drill', '--quiet', failing, bad);
    expect(r.exitCode).toBe(2);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(r.out).toMatch(
      /^Scenario files in [^]*\/:\nresult\s+status\s+modeled\s+trans\s+fns\s+API\s+scenario\n-{80}\n/,
    );
    expect(r.out).toMatch(/\nFAILED\s+SUCCEEDED\s+[\d.]+ s\s+\d+\s+\d+\s+\d+\s+fails-quietly\.json\n/);
    expect(r.out).toContain('- expected');
    expect(r.out).toMatch(
      /\nERROR\s+-[\s-]+invalid\.json\n\s+- \$\.triggers: got \[\]; must have at least one trigger/,
    );
    expect(lines.at(-1)).toMatch(/^2 scenario\(s\) in [\d.]+ s: 0 ok, 1 failed, 1 could not run$/);
  });
});

describe('ha-workflows campaign, graph, schema', () => {
  it('exits 2 without a workflow, or with one it does not know', async () => {
    expect(await run('campaign')).toMatchObject({ exitCode: 2, err: 'name a workflow, or give --self-test\n' });
    const r = await run('campaign', 'backup');
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain('workflow "backup": one of instance-recovery');
  });

  it('exits 2 for a --format it does not render, naming the choices', async () => {
    const r = await run('graph', 'instance-recovery', '--format', 'png');
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain("argument 'png' is invalid. Allowed choices are mermaid, svg.");
  });

  it('exits 2 for a configuration that cannot be read', async () => {
    const r = await run('graph', 'instance-recovery', '--config', path.join(DIR, 'missing-config.json'));
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain(`Invalid configuration ${path.join(DIR, 'missing-config.json')}:`);
  });

  it('prints the scenario schema and exits 0', async () => {
    const r = await run('schema');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.out)).toHaveProperty('properties.workflow');
  });
});

describe('ha-workflows local serve (options checked before synthesizing)', () => {
  it.each([
    [['--site', 'moon'], '--site moon: one of primary, dr'],
    [['--port', '70000'], '--port 70000: a port number from 0 (any free port) to 65535'],
    [['--time-scale', '0'], '--time-scale 0: a number of modeled seconds per wall-clock second above 0'],
    [['--config', EXAMPLE_CONFIG, '--scenario', EXAMPLE_SCENARIO], '--config and --scenario: give one'],
    [
      ['--scenario', EXAMPLE_SCENARIO, '--site', 'dr'],
      `--site dr: the scenario ${EXAMPLE_SCENARIO} runs on the primary site`,
    ],
  ])('exits 2 for %j: %s', async (args, message) => {
    const r = await run('local', 'serve', ...args);
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain(message);
  });

  it('names the sites a configuration has when it has no DR stack', async () => {
    const config = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>;
    delete config.drRegion;
    for (const set of config.mirrorSets as Record<string, unknown>[]) delete set.dr;
    const file = writeTemp('no-dr.json', config);
    const r = await run('local', 'serve', '--config', file, '--site', 'dr');
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain(
      `--site dr: the configuration ${file} has no DR stack (no drRegion); its only site is primary`,
    );
  });
});

describe('the commands that call Step Functions, against local serve', () => {
  let endpoint: LocalEndpoint;
  let client: SFNClient;
  const FLAGS = ['--mirror-set', 'db-1', '--member', 'i-0ccccccccccccccc3', '--requested-by', 'jane'];
  const aws = () => ['--endpoint', endpoint.url];

  beforeAll(async () => {
    // The world of the approved DR drill: the DR member exists and answers, so the preflight passes.
    ({ endpoint } = await serve({ port: 0, config: EXAMPLE_CONFIG, site: 'dr', scenario: DR_WORLD, timeScale: 50 }));
    client = new SFNClient({
      endpoint: endpoint.url,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });
  afterAll(async () => {
    // Executions still waiting for an approval are stopped, as an operator would.
    const machines = (await client.send(new ListStateMachinesCommand({}))).stateMachines;
    for (const m of machines ?? []) {
      const { executions } = await client.send(
        new ListExecutionsCommand({ stateMachineArn: m.stateMachineArn, statusFilter: 'RUNNING' }),
      );
      for (const e of executions ?? []) await client.send(new StopExecutionCommand({ executionArn: e.executionArn }));
    }
    client.destroy();
    await endpoint.close();
  });

  it('dr start: exits 2 for an invalid request, listing every problem, before any call', async () => {
    const r = await run('dr', 'start', '--mirror-set', 'db 1', '--reason', 'x', '--requested-by', 'jane', ...aws());
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain('The DR promotion request is invalid; nothing was started:');
    expect(r.err).toContain('$.mirrorSet: got "db 1"');
    expect(r.err).toContain('$.member: missing');
    expect(r.err).toContain('$.reason: got "x"');
  });

  it('dr start: exits 2 for an unreadable --input file, naming it', async () => {
    const r = await run('dr', 'start', '--input', path.join(DIR, 'no-request.json'), ...aws());
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain(`--input ${path.join(DIR, 'no-request.json')}: cannot read the file`);
  });

  it('dr start: a member the deployed configuration does not have fails the workflow validation: exit 1 with the cause, also when repeated', async () => {
    const argv = ['dr', 'start', ...FLAGS.slice(0, 2), '--member', 'i-0ddddddddddddddd4', ...FLAGS.slice(4)];
    const first = await run(...argv, '--reason', 'site lost for the exit code test', ...aws());
    expect(first.exitCode).toBe(1);
    expect(first.out).toMatch(/^Started arn:aws:states:eu-central-1:\d{12}:execution:/);
    expect(first.err).toContain('The DR promotion FAILED: InvalidInput');
    expect(first.err).toContain('i-0ddddddddddddddd4');
    // WHEN the same request is sent again THEN it is reported as failed, not started again
    const again = await run(...argv, '--reason', 'site lost for the exit code test', ...aws());
    expect(again.exitCode).toBe(1);
    expect(again.out).toContain('Already started by the same request (FAILED)');
    expect(again.err).toContain('InvalidInput');
  });

  it('dr start: waits for the approval and prints follow-up commands that carry --endpoint', async () => {
    const r = await run('dr', 'start', ...FLAGS, '--reason', 'eu-west-1 database site lost', '--practice', ...aws());
    expect(r.exitCode).toBe(0);
    const arn = /^Started (\S+)$/m.exec(r.out)?.[1] as string;
    expect(r.out).toContain(`It waits for an approval`);
    expect(r.out).toContain(`ha-workflows approve ${arn} --by <your name> --endpoint ${endpoint.url}`);
    expect(r.out).toContain(`Follow it: ha-workflows watch ${arn} --endpoint ${endpoint.url}`);

    // approve without --by: exit 2, nothing sent
    const noBy = await run('approve', arn, ...aws());
    expect(noBy).toMatchObject({ exitCode: 2, usage: 'UsageError' });
    expect(noBy.err).toContain('ha-workflows approve: --by <your name> is required');

    // reject --json, then watch: the execution FAILED, exit 1
    const rejected = await run('reject', arn, '--by', 'sam', '--reason', 'not today', '--json', ...aws());
    expect(rejected.exitCode).toBe(0);
    expect(JSON.parse(rejected.out)).toMatchObject({
      executionArn: arn,
      approved: false,
      by: 'sam',
      reason: 'not today',
    });
    const watched = await run('watch', arn, '--json', ...aws());
    expect(watched.exitCode).toBe(1);
    expect(JSON.parse(watched.out)).toMatchObject({ executionArn: arn, status: 'FAILED' });

    // approving an execution that waits for nothing: exit 2
    const nothing = await run('approve', arn, '--by', 'sam', ...aws());
    expect(nothing.exitCode).toBe(2);
    expect(nothing.err).toContain('is waiting for approval');

    // status --json: the execution's ARN, the workflow id and its error
    const status = await run('status', '--json', ...aws());
    expect(status.exitCode).toBe(0);
    const rows = JSON.parse(status.out) as Record<string, unknown>[];
    expect(rows.find((row) => row.executionArn === arn)).toMatchObject({
      workflow: 'dr-promotion',
      status: 'FAILED',
      error: expect.any(String),
    });
  });

  it('watch: exits 2 for an execution that does not exist, naming the error', async () => {
    const r = await run('watch', 'arn:aws:states:eu-central-1:123456789012:execution:Nope:nope', ...aws());
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain('ExecutionDoesNotExist');
  });

  it('status: exits 2 for a bad --limit', async () => {
    const r = await run('status', '--limit', '0', ...aws());
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain("option '--limit <n>' argument '0' is invalid. must be a positive integer");
  });

  it('dr unlock: exits 2 without --mirror-set', async () => {
    const r = await run('dr', 'unlock', '--by', 'sam', ...aws());
    expect(r.exitCode).toBe(2);
    expect(r.err).toContain('ha-workflows dr unlock: --mirror-set <name> is required.');
  });
});
