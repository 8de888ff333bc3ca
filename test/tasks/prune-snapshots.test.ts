import { DeleteSnapshotCommand, DescribeSnapshotsCommand, EC2Client, type Snapshot } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { makeHandler } from '../../tasks/prune-snapshots/handler';
import { type BackupSet, expiredSets } from '../../tasks/prune-snapshots/logic';
import { settings } from '../fixtures/backup-tasks';
import { ec2Error, mockedForEachTest, silentLogger } from '../harness/task-mocks';

const DAY = 86_400_000;
const AS_OF = Date.parse('2026-01-05T02:30:00Z');

/** A set `days` old, newest first by age. */
const set = (backupId: string, days: number, state: BackupSet['state'] = 'completed'): BackupSet => ({
  backupId,
  startTime: AS_OF - days * DAY,
  state,
  snapshotIds: [`snap-${backupId}`],
});
const ids = (sets: BackupSet[]) => sets.map((s) => s.backupId);

describe('retention (expiredSets)', () => {
  const sets = [set('d0', 0), set('d1', 1), set('d2', 2), set('d10', 10), set('d20', 20)];

  it('keeps the newest `count` completed sets', () => {
    expect(ids(expiredSets(sets, { count: 3, minimumKept: 1 }, AS_OF))).toEqual(['d10', 'd20']);
  });

  it('keeps sets younger than `maxAgeDays`', () => {
    expect(ids(expiredSets(sets, { maxAgeDays: 7, minimumKept: 1 }, AS_OF))).toEqual(['d10', 'd20']);
  });

  it('deletes a set that fails either limit when both are given', () => {
    expect(ids(expiredSets(sets, { count: 4, maxAgeDays: 15, minimumKept: 1 }, AS_OF))).toEqual(['d20']);
    expect(ids(expiredSets(sets, { count: 2, maxAgeDays: 15, minimumKept: 1 }, AS_OF))).toEqual(['d2', 'd10', 'd20']);
  });

  it('always keeps the newest `minimumKept` completed sets, however old', () => {
    const old = [set('d30', 30), set('d40', 40), set('d50', 50)];
    expect(ids(expiredSets(old, { maxAgeDays: 7, minimumKept: 2 }, AS_OF))).toEqual(['d50']);
  });

  it('never deletes a pending set, and does not count a failed one as kept', () => {
    const mixed = [set('p0', 0, 'pending'), set('e1', 1, 'error'), set('d2', 2), set('d3', 3)];
    expect(ids(expiredSets(mixed, { count: 1, minimumKept: 1 }, AS_OF))).toEqual(['d3']);
    expect(ids(expiredSets([set('e5', 5, 'error'), set('d1', 1)], { count: 1, minimumKept: 1 }, AS_OF))).toEqual([
      'e5',
    ]);
  });
});

