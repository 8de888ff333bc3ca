/**
 * snapshot-backup, drilled end to end: each scenario in test/scenarios/snapshot-backup/ runs the synthesized state
 * machines (the scheduled run, one child execution per instance) and their real Lambda tasks against the simulated
 * region. The scenario files carry their own `expect` block; these tests check that it holds and then look closer
 * at the order of the calls, the state table, the metrics and the notifications. The rescue is drilled by aborting
 * a child execution while its database is frozen and handing the rescue machine the child's own status event.
 */
import * as path from 'node:path';
import { synthesize } from '../../cli/template';
import { VirtualClock } from '../../local/clock';
import { buildWorld, drill } from '../../local/drill';
import { WORKFLOW_METADATA_KEY } from '../../contracts/metadata';
import { ScriptedApprovals } from '../../local/engine/approvals';
import { executionStatusEvent } from '../../local/engine/eventbridge';
import type { StepFunctionsSimulator } from '../../local/engine/stepfunctions';
import type { ApiCallRecord } from '../../local/region/region';
import { SimulatedRegion } from '../../local/region/region';
import { type Scenario, scenarioSchema } from '../../local/scenario/schema';
import { resolveStateMachines } from '../../local/template';
import { BACKUP_TAGS } from '../../contracts/tags';
import { Errors } from '../../contracts/errors';
import { type DrilledEnvironment, DrilledScenario, type Item } from '../harness/drilled';
import { EXECUTION_STATUS_CHANGE, SNAPSHOT_BACKUP_RESCUE } from '../../workflows/snapshot-backup';

const SCENARIOS = path.join(__dirname, '..', 'scenarios', 'snapshot-backup');
const CONFIG = path.join(__dirname, '..', 'fixtures', 'snapshot-backup-config.json');

/** The world most scenarios start from. */
const DB = 'i-0bbbbbbbbbbbbbbb1';
const RUN = 'db-nightly-20260105T023000Z';
const CHILD = `${RUN}-${DB}`;
const FREEZE_DOC = 'ha-workflows-eu-west-1-iris-freeze';
const THAW_DOC = 'ha-workflows-eu-west-1-iris-thaw';
const SUBJECT_FAILED = 'ha-workflows: snapshot backup FAILED';

// ── The final environment, typed as far as these tests read it ─────────────────────────────────────────
interface Snapshot {
  readonly snapshotId: string;
  readonly instanceId?: string;
  readonly volumeId: string;
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly workloadAtSnapshot?: Readonly<Record<string, unknown>>;
}
interface Command {
  readonly documentName: string;
  readonly parameters: Readonly<Record<string, readonly string[]>>;
  readonly requestedAt: number;
  readonly invocations: readonly { readonly status: string; readonly endedAt?: number }[];
}
interface Execution {
  readonly name: string;
  readonly stateMachineArn: string;
  readonly status: string;
  readonly error?: string;
  readonly startedAt: number;
  readonly stoppedAt?: number;
}
interface Environment extends DrilledEnvironment {
  readonly ec2: {
    readonly snapshots: readonly Snapshot[];
    readonly instances: readonly { readonly instanceId: string; readonly workload: Record<string, unknown> }[];
  };
  readonly ssm: { readonly commands: readonly Command[] };
  readonly sfn: { readonly executions: readonly Execution[] };
  readonly cloudwatch: {
    readonly metricData: readonly {
      readonly metricName: string;
      readonly value?: number;
      readonly namespace: string;
    }[];
  };
}

/** One drilled scenario, with the snapshot-backup readers the tests check. */
class Drilled extends DrilledScenario<Environment> {
  static readonly scenarios = SCENARIOS;

  /** The Step Functions service's record of the execution with this name. */
  executionNamed(name: string): Execution {
    const found = this.env.sfn.executions.find((e) => e.name === name);
    if (!found) throw new Error(`no execution ${name}`);
    return found;
  }

  commands(document: string): Command[] {
    return this.env.ssm.commands.filter((c) => c.documentName === document);
  }

  /** The region's calls other than DynamoDB and Step Functions, as `service:Action`. */
  get callNames(): string[] {
    return this.result.calls.filter((c) => c.service !== 'dynamodb' && c.service !== 'sfn').map(name);
  }

  /** The backup item of an instance in the state table. */
  backupItem(instanceId = DB): Item | undefined {
    return this.storedItem(`BACKUP#${instanceId}`);
  }

  metric(name: string): number[] {
    return this.env.cloudwatch.metricData.filter((d) => d.metricName === name).map((d) => d.value as number);
  }

  /** The cause the child execution failed with (from its record in the Step Functions service). */
  childCause(child = CHILD): string | undefined {
    return this.result.executions
      .flatMap((e) => e.history)
      .map((h) => (h as { taskFailedEventDetails?: { cause?: string } }).taskFailedEventDetails?.cause)
      .filter((c): c is string => typeof c === 'string' && c.includes(child))
      .map((c) => (JSON.parse(c) as { Cause?: string }).Cause ?? '')[0];
  }
}

const name = (c: ApiCallRecord) => `${c.service}:${c.action}`;

/** The call right after the last successful call of `action`. */
function callAfter(calls: readonly ApiCallRecord[], action: string): ApiCallRecord | undefined {
  const i = calls.map((c) => c.action === action && !c.error).lastIndexOf(true);
  return calls.slice(i + 1).find((c) => c.service !== 'dynamodb');
}

