/**
 * The lock janitor, driven by hand-made status events on a seeded state table (the engine's own delivery is off),
 * to show what one delivery, a duplicate delivery and a lock that changed hands do. The scenario files
 * (test/scenarios/<workflow>/stopped-holding-lock.json, snapshot-backup/run-stopped.json) drill it end to end.
 *
 * Decided: a status event delivered twice releases nothing twice (the release is conditional on the ended execution
 * still owning the item) and notifies at most once per ended execution (the first delivery writes
 * `ENDED#<executionArn>` conditionally; a delivery that finds it notifies nobody).
 */
import * as path from 'node:path';
import { synthesize } from '../../cli/template';
import { VirtualClock } from '../../local/clock';
import { buildWorld } from '../../local/drill';
import { WORKFLOW_METADATA_KEY } from '../../contracts/metadata';
import { ScriptedApprovals } from '../../local/engine/approvals';
import type { StepFunctionsSimulator } from '../../local/engine/stepfunctions';
import { SimulatedRegion } from '../../local/region/region';
import { type Scenario, scenarioSchema } from '../../local/scenario/schema';
import { resolveStateMachines } from '../../local/template';
import { EXECUTION_STATUS_CHANGE, JANITOR_RECORD_PREFIX, LOCK_JANITOR } from '../../workflows/lock-janitor';

const CONFIG = path.join(__dirname, '..', '..', 'infra', 'config', 'example.json');
const SUBJECT = 'ha-workflows: an execution ended without its own cleanup';

type Item = Record<string, { S?: string; N?: string }>;

