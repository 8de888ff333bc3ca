import type { DescribeInstancesResult, DescribeSecurityGroupsResult, StopInstancesResult } from '@aws-sdk/client-ec2';
import { type Ec2Environment, Ec2Simulator, type Json } from '../../../local/region/ec2';
import { SimulatedRegion } from '../../../local/region/region';
import { checkNeverTwoWriters, type WriterRow } from '../../../local/region/writers';

// Issue #13 items 8 (connection tracking, writers timeline), 9 (deny-all during boot), 10 (stuck stops in an
// impaired AZ) and 12 (several network interfaces per instance).

const OLD = 'i-0aaaaaaaaaaaaaaa1';
const MIRROR_A = 'i-0bbbbbbbbbbbbbbb2';
const MIRROR_B = 'i-0ccccccccccccccc3';
const DATA_ENI = 'eni-0ddddddddddddddd4';
const DENY_ALL_EGRESS = { protocol: 'icmp' as const, fromPort: 252, toPort: 86, cidr: '255.255.255.255/32' };

function environment(overrides: Partial<Ec2Environment> = {}): Ec2Environment {
  return {
    vpcs: [{ vpcId: 'vpc-1' }],
    // Only listed AMIs exist (item 11).
    images: [{ imageId: 'ami-0123456789abcdef0' }],
    subnets: [
      { subnetId: 'subnet-a', vpcId: 'vpc-1', availabilityZone: 'us-east-1a', cidrBlock: '10.0.1.0/24' },
      { subnetId: 'subnet-a2', vpcId: 'vpc-1', availabilityZone: 'us-east-1a', cidrBlock: '10.0.9.0/24' },
      { subnetId: 'subnet-b', vpcId: 'vpc-1', availabilityZone: 'us-east-1b', cidrBlock: '10.0.2.0/24' },
    ],
    securityGroups: [
      { groupId: 'sg-app', vpcId: 'vpc-1', groupName: 'app' },
      { groupId: 'sg-data', vpcId: 'vpc-1', groupName: 'data' },
      { groupId: 'sg-deny', vpcId: 'vpc-1', groupName: 'deny-all', ingress: [], egress: [DENY_ALL_EGRESS] },
      {
        groupId: 'sg-boot',
        vpcId: 'vpc-1',
        groupName: 'boot',
        ingress: [],
        egress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' }],
      },
    ],
    instances: [
      {
        instanceId: OLD,
        imageId: 'ami-0123456789abcdef0',
        instanceType: 'm7i.large',
        subnetId: 'subnet-a',
        securityGroupIds: ['sg-app'],
        tags: { Name: 'app-1', Group: 'app' },
      },
    ],
    ...overrides,
  };
}

function setup(overrides: Partial<Ec2Environment> = {}) {
  const region = new SimulatedRegion({ seed: 3 });
  const ec2 = new Ec2Simulator(region, environment(overrides));
  region.register(ec2);
  const call = <T = unknown>(action: string, input: Record<string, unknown> = {}) =>
    region.call('ec2', action, input) as Promise<T>;
  const describe = async (id: string) =>
    (await call<Json<DescribeInstancesResult>>('DescribeInstances', { InstanceIds: [id] })).Reservations![0]
      .Instances![0];
  const writers = () => (ec2.snapshot() as { writers: WriterRow[] }).writers;
  const launch = async (groups: string[], subnetId = 'subnet-b') =>
    (
      await call<{ Instances: { InstanceId: string }[] }>('RunInstances', {
        ImageId: 'ami-0123456789abcdef0',
        InstanceType: 'm7i.large',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnetId,
        SecurityGroupIds: groups,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Group', Value: 'app' }] }],
      })
    ).Instances[0].InstanceId;
  return { region, ec2, call, describe, writers, launch, lat: region.latency };
}