describe('snapshot-backup scenarios', () => {
  it('backs up three volumes as one application-consistent set, thawing right after CreateSnapshots', async () => {
    // GIVEN an IRIS instance with three volumes, policy db-nightly (keep 2 sets), freeze and thaw that work
    // WHEN its schedule fires
    const d = await Drilled.of('happy-path');
    // THEN the scenario's own expectations hold: one set of three completed snapshots taken while frozen
    expect(d.failedExpectations).toEqual([]);
    // AND the set was one CreateSnapshots call, and the thaw was the very next call
    expect(d.callNames.filter((c) => c === 'ec2:CreateSnapshots')).toHaveLength(1);
    expect(name(callAfter(d.result.calls, 'CreateSnapshots') as ApiCallRecord)).toBe('ssm:SendCommand');
    expect(d.commands(THAW_DOC)[0].requestedAt).toBeGreaterThan(d.commands(FREEZE_DOC)[0].requestedAt);
    // AND the snapshots carry the workflow's tags, the expiry among them (30 days after the run)
    const set = d.env.ec2.snapshots.filter((s) => s.tags[BACKUP_TAGS.backupId] === RUN);
    expect(set.map((s) => s.volumeId).sort()).toEqual([
      'vol-0b0000000000000b1',
      'vol-0b0000000000000b2',
      'vol-0b0000000000000b3',
    ]);
    expect(set[0].tags[BACKUP_TAGS.expiry]).toBe('2026-02-04T09:00:01.000Z');
    // AND the freeze window (confirmed freeze → thaw confirmed on the instance) went to CloudWatch, a few seconds
    const [window] = d.metric('FreezeWindow');
    const freezeEnd = d.commands(FREEZE_DOC)[0].invocations[0].endedAt as number;
    const thawEnd = d.commands(THAW_DOC)[0].invocations[0].endedAt as number;
    expect(window).toBeCloseTo(thawEnd - freezeEnd, 3);
    expect(window).toBeLessThan(10);
    expect(d.metric('WritesResumedBeforeThaw')).toEqual([0]);
    // AND the lock is released with the instance recorded backed up
    expect(d.backupItem()).toMatchObject({ state: { S: 'BACKED_UP' }, backupId: { S: RUN } });
    expect(d.backupItem()?.owner).toBeUndefined();
    // AND nobody was notified (success notifications are off by default)
    expect(d.subjects).toEqual([]);
  });

  it('records FROZEN with the execution before it sends the freeze', async () => {
    // GIVEN the happy path
    const d = await Drilled.of('happy-path');
    // WHEN reading the state table writes and the freeze in call order
    const lockAt = d.result.calls.findIndex(
      (c) =>
        c.action === 'UpdateItem' &&
        JSON.stringify(c.input).includes('"FROZEN"') &&
        JSON.stringify(c.input).includes(`execution:`),
    );
    const freezeAt = d.result.calls.findIndex(
      (c) => c.action === 'SendCommand' && (c.input as { DocumentName: string }).DocumentName === FREEZE_DOC,
    );
    // THEN the FROZEN record (owned by the child execution) comes first
    expect(lockAt).toBeGreaterThanOrEqual(0);
    expect(lockAt).toBeLessThan(freezeAt);
  });

  it('takes no snapshot when the freeze fails, still sends a thaw, and fails with FreezeFailed', async () => {
    // GIVEN ExternalFreeze exits 3 and the policy says "fail"
    // WHEN the schedule fires
    const d = await Drilled.of('freeze-fails');
    // THEN no snapshot, one thaw, the child failed with FreezeFailed and a cause naming the exit code
    expect(d.failedExpectations).toEqual([]);
    expect(d.executionNamed(CHILD)).toMatchObject({ status: 'FAILED', error: Errors.FREEZE_FAILED });
    expect(d.childCause()).toMatch(/freeze command on i-0bbbbbbbbbbbbbbb1 ended Failed \(Failed, exit code 3\)/);
    expect(d.callNames).not.toContain('ec2:CreateSnapshots');
    // AND the run fails naming the instance, the state table records the failure, the operators are told
    expect(d.result.cause).toContain('1 of 1 backups');
    expect(d.result.cause).toContain(DB);
    expect(d.backupItem()).toMatchObject({ state: { S: 'FAILED' }, lastError: { S: Errors.FREEZE_FAILED } });
    expect(d.env.sns.messages.find((m) => m.subject === SUBJECT_FAILED)?.message).toContain('FreezeFailed');
  });

  it('with onFreezeFailure crash-consistent, thaws first and tags the set crash', async () => {
    // GIVEN ExternalFreeze exits 3 and policy db-crash-ok allows crash-consistent sets
    const d = await Drilled.of('freeze-fails-crash-consistent');
    // THEN the set exists, tagged crash with the reason, and it was taken after the thaw was sent
    expect(d.failedExpectations).toEqual([]);
    const order = d.callNames.filter((c) => c === 'ssm:SendCommand' || c === 'ec2:CreateSnapshots');
    expect(order).toEqual(['ssm:SendCommand', 'ssm:SendCommand', 'ec2:CreateSnapshots']);
    expect(d.metric('FreezeWindow')).toEqual([]);
  });

  it('gives up on a hanging freeze after its timeout, sends the thaw, and fails with FreezeTimedOut', async () => {
    // GIVEN ExternalFreeze never returns (the policy's freeze timeout is 30 s)
    const d = await Drilled.of('freeze-hangs');
    // THEN the freeze document was sent with that timeout, SSM stopped it, and the thaw followed
    expect(d.failedExpectations).toEqual([]);
    const [freeze] = d.commands(FREEZE_DOC);
    expect(freeze.parameters.executionTimeout).toEqual(['30']);
    expect(freeze.invocations[0].status).toBe('TimedOut');
    expect(d.commands(THAW_DOC)[0].requestedAt).toBeGreaterThanOrEqual(freeze.invocations[0].endedAt as number);
    expect(d.executionNamed(CHILD).error).toBe(Errors.FREEZE_TIMED_OUT);
    expect(d.childCause()).toMatch(/did not finish within 40 checks \(status TimedOut\)/);
  });

  it('retries a throttled CreateSnapshots at once and thaws right after it succeeds', async () => {
    // GIVEN the first two CreateSnapshots calls are throttled
    const d = await Drilled.of('create-snapshots-throttled');
    // THEN three calls, the last one works, and the thaw is the next call
    expect(d.failedExpectations).toEqual([]);
    const creates = d.result.calls.filter((c) => c.action === 'CreateSnapshots');
    expect(creates.map((c) => c.error ?? 'ok')).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ok']);
    expect(name(callAfter(d.result.calls, 'CreateSnapshots') as ApiCallRecord)).toBe('ssm:SendCommand');
    // AND the extra freeze the retries cost is bounded: two more calls (1.1 s each with the Task overhead) and
    // FROZEN_CALL_RETRY's waits (at most 1 + 2 s) on top of the happy path's window
    const happy = (await Drilled.of('happy-path')).metric('FreezeWindow')[0];
    expect(d.metric('FreezeWindow')[0]).toBeGreaterThan(happy + 2.2);
    expect(d.metric('FreezeWindow')[0]).toBeLessThanOrEqual(happy + 2.2 + 3);
  });

  it('thaws after CreateSnapshots fails for good and fails naming the EC2 error and its message', async () => {
    // GIVEN every CreateSnapshots call fails with IncorrectInstanceState
    const d = await Drilled.of('create-snapshots-fails');
    // THEN one call and three retries, the thaw next, and SnapshotNotCreated with EC2's error and message in the cause
    // (AWS's Cause carries the message, not the code: issue #13 item 5)
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.calls.filter((c) => c.action === 'CreateSnapshots')).toHaveLength(4);
    expect(name(callAfter(d.result.calls, 'GetCommandInvocation') as ApiCallRecord)).not.toBe('ec2:CreateSnapshots');
    const afterLastCreate = d.result.calls.slice(
      d.result.calls.map((c) => c.action).lastIndexOf('CreateSnapshots') + 1,
    );
    expect(name(afterLastCreate[0])).toBe('ssm:SendCommand');
    expect(d.executionNamed(CHILD).error).toBe(Errors.SNAPSHOT_NOT_CREATED);
    expect(d.childCause()).toContain('Ec2.Ec2Exception');
    expect(d.childCause()).toContain('is not in a state from which snapshots can be created');
  });

  it('sends the thaw again when it fails, and completes when the third attempt works', async () => {
    // GIVEN the first two thaws exit 1 (writes still suspended)
    const d = await Drilled.of('thaw-fails-twice');
    // THEN three thaws, 5 s apart at least, the backup succeeded, no CRITICAL notification
    expect(d.failedExpectations).toEqual([]);
    const thaws = d.commands(THAW_DOC);
    expect(thaws.map((t) => t.invocations[0].status)).toEqual(['Failed', 'Failed', 'Success']);
    expect(thaws[1].requestedAt - (thaws[0].invocations[0].endedAt as number)).toBeGreaterThanOrEqual(5);
    expect(d.subjects.filter((s) => s.includes('CRITICAL'))).toEqual([]);
    // AND the freeze window runs until the thaw that worked
    const freezeEnd = d.commands(FREEZE_DOC)[0].invocations[0].endedAt as number;
    expect(d.metric('FreezeWindow')[0]).toBeCloseTo((thaws[2].invocations[0].endedAt as number) - freezeEnd, 3);
  });

  it('marks the set not application-consistent when writes had resumed before the thaw', async () => {
    // GIVEN the thaw reports the write daemon was no longer suspended
    const d = await Drilled.of('writes-resumed-before-thaw');
    // THEN every snapshot of the set is tagged crash, with the note
    expect(d.failedExpectations).toEqual([]);
    expect(d.env.ec2.snapshots.map((s) => s.tags[BACKUP_TAGS.consistency])).toEqual(['crash', 'crash', 'crash']);
    expect(d.metric('WritesResumedBeforeThaw')).toEqual([1]);
  });

  it('fails and reports a set one of whose snapshots ended in error', async () => {
    // GIVEN the data volume's snapshot ends in state error
    const d = await Drilled.of('snapshot-error');
    // THEN the child failed with SnapshotFailed naming the set, and the operators are told
    expect(d.failedExpectations).toEqual([]);
    expect(d.executionNamed(CHILD).error).toBe(Errors.SNAPSHOT_FAILED);
    expect(d.childCause()).toMatch(/ended in state error/);
    const message = d.env.sns.messages.find((m) => m.subject === SUBJECT_FAILED)?.message ?? '';
    expect(message).toContain('SnapshotFailed');
    expect(message).toContain(RUN);
    // AND nothing was pruned or released as backed up
    expect(d.backupItem()).toMatchObject({ state: { S: 'FAILED' } });
  });

  it("prunes exactly the expired own sets and never a foreign or another policy's snapshot", async () => {
    // GIVEN two recent and one old set of the policy, and four snapshots that are not the policy's sets
    const d = await Drilled.of('retention');
    // THEN exactly the two expired sets were deleted
    expect(d.failedExpectations).toEqual([]);
    const deleted = d.result.calls
      .filter((c) => c.action === 'DeleteSnapshot')
      .map((c) => (c.input as { SnapshotId: string }).SnapshotId);
    expect(deleted.sort()).toEqual(['snap-0000000000000000b', 'snap-0000000000000000c']);
    // AND every DescribeSnapshots the prune made asked only for this policy's snapshots of this instance
    const filters = d.result.calls
      .filter((c) => c.action === 'DescribeSnapshots' && (c.input as { Filters?: unknown }).Filters)
      .map((c) => (c.input as { Filters: { Name: string; Values: string[] }[] }).Filters);
    expect(filters.length).toBeGreaterThan(0);
    for (const f of filters) {
      expect(f).toEqual(
        expect.arrayContaining([
          { Name: `tag:${BACKUP_TAGS.createdBy}`, Values: ['ha-workflows'] },
          { Name: `tag:${BACKUP_TAGS.policy}`, Values: ['db-nightly'] },
          { Name: `tag:${BACKUP_TAGS.instanceId}`, Values: [DB] },
        ]),
      );
    }
  });

  it('keeps an expired snapshot a registered AMI uses, prunes the rest and tells the operators, without failing', async () => {
    // GIVEN the retention world, where an AMI was registered from the 65-day-old set's snapshot
    const d = await Drilled.of('prune-in-use');
    // THEN the backup succeeds and the scenario's expectations hold
    expect(d.failedExpectations).toEqual([]);
    // AND the AMI's snapshot was refused with InvalidSnapshot.InUse, the other expired set deleted
    const deletes = d.result.calls.filter((c) => c.action === 'DeleteSnapshot');
    expect(deletes.map((c) => [(c.input as { SnapshotId: string }).SnapshotId, c.error ?? 'deleted'])).toEqual(
      expect.arrayContaining([
        ['snap-0000000000000000b', 'deleted'],
        ['snap-0000000000000000c', 'InvalidSnapshot.InUse'],
      ]),
    );
    // AND the notification names the snapshot and the AMI
    const kept = d.env.sns.messages.find((m) => m.subject?.includes('in use by an AMI'));
    expect(kept?.message).toContain('snap-0000000000000000c');
    expect(kept?.message).toContain('ami-0fedcba9876543210');
  });

  it('copies all 30 snapshots of a set although the copy region takes 20 at a time, retrying the rest later', async () => {
    // GIVEN an instance with 30 volumes and a policy that copies its sets to eu-central-1
    const d = await Drilled.of('copy-limit');
    // THEN every snapshot has its copy (the scenario's expectations)
    expect(d.failedExpectations).toEqual([]);
    // AND the 21st copy was refused with ResourceLimitExceeded, and each snapshot was copied exactly once
    const copies = d.result.calls.filter((c) => c.action === 'CopySnapshot');
    expect(copies.filter((c) => c.error === 'ResourceLimitExceeded').length).toBeGreaterThan(0);
    const started = copies
      .filter((c) => !c.error)
      .map((c) => (c.input as { SourceSnapshotId: string }).SourceSnapshotId);
    expect(started).toHaveLength(30);
    expect(new Set(started).size).toBe(30);
    // AND the copies after the limit were started only once the first ones had completed (600 s)
    const firstStart = copies[0].at;
    const lastStart = copies.filter((c) => !c.error).at(-1)?.at as number;
    expect(lastStart - firstStart).toBeGreaterThanOrEqual(600);
  });

  it('makes one backup of a schedule delivered twice at once and once more later', async () => {
    // GIVEN the same scheduled invocation delivered three times
    const d = await Drilled.of('duplicate-schedule');
    // THEN one child execution, one freeze, one set; every run succeeded
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(d.env.sfn.executions.filter((e) => e.name === CHILD)).toHaveLength(1);
    // AND the late delivery found the child ended (ExecutionAlreadyExists) and counted it as done
    expect(d.result.timeline.some((e) => e.detail === 'caught → Backup already done in this run')).toBe(true);
  });

  it.each([
    ['nothing-to-snapshot-no-volumes', 'db-nightly', /has no EBS volume/],
    [
      'nothing-to-snapshot-boot-excluded',
      'db-command',
      /vol-0b0000000000000b1 at \/dev\/xvda \(the boot volume, excluded by the policy\)/,
    ],
  ])('refuses an instance with nothing to snapshot before any freeze (%s)', async (scenario, policy, volumes) => {
    // GIVEN an instance whose policy would snapshot none of its volumes
    // WHEN its schedule fires
    const d = await Drilled.of(scenario);
    const child = `${policy}-20260105T023000Z-${DB}`;
    // THEN the scenario's own expectations hold: refused, never frozen, notified
    expect(d.failedExpectations).toEqual([]);
    expect(d.executionNamed(child)).toMatchObject({ status: 'FAILED', error: Errors.NOTHING_TO_SNAPSHOT });
    // AND no command at all was sent to the instance, and no CreateSnapshots was made
    expect(d.callNames.filter((c) => c === 'ssm:SendCommand' || c === 'ec2:CreateSnapshots')).toEqual([]);
    // AND the notification names the instance and its volumes, and the run's result names the instance
    const message = d.env.sns.messages.find((m) => m.subject === SUBJECT_FAILED)?.message ?? '';
    expect(message).toContain(Errors.NOTHING_TO_SNAPSHOT);
    expect(message).toContain(DB);
    expect(message).toMatch(volumes);
    expect(d.result.error).toBe(Errors.BACKUPS_FAILED);
    expect(d.result.cause).toContain(DB);
  });

  it('finds the set a CreateSnapshots with a lost response made, thawing first, and carries on with it', async () => {
    // GIVEN CreateSnapshots takes effect but answers after the Task's TimeoutSeconds (States.Timeout)
    const d = await Drilled.of('create-snapshots-response-lost');
    // THEN the backup succeeded with the one set the call made
    expect(d.failedExpectations).toEqual([]);
    expect(d.executionNamed(CHILD)).toMatchObject({ status: 'SUCCEEDED' });
    // AND CreateSnapshots was called once (never retried blindly), and the thaw was the very next call
    const creates = d.result.calls.filter((c) => c.action === 'CreateSnapshots');
    expect(creates).toHaveLength(1);
    expect(name(callAfter(d.result.calls, 'CreateSnapshots') as ApiCallRecord)).toBe('ssm:SendCommand');
    // AND the look-up came after the thaw, by the tags the call put on the set
    const thawAt = d.result.calls.findIndex(
      (c) => c.action === 'SendCommand' && (c.input as { DocumentName: string }).DocumentName === THAW_DOC,
    );
    const lookups = d.result.calls
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.action === 'DescribeSnapshots' && JSON.stringify(c.input).includes(RUN));
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups[0].i).toBeGreaterThan(thawAt);
    expect(lookups[0].c.input).toMatchObject({
      Filters: expect.arrayContaining([
        { Name: `tag:${BACKUP_TAGS.backupId}`, Values: [RUN] },
        { Name: `tag:${BACKUP_TAGS.instanceId}`, Values: [DB] },
      ]),
    });
    // AND the freeze lasted the lost call and no more: the thaw was not delayed by the look-up
    const freezeEnd = d.commands(FREEZE_DOC)[0].invocations[0].endedAt as number;
    const thawSent = d.commands(THAW_DOC)[0].requestedAt;
    expect(thawSent - freezeEnd).toBeLessThan(41 + 5);
    // AND the set was waited for, recorded and nobody was told of a failure
    expect(d.backupItem()).toMatchObject({ state: { S: 'BACKED_UP' } });
    expect(d.subjects).toEqual([]);
  });

  it('backs up an instance two policies select at once one after the other, never frozen twice', async () => {
    // GIVEN policies db-nightly and db-weekly select the same instance and fire at the same moment
    const d = await Drilled.of('two-policies-same-instance');
    // THEN both backed up, one set each
    expect(d.failedExpectations).toEqual([]);
    // AND the second freeze came after the first thaw ended (the lock held the second back)
    const [firstThaw] = d.commands(THAW_DOC);
    const freezes = d.commands(FREEZE_DOC);
    expect(freezes[1].requestedAt).toBeGreaterThan(firstThaw.invocations[0].endedAt as number);
    // AND each run's result lists the instance as backed up, not skipped
    for (const e of d.result.executions.filter((x) => !x.name.includes('-i-'))) {
      expect((e.output as { outcomes: unknown[] }).outcomes).toEqual([
        expect.objectContaining({ ok: true, skipped: false, instanceId: DB }),
      ]);
    }
  });

  it('reports a backup skipped when another policy holds the instance longer than it may wait', async () => {
    // GIVEN the first policy's set takes two hours to complete, longer than the other policy waits for the lock
    const d = await Drilled.of('two-policies-lock-wait-exhausted');
    // THEN the scenario's own expectations hold: one backup, one skipped (and its run says so)
    expect(d.failedExpectations).toEqual([]);
    const skippedRun = d.result.executions.find((e) => e.timeline.some((t) => t.state === 'Some backups were skipped'));
    expect(skippedRun).toBeDefined();
    expect(skippedRun?.output).toMatchObject({
      outcomes: [expect.objectContaining({ ok: true, skipped: true, instanceId: DB })],
      summary: { skipped: [DB] },
    });
    // AND the notification names the instance, the policy and the backup that held it
    const message =
      d.env.sns.messages.find((m) => m.subject === 'ha-workflows: snapshot backup SKIPPED')?.message ?? '';
    expect(message).toContain(DB);
    expect(message).toContain('db-weekly');
    expect(message).toContain('db-nightly-20260105T023000Z');
    // AND the instance's state record keeps the skip (and the holder's own record is untouched)
    expect(d.backupItem()).toMatchObject({
      state: { S: 'BACKED_UP' },
      backupId: { S: RUN },
      lastSkippedBackupId: { S: 'db-weekly-20260105T023000Z' },
    });
  });

  it('backs up twenty instances with at most five child executions at a time', async () => {
    // GIVEN policy fleet (concurrency 5) selects twenty instances
    const d = await Drilled.of('twenty-instances');
    // THEN twenty child executions succeeded, one per instance
    expect(d.failedExpectations).toEqual([]);
    const children = d.env.sfn.executions.filter((e) => e.name.startsWith('fleet-20260105T023000Z-'));
    expect(children).toHaveLength(20);
    expect(children.every((c) => c.status === 'SUCCEEDED')).toBe(true);
    // AND at no modeled moment were more than five running
    expect(maxOverlap(children)).toBe(5);
    // AND the run overlapped them: well under twenty times one backup
    const one = (children[0].stoppedAt as number) - children[0].startedAt;
    expect(d.result.modeledSeconds).toBeLessThan((one * 20) / 4);
  });
});

