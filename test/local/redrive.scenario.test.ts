/**
 * Redrive of the real synthesized workflows through the engine: what RedriveExecution does to an instance recovery
 * that failed, was stopped before its lock, or was stopped holding its lock (then released by the lock janitor), and
 * what `ha-workflows redrive` decides for each (its verdict is computed on the same facts the CLI reads over the API).
 *
 * Decided (docs/redrive.md): a failure that ended in a Fail state has nothing to redrive; a stop before the first
 * write may be redriven (the run re-reads the world); a stop after the lock was taken may not, since the janitor has
 * released the lock the states after it rely on.
 */
import * as path from 'node:path';
import { synthesize } from '../../cli/template';
import { type RedriveFacts, redriveVerdict } from '../../cli/commands/redrive';
import { VirtualClock } from '../../local/clock';
import { buildWorld } from '../../local/drill';
import { WORKFLOW_METADATA_KEY } from '../../contracts/metadata';
import { ScriptedApprovals } from '../../local/engine/approvals';
import type { ExecutionRecord, StepFunctionsSimulator } from '../../local/engine/stepfunctions';
import { SimulatedRegion } from '../../local/region/region';
import { loadScenario } from '../../local/scenario/load';
import { resolveStateMachines } from '../../local/template';

const ROOT = path.join(__dirname, '..', '..');
const CONFIG = path.join(ROOT, 'infra', 'config', 'example.json');
const SCENARIOS = path.join(ROOT, 'test', 'scenarios', 'instance-recovery');
const INSTANCE = 'i-0123456789abcdef0';

type Item = Record<string, { S?: string; N?: string }>;