describe('item 8: connection tracking and the writers timeline', () => {
  it('keeps an instance whose groups were swapped to deny-all writing until it is stopped', async () => {
    // GIVEN a workload writing since before the drill
    const { call, region, writers, lat } = setup();
    // WHEN its groups are swapped to deny-all, 100 s pass, and only then it is stopped
    await call('ModifyInstanceAttribute', { InstanceId: OLD, Groups: ['sg-deny'] });
    region.clock.advanceSeconds(100);
    const stopAt = region.clock.now();
    await call('StopInstances', { InstanceIds: [OLD] });
    region.clock.advanceSeconds(lat['ec2.stoppingToStopped']);
    // THEN it wrote from the drill's start until it was stopped: the swap did not end its established flows
    expect(writers()).toEqual([
      {
        instanceId: OLD,
        tags: { Name: 'app-1', Group: 'app' },
        from: new Date(region.clock.startMs).toISOString(),
        to: new Date(stopAt + lat['ec2.stoppingToStopped'] * 1000).toISOString(),
      },
    ]);
  });

  it('shows two writers when a replacement takes clients before the fenced instance has stopped', async () => {
    // GIVEN the old workload fenced with deny-all only (not stopped)
    const { call, region, writers, launch, lat } = setup();
    await call('ModifyInstanceAttribute', { InstanceId: OLD, Groups: ['sg-deny'] });
    // WHEN a replacement boots and is given the workload's group
    const id = await launch(['sg-boot']);
    region.clock.advanceSeconds(lat['ec2.eventualConsistency'] + lat['ec2.pendingToRunning'] + 60);
    const unfencedAt = region.clock.now();
    await call('ModifyInstanceAttribute', { InstanceId: id, Groups: ['sg-app'] });
    region.clock.advanceSeconds(30);
    // THEN both write at once, and the expectation names them and the overlap
    const rows = writers();
    expect(rows.map((r) => r.instanceId).sort()).toEqual([OLD, id].sort());
    expect(rows.find((r) => r.instanceId === id)).toMatchObject({ to: null });
    const check = checkNeverTwoWriters(rows, { groupByTag: 'Group' });
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(
      new RegExp(
        `^(${OLD} and ${id}|${id} and ${OLD}) \\(group app\\) both write from ${new Date(unfencedAt).toISOString()}`,
      ),
    );
  });

  it('does not count a replacement that boots with the boot group (no ingress) as a writer', async () => {
    // GIVEN the old workload stopped
    const { call, region, writers, launch, lat } = setup();
    await call('StopInstances', { InstanceIds: [OLD] });
    // WHEN a replacement boots with the boot group only and runs for ten minutes
    const id = await launch(['sg-boot']);
    region.clock.advanceSeconds(600);
    // THEN it never wrote; after the old one stopped and it got the workload's group, it writes, alone
    expect(writers().filter((w) => w.instanceId === id)).toEqual([]);
    await call('ModifyInstanceAttribute', { InstanceId: id, Groups: ['sg-app'] });
    region.clock.advanceSeconds(lat['ec2.api']);
    expect(writers().filter((w) => w.instanceId === id)).toHaveLength(1);
    expect(checkNeverTwoWriters(writers(), true).ok).toBe(true);
  });

  it('follows a mirror member’s role: it writes while primary and its guest runs', async () => {
    // GIVEN two mirror members, A primary; B becomes primary at 60 s while A is demoted at 90 s
    const member = (instanceId: string, mirrorRole: string) => ({
      instanceId,
      imageId: 'ami-0123456789abcdef0',
      instanceType: 'r6i.large',
      subnetId: 'subnet-a',
      securityGroupIds: ['sg-app'],
      tags: { Name: instanceId },
      workload: { mirrorRole },
    });
    const { region, writers } = setup({
      instances: [member(MIRROR_A, 'primary'), member(MIRROR_B, 'backup')],
      workloadChanges: [
        { instanceId: MIRROR_B, atSeconds: 60, set: { mirrorRole: 'primary' } },
        { instanceId: MIRROR_A, atSeconds: 90, set: { mirrorRole: 'backup' } },
      ],
    });
    region.clock.advanceSeconds(120);
    // THEN A wrote 0–90 s and B from 60 s: 30 s with two writers, found at any moment, not only at the end
    const at = (s: number) => new Date(region.clock.startMs + s * 1000).toISOString();
    const check = checkNeverTwoWriters(writers(), true);
    expect(check).toMatchObject({ ok: false });
    expect(check.detail).toBe(`${MIRROR_A} and ${MIRROR_B} both write from ${at(60)} to ${at(90)}`);
  });
});