/** The most executions running at one modeled moment. */
function maxOverlap(executions: readonly Execution[]): number {
  const points = executions.flatMap((e) => [
    { at: e.startedAt, d: 1 },
    { at: e.stoppedAt as number, d: -1 },
  ]);
  points.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const p of points) {
    now += p.d;
    max = Math.max(max, now);
  }
  return max;
}

describe('a frozen member whose AZ goes dark (found by the fault campaign)', () => {
  it('reports CRITICAL twice (backup and rescue) and keeps the lock FROZEN: nothing can thaw an unreachable instance', async () => {
    // GIVEN member B's AZ goes dark 9 s in, while B is frozen
    // WHEN  the nightly run backs up both members
    const d = await Drilled.of('az-dark-while-frozen');
    // THEN  the run fails BackupsFailed, both CRITICAL messages go out, and the campaign invariants hold on the history
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.error).toBe('BackupsFailed');
  });
});

describe('a child backup Step Functions keeps refusing to start (found by the fault campaign)', () => {
  it('is announced by the run, which still backs up the other member and fails BackupsFailed', async () => {
    // GIVEN 70 % of StartExecution calls fail with InternalFailure for 26 s
    // WHEN  the nightly run starts one child per member
    const d = await Drilled.of('child-start-fails');
    // THEN  the invariants hold; one child never started and the run says so by name, the other one backed up
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.error).toBe('BackupsFailed');
    expect(d.subjects).toContain('ha-workflows: backup NOT STARTED for an instance');
  });
});