describe('prune-snapshots', () => {
  const ec2 = mockedForEachTest(mockClient(EC2Client));
  const prune = makeHandler(() => new EC2Client({ region: 'eu-west-1' }), silentLogger('prune'));
  const tags = (over: Record<string, string>) =>
    Object.entries({
      'ha-workflows:created-by': 'ha-workflows',
      'ha-workflows:backup-policy': 'db-nightly',
      'ha-workflows:instance-id': 'i-0aaaaaaaaaaaaaaa1',
      ...over,
    }).map(([Key, Value]) => ({ Key, Value }));
  const snap = (id: string, backupId: string, days: number, over: Record<string, string> = {}): Snapshot => ({
    SnapshotId: id,
    State: 'completed',
    StartTime: new Date(AS_OF - days * DAY),
    Tags: tags({ 'ha-workflows:backup-id': backupId, ...over }),
  });
  const event = {
    instanceId: 'i-0aaaaaaaaaaaaaaa1',
    policy: 'db-nightly',
    asOf: '2026-01-05T02:30:00Z',
    region: 'eu-west-1',
    settings: { retention: { count: 1, minimumKept: 1 } },
  };

  it("deletes every snapshot of an expired set, and nothing EC2 returned that is not the policy's own", async () => {
    // GIVEN EC2 returns two sets of the policy (two snapshots each) and, wrongly, one of another policy
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        snap('snap-0000000000000000a', 'new', 0),
        snap('snap-0000000000000000b', 'new', 0),
        snap('snap-0000000000000000c', 'old', 3),
        snap('snap-0000000000000000d', 'old', 3),
        snap('snap-0000000000000000e', 'other', 9, { 'ha-workflows:backup-policy': 'weekly' }),
      ],
    });
    ec2.on(DeleteSnapshotCommand).resolves({});
    // WHEN the instance's sets are pruned (keep 1)
    const out = await prune(event);
    // THEN the old set's two snapshots are deleted, and only they
    expect(out.regions).toEqual([
      { region: 'eu-west-1', deletedSets: ['old'], deletedSnapshots: 2, keptSets: 1, inUse: [] },
    ]);
    expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 2);
    expect(ec2).not.toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-0000000000000000e' });
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      OwnerIds: ['self'],
      Filters: [
        { Name: 'tag:ha-workflows:created-by', Values: ['ha-workflows'] },
        { Name: 'tag:ha-workflows:backup-policy', Values: ['db-nightly'] },
        { Name: 'tag:ha-workflows:instance-id', Values: ['i-0aaaaaaaaaaaaaaa1'] },
      ],
    });
  });

  it('prunes the copies in the copy region by their own retention, and the sets (not the copies) at home', async () => {
    // GIVEN one region's view holds both the sets and, tagged copy-of, the copies (as in the one-region engine)
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        snap('snap-0000000000000000a', 'new', 0),
        snap('snap-0000000000000000b', 'old', 3),
        snap('snap-0000000000000000c', 'new', 0, { 'ha-workflows:copy-of': 'snap-0000000000000000a' }),
        snap('snap-0000000000000000d', 'old', 3, { 'ha-workflows:copy-of': 'snap-0000000000000000b' }),
      ],
    });
    ec2.on(DeleteSnapshotCommand).resolves({});
    // WHEN pruning with count 2 at home and count 1 for the copies
    const out = await prune({
      ...event,
      settings: settings({
        retention: { count: 2, minimumKept: 1 },
        copy: { region: 'eu-central-1', retention: { count: 1, minimumKept: 1 } },
      }),
    });
    // THEN only the old copy goes
    expect(out.regions.map((r) => [r.region, r.deletedSets])).toEqual([
      ['eu-west-1', []],
      ['eu-central-1', ['old']],
    ]);
    expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-0000000000000000d' });
    expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 1);
  });

  it('takes a snapshot already deleted (by an earlier attempt) as done', async () => {
    ec2
      .on(DescribeSnapshotsCommand)
      .resolves({ Snapshots: [snap('snap-0000000000000000a', 'new', 0), snap('snap-0000000000000000b', 'old', 3)] });
    ec2.on(DeleteSnapshotCommand).rejects(ec2Error('InvalidSnapshot.NotFound', 'gone'));
    expect((await prune(event)).regions[0]).toMatchObject({ deletedSets: ['old'], deletedSnapshots: 0 });
  });

  it('keeps a snapshot a registered AMI uses, prunes the rest, and lists it for the operators instead of failing', async () => {
    // GIVEN an expired set of two snapshots, one of which an AMI was registered from
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        snap('snap-0000000000000000a', 'new', 0),
        snap('snap-0000000000000000b', 'old', 3),
        snap('snap-0000000000000000c', 'old', 3),
      ],
    });
    const inUse = 'The snapshot snap-0000000000000000b is currently in use by ami-0123456789abcdef0';
    ec2
      .on(DeleteSnapshotCommand)
      .resolves({})
      .on(DeleteSnapshotCommand, { SnapshotId: 'snap-0000000000000000b' })
      .rejects(ec2Error('InvalidSnapshot.InUse', inUse));
    // WHEN the instance's sets are pruned (keep 1)
    const out = await prune(event);
    // THEN the other snapshot is deleted, the set is kept (not reported deleted), and the AMI's snapshot is listed
    const kept = { region: 'eu-west-1', backupId: 'old', snapshotId: 'snap-0000000000000000b', reason: inUse };
    expect(out).toEqual({
      regions: [{ region: 'eu-west-1', deletedSets: [], deletedSnapshots: 1, keptSets: 2, inUse: [kept] }],
      inUse: [kept],
    });
  });
});