describe('item 9: deny-all during boot', () => {
  it('never brings the SSM agent of an instance launched with only a deny-all group online', async () => {
    // GIVEN an instance launched with the deny-all group only, and one with the boot group (HTTPS egress)
    const { ec2, region, launch } = setup();
    const fenced = await launch(['sg-deny']);
    const booting = await launch(['sg-boot']);
    // WHEN an hour passes
    region.clock.advanceSeconds(3600);
    // THEN both run; only the one that may reach HTTPS endpoints has its agent online
    expect(ec2.inspectInstance(fenced)).toMatchObject({ state: 'running', ssmOnline: false });
    expect(ec2.inspectInstance(booting)).toMatchObject({ state: 'running', ssmOnline: true });
  });

  it('describes the rules of each group, with EC2’s default allow-all egress for a scenario group without rules', async () => {
    const { call } = setup();
    const out = await call<Json<DescribeSecurityGroupsResult>>('DescribeSecurityGroups', {
      GroupIds: ['sg-boot', 'sg-app'],
    });
    const [boot, app] = out.SecurityGroups!;
    expect(boot.IpPermissions).toEqual([]);
    expect(boot.IpPermissionsEgress).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        IpRanges: [{ CidrIp: '0.0.0.0/0' }],
        UserIdGroupPairs: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
      },
    ]);
    expect(app.IpPermissionsEgress).toEqual([expect.objectContaining({ IpProtocol: '-1' })]);
  });
});

describe('item 10: StopInstances on an impaired host', () => {
  it('leaves an instance in an impaired AZ stopping until a forced stop, which completes', async () => {
    // GIVEN the old instance's AZ is impaired
    const { call, ec2, region, lat } = setup({ impairedAvailabilityZones: [{ zone: 'us-east-1a' }] });
    // WHEN it is stopped without Force and an hour passes
    const stop = await call<Json<StopInstancesResult>>('StopInstances', { InstanceIds: [OLD] });
    expect(stop.StoppingInstances![0].CurrentState?.Name).toBe('stopping');
    region.clock.advanceSeconds(3600);
    // THEN it is still stopping; a second graceful stop changes nothing
    expect(ec2.inspectInstance(OLD)?.state).toBe('stopping');
    await call('StopInstances', { InstanceIds: [OLD] });
    region.clock.advanceSeconds(3600);
    expect(ec2.inspectInstance(OLD)?.state).toBe('stopping');
    // WHEN it is stopped with Force: true THEN it is stopped after the modeled time
    await call('StopInstances', { InstanceIds: [OLD], Force: true });
    region.clock.advanceSeconds(lat['ec2.stoppingToStopped']);
    expect(ec2.inspectInstance(OLD)?.state).toBe('stopped');
  });

  it('stops an instance in a healthy AZ without Force', async () => {
    const { call, ec2, region, lat } = setup({ impairedAvailabilityZones: [{ zone: 'us-east-1b' }] });
    await call('StopInstances', { InstanceIds: [OLD] });
    region.clock.advanceSeconds(lat['ec2.stoppingToStopped']);
    expect(ec2.inspectInstance(OLD)?.state).toBe('stopped');
  });
});