describe('a backup lock release DynamoDB throttles for minutes (found by the fault campaign)', () => {
  it('waits the throttling out and releases the lock, so no lock outlives its execution', async () => {
    // GIVEN 75 % of UpdateItem calls are throttled from 41 s to 218 s
    // WHEN  the nightly run backs up both members
    const d = await Drilled.of('release-throttled');
    // THEN  the invariants hold (nothing-orphaned among them): every backup lock was released
    expect(d.failedExpectations).toEqual([]);
  });

  it('retries DynamoDB server errors on the release as long, and releases the lock', async () => {
    // GIVEN 80 % of UpdateItem calls fail with InternalServerError from 73 s to 232 s
    // WHEN  the nightly run backs up both members
    const d = await Drilled.of('release-fails-server-errors');
    // THEN  the invariants hold (nothing-orphaned among them): every backup lock was released
    expect(d.failedExpectations).toEqual([]);
  });
});

describe('a thaw that keeps failing (found by the fault campaign)', () => {
  it.each([
    // two thaw-fails faults on A stack to ten failed thaws in a row
    ['thaw-fails-ten-times'],
    // SSM fails half of the SendCommands for 108 s while B's thaw fails four times
    ['thaw-send-fails-half-the-time'],
  ])('%s: the backup reports CRITICAL, and the rescue keeps trying until the database is thawed', async (name) => {
    // GIVEN more failed thaws than the backup's 5 and the rescue's old 5 attempts
    // WHEN  the nightly run backs up both members
    const d = await Drilled.of(name);
    // THEN  the invariants hold (never-left-frozen among them): the rescue thawed what the backup could not
    expect(d.failedExpectations).toEqual([]);
    expect(d.subjects).toContain('ha-workflows: CRITICAL - database may still be FROZEN');
    expect(d.subjects).toContain('ha-workflows: backup left a database frozen - thawed by the rescue');
  });
});

