import * as path from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  mayRestartAt,
  type RedriveFacts,
  redriveCommand,
  redriveVerdict,
  WORKFLOW_RULES,
  workflowOf,
} from '../../../cli/commands/redrive';
import { synthesize } from '../../../cli/template';
import { WORKFLOW_METADATA_KEY } from '../../../contracts/metadata';
import { VirtualClock } from '../../../local/clock';
import { buildWorld } from '../../../local/drill';
import { ScriptedApprovals } from '../../../local/engine/approvals';
import type { StepFunctionsSimulator } from '../../../local/engine/stepfunctions';
import { SimulatedRegion } from '../../../local/region/region';
import { loadScenario } from '../../../local/scenario/load';
import { type LocalEndpoint, serveStepFunctions } from '../../../local/server';
import { resolveStateMachines } from '../../../local/template';

const ROOT = path.join(__dirname, '..', '..', '..');
const CONFIG = path.join(ROOT, 'infra', 'config', 'example.json');

type Definition = RedriveFacts['definition'] & { States: Record<string, { Type: string; Iterator?: unknown }> };

/** Every synthesized definition (both sites), by workflow id. */
function definitions(): Map<string, Definition> {
  const sites = synthesize(CONFIG);
  const out = new Map<string, Definition>();
  for (const site of [sites.primary, sites.dr]) {
    if (!site) continue;
    for (const m of resolveStateMachines(site.template, site.env)) {
      out.set(String(m.resource.Metadata?.[WORKFLOW_METADATA_KEY]), m.definition as unknown as Definition);
    }
  }
  return out;
}

/** The history of an execution that entered `states` in order (the events the verdict reads). */
const entered = (...states: string[]) =>
  states.map((name) => ({ type: 'TaskStateEntered' as const, stateEnteredEventDetails: { name } }));

const redrivable = (status: 'FAILED' | 'ABORTED' | 'TIMED_OUT', input = '{}') =>
  ({ status, redriveStatus: 'REDRIVABLE', input }) as const;

describe('ha-workflows redrive: the rules', () => {
  let defs: Map<string, Definition>;
  beforeAll(() => {
    defs = definitions();
  });

  it('recognises every workflow by its marker state, and every state its rules name exists', () => {
    expect([...defs.keys()].sort()).toEqual(WORKFLOW_RULES.map((r) => r.id).sort());
    for (const [id, definition] of defs) {
      expect(workflowOf(definition)?.id).toBe(id);
      const rule = WORKFLOW_RULES.find((r) => r.id === id)!;
      const topLevel = Object.keys(definition.States);
      const r = rule.restartable;
      const named = r === undefined ? [] : 'except' in r ? r.except : r.only;
      expect(named.filter((s) => !topLevel.includes(s))).toEqual([]);
      if (r && 'prefix' in r && r.prefix) expect(topLevel.some((s) => s.startsWith(r.prefix!))).toBe(true);
      // A redrive from the very start is always allowed: it is a new run under the same name.
      expect(mayRestartAt(rule, definition.StartAt)).toBe(true);
    }
  });

  it('refuses a DR promotion that timed out waiting for its approval: the release has freed the mirror set lock', () => {
    const definition = defs.get('dr-promotion')!;
    const verdict = redriveVerdict({
      execution: redrivable('TIMED_OUT'),
      definition,
      history: entered(
        'Keep the request',
        'Validate the request',
        'Is the request valid?',
        'Use the validated request',
        'Take the mirror set lock',
        'Ask the DR member for its mirror state',
        'Run the preflight checks',
        'What did the preflight find?',
        'Ask an operator to approve the promotion',
      ),
    });
    expect(verdict).toMatchObject({ redrivable: false, point: 'Ask an operator to approve the promotion' });
    const reason = verdict.redrivable ? '' : verdict.reason;
    expect(reason).toContain('after "Ask the DR member for its mirror state" had run');
    expect(reason).toContain('the DR release machine');
    expect(reason).toContain('ha-workflows dr start');
  });

  it('refuses a backup whose freeze had been sent: the rescue has thawed it, and the set would be labelled consistent', () => {
    const verdict = redriveVerdict({
      execution: redrivable('ABORTED'),
      definition: defs.get('snapshot-backup-instance')!,
      history: entered(
        'Plan the backup',
        'Start counting lock attempts',
        'Take the backup lock',
        'Freeze the database first?',
        'Prepare the freeze',
        'Freeze the database',
      ),
    });
    expect(verdict).toMatchObject({ redrivable: false, point: 'Freeze the database' });
    expect(verdict.redrivable || verdict.reason).toMatch(/"Take the backup lock" had run.*backup rescue/s);
  });

  it('refuses a backup run stopped in its Map: a stopped child would count as done', () => {
    const verdict = redriveVerdict({
      execution: redrivable('ABORTED'),
      definition: defs.get('snapshot-backup')!,
      history: entered('Select the instances to back up', 'Is there an instance to back up?', 'Back up each instance'),
    });
    // "Select the instances" is a read: the refusal is the Map's own.
    expect(verdict.redrivable || verdict.reason).toContain('Backup already done in this run');
  });

  it('redrives a lock janitor, unless the execution it cleans up after is running again (redriven)', () => {
    const definition = defs.get('lock-janitor')!;
    const ended = 'arn:aws:states:eu-west-1:123456789012:execution:InstanceRecovery:r-1';
    const input = JSON.stringify({ detail: { executionArn: ended, status: 'ABORTED' } });
    const history = entered(
      'Read the event',
      'Take the ended execution from the event',
      'Find the locks of the ended execution',
      'Release each lock of the ended execution',
    );
    expect(
      redriveVerdict({
        execution: redrivable('TIMED_OUT', input),
        definition,
        history,
        subject: { status: 'ABORTED' },
      }),
    ).toEqual({ redrivable: true, workflow: 'lock-janitor', point: 'Release each lock of the ended execution' });
    const verdict = redriveVerdict({
      execution: redrivable('TIMED_OUT', input),
      definition,
      history,
      subject: { status: 'RUNNING', redriveDate: new Date('2026-01-05T10:00:00Z') },
    });
    expect(verdict.redrivable || verdict.reason).toContain(`(${ended}) is RUNNING again`);
  });

  it("passes on Step Functions' own refusal, and refuses a state machine that is not ours", () => {
    const definition = defs.get('mirror-failover')!;
    expect(
      redriveVerdict({
        execution: {
          status: 'SUCCEEDED',
          redriveStatus: 'NOT_REDRIVABLE',
          redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
        },
        definition,
        history: [],
      }),
    ).toEqual({
      redrivable: false,
      reason: 'Step Functions would refuse it: Execution is SUCCEEDED and cannot be redriven',
    });
    expect(
      redriveVerdict({
        execution: redrivable('FAILED'),
        definition: { StartAt: 'A', States: { A: { Type: 'Task' } } },
        history: entered('A'),
      }),
    ).toMatchObject({
      redrivable: false,
      reason: expect.stringContaining('none of the ha-workflows workflows') as unknown,
    });
  });
});