describe('lock janitor', () => {
  let site: NonNullable<ReturnType<typeof synthesize>['primary']>;
  let janitorArn: string;
  let recoveryArn: string;
  let tableName: string;
  beforeAll(() => {
    site = synthesize(CONFIG).primary!;
    const machines = resolveStateMachines(site.template, site.env);
    const arnOf = (workflow: string) =>
      machines.find((m) => m.resource.Metadata?.[WORKFLOW_METADATA_KEY] === workflow)!.arn;
    janitorArn = arnOf(LOCK_JANITOR);
    recoveryArn = arnOf('instance-recovery');
    tableName = Object.entries(site.template.Resources ?? {}).find(([, r]) => r.Type === 'AWS::DynamoDB::Table')![0];
  });

  const executionArn = (name: string) => `${recoveryArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const DEAD = 'recovery-stopped';
  const OTHER = 'recovery-running';

  /** A region whose state table holds `items` (the engine delivers no status events: the tests do). */
  function world(items: Item[]): { region: SimulatedRegion; sfn: StepFunctionsSimulator } {
    const region = new SimulatedRegion({
      regionName: site.env.region,
      accountId: site.env.account,
      seed: 3,
      clock: new VirtualClock(),
    });
    const environment = scenarioSchema.shape.environment.parse({
      dynamodb: { tables: [{ tableName, partitionKey: 'pk', items }] },
    }) as Scenario['environment'];
    const sfn = buildWorld(region, site.template, site.env, environment, {
      statusEvents: false,
      broker: new ScriptedApprovals(region, []),
    });
    return { region, sfn };
  }

  /** The "Step Functions Execution Status Change" event of an instance-recovery execution, as EventBridge sends it. */
  const statusEvent = (name: string, status: 'ABORTED' | 'TIMED_OUT' | 'FAILED') => ({
    version: '0',
    id: `event-${name}`,
    'detail-type': EXECUTION_STATUS_CHANGE,
    source: 'aws.states',
    account: site.env.account,
    time: '2026-01-05T09:00:01Z',
    region: site.env.region,
    resources: [executionArn(name)],
    detail: {
      executionArn: executionArn(name),
      stateMachineArn: recoveryArn,
      name,
      status,
      startDate: 0,
      stopDate: 1000,
      input: '{}',
    },
  });

  const lockOf = (owner: string, pk: string): Item => ({
    pk: { S: pk },
    owner: { S: executionArn(owner) },
    leaseExpiresAt: { N: '9999999999' },
    state: { S: 'RECOVERING' },
  });
  const items = (region: SimulatedRegion) =>
    (region.snapshot().dynamodb as { tables: { items: Item[] }[] }).tables.flatMap((t) => t.items);
  const item = (region: SimulatedRegion, pk: string) => items(region).find((i) => i.pk?.S === pk);
  const messages = (region: SimulatedRegion) =>
    (region.snapshot().sns as { messages: { subject?: string; message: string }[] }).messages;
  const succeededUpdates = (region: SimulatedRegion) =>
    region.calls.filter((c) => c.service === 'dynamodb' && c.action === 'UpdateItem' && c.error === undefined);

  async function runJanitor(sfn: StepFunctionsSimulator, event: unknown) {
    const e = sfn.start(janitorArn, JSON.stringify(event));
    await sfn.idle();
    return sfn.executions.get(e.executionArn)!;
  }

  it('releases the lock of the ended execution, leaves the group NEEDS_ATTENTION and notifies once', async () => {
    // GIVEN group app-1 locked by a recovery that was stopped, and a backup lock held by another execution
    const { region, sfn } = world([lockOf(DEAD, 'GROUP#app-1'), lockOf(OTHER, 'BACKUP#i-0bbbbbbbbbbbbbbb1')]);
    // WHEN the janitor receives the stopped recovery's ABORTED event
    const run = await runJanitor(sfn, statusEvent(DEAD, 'ABORTED'));
    // THEN the group lock is released with the reason, the other execution's lock is untouched
    expect(run.status).toBe('SUCCEEDED');
    const group = item(region, 'GROUP#app-1')!;
    expect(group.owner).toBeUndefined();
    expect(group.leaseExpiresAt).toBeUndefined();
    expect(group.state).toEqual({ S: 'NEEDS_ATTENTION' });
    expect(group.lastError?.S).toMatch(new RegExp(`execution ${DEAD} ended ABORTED at 2026-01-05T09:00:01Z`));
    expect(item(region, 'BACKUP#i-0bbbbbbbbbbbbbbb1')?.owner).toEqual({ S: executionArn(OTHER) });
    // AND one message names the execution, its status, its machine and what was released
    expect(messages(region).map((m) => m.subject)).toEqual([SUBJECT]);
    const [message] = messages(region);
    expect(message.message).toContain(DEAD);
    expect(message.message).toContain('ended ABORTED');
    expect(message.message).toContain(recoveryArn);
    expect(message.message).toContain('GROUP#app-1');
    expect(message.message).toContain('released; NEEDS_ATTENTION recorded');
  });

  it('releases nothing twice and notifies nobody again when the same event is delivered twice', async () => {
    // GIVEN the janitor already handled the ABORTED event of the stopped recovery
    const { region, sfn } = world([lockOf(DEAD, 'GROUP#app-1')]);
    await runJanitor(sfn, statusEvent(DEAD, 'ABORTED'));
    const updatesAfterFirst = succeededUpdates(region).length;
    const groupAfterFirst = item(region, 'GROUP#app-1');
    // WHEN EventBridge delivers the same event again
    const second = await runJanitor(sfn, statusEvent(DEAD, 'ABORTED'));
    // THEN the second run ends as a duplicate: no write succeeded, the group is as the first run left it, one message
    expect(second.status).toBe('SUCCEEDED');
    expect(second.result?.timeline.at(-2)?.state).toBe('Already reported (a duplicate delivery)');
    expect(updatesAfterFirst).toBe(1);
    expect(succeededUpdates(region)).toHaveLength(1);
    expect(item(region, 'GROUP#app-1')).toEqual(groupAfterFirst);
    expect(messages(region)).toHaveLength(1);
    expect(item(region, `${JANITOR_RECORD_PREFIX}${executionArn(DEAD)}`)).toMatchObject({ status: { S: 'ABORTED' } });
  });

  it('never touches a lock that another execution took over', async () => {
    // GIVEN the stopped recovery's lease expired and another recovery took the group lock
    const { region, sfn } = world([lockOf(OTHER, 'GROUP#app-1')]);
    // WHEN the janitor receives the stopped recovery's TIMED_OUT event
    const run = await runJanitor(sfn, statusEvent(DEAD, 'TIMED_OUT'));
    // THEN the running recovery keeps its lock and its state; the timeout is still reported, naming nothing released
    expect(run.status).toBe('SUCCEEDED');
    expect(item(region, 'GROUP#app-1')).toEqual(lockOf(OTHER, 'GROUP#app-1'));
    expect(succeededUpdates(region)).toHaveLength(0);
    expect(messages(region)).toHaveLength(1);
    expect(messages(region)[0].message).toContain('ended TIMED_OUT');
    expect(messages(region)[0].message).toContain('): []');
  });

  it('only releases a policy lock (no NEEDS_ATTENTION) for an item that guards neither a group nor a mirror set', async () => {
    // GIVEN a backup lock held by an execution that was stopped
    const { region, sfn } = world([lockOf(DEAD, 'BACKUP#i-0bbbbbbbbbbbbbbb1')]);
    // WHEN the janitor receives its ABORTED event
    await runJanitor(sfn, statusEvent(DEAD, 'ABORTED'));
    // THEN the lock is released and the item's state is left as it was
    const backup = item(region, 'BACKUP#i-0bbbbbbbbbbbbbbb1')!;
    expect(backup.owner).toBeUndefined();
    expect(backup.state).toEqual({ S: 'RECOVERING' });
    expect(backup.lastLockRelease?.S).toContain(DEAD);
  });

  it('releases the lock a FAILED execution left behind, but ends quietly for one that holds nothing', async () => {
    // GIVEN a failover whose lock write was applied but whose response was lost: it failed, still owning the group
    const { region, sfn } = world([lockOf(DEAD, 'GROUP#app-1')]);
    // WHEN the janitor receives its FAILED event, and the FAILED event of an execution that released everything
    await runJanitor(sfn, statusEvent(DEAD, 'FAILED'));
    const quiet = await runJanitor(sfn, statusEvent(OTHER, 'FAILED'));
    // THEN the left lock is released and reported once; the other failure (already reported by its own failure path)
    // gets no second notification and no record
    expect(item(region, 'GROUP#app-1')?.owner).toBeUndefined();
    expect(messages(region)).toHaveLength(1);
    expect(messages(region)[0].message).toContain(`${DEAD} of state machine`);
    expect(quiet.result?.timeline.at(-2)?.state).toBe('The failed execution held nothing');
    expect(item(region, `${JANITOR_RECORD_PREFIX}${executionArn(OTHER)}`)).toBeUndefined();
  });

  it('records the stopped execution NEEDS_ATTENTION even when it held no lock', async () => {
    // GIVEN a recovery stopped before it took the group lock (the failed instance is still not recovered)
    const { region, sfn } = world([]);
    // WHEN the janitor receives its ABORTED event
    await runJanitor(sfn, statusEvent(DEAD, 'ABORTED'));
    // THEN the execution's own record asks for an operator, and the operators are told
    expect(item(region, `${JANITOR_RECORD_PREFIX}${executionArn(DEAD)}`)).toMatchObject({
      state: { S: 'NEEDS_ATTENTION' },
      status: { S: 'ABORTED' },
    });
    expect(messages(region)).toHaveLength(1);
  });

  it('fails with InvalidInput on something that is not a status event, changing nothing', async () => {
    // GIVEN a locked group
    const { region, sfn } = world([lockOf(DEAD, 'GROUP#app-1')]);
    // WHEN the janitor is started with an operator's input instead of an event
    const run = await runJanitor(sfn, { group: 'app-1' });
    // THEN it fails before scanning
    expect(run.status).toBe('FAILED');
    expect(run.result?.error).toBe('InvalidInput');
    expect(region.calls.filter((c) => c.service === 'dynamodb')).toHaveLength(0);
  });
});