describe('a backup run stopped by an operator', () => {
  it('ends ABORTED and the lock janitor tells the operators once, though the run held no lock', async () => {
    // GIVEN policy db-nightly starts its run
    // WHEN  an operator stops the run (StopExecution) as it starts the instance backup
    const drilled = await Drilled.of('run-stopped');
    // THEN  every expectation of the scenario holds (nothing-orphaned, ends-recovered-or-escalated)
    expect(drilled.result.status).toBe('ABORTED');
    expect(drilled.failedExpectations).toEqual([]);
    // AND   one message reports the stopped run, naming nothing released
    expect(drilled.subjects).toEqual(['ha-workflows: an execution ended without its own cleanup']);
    expect(drilled.env.sns.messages[0].message).toContain('ended ABORTED');
    expect(drilled.env.sns.messages[0].message).toContain('): []');
  });
});

describe('snapshot-backup at scale', () => {
  it('backs up 1,000 instances in one run, one child execution each, within the history limit', async () => {
    // GIVEN policy fleet-wide (no freeze, concurrency 40) selects 1,000 instances with one volume each
    const n = 1000;
    const instances = Array.from({ length: n }, (_, i) => ({
      instanceId: `i-0e${i.toString(16).padStart(15, '0')}`,
      imageId: 'ami-0123456789abcdef0',
      instanceType: 'm7i.large',
      subnetId: 'subnet-0a00000000000000a',
      tags: { 'ha-workflows:backup': 'fleet-wide' },
      volumes: [{ volumeId: `vol-0e${i.toString(16).padStart(15, '0')}`, device: '/dev/xvda', sizeGiB: 8, boot: true }],
    }));
    const scenario = scenarioSchema.parse({
      name: 'snapshot-backup: 1,000 instances',
      workflow: 'snapshot-backup',
      environment: {
        ec2: {
          subnets: [
            {
              subnetId: 'subnet-0a00000000000000a',
              vpcId: 'vpc-0a1b2c3d4e5f60718',
              availabilityZone: 'eu-west-1a',
              cidrBlock: '10.0.0.0/20',
            },
          ],
          instances,
        },
      },
      triggers: [{ input: { policy: 'fleet-wide', scheduledTime: '2026-01-05T02:30:00Z' } }],
    });
    const site = synthesize(CONFIG).primary!;
    // WHEN it runs
    const result = await drill(scenario, { template: site.template, env: site.env });
    const env = result.environment as unknown as Environment;
    // THEN 1,000 sets, 1,001 executions, and the run's history far below Step Functions' 25,000 events
    expect(result.status).toBe('SUCCEEDED');
    expect(env.ec2.snapshots).toHaveLength(n);
    expect(env.sfn.executions).toHaveLength(n + 1);
    expect(result.executions[0].history.length).toBeLessThan(8 * n);
    // AND the largest child input (what one execution carries) is small
    const inputs = result.executions[0].history
      .map((h) => (h as { taskScheduledEventDetails?: { parameters?: string } }).taskScheduledEventDetails?.parameters)
      .filter((p): p is string => p !== undefined);
    expect(Math.max(...inputs.map((p) => p.length))).toBeLessThan(4096);
    // (How fast it runs is measured by `npm run bench`, never asserted here; jest's own timeout only catches a hang.)
  }, 600_000);
});