describe('redrive of the instance-recovery workflow', () => {
  let site: NonNullable<ReturnType<typeof synthesize>['primary']>;
  let recoveryArn: string;
  beforeAll(() => {
    site = synthesize(CONFIG).primary!;
    recoveryArn = resolveStateMachines(site.template, site.env).find(
      (m) => m.resource.Metadata?.[WORKFLOW_METADATA_KEY] === 'instance-recovery',
    )!.arn;
  });

  /**
   * The world of a scenario file (its environment), with status events delivered (the lock janitor runs), and an
   * operator who stops the recovery as it enters `stopAt`.
   */
  function world(scenarioFile: string, stopAt?: string): { region: SimulatedRegion; sfn: StepFunctionsSimulator } {
    const scenario = loadScenario(path.join(SCENARIOS, scenarioFile));
    const region = new SimulatedRegion({
      regionName: site.env.region,
      accountId: site.env.account,
      seed: 42,
      clock: new VirtualClock(),
    });
    let stopped = false;
    const sfn: StepFunctionsSimulator = buildWorld(region, site.template, site.env, scenario.environment, {
      broker: new ScriptedApprovals(region, []),
      onTimeline: (execution, entry) => {
        if (stopped || !stopAt || execution.stateMachineArn !== recoveryArn) return;
        if (entry.kind === 'state' && entry.state === stopAt && /^entered/.test(entry.detail)) {
          stopped = true;
          sfn.actions.StopExecution({ executionArn: execution.executionArn, error: 'Operator', cause: 'drill' });
        }
      },
    });
    return { region, sfn };
  }

  async function recover(sfn: StepFunctionsSimulator): Promise<ExecutionRecord> {
    const e = sfn.start(recoveryArn, JSON.stringify({ instanceId: INSTANCE }), 'recovery-1');
    await sfn.idle();
    return e;
  }

  const items = (region: SimulatedRegion) =>
    (region.snapshot().dynamodb as { tables: { items: Item[] }[] }).tables.flatMap((t) => t.items);
  const groupItem = (region: SimulatedRegion) => items(region).find((i) => i.pk?.S === 'GROUP#app-1');
  const replacements = (region: SimulatedRegion) =>
    (region.snapshot().ec2 as { instances: { tags?: Record<string, string>; state: string }[] }).instances.filter(
      (i) => i.tags?.['ha-workflows:replaces'] === INSTANCE,
    );
  const writes = (region: SimulatedRegion) =>
    region.calls.filter(
      (c) =>
        c.error === undefined &&
        !/^(Describe|Get|List|Scan|Query|Publish)/.test(c.action) &&
        !['sns', 'sfn'].includes(c.service),
    );
  const subjects = (region: SimulatedRegion) =>
    (region.snapshot().sns as { messages: { subject?: string }[] }).messages.map((m) => m.subject);
  const janitorRuns = (sfn: StepFunctionsSimulator) =>
    [...sfn.executions.values()].filter((e) => e.stateMachineArn.includes('LockJanitor'));

  it('refuses a failure that ended in a Fail state; a redrive by the API re-enters it, changes nothing, and the janitor runs again harmlessly', async () => {
    // GIVEN a recovery that failed (no subnet outside the failed zone) and ended in its Fail state
    const { region, sfn } = world('no-candidate-subnet.json');
    const e = await recover(sfn);
    expect(e.status).toBe('FAILED');
    // THEN the CLI refuses: nothing would be retried
    const verdict = redriveVerdict(await factsOf(region, e));
    expect(verdict).toMatchObject({ redrivable: false, workflow: 'instance-recovery', point: 'Recovery not started' });
    expect(verdict.redrivable || verdict.reason).toMatch(/re-enters that Fail state and fails again/);
    // WHEN someone redrives it through the API all the same
    const writesBefore = writes(region).length;
    const janitorsBefore = janitorRuns(sfn).length;
    await region.call('sfn', 'RedriveExecution', { executionArn: e.executionArn });
    await sfn.idle();
    // THEN it re-entered the Fail state and failed again, wrote nothing, and its second FAILED event's janitor run
    // found nothing to release
    expect(e.status).toBe('FAILED');
    expect(e.redriveCount).toBe(1);
    const redriven = e.history.slice(e.history.findIndex((h) => h.type === 'ExecutionRedriven'));
    expect(redriven.map((h) => h.type)).toEqual(['ExecutionRedriven', 'FailStateEntered', 'ExecutionFailed']);
    expect(writes(region)).toHaveLength(writesBefore);
    const janitors = janitorRuns(sfn);
    expect(janitors).toHaveLength(janitorsBefore + 1);
    expect(janitors.every((j) => j.status === 'SUCCEEDED')).toBe(true);
    expect(groupItem(region)?.owner).toBeUndefined();
  });

  it('redrives a recovery stopped before its lock: the redrive inspects again and recovers once, under the lock', async () => {
    // GIVEN a recovery stopped as it entered "Inspect failed instance" (no call made, nothing written)
    const { region, sfn } = world('operator-input.json', 'Inspect failed instance');
    const e = await recover(sfn);
    expect(e.status).toBe('ABORTED');
    expect(replacements(region)).toHaveLength(0);
    // THEN the CLI allows it, from the inspection
    expect(redriveVerdict(await factsOf(region, e))).toEqual({
      redrivable: true,
      workflow: 'instance-recovery',
      point: 'Inspect failed instance',
    });
    // WHEN it is redriven
    await region.call('sfn', 'RedriveExecution', { executionArn: e.executionArn });
    await sfn.idle();
    // THEN it recovers the instance exactly once and releases the group lock at its end
    expect(e.status).toBe('SUCCEEDED');
    expect(e.result?.timeline.at(-1)?.detail).toBe('succeeded');
    expect(replacements(region).filter((i) => i.state === 'running')).toHaveLength(1);
    expect(groupItem(region)?.owner).toBeUndefined();
    // AND it took the group lock as itself (the same execution ARN) before it changed anything
    const lockTake = region.calls.find(
      (c) =>
        c.service === 'dynamodb' &&
        c.action === 'UpdateItem' &&
        c.error === undefined &&
        JSON.stringify(c.input).includes('GROUP#app-1') &&
        JSON.stringify(c.input).includes(e.executionArn),
    );
    const firstEc2Write = region.calls.find((c) => c.service === 'ec2' && /^(Modify|Terminate|Run)/.test(c.action));
    expect(lockTake).toBeDefined();
    expect(firstEc2Write).toBeDefined();
    expect(region.calls.indexOf(lockTake!)).toBeLessThan(region.calls.indexOf(firstEc2Write!));
  });

  it('refuses a recovery stopped holding its lock (the janitor released it); a redrive through the API fences without it, and then fails loudly', async () => {
    // GIVEN a recovery stopped while it fenced the failed instance, after it took the group lock
    const { region, sfn } = world('stopped-holding-lock.json', 'Swap in deny-all security group');
    const e = await recover(sfn);
    expect(e.status).toBe('ABORTED');
    // AND its ABORTED event's janitor released the lock and recorded NEEDS_ATTENTION
    expect(groupItem(region)?.owner).toBeUndefined();
    expect(groupItem(region)?.state).toEqual({ S: 'NEEDS_ATTENTION' });
    // THEN the CLI refuses, naming the lock it no longer holds and the janitor
    const verdict = redriveVerdict(await factsOf(region, e));
    expect(verdict).toMatchObject({
      redrivable: false,
      workflow: 'instance-recovery',
      point: 'Fence each network interface',
    });
    const reason = verdict.redrivable ? '' : verdict.reason;
    expect(reason).toContain('after "Take the group lock" had run');
    expect(reason).toContain('lock janitor');
    // AND Step Functions itself accepts it, restarting at the fence without the lock: what remains (docs/redrive.md,
    // "What the CLI cannot stop")
    expect(sfn.redrivePoint(e).state).toBe('Fence each network interface');
    const messagesBefore = subjects(region).length;
    await region.call('sfn', 'RedriveExecution', { executionArn: e.executionArn });
    await sfn.idle();
    // BUT the bypass is not silent: the janitor's release left no "own release" for the redriven run to find, so
    // its record of the recovery fails, the group stays NEEDS_ATTENTION, and the operators are told it failed
    expect(e.status).toBe('FAILED');
    expect(groupItem(region)?.state).toEqual({ S: 'NEEDS_ATTENTION' });
    expect(groupItem(region)?.owner).toBeUndefined();
    expect(subjects(region).slice(messagesBefore)).toContain('ha-workflows: instance recovery NEEDS ATTENTION');
  });
});