describe('item 12: several network interfaces per instance', () => {
  const withDataInterface = () =>
    setup({
      instances: [
        {
          instanceId: OLD,
          imageId: 'ami-0123456789abcdef0',
          instanceType: 'm7i.large',
          subnetId: 'subnet-a',
          securityGroupIds: ['sg-app'],
          networkInterfaces: [
            { networkInterfaceId: DATA_ENI, deviceIndex: 1, subnetId: 'subnet-a2', securityGroupIds: ['sg-data'] },
          ],
          tags: { Name: 'app-1' },
        },
      ],
    });

  it('describes every interface with its device index, subnet and own groups', async () => {
    const { describe } = withDataInterface();
    const nics = (await describe(OLD)).NetworkInterfaces!;
    expect(nics.map((n) => [n.Attachment?.DeviceIndex, n.SubnetId, n.Groups?.map((g) => g.GroupId)])).toEqual([
      [0, 'subnet-a', ['sg-app']],
      [1, 'subnet-a2', ['sg-data']],
    ]);
    expect(nics[1].NetworkInterfaceId).toBe(DATA_ENI);
  });

  it('refuses ModifyInstanceAttribute Groups on an instance with several interfaces; each one changes by itself', async () => {
    const { call, describe } = withDataInterface();
    // WHEN the instance's groups are swapped with the instance-level call
    // THEN EC2 refuses it, as it does for an instance with more than one interface, and nothing changes
    await expect(call('ModifyInstanceAttribute', { InstanceId: OLD, Groups: ['sg-deny'] })).rejects.toMatchObject({
      code: 'InvalidInstanceID',
      message: expect.stringMatching(
        /There are multiple interfaces attached to instance 'i-.*'\. Please specify an interface ID/,
      ),
    });
    let nics = (await describe(OLD)).NetworkInterfaces!;
    expect(nics.map((n) => n.Groups?.map((g) => g.GroupId))).toEqual([['sg-app'], ['sg-data']]);
    // WHEN each interface is swapped THEN each changes
    await call('ModifyNetworkInterfaceAttribute', {
      NetworkInterfaceId: nics[0].NetworkInterfaceId,
      Groups: ['sg-deny'],
    });
    nics = (await describe(OLD)).NetworkInterfaces!;
    expect(nics.map((n) => n.Groups?.map((g) => g.GroupId))).toEqual([['sg-deny'], ['sg-data']]);
    await call('ModifyNetworkInterfaceAttribute', { NetworkInterfaceId: DATA_ENI, Groups: ['sg-deny'] });
    nics = (await describe(OLD)).NetworkInterfaces!;
    expect(nics.map((n) => n.Groups?.map((g) => g.GroupId))).toEqual([['sg-deny'], ['sg-deny']]);
  });

  it('launches an instance with several interfaces, and refuses one in another AZ', async () => {
    const { call, describe, region, lat } = setup();
    const request = (secondSubnet: string) => ({
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 'm7i.large',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [
        { DeviceIndex: 0, SubnetId: 'subnet-a', Groups: ['sg-boot'] },
        { DeviceIndex: 1, SubnetId: secondSubnet, Groups: ['sg-data'] },
      ],
    });
    // WHEN launched with a data interface in the same AZ THEN both are described with their own groups
    const out = await call<{ Instances: { InstanceId: string }[] }>('RunInstances', request('subnet-a2'));
    region.clock.advanceSeconds(lat['ec2.eventualConsistency']);
    const nics = (await describe(out.Instances[0].InstanceId)).NetworkInterfaces!;
    expect(nics.map((n) => [n.Attachment?.DeviceIndex, n.SubnetId, n.Groups?.map((g) => g.GroupId)])).toEqual([
      [0, 'subnet-a', ['sg-boot']],
      [1, 'subnet-a2', ['sg-data']],
    ]);
    // WHEN the second interface is in another AZ THEN the launch is refused
    await expect(call('RunInstances', request('subnet-b'))).rejects.toMatchObject({
      code: 'InvalidParameterCombination',
    });
  });

  it('rejects a scenario interface in another AZ or on a used device index', () => {
    const bad = () =>
      setup({
        instances: [
          {
            instanceId: OLD,
            imageId: 'ami-0123456789abcdef0',
            instanceType: 'm7i.large',
            subnetId: 'subnet-a',
            networkInterfaces: [
              { deviceIndex: 1, subnetId: 'subnet-b', securityGroupIds: ['sg-data'] },
              { deviceIndex: 1, securityGroupIds: ['sg-data'] },
            ],
          },
        ],
      });
    expect(bad).toThrow(/interface 1: subnet subnet-b is not in us-east-1a[\s\S]*device index 1 is already used/);
  });
});