describe('the rescue', () => {
  let site: ReturnType<typeof synthesize>['primary'];
  let rescueArn: string;
  let tableName: string;
  beforeAll(() => {
    site = synthesize(CONFIG).primary!;
    const machines = resolveStateMachines(site.template, site.env);
    rescueArn = machines.find((m) => m.resource.Metadata?.[WORKFLOW_METADATA_KEY] === SNAPSHOT_BACKUP_RESCUE)!.arn;
    tableName = Object.entries(site.template.Resources ?? {}).find(([, r]) => r.Type === 'AWS::DynamoDB::Table')![0];
  });

  /** A world with the instance, its freeze and thaw scripted; `stopWhen` stops the child at a state. */
  /** `statusEvents`: the engine delivers status events to the rescue rule (default: the tests deliver them by hand). */
  function world(options: { stopAt?: string; thawFails?: number; statusEvents?: boolean } = {}) {
    const region = new SimulatedRegion({
      regionName: site!.env.region,
      accountId: site!.env.account,
      seed: 7,
      clock: new VirtualClock(),
    });
    const environment = scenarioSchema.shape.environment.parse({
      ec2: {
        subnets: [
          { subnetId: 'subnet-0a00000000000000a', vpcId: 'vpc-0a1b2c3d4e5f60718', availabilityZone: 'eu-west-1a' },
        ],
        instances: [
          {
            instanceId: DB,
            imageId: 'ami-0123456789abcdef0',
            instanceType: 'r7i.xlarge',
            subnetId: 'subnet-0a00000000000000a',
            tags: { 'ha-workflows:backup': 'db' },
            workload: { frozen: false },
          },
        ],
      },
      ssm: {
        scripts: [
          { match: { document: FREEZE_DOC }, effect: { frozen: true }, stdout: 'FROZEN' },
          ...(options.thawFails
            ? [{ match: { document: THAW_DOC }, exitCode: 1, stdout: 'STILL_FROZEN', times: options.thawFails }]
            : []),
          { match: { document: THAW_DOC }, effect: { frozen: false }, stdout: 'THAWED' },
        ],
      },
    }) as Scenario['environment'];
    const sfn: StepFunctionsSimulator = buildWorld(region, site!.template, site!.env, environment, {
      statusEvents: options.statusEvents ?? false,
      broker: new ScriptedApprovals(region, []),
      onTimeline: (execution, entry) => {
        if (
          options.stopAt &&
          entry.kind === 'state' &&
          entry.state === options.stopAt &&
          entry.detail.startsWith('entered')
        ) {
          void region.call('sfn', 'StopExecution', {
            executionArn: execution.executionArn,
            error: 'Operator',
            cause: 'Stopped by hand',
          });
        }
      },
    });
    return { region, sfn };
  }

  /** The child machine's "Step Functions Execution Status Change" event, as EventBridge delivers it to the rule. */
  function statusEvent(sfn: StepFunctionsSimulator, region: SimulatedRegion, executionArn: string) {
    return executionStatusEvent(sfn.executions.get(executionArn)!, region);
  }

  async function backUpOnce(sfn: StepFunctionsSimulator) {
    const runArn = resolveStateMachines(site!.template, site!.env).find(
      (m) => m.resource.Metadata?.[WORKFLOW_METADATA_KEY] === 'snapshot-backup',
    )!.arn;
    sfn.start(runArn, JSON.stringify({ policy: 'db-nightly', scheduledTime: '2026-01-05T02:30:00Z' }));
    await sfn.idle();
    const child = [...sfn.executions.values()].find((e) => e.name === CHILD)!;
    expect(child.stateMachineArn).toContain(':stateMachine:');
    return child;
  }

  const item = (region: SimulatedRegion) =>
    (region.snapshot().dynamodb as Environment['dynamodb']).tables
      .flatMap((t) => t.items)
      .find((i) => i.pk?.S === `BACKUP#${DB}`);
  const workload = (region: SimulatedRegion) =>
    (region.snapshot().ec2 as Environment['ec2']).instances.find((i) => i.instanceId === DB)!.workload;
  const thaws = (region: SimulatedRegion) =>
    (region.snapshot().ssm as Environment['ssm']).commands.filter((c) => c.documentName === THAW_DOC);

  it("thaws from the aborted backup's own status event, with nobody delivering it by hand", async () => {
    // GIVEN the engine delivers status events to the template's rules, as EventBridge does
    const { region, sfn } = world({ stopAt: 'Take the snapshot set', statusEvents: true });
    // WHEN an operator stops the backup right after the freeze
    const child = await backUpOnce(sfn);
    expect(child.status).toBe('ABORTED');
    // THEN the rescue ran on the ABORTED event, thawed the database and released the lock
    const rescues = [...sfn.executions.values()].filter((e) => e.stateMachineArn === rescueArn);
    expect(rescues.map((e) => e.result?.status)).toEqual(['SUCCEEDED']);
    expect(thaws(region)).toHaveLength(1);
    expect(workload(region)).toMatchObject({ frozen: false });
    expect(item(region)?.owner).toBeUndefined();
  });

  it('thaws an instance whose backup was aborted while its database was frozen', async () => {
    // GIVEN a backup that an operator stops right after the freeze is confirmed (as CreateSnapshots starts)
    const { region, sfn } = world({ stopAt: 'Take the snapshot set' });
    const child = await backUpOnce(sfn);
    expect(child.status).toBe('ABORTED');
    expect(workload(region)).toMatchObject({ frozen: true });
    expect(item(region)).toMatchObject({ state: { S: 'FROZEN' }, owner: { S: child.executionArn } });
    expect(thaws(region)).toHaveLength(0);
    // WHEN the rescue receives the child's own ABORTED status event
    const rescue = sfn.start(rescueArn, JSON.stringify(statusEvent(sfn, region, child.executionArn)));
    await sfn.idle();
    // THEN it thawed the database, released the dead execution's lock and told the operators
    expect(rescue.result).toMatchObject({ status: 'SUCCEEDED' });
    expect(rescue.result?.timeline.at(-2)?.state).toBe('Database thawed by the rescue');
    expect(thaws(region)).toHaveLength(1);
    expect(workload(region)).toMatchObject({ frozen: false });
    expect(item(region)).toMatchObject({ state: { S: 'THAWED_BY_RESCUE' } });
    expect(item(region)?.owner).toBeUndefined();
    const messages = (region.snapshot().sns as Environment['sns']).messages;
    expect(messages.map((m) => m.subject)).toContain(
      'ha-workflows: backup left a database frozen - thawed by the rescue',
    );
  });

  it('reads the record again when DynamoDB fails its read, and still thaws', async () => {
    // GIVEN a backup stopped while its database is frozen, and DynamoDB failing the next two GetItem calls
    const { region, sfn } = world({ stopAt: 'Take the snapshot set' });
    const child = await backUpOnce(sfn);
    expect(workload(region)).toMatchObject({ frozen: true });
    region.addFault({
      service: 'dynamodb',
      action: 'GetItem',
      error: { code: 'InternalServerError', statusCode: 500 },
      times: 2,
    });
    // WHEN the rescue receives the child's ABORTED status event
    const rescue = sfn.start(rescueArn, JSON.stringify(statusEvent(sfn, region, child.executionArn)));
    await sfn.idle();
    // THEN the read was retried (DYNAMODB_READ_RETRY) instead of ending the rescue, and the database is thawed
    expect(
      rescue.result?.timeline.filter((e) => e.kind === 'retry' && e.state === 'Read the instance record'),
    ).toHaveLength(2);
    expect(rescue.result).toMatchObject({ status: 'SUCCEEDED' });
    expect(workload(region)).toMatchObject({ frozen: false });
  });

  it('takes over when every thaw of the backup failed (the lock stays FROZEN for it)', async () => {
    // GIVEN the first five thaws fail: the backup gives up with ThawFailed and a CRITICAL notification
    const { region, sfn } = world({ thawFails: 5 });
    const child = await backUpOnce(sfn);
    expect(child.result).toMatchObject({ status: 'FAILED', error: Errors.THAW_FAILED });
    expect(item(region)).toMatchObject({ state: { S: 'FROZEN' } });
    const subjects = () => (region.snapshot().sns as Environment['sns']).messages.map((m) => m.subject);
    expect(subjects()).toContain('ha-workflows: CRITICAL - database may still be FROZEN');
    // WHEN the rescue receives the FAILED event
    const rescue = sfn.start(rescueArn, JSON.stringify(statusEvent(sfn, region, child.executionArn)));
    await sfn.idle();
    // THEN its thaw (the sixth) works
    expect(rescue.result).toMatchObject({ status: 'SUCCEEDED' });
    expect(thaws(region)).toHaveLength(6);
    expect(workload(region)).toMatchObject({ frozen: false });
  });

  it('does nothing for a failed backup that thawed what it froze', async () => {
    // GIVEN a backup stopped after its thaw was confirmed and recorded
    const { region, sfn } = world({ stopAt: 'Record the freeze window' });
    const child = await backUpOnce(sfn);
    expect(child.status).toBe('ABORTED');
    expect(item(region)).toMatchObject({ state: { S: 'THAWED' } });
    // WHEN the rescue receives its event
    const rescue = sfn.start(rescueArn, JSON.stringify(statusEvent(sfn, region, child.executionArn)));
    await sfn.idle();
    // THEN it sends no thaw
    expect(rescue.result).toMatchObject({ status: 'SUCCEEDED' });
    expect(rescue.result?.timeline.at(-2)?.state).toBe('Nothing left frozen');
    expect(thaws(region)).toHaveLength(1);
  });

  it('ignores an event that names no backup execution', async () => {
    // GIVEN an event without the execution's input
    const { sfn } = world();
    // WHEN the rescue starts with it
    const rescue = sfn.start(
      rescueArn,
      JSON.stringify({ source: 'aws.states', 'detail-type': EXECUTION_STATUS_CHANGE, detail: { status: 'FAILED' } }),
    );
    await sfn.idle();
    // THEN it fails as invalid input, touching nothing
    expect(rescue.result).toMatchObject({ status: 'FAILED', error: Errors.INVALID_INPUT });
    expect(tableName).toBeTruthy();
  });
});