describe('redrive of a snapshot backup stopped while the database is frozen', () => {
  it('refuses the instance backup (the rescue thawed it) and the run (it ended in its Fail state)', async () => {
    const site = synthesize(CONFIG).primary!;
    const machines = resolveStateMachines(site.template, site.env);
    const arnOf = (workflow: string) =>
      machines.find((m) => m.resource.Metadata?.[WORKFLOW_METADATA_KEY] === workflow)!.arn;
    const runArn = arnOf('snapshot-backup');
    const instanceArn = arnOf('snapshot-backup-instance');
    const scenario = loadScenario(path.join(ROOT, 'test', 'scenarios', 'snapshot-backup.json'));
    const region = new SimulatedRegion({
      regionName: site.env.region,
      accountId: site.env.account,
      seed: 42,
      clock: new VirtualClock(),
    });
    // GIVEN the first instance backup stopped as it is about to take the set, its database frozen
    let stopped: string | undefined;
    let frozenWhenStopped: unknown;
    const sfn: StepFunctionsSimulator = buildWorld(region, site.template, site.env, scenario.environment, {
      broker: new ScriptedApprovals(region, []),
      onTimeline: (execution, entry) => {
        if (stopped || execution.stateMachineArn !== instanceArn) return;
        if (entry.kind === 'state' && entry.state === 'Take the snapshot set' && /^entered/.test(entry.detail)) {
          stopped = execution.executionArn;
          frozenWhenStopped = frozen(region);
          sfn.actions.StopExecution({ executionArn: execution.executionArn, error: 'Operator', cause: 'drill' });
        }
      },
    });
    const run = sfn.start(runArn, JSON.stringify(scenario.triggers[0].input), 'nightly');
    await sfn.idle();
    const child = sfn.executions.get(stopped!)!;
    expect(child.status).toBe('ABORTED');
    expect(frozenWhenStopped).toContain(true);
    // AND its ABORTED event's rescue thawed the database
    expect(frozen(region)).not.toContain(true);
    const subjects = (region.snapshot().sns as { messages: { subject?: string }[] }).messages.map((m) => m.subject);
    expect(subjects).toContain('ha-workflows: backup left a database frozen - thawed by the rescue');

    // THEN the CLI refuses the instance backup: a redrive would take the set after the thaw
    const verdict = redriveVerdict(await factsOf(region, child));
    expect(verdict).toMatchObject({ redrivable: false, workflow: 'snapshot-backup-instance' });
    expect(verdict.redrivable || verdict.reason).toMatch(/after "Take the backup lock" had run.*backup rescue/s);
    // (Step Functions would restart it exactly there: see docs/redrive.md, "What the CLI cannot stop")
    expect(sfn.redrivePoint(child).state).toBe('Take the snapshot set');

    // AND the run, which counted the stopped backup as failed and ended in its Fail state, has nothing to redrive
    expect(run.status).toBe('FAILED');
    const runVerdict = redriveVerdict(await factsOf(region, run));
    expect(runVerdict).toMatchObject({ redrivable: false, workflow: 'snapshot-backup', point: 'Some backups failed' });
  });
});

/** Each instance's workload `frozen` flag. */
function frozen(region: SimulatedRegion): unknown[] {
  const ec2 = region.snapshot().ec2 as { instances: { workload?: { frozen?: boolean } }[] };
  return ec2.instances.map((i) => i.workload?.frozen);
}

/** What the CLI reads over the API (DescribeExecution, DescribeStateMachine, GetExecutionHistory), read here. */
async function factsOf(region: SimulatedRegion, e: ExecutionRecord): Promise<RedriveFacts> {
  const d = (await region.call('sfn', 'DescribeExecution', { executionArn: e.executionArn })) as Record<
    string,
    unknown
  >;
  const m = (await region.call('sfn', 'DescribeStateMachine', { stateMachineArn: e.stateMachineArn })) as {
    definition: string;
  };
  return {
    execution: {
      status: d.status as 'FAILED',
      redriveStatus: d.redriveStatus as 'REDRIVABLE',
      redriveStatusReason: d.redriveStatusReason as string | undefined,
      input: d.input as string,
    },
    definition: JSON.parse(m.definition) as RedriveFacts['definition'],
    history: e.history,
  };
}
