import type { CopySnapshotResult, DescribeImagesResult } from '@aws-sdk/client-ec2';
import { type Ec2Environment, Ec2Simulator, type Json } from '../../../local/region/ec2';
import { SimulatedRegion } from '../../../local/region/region';
import { CONCURRENT_COPIES_PER_REGION } from '../../../local/region/ec2/snapshot-rules';

const AMI = 'ami-0123456789abcdef0';
const ROOT_SNAPSHOT = 'snap-0aaaaaaaaaaaaaaa1';
const OLD_BACKUP = 'snap-0bbbbbbbbbbbbbbb2';

function setup(overrides: Partial<Ec2Environment> = {}) {
  const region = new SimulatedRegion({ seed: 3 });
  const ec2 = new Ec2Simulator(region, {
    vpcs: [{ vpcId: 'vpc-1' }],
    subnets: [{ subnetId: 'subnet-a', vpcId: 'vpc-1', availabilityZone: 'us-east-1a' }],
    securityGroups: [{ groupId: 'sg-app', vpcId: 'vpc-1', groupName: 'db' }],
    instances: [{ instanceId: 'i-0aaaaaaaaaaaaaaa1', imageId: AMI, instanceType: 'r6i.large', subnetId: 'subnet-a' }],
    snapshots: [
      { snapshotId: ROOT_SNAPSHOT, startTime: '2026-01-01T00:00:00.000Z' },
      { snapshotId: OLD_BACKUP, startTime: '2026-01-01T00:00:00.000Z' },
    ],
    ...overrides,
  });
  region.register(ec2);
  const call = <T = unknown>(action: string, input: Record<string, unknown> = {}) =>
    region.call('ec2', action, input) as Promise<T>;
  return { region, call };
}

const launch = (extra: Record<string, unknown> = {}) => ({
  ImageId: AMI,
  InstanceType: 'r6i.large',
  MinCount: 1,
  MaxCount: 1,
  SubnetId: 'subnet-a',
  ...extra,
});

describe('AMIs: only the images a scenario lists exist (issue #13 item 11)', () => {
  it("refuses to launch a running instance's AMI that the scenario does not list, DryRun included", async () => {
    // GIVEN a running instance whose AMI is not among the scenario's images (none listed)
    const { call } = setup();
    // WHEN a replacement is launched from it, for real or as a DryRun
    // THEN both fail InvalidAMIID.NotFound, and DescribeImages agrees
    await expect(call('RunInstances', launch())).rejects.toMatchObject({ code: 'InvalidAMIID.NotFound' });
    await expect(call('RunInstances', launch({ DryRun: true }))).rejects.toMatchObject({
      code: 'InvalidAMIID.NotFound',
    });
    await expect(call('DescribeImages', { ImageIds: [AMI] })).rejects.toMatchObject({
      code: 'InvalidAMIID.NotFound',
    });
    expect(await call<Json<DescribeImagesResult>>('DescribeImages', {})).toEqual({ Images: [] });
  });

  it('launches from a listed AMI, and describes it with its block device mappings', async () => {
    const { call } = setup({ images: [{ imageId: AMI, name: 'golden', snapshotIds: [ROOT_SNAPSHOT] }] });
    await expect(call('RunInstances', launch({ DryRun: true }))).rejects.toMatchObject({ code: 'DryRunOperation' });
    await expect(call('RunInstances', launch())).resolves.toMatchObject({ Instances: [expect.anything()] });
    const { Images } = await call<Json<DescribeImagesResult>>('DescribeImages', { ImageIds: [AMI] });
    expect(Images).toEqual([
      expect.objectContaining({
        ImageId: AMI,
        State: 'available',
        BlockDeviceMappings: [
          expect.objectContaining({
            DeviceName: '/dev/xvda',
            Ebs: expect.objectContaining({ SnapshotId: ROOT_SNAPSHOT }),
          }),
        ],
      }),
    ]);
  });

  it('deregisters an AMI at the scripted second: launches and DescribeImages see it gone from then on', async () => {
    // GIVEN the AMI is deregistered 60 s into the drill
    const { call, region } = setup({ images: [{ imageId: AMI, deregisteredAtSeconds: 60 }] });
    await expect(call('RunInstances', launch({ DryRun: true }))).rejects.toMatchObject({ code: 'DryRunOperation' });
    // WHEN 60 s have passed
    region.clock.advanceSeconds(60);
    // THEN the same DryRun and the real launch fail, and DescribeImages returns nothing
    await expect(call('RunInstances', launch({ DryRun: true }))).rejects.toMatchObject({
      code: 'InvalidAMIID.NotFound',
    });
    await expect(call('RunInstances', launch())).rejects.toMatchObject({ code: 'InvalidAMIID.NotFound' });
    expect(await call<Json<DescribeImagesResult>>('DescribeImages', { ImageIds: [AMI] })).toEqual({ Images: [] });
  });
});

describe('Snapshots (issue #13 item 13)', () => {
  it('refuses to delete a snapshot a registered AMI uses (InvalidSnapshot.InUse), and deletes it once deregistered', async () => {
    // GIVEN an AMI whose root device is ROOT_SNAPSHOT, deregistered 60 s into the drill
    const { call, region } = setup({
      images: [{ imageId: AMI, snapshotIds: [ROOT_SNAPSHOT], deregisteredAtSeconds: 60 }],
    });
    // WHEN both snapshots are deleted while the AMI is registered
    // THEN the AMI's snapshot is refused, the other one is deleted
    await expect(call('DeleteSnapshot', { SnapshotId: ROOT_SNAPSHOT })).rejects.toMatchObject({
      code: 'InvalidSnapshot.InUse',
      message: `The snapshot ${ROOT_SNAPSHOT} is currently in use by ${AMI}`,
    });
    await expect(call('DeleteSnapshot', { SnapshotId: OLD_BACKUP })).resolves.toEqual({});
    // AND once the AMI is deregistered, its snapshot can be deleted
    region.clock.advanceSeconds(60);
    await expect(call('DeleteSnapshot', { SnapshotId: ROOT_SNAPSHOT })).resolves.toEqual({});
  });

  it(`allows ${CONCURRENT_COPIES_PER_REGION} concurrent copies per destination region, then ResourceLimitExceeded until one completes`, async () => {
    // GIVEN 25 completed snapshots
    const ids = Array.from({ length: 25 }, (_, i) => `snap-${(0x100 + i).toString(16).padStart(17, '0')}`);
    const { call, region } = setup({
      snapshots: ids.map((snapshotId) => ({ snapshotId, startTime: '2026-01-01T00:00:00.000Z' })),
    });
    const copy = (id: string) =>
      call<Json<CopySnapshotResult>>('CopySnapshot', { SourceRegion: 'us-east-1', SourceSnapshotId: id });
    // WHEN 20 copies are started
    for (const id of ids.slice(0, CONCURRENT_COPIES_PER_REGION)) await copy(id);
    // THEN the 21st fails with ResourceLimitExceeded
    await expect(copy(ids[20])).rejects.toMatchObject({ code: 'ResourceLimitExceeded' });
    // AND once the copies have completed, copies are accepted again
    region.clock.advanceSeconds(region.latency['ebs.copySnapshotCompletion']);
    await expect(copy(ids[20])).resolves.toMatchObject({ SnapshotId: expect.stringMatching(/^snap-/) });
  });
});
