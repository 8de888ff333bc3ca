import { CopySnapshotCommand, DescribeSnapshotsCommand, EC2Client, type Snapshot } from '@aws-sdk/client-ec2';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { makeHandler } from '../../tasks/copy-snapshots/handler';
import { TaskErrorNames } from '../../contracts/errors';
import { taskLogger } from '../../tasks/shared/logger';
import { failure } from '../fixtures/backup-tasks';

const OWN = [
  { Key: 'ha-workflows:created-by', Value: 'ha-workflows' },
  { Key: 'ha-workflows:backup-policy', Value: 'db-nightly' },
  { Key: 'ha-workflows:backup-id', Value: 'db-nightly-20260105T023000Z' },
  { Key: 'ha-workflows:instance-id', Value: 'i-0aaaaaaaaaaaaaaa1' },
  { Key: 'ha-workflows:consistency', Value: 'application' },
  { Key: 'ha-workflows:expiry', Value: '2026-01-19T02:30:00.000Z' },
];
const source = (id: string): Snapshot => ({ SnapshotId: id, State: 'completed', Tags: OWN });

describe('copy-snapshots', () => {
  let ec2: AwsClientStub<EC2Client>;
  const regions: string[] = [];
  const client = new EC2Client({ region: 'eu-west-1' });
  const copy = makeHandler(
    (region) => {
      regions.push(region);
      return client;
    },
    taskLogger('copy', { logLevel: 'SILENT' }),
  );
  const event = {
    instanceId: 'i-0aaaaaaaaaaaaaaa1',
    backupId: 'db-nightly-20260105T023000Z',
    sourceRegion: 'eu-west-1',
    destinationRegion: 'eu-central-1',
    snapshotIds: ['snap-0000000000000000a', 'snap-0000000000000000b'],
    expiry: '2026-02-04T02:30:00.000Z',
  };

  beforeAll(() => {
    ec2 = mockClient(EC2Client);
  });
  beforeEach(() => {
    ec2.reset();
    regions.length = 0;
  });
  afterAll(() => ec2.restore());

  it("copies each snapshot in the destination region with the set's tags, its source and the copy's own expiry", async () => {
    // GIVEN two snapshots of the set, no copy yet
    ec2
      .on(DescribeSnapshotsCommand, { SnapshotIds: event.snapshotIds })
      .resolves({ Snapshots: event.snapshotIds.map(source) })
      .on(DescribeSnapshotsCommand, { OwnerIds: ['self'] })
      .resolves({ Snapshots: [] });
    // WHEN the set is copied
    const out = await copy(event);
    // THEN two copies started, each carrying the tags (CopySnapshot copies none by itself)
    expect(out).toEqual({ started: 2, existing: 0 });
    expect(regions).toEqual(['eu-west-1', 'eu-central-1']);
    expect(ec2).toHaveReceivedCommandTimes(CopySnapshotCommand, 2);
    expect(ec2).toHaveReceivedCommandWith(CopySnapshotCommand, {
      SourceRegion: 'eu-west-1',
      SourceSnapshotId: 'snap-0000000000000000a',
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: expect.arrayContaining([
            { Key: 'ha-workflows:created-by', Value: 'ha-workflows' },
            { Key: 'ha-workflows:consistency', Value: 'application' },
            { Key: 'ha-workflows:copy-of', Value: 'snap-0000000000000000a' },
            { Key: 'ha-workflows:source-region', Value: 'eu-west-1' },
            { Key: 'ha-workflows:expiry', Value: '2026-02-04T02:30:00.000Z' },
          ]),
        },
      ],
    });
  });

  it('does not copy again what an earlier attempt already copied', async () => {
    ec2
      .on(DescribeSnapshotsCommand, { SnapshotIds: event.snapshotIds })
      .resolves({ Snapshots: event.snapshotIds.map(source) })
      .on(DescribeSnapshotsCommand, { OwnerIds: ['self'] })
      .resolves({
        Snapshots: [
          {
            SnapshotId: 'snap-0000000000000c0a1',
            Tags: [{ Key: 'ha-workflows:copy-of', Value: 'snap-0000000000000000a' }],
          },
        ],
      });
    expect(await copy(event)).toEqual({ started: 1, existing: 1 });
    expect(ec2).toHaveReceivedCommandWith(CopySnapshotCommand, { SourceSnapshotId: 'snap-0000000000000000b' });
  });

  it("refuses to copy a snapshot that is not the workflow's own", async () => {
    ec2
      .on(DescribeSnapshotsCommand, { SnapshotIds: event.snapshotIds })
      .resolves({ Snapshots: [{ SnapshotId: 'snap-0000000000000000a', Tags: [{ Key: 'Name', Value: 'by hand' }] }] })
      .on(DescribeSnapshotsCommand, { OwnerIds: ['self'] })
      .resolves({ Snapshots: [] });
    expect((await failure(copy(event))).name).toBe(TaskErrorNames.UnexpectedApiResponse);
    expect(ec2).not.toHaveReceivedCommand(CopySnapshotCommand);
  });

  it('ends with SnapshotCopyLimitReached when the destination has 20 copies in progress, keeping the copies it started', async () => {
    // GIVEN the destination region accepts one copy, then refuses with ResourceLimitExceeded
    const limit = Object.assign(new Error('You have reached the limit of 20 concurrent snapshot copies'), {
      name: 'ResourceLimitExceeded',
    });
    ec2
      .on(DescribeSnapshotsCommand, { SnapshotIds: event.snapshotIds })
      .resolves({ Snapshots: event.snapshotIds.map(source) })
      .on(DescribeSnapshotsCommand, { OwnerIds: ['self'] })
      .resolves({ Snapshots: [] })
      .on(CopySnapshotCommand)
      .resolvesOnce({ SnapshotId: 'snap-0000000000000000c' })
      .rejects(limit);
    // WHEN the set is copied
    const error = await failure(copy(event));
    // THEN the task fails with its own declared name (the workflow retries it later), saying what is left
    expect(error.name).toBe(TaskErrorNames.SnapshotCopyLimitReached);
    expect(error.message).toMatch(/1 copies started by this call and 1 still to start/);
    expect(ec2).toHaveReceivedCommandTimes(CopySnapshotCommand, 2);
  });
});