describe('ha-workflows redrive against local serve', () => {
  let endpoint: LocalEndpoint;
  let client: SFNClient;
  let sfn: StepFunctionsSimulator;
  let recoveryArn: string;
  const printed: string[] = [];
  const print = (line: string) => printed.push(line);

  beforeAll(async () => {
    const site = synthesize(CONFIG).primary!;
    recoveryArn = resolveStateMachines(site.template, site.env).find(
      (m) => m.resource.Metadata?.[WORKFLOW_METADATA_KEY] === 'instance-recovery',
    )!.arn;
    const scenario = loadScenario(
      path.join(ROOT, 'test', 'scenarios', 'instance-recovery', 'no-candidate-subnet.json'),
    );
    const region = new SimulatedRegion({
      seed: 5,
      regionName: site.env.region,
      accountId: site.env.account,
      clock: new VirtualClock(),
    });
    const world: StepFunctionsSimulator = buildWorld(region, site.template, site.env, scenario.environment, {
      broker: new ScriptedApprovals(region, []),
      // The operator stops the execution named "stopped" once, as it enters the inspection (before any write).
      onTimeline: (execution, entry) => {
        if (
          execution.name === 'stopped' &&
          execution.status === 'RUNNING' &&
          !execution.redriveCount &&
          entry.state === 'Inspect failed instance'
        ) {
          world.actions.StopExecution({ executionArn: execution.executionArn, error: 'Operator', cause: 'test' });
        }
      },
    });
    sfn = world;
    endpoint = await serveStepFunctions(region, 0);
    client = new SFNClient({
      endpoint: endpoint.url,
      region: site.env.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await endpoint.close();
  });
  beforeEach(() => {
    printed.length = 0;
    process.exitCode = undefined;
  });
  afterEach(() => {
    process.exitCode = undefined;
  });

  const run = async (name: string) => {
    const e = sfn.start(recoveryArn, JSON.stringify({ instanceId: 'i-0123456789abcdef0' }), name);
    await sfn.idle();
    return e;
  };

  it('refuses a failure that ended in its Fail state, with exit code 1 and the reason', async () => {
    const e = await run('failed');
    expect(e.status).toBe('FAILED');
    expect(await redriveCommand(client, e.executionArn, {}, print)).toBe(false);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(
      /^Not redriven \(instance-recovery\): it ended in the Fail state "Recovery not started"/,
    );
    expect(e.redriveCount).toBeUndefined();
  });

  it('redrives an execution stopped before its first write, with exit code 0 (and --json)', async () => {
    const e = await run('stopped');
    expect(e.status).toBe('ABORTED');
    expect(await redriveCommand(client, e.executionArn, { json: true }, print)).toBe(true);
    const out = JSON.parse(printed[0]) as Record<string, unknown>;
    expect(out).toMatchObject({
      executionArn: e.executionArn,
      redriven: true,
      workflow: 'instance-recovery',
      point: 'Inspect failed instance',
    });
    expect(typeof out.redriveDate).toBe('string');
    await sfn.idle();
    // It ran again from the inspection (and, with no subnet to move to, ended in its own failure path).
    expect(e.redriveCount).toBe(1);
    expect(e.status).toBe('FAILED');
    expect(e.history.filter((h) => h.stateEnteredEventDetails?.name === 'Inspect failed instance')).toHaveLength(2);
  });

  it('lets an unknown execution fail as an input error (the CLI exits 2 on it)', async () => {
    await expect(
      redriveCommand(client, recoveryArn.replace(':stateMachine:', ':execution:') + ':nope', {}, print),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});
