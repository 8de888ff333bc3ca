import type {
  CopySnapshotResult,
  CreateSnapshotsResult,
  DescribeImagesResult,
  DescribeInstanceStatusResult,
  DescribeInstanceTypeOfferingsResult,
  DescribeInstancesResult,
  DescribeSecurityGroupsResult,
  DescribeSnapshotsResult,
  DescribeSubnetsResult,
  DescribeVolumesResult,
  Instance,
  Reservation,
  StartInstancesResult,
  StopInstancesResult,
  TerminateInstancesResult,
} from '@aws-sdk/client-ec2';
import { type Ec2Environment, Ec2Simulator, type Json } from '../../../local/region/ec2';
import { SimulatedRegion } from '../../../local/region/region';

const PRIMARY = 'i-0aaaaaaaaaaaaaaa1';
const BACKUP = 'i-0bbbbbbbbbbbbbbb2';
const PROFILE_ARN = 'arn:aws:iam::123456789012:instance-profile/db-node';

function environment(overrides: Partial<Ec2Environment> = {}): Ec2Environment {
  return {
    vpcs: [{ vpcId: 'vpc-1' }],
    subnets: [
      {
        subnetId: 'subnet-a',
        vpcId: 'vpc-1',
        availabilityZone: 'us-east-1a',
        cidrBlock: '10.0.1.0/24',
        tags: { Tier: 'db' },
      },
      {
        subnetId: 'subnet-b',
        vpcId: 'vpc-1',
        availabilityZone: 'us-east-1b',
        cidrBlock: '10.0.2.0/24',
        tags: { Tier: 'db' },
      },
      { subnetId: 'subnet-x', vpcId: 'vpc-2', availabilityZone: 'us-east-1a', tags: {} },
    ],
    securityGroups: [
      { groupId: 'sg-app', vpcId: 'vpc-1', groupName: 'db', tags: { Role: 'db' } },
      { groupId: 'sg-blackhole', vpcId: 'vpc-1', groupName: 'blackhole', tags: { 'ha:created-by': 'ha-workflows' } },
      { groupId: 'sg-default', vpcId: 'vpc-1', groupName: 'default', tags: {} },
      { groupId: 'sg-other', vpcId: 'vpc-2', groupName: 'other', tags: {} },
    ],
    images: [{ imageId: 'ami-0123456789abcdef0' }],
    instances: [
      {
        instanceId: PRIMARY,
        imageId: 'ami-0123456789abcdef0',
        instanceType: 'r6i.large',
        keyName: 'ops',
        subnetId: 'subnet-a',
        privateIpAddress: '10.0.1.10',
        securityGroupIds: ['sg-app'],
        iamInstanceProfile: PROFILE_ARN,
        tags: { Name: 'db-1', App: 'iris' },
        volumes: [
          { volumeId: 'vol-0aaaaaaaaaaaaaaa1', device: '/dev/xvda', sizeGiB: 8, boot: true, tags: { Name: 'root' } },
          { volumeId: 'vol-0aaaaaaaaaaaaaaa2', device: '/dev/sdf', sizeGiB: 100, tags: { Name: 'data' } },
        ],
        workload: { mirrorRole: 'primary', frozen: false },
      },
      {
        instanceId: BACKUP,
        imageId: 'ami-0123456789abcdef0',
        instanceType: 'r6i.large',
        subnetId: 'subnet-b',
        securityGroupIds: ['sg-app'],
        tags: { Name: 'db-2', App: 'iris' },
        workload: { mirrorRole: 'backup' },
      },
    ],
    ...overrides,
  };
}

function setup(overrides: Partial<Ec2Environment> = {}) {
  const region = new SimulatedRegion({ seed: 7 });
  const ec2 = new Ec2Simulator(region, environment(overrides));
  region.register(ec2);
  const call = <T = unknown>(action: string, input: Record<string, unknown> = {}) =>
    region.call('ec2', action, input) as Promise<T>;
  const describe = async (id: string) =>
    (await call<Json<DescribeInstancesResult>>('DescribeInstances', { InstanceIds: [id] })).Reservations![0]
      .Instances![0];
  return { region, ec2, call, describe, lat: region.latency };
}

const launchRequest = {
  ImageId: 'ami-0123456789abcdef0',
  InstanceType: 'r6i.large',
  MinCount: 1,
  MaxCount: 1,
  KeyName: 'ops',
  SubnetId: 'subnet-b',
  SecurityGroupIds: ['sg-app'],
  IamInstanceProfile: { Arn: PROFILE_ARN },
  TagSpecifications: [
    { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'db-1-replacement' }] },
    { ResourceType: 'volume', Tags: [{ Key: 'Backup', Value: 'daily' }] },
  ],
};

describe('Ec2Simulator RunInstances', () => {
  it('launches a pending instance that carries the requested AMI, type, key, network, profile and tags', async () => {
    // GIVEN a region with two subnets
    const { call, region } = setup();
    // WHEN an instance is launched into subnet-b
    const reservation = await call<Json<Reservation>>('RunInstances', launchRequest);
    // THEN the SDK shape comes back, in state pending, with the call's modeled latency on the clock
    const instance = reservation.Instances![0];
    expect(reservation.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    expect(instance.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(instance).toMatchObject({
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 'r6i.large',
      KeyName: 'ops',
      SubnetId: 'subnet-b',
      VpcId: 'vpc-1',
      Placement: { AvailabilityZone: 'us-east-1b' },
      State: { Code: 0, Name: 'pending' },
      SecurityGroups: [{ GroupId: 'sg-app', GroupName: 'db' }],
      IamInstanceProfile: { Arn: PROFILE_ARN },
      Tags: [{ Key: 'Name', Value: 'db-1-replacement' }],
      RootDeviceName: '/dev/xvda',
      LaunchTime: '2026-01-05T09:00:00.000Z',
    });
    expect(instance.IamInstanceProfile!.Id).toMatch(/^AIPA[A-Z2-7]{17}$/);
    expect(instance.PrivateIpAddress).toMatch(/^10\.0\.2\.\d+$/);
    expect(instance.NetworkInterfaces![0]).toMatchObject({
      SubnetId: 'subnet-b',
      Groups: [{ GroupId: 'sg-app' }],
      Attachment: { DeviceIndex: 0 },
    });
    expect(region.clock.elapsedSeconds()).toBe(region.latency['ec2.RunInstances']);
  });

  it('does not know a new instance id until the eventual-consistency delay has passed', async () => {
    // GIVEN an instance just launched
    const { call, region, lat, ec2 } = setup();
    const id = (await call<Json<Reservation>>('RunInstances', launchRequest)).Instances![0].InstanceId!;
    // WHEN it is described at once THEN EC2 answers NotFound, as the real API does
    await expect(call('DescribeInstances', { InstanceIds: [id] })).rejects.toMatchObject({
      code: 'InvalidInstanceID.NotFound',
      message: `The instance ID '${id}' does not exist`,
    });
    expect(ec2.inspectInstance(id)).toBeUndefined();
    // WHEN the delay has passed THEN it is listed
    region.clock.advanceSeconds(lat['ec2.eventualConsistency']);
    await expect(call('DescribeInstances', { InstanceIds: [id] })).resolves.toBeDefined();
  });

  it('moves a new instance from pending to running, then brings its SSM agent online', async () => {
    // GIVEN an instance launched and visible
    const { call, region, lat, ec2, describe } = setup();
    const id = (await call<Json<Reservation>>('RunInstances', launchRequest)).Instances![0].InstanceId!;
    region.clock.advanceSeconds(lat['ec2.eventualConsistency']);
    expect((await describe(id)).State).toEqual({ Code: 0, Name: 'pending' });
    // WHEN pending→running has elapsed (measured from the RunInstances response)
    region.clock.advanceSeconds(lat['ec2.pendingToRunning']);
    // THEN it runs, but its SSM agent is not yet online
    expect((await describe(id)).State).toEqual({ Code: 16, Name: 'running' });
    expect(ec2.inspectInstance(id)).toMatchObject({ state: 'running', ssmOnline: false, impaired: false });
    // WHEN the boot has finished THEN SendCommand would be accepted
    region.clock.advanceSeconds(lat['ec2.runningToSsmOnline']);
    expect(ec2.inspectInstance(id)?.ssmOnline).toBe(true);
  });

  it('returns the same instances for a repeated ClientToken and rejects the token with other parameters', async () => {
    // GIVEN a launch with a client token
    const { call } = setup();
    const first = await call<Json<Reservation>>('RunInstances', { ...launchRequest, ClientToken: 'recovery-exec-1' });
    // WHEN the same request is retried THEN no second instance is launched
    const again = await call<Json<Reservation>>('RunInstances', { ...launchRequest, ClientToken: 'recovery-exec-1' });
    expect(again.Instances!.map((i) => i.InstanceId)).toEqual(first.Instances!.map((i) => i.InstanceId));
    expect(again.ReservationId).toBe(first.ReservationId);
    // WHEN the token is reused with different parameters THEN EC2 refuses
    await expect(
      call('RunInstances', { ...launchRequest, SubnetId: 'subnet-a', ClientToken: 'recovery-exec-1' }),
    ).rejects.toMatchObject({ code: 'IdempotentParameterMismatch' });
  });

  it('takes the subnet and groups from NetworkInterfaces[0] and launches MaxCount instances in one reservation', async () => {
    // GIVEN a request that places the instance through its primary network interface
    const { call, region, lat } = setup();
    const { SubnetId: _s, SecurityGroupIds: _g, ...rest } = launchRequest;
    const reservation = await call<Json<Reservation>>('RunInstances', {
      ...rest,
      MaxCount: 2,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: 'subnet-a', Groups: ['sg-app', 'sg-blackhole'] }],
    });
    // THEN both instances sit in subnet-a with both groups, in one reservation
    expect(reservation.Instances).toHaveLength(2);
    for (const i of reservation.Instances!) {
      expect(i.SubnetId).toBe('subnet-a');
      expect(i.SecurityGroups!.map((g) => g.GroupId)).toEqual(['sg-app', 'sg-blackhole']);
    }
    region.clock.advanceSeconds(lat['ec2.eventualConsistency']);
    const listed = await call<Json<DescribeInstancesResult>>('DescribeInstances', {
      Filters: [{ Name: 'reservation-id', Values: [reservation.ReservationId!] }],
    });
    expect(listed.Reservations).toHaveLength(1);
    expect(listed.Reservations![0].Instances).toHaveLength(2);
  });

  it('uses the VPC default security group when none is given', async () => {
    const { call } = setup();
    const { SecurityGroupIds: _g, ...rest } = launchRequest;
    const reservation = await call<Json<Reservation>>('RunInstances', rest);
    expect(reservation.Instances![0].SecurityGroups).toEqual([{ GroupId: 'sg-default', GroupName: 'default' }]);
  });

  it.each([
    ['an unknown subnet', { SubnetId: 'subnet-nope' }, 'InvalidSubnetID.NotFound'],
    ['an unknown security group', { SecurityGroupIds: ['sg-nope'] }, 'InvalidGroup.NotFound'],
    ['a security group of another VPC', { SecurityGroupIds: ['sg-other'] }, 'InvalidParameter'],
    ['an unknown AMI', { ImageId: 'ami-0fffffffffffffff0' }, 'InvalidAMIID.NotFound'],
    ['a malformed AMI id', { ImageId: 'image-1' }, 'InvalidAMIID.Malformed'],
    ['an unknown instance profile', { IamInstanceProfile: { Name: 'nope' } }, 'InvalidParameterValue'],
    ['a missing ImageId', { ImageId: undefined }, 'MissingParameter'],
    ['a missing MaxCount', { MaxCount: undefined }, 'MissingParameter'],
    ['no subnet', { SubnetId: undefined }, 'VPCIdNotSpecified'],
    [
      "an 'aws:' tag copied from the old instance",
      {
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'aws:cloudformation:stack-name', Value: 's' }] }],
      },
      'InvalidParameterValue',
    ],
    [
      'a subnet both on the instance and on the network interface',
      { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: 'subnet-a' }] },
      'InvalidParameterCombination',
    ],
  ])('refuses %s', async (_what, change, code) => {
    const { call, ec2 } = setup();
    await expect(call('RunInstances', { ...launchRequest, ...change })).rejects.toMatchObject({
      code,
      statusCode: 400,
    });
    expect((ec2.snapshot() as { instances: unknown[] }).instances).toHaveLength(2);
  });

  it('accepts an instance profile by name', async () => {
    const { call } = setup();
    const reservation = await call<Json<Reservation>>('RunInstances', {
      ...launchRequest,
      IamInstanceProfile: { Name: 'db-node' },
    });
    expect(reservation.Instances![0].IamInstanceProfile!.Arn).toBe(PROFILE_ARN);
  });
});

describe('Ec2Simulator DryRun', () => {
  it('validates a RunInstances DryRun like the real call, answers DryRunOperation (412) and launches nothing', async () => {
    // GIVEN a region with one known AMI
    const { call, ec2 } = setup();
    // WHEN a launch that would succeed is dry-run (with a client token, which a dry run does not use up)
    const dry = call('RunInstances', { ...launchRequest, DryRun: true, ClientToken: 'token-1' });
    // THEN EC2's "would have succeeded" error comes back and no instance exists
    await expect(dry).rejects.toMatchObject({
      code: 'DryRunOperation',
      statusCode: 412,
      message: 'Request would have succeeded, but DryRun flag is set.',
    });
    expect((await call<Json<DescribeInstancesResult>>('DescribeInstances')).Reservations).toHaveLength(2);
    expect(ec2.inspectInstance(PRIMARY)?.state).toBe('running');
    // AND the same token still launches for real afterwards
    const real = await call<Json<Reservation>>('RunInstances', { ...launchRequest, ClientToken: 'token-1' });
    expect(real.Instances).toHaveLength(1);
  });

  it('fails a dry run with the error the launch would fail with (unknown AMI, unknown group)', async () => {
    const { call } = setup();
    await expect(
      call('RunInstances', { ...launchRequest, ImageId: 'ami-0fffffffffffffff0', DryRun: true }),
    ).rejects.toMatchObject({ code: 'InvalidAMIID.NotFound' });
    await expect(
      call('RunInstances', { ...launchRequest, SecurityGroupIds: ['sg-missing'], DryRun: true }),
    ).rejects.toMatchObject({ code: 'InvalidGroup.NotFound' });
  });

  it('does not check capacity in a dry run (capacity is known only at launch)', async () => {
    const { call } = setup({
      capacity: [{ availabilityZone: 'us-east-1b', error: 'InsufficientInstanceCapacity' }],
    });
    await expect(call('RunInstances', { ...launchRequest, DryRun: true })).rejects.toMatchObject({
      code: 'DryRunOperation',
    });
  });

  it('refuses a DryRun of any other action instead of performing it', async () => {
    const { call, ec2 } = setup();
    await expect(call('TerminateInstances', { InstanceIds: [PRIMARY], DryRun: true })).rejects.toThrow(
      /DryRun is modeled for RunInstances only/,
    );
    expect(ec2.inspectInstance(PRIMARY)?.state).toBe('running');
  });
});

describe('Ec2Simulator images and instance type offerings', () => {
  it('describes an available AMI, returns nothing for a deregistered one and refuses an unknown id', async () => {
    // GIVEN one available AMI and the instances' AMI listed as deregistered
    const { call } = setup({
      images: [
        { imageId: 'ami-0aaaaaaaaaaaaaaa0', name: 'golden' },
        { imageId: 'ami-0123456789abcdef0', state: 'deregistered' },
      ],
    });
    // THEN
    const images = await call<Json<DescribeImagesResult>>('DescribeImages', { ImageIds: ['ami-0aaaaaaaaaaaaaaa0'] });
    expect(images.Images).toEqual([
      expect.objectContaining({ ImageId: 'ami-0aaaaaaaaaaaaaaa0', Name: 'golden', State: 'available' }),
    ]);
    const gone = await call<Json<DescribeImagesResult>>('DescribeImages', { ImageIds: ['ami-0123456789abcdef0'] });
    expect(gone.Images).toEqual([]);
    await expect(call('DescribeImages', { ImageIds: ['ami-0fffffffffffffff0'] })).rejects.toMatchObject({
      code: 'InvalidAMIID.NotFound',
    });
    // AND launching the deregistered AMI fails, even though running instances were launched from it
    await expect(call('RunInstances', launchRequest)).rejects.toMatchObject({ code: 'InvalidAMIID.NotFound' });
  });

  it('refuses to launch an AMI that is not available (InvalidAMIID.Unavailable) and reports its state', async () => {
    const { call } = setup({ images: [{ imageId: 'ami-0123456789abcdef0', state: 'pending' }] });
    const images = await call<Json<DescribeImagesResult>>('DescribeImages', { ImageIds: ['ami-0123456789abcdef0'] });
    expect(images.Images?.[0]?.State).toBe('pending');
    await expect(call('RunInstances', launchRequest)).rejects.toMatchObject({ code: 'InvalidAMIID.Unavailable' });
  });

  it('offers an instance type in every zone except where it is permanently Unsupported', async () => {
    // GIVEN r6i.large unsupported in us-east-1b (no `times`: for good), and m7i.large unsupported once there
    const { call } = setup({
      capacity: [
        { availabilityZone: 'us-east-1b', instanceType: 'r6i.large', error: 'Unsupported' },
        { availabilityZone: 'us-east-1b', instanceType: 'm7i.large', error: 'Unsupported', times: 1 },
      ],
    });
    const offered = async (type: string) =>
      (
        await call<Json<DescribeInstanceTypeOfferingsResult>>('DescribeInstanceTypeOfferings', {
          LocationType: 'availability-zone',
          Filters: [
            { Name: 'instance-type', Values: [type] },
            { Name: 'location', Values: ['us-east-1a', 'us-east-1b'] },
          ],
        })
      ).InstanceTypeOfferings?.map((o) => [o.InstanceType, o.LocationType, o.Location]);
    // THEN
    expect(await offered('r6i.large')).toEqual([['r6i.large', 'availability-zone', 'us-east-1a']]);
    expect(await offered('m7i.large')).toEqual([
      ['m7i.large', 'availability-zone', 'us-east-1a'],
      ['m7i.large', 'availability-zone', 'us-east-1b'],
    ]);
  });
});

describe('Ec2Simulator availability-zone faults', () => {
  it('fails launches into an impaired AZ with InsufficientInstanceCapacity (a 500 server error)', async () => {
    // GIVEN us-east-1a is down
    const { call } = setup({ impairedAvailabilityZones: [{ zone: 'us-east-1a' }] });
    // WHEN a replacement is launched there THEN capacity fails; another AZ works
    await expect(call('RunInstances', { ...launchRequest, SubnetId: 'subnet-a' })).rejects.toMatchObject({
      code: 'InsufficientInstanceCapacity',
      statusCode: 500,
    });
    await expect(call('RunInstances', launchRequest)).resolves.toBeDefined();
  });

  it('leaves instances in an impaired AZ running but unreachable, from the outage on', async () => {
    // GIVEN us-east-1a goes down 60 s into the drill
    const { call, ec2, region } = setup({ impairedAvailabilityZones: [{ zone: 'us-east-1a', fromSeconds: 60 }] });
    expect(ec2.inspectInstance(PRIMARY)).toMatchObject({ impaired: false, ssmOnline: true });
    // WHEN the outage starts
    region.clock.advanceSeconds(60);
    // THEN the primary still runs but is impaired, its agent offline and its status checks failing
    expect(ec2.inspectInstance(PRIMARY)).toMatchObject({ state: 'running', impaired: true, ssmOnline: false });
    expect(ec2.inspectInstance(BACKUP)).toMatchObject({ impaired: false });
    const status = await call<Json<DescribeInstanceStatusResult>>('DescribeInstanceStatus', { InstanceIds: [PRIMARY] });
    expect(status.InstanceStatuses![0]).toMatchObject({
      SystemStatus: { Status: 'impaired', Details: [{ Name: 'reachability', Status: 'failed' }] },
      InstanceStatus: { Status: 'impaired' },
    });
  });

  it('models an outage started by a fault script', async () => {
    const { ec2, call } = setup();
    ec2.impairAvailabilityZone('us-east-1b');
    expect(ec2.inspectInstance(BACKUP)?.impaired).toBe(true);
    await expect(call('StartInstances', { InstanceIds: [BACKUP] })).resolves.toBeDefined(); // running: a no-op
  });

  it('fails launches as the capacity entries say, as many times as they say', async () => {
    // GIVEN r6i.large is unsupported once in us-east-1b
    const { call } = setup({
      capacity: [{ availabilityZone: 'us-east-1b', instanceType: 'r6i.large', error: 'Unsupported', times: 1 }],
    });
    // WHEN launched twice THEN the first fails with the real code, the second succeeds
    await expect(call('RunInstances', launchRequest)).rejects.toMatchObject({ code: 'Unsupported', statusCode: 400 });
    await expect(call('RunInstances', launchRequest)).resolves.toBeDefined();
  });

  it('boots a matching new instance that runs but never answers', async () => {
    // GIVEN the next instance in us-east-1b fails to boot
    const { call, ec2, region } = setup({ bootFailures: [{ availabilityZone: 'us-east-1b', count: 1 }] });
    const failed = (await call<Json<Reservation>>('RunInstances', launchRequest)).Instances![0].InstanceId!;
    const healthy = (await call<Json<Reservation>>('RunInstances', launchRequest)).Instances![0].InstanceId!;
    // WHEN boot time has long passed
    region.clock.advanceSeconds(600);
    // THEN the first is impaired and its agent never came online; the second is fine
    expect(ec2.inspectInstance(failed)).toMatchObject({ state: 'running', impaired: true, ssmOnline: false });
    expect(ec2.inspectInstance(healthy)).toMatchObject({ state: 'running', impaired: false, ssmOnline: true });
    const status = await call<Json<DescribeInstanceStatusResult>>('DescribeInstanceStatus', { InstanceIds: [failed] });
    expect(status.InstanceStatuses![0]).toMatchObject({
      SystemStatus: { Status: 'ok' },
      InstanceStatus: { Status: 'impaired' },
    });
  });
});

describe('Ec2Simulator DescribeInstances', () => {
  const idsOf = (r: Json<DescribeInstancesResult>) =>
    r.Reservations!.flatMap((res) => res.Instances!.map((i: Json<Instance>) => i.InstanceId));

  it.each([
    [[{ Name: 'tag:Name', Values: ['db-1'] }], [PRIMARY]],
    [[{ Name: 'tag:Name', Values: ['db-*'] }], [PRIMARY, BACKUP]],
    [[{ Name: 'tag-key', Values: ['App'] }], [PRIMARY, BACKUP]],
    [[{ Name: 'availability-zone', Values: ['us-east-1b'] }], [BACKUP]],
    [[{ Name: 'subnet-id', Values: ['subnet-a', 'subnet-b'] }], [PRIMARY, BACKUP]],
    [[{ Name: 'vpc-id', Values: ['vpc-2'] }], []],
    [[{ Name: 'instance-id', Values: [BACKUP] }], [BACKUP]],
    [
      [
        { Name: 'instance-state-name', Values: ['running'] },
        { Name: 'tag:App', Values: ['iris'] },
        { Name: 'availability-zone', Values: ['us-east-1a'] },
      ],
      [PRIMARY],
    ],
  ])('filters by %j', async (filters, expected) => {
    const { call } = setup();
    expect(idsOf(await call('DescribeInstances', { Filters: filters }))).toEqual(expected);
  });

  it('refuses an unknown filter name', async () => {
    const { call } = setup();
    await expect(call('DescribeInstances', { Filters: [{ Name: 'colour', Values: ['red'] }] })).rejects.toMatchObject({
      code: 'InvalidParameterValue',
      message: "The filter 'colour' is invalid",
    });
  });

  it('names every unknown id, and tells a malformed id apart', async () => {
    const { call } = setup();
    await expect(
      call('DescribeInstances', { InstanceIds: [PRIMARY, 'i-0ccccccccccccccc3', 'i-0ddddddddddddddd4'] }),
    ).rejects.toMatchObject({
      code: 'InvalidInstanceID.NotFound',
      message: "The instance IDs 'i-0ccccccccccccccc3, i-0ddddddddddddddd4' do not exist",
    });
    await expect(call('DescribeInstances', { InstanceIds: ['db-1'] })).rejects.toMatchObject({
      code: 'InvalidInstanceID.Malformed',
    });
  });

  it('returns the fields workflows read, dates as ISO strings', async () => {
    const { describe } = setup();
    const instance = await describe(PRIMARY);
    expect(instance).toMatchObject({
      InstanceId: PRIMARY,
      PrivateIpAddress: '10.0.1.10',
      PrivateDnsName: 'ip-10-0-1-10.ec2.internal',
      State: { Code: 16, Name: 'running' },
      LaunchTime: '2026-01-04T09:00:00.000Z',
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/xvda',
          Ebs: { VolumeId: 'vol-0aaaaaaaaaaaaaaa1', Status: 'attached', DeleteOnTermination: true },
        },
        {
          DeviceName: '/dev/sdf',
          Ebs: { VolumeId: 'vol-0aaaaaaaaaaaaaaa2', Status: 'attached', DeleteOnTermination: false },
        },
      ],
      Tags: [
        { Key: 'Name', Value: 'db-1' },
        { Key: 'App', Value: 'iris' },
      ],
    });
    expect(typeof instance.LaunchTime).toBe('string');
  });
});

describe('Ec2Simulator instance lifecycle', () => {
  it('terminates through shutting-down, idempotently, and keeps the instance listed for an hour', async () => {
    // GIVEN a running instance
    const { call, region, lat, describe } = setup();
    // WHEN it is terminated
    const out = await call<Json<TerminateInstancesResult>>('TerminateInstances', { InstanceIds: [PRIMARY] });
    // THEN the response carries the transition
    expect(out.TerminatingInstances).toEqual([
      {
        InstanceId: PRIMARY,
        CurrentState: { Code: 32, Name: 'shutting-down' },
        PreviousState: { Code: 16, Name: 'running' },
      },
    ]);
    region.clock.advanceSeconds(lat['ec2.shuttingDownToTerminated']);
    const terminated = await describe(PRIMARY);
    expect(terminated.State).toEqual({ Code: 48, Name: 'terminated' });
    expect(terminated.PrivateIpAddress).toBeUndefined();
    expect(terminated.StateReason?.Code).toBe('Client.UserInitiatedShutdown');
    // WHEN terminated again THEN it is a no-op
    const again = await call<Json<TerminateInstancesResult>>('TerminateInstances', { InstanceIds: [PRIMARY] });
    expect(again.TerminatingInstances![0].CurrentState!.Name).toBe('terminated');
    // WHEN an hour has passed THEN it is gone
    region.clock.advanceSeconds(3600);
    await expect(describe(PRIMARY)).rejects.toMatchObject({ code: 'InvalidInstanceID.NotFound' });
  });

  it('deletes the root volume on termination and keeps the data volume, detached', async () => {
    const { call, region, lat } = setup();
    await call('TerminateInstances', { InstanceIds: [PRIMARY] });
    region.clock.advanceSeconds(lat['ec2.shuttingDownToTerminated']);
    const volumes = await call<Json<DescribeVolumesResult>>('DescribeVolumes', {
      VolumeIds: ['vol-0aaaaaaaaaaaaaaa2'],
    });
    expect(volumes.Volumes![0]).toMatchObject({ State: 'available', Attachments: [] });
    await expect(call('DescribeVolumes', { VolumeIds: ['vol-0aaaaaaaaaaaaaaa1'] })).rejects.toMatchObject({
      code: 'InvalidVolume.NotFound',
    });
  });

  it('keeps an instance shutting-down for as long as the scenario says (a termination that hangs)', async () => {
    // GIVEN an instance whose termination takes two hours (bare metal, or a host that never completes it)
    const base = environment();
    const { call, region, lat, describe } = setup({
      instances: base.instances!.map((i) => (i.instanceId === PRIMARY ? { ...i, shuttingDownSeconds: 7200 } : i)),
    });
    // WHEN it is terminated and the usual termination time has long passed
    await call('TerminateInstances', { InstanceIds: [PRIMARY] });
    region.clock.advanceSeconds(lat['ec2.shuttingDownToTerminated'] * 10);
    // THEN it is still shutting-down; it is terminated only after its own time
    expect((await describe(PRIMARY)).State).toEqual({ Code: 32, Name: 'shutting-down' });
    region.clock.advanceSeconds(7200);
    expect((await describe(PRIMARY)).State).toEqual({ Code: 48, Name: 'terminated' });
  });

  it('refuses to terminate an instance with termination protection', async () => {
    const { call, ec2 } = setup();
    await call('ModifyInstanceAttribute', { InstanceId: PRIMARY, DisableApiTermination: { Value: true } });
    await expect(call('TerminateInstances', { InstanceIds: [PRIMARY] })).rejects.toMatchObject({
      code: 'OperationNotPermitted',
    });
    expect(ec2.inspectInstance(PRIMARY)?.state).toBe('running');
  });

  it('stops through stopping and starts again through pending, the agent coming back after boot', async () => {
    // GIVEN a running instance
    const { call, region, lat, ec2 } = setup();
    // WHEN it is stopped
    const stop = await call<Json<StopInstancesResult>>('StopInstances', { InstanceIds: [PRIMARY], Force: true });
    expect(stop.StoppingInstances![0].CurrentState).toEqual({ Code: 64, Name: 'stopping' });
    expect(ec2.inspectInstance(PRIMARY)).toMatchObject({ state: 'stopping', ssmOnline: false });
    // THEN it cannot be started while stopping, and is stopped after the modeled time
    await expect(call('StartInstances', { InstanceIds: [PRIMARY] })).rejects.toMatchObject({
      code: 'IncorrectInstanceState',
    });
    region.clock.advanceSeconds(lat['ec2.stoppingToStopped']);
    expect(ec2.inspectInstance(PRIMARY)?.state).toBe('stopped');
    // WHEN started
    const start = await call<Json<StartInstancesResult>>('StartInstances', { InstanceIds: [PRIMARY] });
    expect(start.StartingInstances![0]).toMatchObject({
      CurrentState: { Code: 0, Name: 'pending' },
      PreviousState: { Code: 80, Name: 'stopped' },
    });
    region.clock.advanceSeconds(lat['ec2.startToRunning']);
    expect(ec2.inspectInstance(PRIMARY)).toMatchObject({ state: 'running', ssmOnline: false });
    region.clock.advanceSeconds(lat['ec2.runningToSsmOnline']);
    expect(ec2.inspectInstance(PRIMARY)).toMatchObject({
      state: 'running',
      ssmOnline: true,
      privateIpAddress: '10.0.1.10',
    });
  });

  it('refuses to stop a terminated instance and to start a stopped one in a dead AZ', async () => {
    const { call, region, lat, ec2 } = setup();
    await call('TerminateInstances', { InstanceIds: [BACKUP] });
    await expect(call('StopInstances', { InstanceIds: [BACKUP] })).rejects.toMatchObject({
      code: 'IncorrectInstanceState',
    });
    await call('StopInstances', { InstanceIds: [PRIMARY] });
    region.clock.advanceSeconds(lat['ec2.stoppingToStopped']);
    ec2.impairAvailabilityZone('us-east-1a');
    await expect(call('StartInstances', { InstanceIds: [PRIMARY] })).rejects.toMatchObject({
      code: 'InsufficientInstanceCapacity',
      statusCode: 500,
    });
  });

  it('reports status checks initializing until boot, and non-running instances only when asked', async () => {
    const { call, region, lat } = setup();
    const id = (await call<Json<Reservation>>('RunInstances', launchRequest)).Instances![0].InstanceId!;
    region.clock.advanceSeconds(lat['ec2.eventualConsistency'] + lat['ec2.pendingToRunning']);
    const booting = await call<Json<DescribeInstanceStatusResult>>('DescribeInstanceStatus', { InstanceIds: [id] });
    expect(booting.InstanceStatuses![0].InstanceStatus!.Status).toBe('initializing');
    region.clock.advanceSeconds(lat['ec2.runningToSsmOnline']);
    const booted = await call<Json<DescribeInstanceStatusResult>>('DescribeInstanceStatus', { InstanceIds: [id] });
    expect(booted.InstanceStatuses![0]).toMatchObject({
      SystemStatus: { Status: 'ok' },
      InstanceStatus: { Status: 'ok' },
    });

    await call('StopInstances', { InstanceIds: [BACKUP] });
    const runningOnly = await call<Json<DescribeInstanceStatusResult>>('DescribeInstanceStatus', {});
    expect(runningOnly.InstanceStatuses!.map((s) => s.InstanceId)).not.toContain(BACKUP);
    const all = await call<Json<DescribeInstanceStatusResult>>('DescribeInstanceStatus', {
      InstanceIds: [BACKUP],
      IncludeAllInstances: true,
    });
    expect(all.InstanceStatuses![0]).toMatchObject({
      InstanceState: { Name: 'stopping' },
      InstanceStatus: { Status: 'not-applicable' },
    });
  });
});

describe('Ec2Simulator network', () => {
  it('swaps the security groups of the primary interface (the blackhole fence)', async () => {
    const { call, ec2, describe } = setup();
    await call('ModifyInstanceAttribute', { InstanceId: PRIMARY, Groups: ['sg-blackhole'] });
    expect(ec2.inspectInstance(PRIMARY)?.securityGroupIds).toEqual(['sg-blackhole']);
    const eni = (await describe(PRIMARY)).NetworkInterfaces![0];
    expect(eni.Groups).toEqual([{ GroupId: 'sg-blackhole', GroupName: 'blackhole' }]);
    await call('ModifyNetworkInterfaceAttribute', { NetworkInterfaceId: eni.NetworkInterfaceId, Groups: ['sg-app'] });
    expect(ec2.inspectInstance(PRIMARY)?.securityGroupIds).toEqual(['sg-app']);
  });

  it('refuses unknown groups, groups of another VPC and unknown interfaces', async () => {
    const { call } = setup();
    await expect(call('ModifyInstanceAttribute', { InstanceId: PRIMARY, Groups: ['sg-nope'] })).rejects.toMatchObject({
      code: 'InvalidGroup.NotFound',
    });
    await expect(call('ModifyInstanceAttribute', { InstanceId: PRIMARY, Groups: ['sg-other'] })).rejects.toMatchObject({
      code: 'InvalidGroup.NotFound',
    });
    await expect(
      call('ModifyNetworkInterfaceAttribute', { NetworkInterfaceId: 'eni-0123456789abcdef0', Groups: ['sg-app'] }),
    ).rejects.toMatchObject({ code: 'InvalidNetworkInterfaceID.NotFound' });
  });

  it('describes subnets and security groups by id and by filter', async () => {
    const { call } = setup();
    const inB = await call<Json<DescribeSubnetsResult>>('DescribeSubnets', {
      Filters: [
        { Name: 'availability-zone', Values: ['us-east-1b'] },
        { Name: 'tag:Tier', Values: ['db'] },
      ],
    });
    expect(inB.Subnets!.map((s) => s.SubnetId)).toEqual(['subnet-b']);
    expect(inB.Subnets![0]).toMatchObject({ VpcId: 'vpc-1', CidrBlock: '10.0.2.0/24', State: 'available' });
    const byVpc = await call<Json<DescribeSubnetsResult>>('DescribeSubnets', {
      Filters: [{ Name: 'vpc-id', Values: ['vpc-2'] }],
    });
    expect(byVpc.Subnets!.map((s) => s.SubnetId)).toEqual(['subnet-x']);
    await expect(call('DescribeSubnets', { SubnetIds: ['subnet-nope'] })).rejects.toMatchObject({
      code: 'InvalidSubnetID.NotFound',
    });

    const groups = await call<Json<DescribeSecurityGroupsResult>>('DescribeSecurityGroups', {
      Filters: [
        { Name: 'vpc-id', Values: ['vpc-1'] },
        { Name: 'group-name', Values: ['black*'] },
      ],
    });
    expect(groups.SecurityGroups!.map((g) => g.GroupId)).toEqual(['sg-blackhole']);
    const tagged = await call<Json<DescribeSecurityGroupsResult>>('DescribeSecurityGroups', {
      Filters: [{ Name: 'tag:Role', Values: ['db'] }],
    });
    expect(tagged.SecurityGroups!.map((g) => g.GroupId)).toEqual(['sg-app']);
    await expect(call('DescribeSecurityGroups', { GroupIds: ['sg-nope'] })).rejects.toMatchObject({
      code: 'InvalidGroup.NotFound',
    });
  });
});

describe('Ec2Simulator tags and volumes', () => {
  it('tags instances and volumes, and fails the whole call on an unknown resource', async () => {
    const { call, ec2 } = setup();
    await call('CreateTags', {
      Resources: [PRIMARY, 'vol-0aaaaaaaaaaaaaaa2'],
      Tags: [{ Key: 'ha:fenced', Value: 'true' }],
    });
    expect(ec2.inspectInstance(PRIMARY)?.tags['ha:fenced']).toBe('true');
    const vols = await call<Json<DescribeVolumesResult>>('DescribeVolumes', {
      Filters: [{ Name: 'tag:ha:fenced', Values: ['true'] }],
    });
    expect(vols.Volumes!.map((v) => v.VolumeId)).toEqual(['vol-0aaaaaaaaaaaaaaa2']);

    await expect(
      call('CreateTags', { Resources: [BACKUP, 'vol-0fffffffffffffff0'], Tags: [{ Key: 'x', Value: 'y' }] }),
    ).rejects.toMatchObject({ code: 'InvalidVolume.NotFound' });
    expect(ec2.inspectInstance(BACKUP)?.tags.x).toBeUndefined();
    await expect(
      call('CreateTags', { Resources: ['snap-0fffffffffffffff0'], Tags: [{ Key: 'x', Value: 'y' }] }),
    ).rejects.toMatchObject({ code: 'InvalidSnapshot.NotFound' });
    await expect(
      call('CreateTags', { Resources: ['i-0fffffffffffffff0'], Tags: [{ Key: 'x', Value: 'y' }] }),
    ).rejects.toMatchObject({ code: 'InvalidInstanceID.NotFound' });
  });

  it('lists the volumes attached to an instance', async () => {
    const { call } = setup();
    const out = await call<Json<DescribeVolumesResult>>('DescribeVolumes', {
      Filters: [{ Name: 'attachment.instance-id', Values: [PRIMARY] }],
    });
    expect(out.Volumes!.map((v) => [v.VolumeId, v.Size, v.State])).toEqual([
      ['vol-0aaaaaaaaaaaaaaa1', 8, 'in-use'],
      ['vol-0aaaaaaaaaaaaaaa2', 100, 'in-use'],
    ]);
    expect(out.Volumes![1].Attachments).toMatchObject([{ InstanceId: PRIMARY, Device: '/dev/sdf', State: 'attached' }]);
  });
});

describe('Ec2Simulator snapshots', () => {
  const snapshotRequest = {
    InstanceSpecification: { InstanceId: PRIMARY },
    Description: 'ha-workflows backup',
    CopyTagsFromSource: 'volume',
    TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'ha:consistency', Value: 'application' }] }],
  };

  it('snapshots every volume of an instance at one point in time, capturing the workload state then', async () => {
    // GIVEN the database is frozen
    const { call, ec2, region } = setup();
    ec2.updateWorkload(PRIMARY, { frozen: true });
    // WHEN the multi-volume snapshot is requested and the database thawed right after the call
    const out = await call<Json<CreateSnapshotsResult>>('CreateSnapshots', snapshotRequest);
    ec2.updateWorkload(PRIMARY, { frozen: false });
    // THEN both volumes share one StartTime, the request's moment, and the call took its modeled latency
    expect(out.Snapshots).toHaveLength(2);
    expect(new Set(out.Snapshots!.map((s) => s.StartTime))).toEqual(new Set(['2026-01-05T09:00:00.000Z']));
    expect(region.clock.elapsedSeconds()).toBe(region.latency['ebs.CreateSnapshots']);
    expect(out.Snapshots![0]).toMatchObject({
      VolumeId: 'vol-0aaaaaaaaaaaaaaa1',
      State: 'pending',
      Progress: '0%',
      VolumeSize: 8,
      OwnerId: '123456789012',
      Description: 'ha-workflows backup',
      Tags: [
        { Key: 'Name', Value: 'root' },
        { Key: 'ha:consistency', Value: 'application' },
      ],
    });
    expect(out.Snapshots![0].SnapshotId).toMatch(/^snap-[0-9a-f]{17}$/);
    // AND the simulator recorded that the snapshot was taken while frozen
    const state = ec2.snapshot() as { snapshots: { workloadAtSnapshot: Record<string, unknown> }[] };
    expect(state.snapshots.map((s) => s.workloadAtSnapshot.frozen)).toEqual([true, true]);
    expect(JSON.stringify(out)).not.toContain('workloadAtSnapshot');
  });

  it('tags every snapshot of the set, so that a caller whose response was lost finds exactly that set by its tags', async () => {
    // GIVEN two CreateSnapshots calls of one instance, tagged with different backup ids
    const { call } = setup();
    const tagged = (backupId: string) => ({
      InstanceSpecification: { InstanceId: PRIMARY },
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'ha:backup-id', Value: backupId }] }],
    });
    const first = await call<Json<CreateSnapshotsResult>>('CreateSnapshots', tagged('run-1'));
    await call('CreateSnapshots', tagged('run-2'));
    // WHEN the first set is looked up by its tag (as after a lost response)
    const found = await call<Json<DescribeSnapshotsResult>>('DescribeSnapshots', {
      OwnerIds: ['self'],
      Filters: [
        { Name: 'tag:ha:backup-id', Values: ['run-1'] },
        { Name: 'tag-key', Values: ['ha:backup-id'] },
      ],
    });
    // THEN it is exactly the first call's set, each snapshot with the request's tags
    expect(found.Snapshots!.map((s) => s.SnapshotId).sort()).toEqual(first.Snapshots!.map((s) => s.SnapshotId).sort());
    expect(found.Snapshots!.every((s) => s.Tags?.some((t) => t.Key === 'ha:backup-id' && t.Value === 'run-1'))).toBe(
      true,
    );
    // AND a tag nobody set finds an empty list (not an absent one)
    const none = await call<Json<DescribeSnapshotsResult>>('DescribeSnapshots', {
      Filters: [{ Name: 'tag:ha:backup-id', Values: ['run-3'] }],
    });
    expect(none.Snapshots).toEqual([]);
  });

  it('returns an empty set for an instance with nothing to snapshot (boot volume excluded, no data volume)', async () => {
    const { call } = setup({
      instances: [
        {
          instanceId: PRIMARY,
          imageId: 'ami-0123456789abcdef0',
          instanceType: 'r7i.xlarge',
          subnetId: 'subnet-a',
          volumes: [{ volumeId: 'vol-0aaaaaaaaaaaaaaa1', device: '/dev/xvda', sizeGiB: 8, boot: true }],
        },
      ],
    });
    const out = await call<Json<CreateSnapshotsResult>>('CreateSnapshots', {
      InstanceSpecification: { InstanceId: PRIMARY, ExcludeBootVolume: true },
    });
    expect(out.Snapshots).toEqual([]);
  });

  it('completes snapshots after the modeled time, with progress on the way', async () => {
    const { call, region, lat } = setup();
    const out = await call<Json<CreateSnapshotsResult>>('CreateSnapshots', {
      InstanceSpecification: { InstanceId: PRIMARY, ExcludeBootVolume: true },
    });
    expect(out.Snapshots!.map((s) => s.VolumeId)).toEqual(['vol-0aaaaaaaaaaaaaaa2']);
    const id = out.Snapshots![0].SnapshotId!;
    region.clock.advanceSeconds(lat['ebs.snapshotCompletion'] / 2 - lat['ebs.CreateSnapshots']);
    const half = await call<Json<DescribeSnapshotsResult>>('DescribeSnapshots', { SnapshotIds: [id] });
    expect(half.Snapshots![0]).toMatchObject({ State: 'pending', Progress: '50%' });
    region.clock.advanceSeconds(lat['ebs.snapshotCompletion'] / 2);
    const done = await call<Json<DescribeSnapshotsResult>>('DescribeSnapshots', { SnapshotIds: [id] });
    expect(done.Snapshots![0]).toMatchObject({ State: 'completed', Progress: '100%' });
  });

  it('ends a snapshot of a failing volume in state error', async () => {
    const { call, region, lat } = setup({ snapshotFailures: [{ volumeId: 'vol-0aaaaaaaaaaaaaaa2' }] });
    await call('CreateSnapshots', snapshotRequest);
    region.clock.advanceSeconds(lat['ebs.snapshotCompletion']);
    const out = await call<Json<DescribeSnapshotsResult>>('DescribeSnapshots', { OwnerIds: ['self'] });
    expect(out.Snapshots!.map((s) => [s.VolumeId, s.State])).toEqual([
      ['vol-0aaaaaaaaaaaaaaa1', 'completed'],
      ['vol-0aaaaaaaaaaaaaaa2', 'error'],
    ]);
  });

  it('filters snapshots, and deletes them', async () => {
    const { call, region, lat } = setup();
    await call('CreateSnapshots', snapshotRequest);
    const pending = await call<Json<DescribeSnapshotsResult>>('DescribeSnapshots', {
      Filters: [
        { Name: 'status', Values: ['pending'] },
        { Name: 'tag:Name', Values: ['data'] },
      ],
    });
    expect(pending.Snapshots!.map((s) => s.VolumeId)).toEqual(['vol-0aaaaaaaaaaaaaaa2']);
    const byVolume = await call<Json<DescribeSnapshotsResult>>('DescribeSnapshots', {
      Filters: [
        { Name: 'volume-id', Values: ['vol-0aaaaaaaaaaaaaaa1'] },
        { Name: 'tag-key', Values: ['ha:consistency'] },
      ],
    });
    expect(byVolume.Snapshots).toHaveLength(1);
    const others = await call<Json<DescribeSnapshotsResult>>('DescribeSnapshots', { OwnerIds: ['999999999999'] });
    expect(others.Snapshots).toEqual([]);
    region.clock.advanceSeconds(lat['ebs.snapshotCompletion']);

    const id = byVolume.Snapshots![0].SnapshotId!;
    await call('DeleteSnapshot', { SnapshotId: id });
    await expect(call('DescribeSnapshots', { SnapshotIds: [id] })).rejects.toMatchObject({
      code: 'InvalidSnapshot.NotFound',
      message: `The snapshot '${id}' does not exist.`,
    });
    await expect(call('DeleteSnapshot', { SnapshotId: id })).rejects.toMatchObject({
      code: 'InvalidSnapshot.NotFound',
    });
  });

  it('copies only a completed snapshot; the copy completes after the copy time', async () => {
    // GIVEN a pending snapshot
    const { call, region, lat, ec2 } = setup();
    const source = (await call<Json<CreateSnapshotsResult>>('CreateSnapshots', snapshotRequest)).Snapshots![1];
    const copyRequest = {
      SourceSnapshotId: source.SnapshotId,
      SourceRegion: 'us-east-1',
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'ha:copy-of', Value: source.SnapshotId }] }],
    };
    // WHEN it is copied too early THEN EC2 refuses
    await expect(call('CopySnapshot', copyRequest)).rejects.toMatchObject({ code: 'IncorrectState' });
    // WHEN it has completed THEN the copy starts pending and completes later
    region.clock.advanceSeconds(lat['ebs.snapshotCompletion']);
    const copy = await call<Json<CopySnapshotResult>>('CopySnapshot', copyRequest);
    expect(copy.Tags).toEqual([{ Key: 'ha:copy-of', Value: source.SnapshotId }]);
    const described = async () =>
      (await call<Json<DescribeSnapshotsResult>>('DescribeSnapshots', { SnapshotIds: [copy.SnapshotId] }))
        .Snapshots![0];
    expect(await described()).toMatchObject({
      State: 'pending',
      VolumeId: 'vol-ffffffff',
      Description: `[Copied ${source.SnapshotId} from us-east-1]`,
    });
    region.clock.advanceSeconds(lat['ebs.copySnapshotCompletion']);
    expect((await described()).State).toBe('completed');
    const state = ec2.snapshot() as {
      snapshots: { snapshotId: string; copiedFrom?: unknown; workloadAtSnapshot: unknown }[];
    };
    expect(state.snapshots.find((s) => s.snapshotId === copy.SnapshotId)).toMatchObject({
      copiedFrom: { snapshotId: source.SnapshotId, region: 'us-east-1' },
      workloadAtSnapshot: { mirrorRole: 'primary', frozen: false },
    });
  });

  it('refuses snapshots of an unknown instance and copies of an unknown snapshot', async () => {
    const { call } = setup();
    await expect(
      call('CreateSnapshots', { InstanceSpecification: { InstanceId: 'i-0fffffffffffffff0' } }),
    ).rejects.toMatchObject({ code: 'InvalidInstanceID.NotFound' });
    await expect(
      call('CopySnapshot', { SourceSnapshotId: 'snap-0fffffffffffffff0', SourceRegion: 'us-east-1' }),
    ).rejects.toMatchObject({ code: 'InvalidSnapshot.NotFound' });
    await expect(call('CopySnapshot', { SourceSnapshotId: 'snap-0fffffffffffffff0' })).rejects.toMatchObject({
      code: 'MissingParameter',
    });
  });
});

describe('Ec2Simulator as InstanceInspector', () => {
  it('finds an instance by address and records workload changes over time', () => {
    const { ec2, region } = setup();
    expect(ec2.findInstanceByAddress('10.0.1.10')?.instanceId).toBe(PRIMARY);
    expect(ec2.findInstanceByAddress('10.9.9.9')).toBeUndefined();
    const before = region.clock.now();
    region.clock.advanceSeconds(5);
    ec2.updateWorkload(BACKUP, { mirrorRole: 'primary' });
    expect(ec2.inspectInstance(BACKUP)?.workload).toEqual({ mirrorRole: 'primary' });
    const history = ec2.instanceHistory(BACKUP, before, region.clock.now());
    expect(history.map((h) => h.view?.workload.mirrorRole)).toEqual(['backup', 'primary']);
  });

  it('fails loudly for an action it does not implement', async () => {
    const { call } = setup();
    await expect(call('RebootInstances', { InstanceIds: [PRIMARY] })).rejects.toThrow(
      /does not implement ec2:RebootInstances/,
    );
  });

  it('rejects an environment that references unknown subnets or groups, naming them all', () => {
    const region = new SimulatedRegion({ seed: 7 });
    expect(
      () =>
        new Ec2Simulator(region, {
          instances: [
            { instanceId: 'i-1', imageId: 'ami-1', instanceType: 't3.micro', subnetId: 'subnet-nope' },
            {
              instanceId: 'i-2',
              imageId: 'ami-1',
              instanceType: 't3.micro',
              subnetId: 'subnet-a',
              securityGroupIds: ['sg-x'],
            },
          ],
          subnets: [{ subnetId: 'subnet-a', vpcId: 'vpc-1', availabilityZone: 'us-east-1a' }],
        }),
    ).toThrow(/subnet-nope[\s\S]*sg-x/);
  });
});

describe('Ec2Simulator scripted workload changes', () => {
  it('changes the workload at the scripted modeled time, and not before', () => {
    // GIVEN the backup is scripted to become primary 20 s into the drill, the primary to step down at 19 s
    const { region, ec2 } = setup({
      workloadChanges: [
        { instanceId: BACKUP, atSeconds: 20, set: { mirrorRole: 'primary' } },
        { instanceId: PRIMARY, atSeconds: 19, set: { mirrorRole: 'backup' } },
      ],
    });

    // WHEN the clock reaches 10 s, then 19.5 s, then 25 s
    region.clock.advanceSeconds(10);
    const at10 = [ec2.inspectInstance(PRIMARY)?.workload, ec2.inspectInstance(BACKUP)?.workload];
    region.clock.advanceSeconds(9.5);
    const at19 = [ec2.inspectInstance(PRIMARY)?.workload, ec2.inspectInstance(BACKUP)?.workload];
    region.clock.advanceSeconds(5.5);
    const at25 = [ec2.inspectInstance(PRIMARY)?.workload, ec2.inspectInstance(BACKUP)?.workload];

    // THEN each change shows from its own moment on, merged into the rest of the workload
    expect(at10).toEqual([{ mirrorRole: 'primary', frozen: false }, { mirrorRole: 'backup' }]);
    expect(at19).toEqual([{ mirrorRole: 'backup', frozen: false }, { mirrorRole: 'backup' }]);
    expect(at25).toEqual([{ mirrorRole: 'backup', frozen: false }, { mirrorRole: 'primary' }]);
  });

  it('records a change at its scripted moment even when nothing read the workload then', () => {
    // GIVEN the backup is scripted to become primary at 20 s
    const { region, ec2 } = setup({
      workloadChanges: [{ instanceId: BACKUP, atSeconds: 20, set: { mirrorRole: 'primary' } }],
    });
    const start = region.clock.now();

    // WHEN the first read comes at 60 s, through the instance's history (what load balancer health is computed from)
    region.clock.advanceSeconds(60);
    const history = ec2.instanceHistory(BACKUP, start, region.clock.now());

    // THEN the history shows the change at 20 s, not at 60 s
    expect(history.map((h) => [(h.at - start) / 1000, h.view?.workload.mirrorRole])).toEqual([
      [0, 'backup'],
      [20, 'primary'],
    ]);
  });

  it('keeps a Run Command effect made before the scripted moment, and applies the script on top of it', () => {
    // GIVEN a script sets the backup primary at 20 s
    const { region, ec2 } = setup({
      workloadChanges: [{ instanceId: BACKUP, atSeconds: 20, set: { mirrorRole: 'primary' } }],
    });

    // WHEN a Run Command effect freezes it at 5 s
    region.clock.advanceSeconds(5);
    ec2.updateWorkload(BACKUP, { frozen: true });
    region.clock.advanceSeconds(20);

    // THEN at 25 s it is both frozen and primary
    expect(ec2.inspectInstance(BACKUP)?.workload).toEqual({ mirrorRole: 'primary', frozen: true });
  });

  it('repeats a change every everySeconds until untilSeconds (a flapping primary), and not after', () => {
    // GIVEN the backup becomes primary at 1 s, 13 s, 25 s … and steps down at 7 s, 19 s, … until 30 s
    const { region, ec2 } = setup({
      workloadChanges: [
        { instanceId: BACKUP, atSeconds: 1, set: { mirrorRole: 'primary' }, everySeconds: 12, untilSeconds: 30 },
        { instanceId: BACKUP, atSeconds: 7, set: { mirrorRole: 'backup' }, everySeconds: 12, untilSeconds: 30 },
      ],
    });
    const start = region.clock.now();

    // WHEN the history is read at 60 s
    region.clock.advanceSeconds(60);
    const history = ec2.instanceHistory(BACKUP, start, region.clock.now());

    // THEN the role changes at 1, 7, 13, 19, 25 s and never after 30 s
    expect(history.map((h) => [(h.at - start) / 1000, h.view?.workload.mirrorRole])).toEqual([
      [0, 'backup'],
      [1, 'primary'],
      [7, 'backup'],
      [13, 'primary'],
      [19, 'backup'],
      [25, 'primary'],
    ]);
  });

  it('rejects a repeating change without an end, naming the field', () => {
    expect(() =>
      setup({
        workloadChanges: [{ instanceId: BACKUP, atSeconds: 1, set: { mirrorRole: 'primary' }, everySeconds: 12 }],
      }),
    ).toThrow(/everySeconds/);
  });

  it('rejects a change for an instance the environment does not have', () => {
    expect(() =>
      setup({ workloadChanges: [{ instanceId: 'i-0nope', atSeconds: 1, set: { mirrorRole: 'primary' } }] }),
    ).toThrow(/workloadChanges: unknown instanceId 'i-0nope'/);
  });
});

describe('Ec2Simulator snapshots that exist when the drill starts', () => {
  it('lists them with their tags and states, filters them by tag, and deletes them', async () => {
    // GIVEN an earlier backup (completed), one that failed, and one still pending
    const { call } = setup({
      snapshots: [
        { snapshotId: 'snap-0000000000000000a', startTime: '2026-01-01T02:30:00Z', tags: { Policy: 'nightly' } },
        {
          snapshotId: 'snap-0000000000000000b',
          startTime: '2026-01-02T02:30:00Z',
          state: 'error',
          tags: { Policy: 'nightly' },
        },
        { snapshotId: 'snap-0000000000000000c', startTime: '2026-01-05T08:59:00Z', state: 'pending', tags: {} },
      ],
    });
    // WHEN they are described by tag
    const out = await call<Json<DescribeSnapshotsResult>>('DescribeSnapshots', {
      OwnerIds: ['self'],
      Filters: [{ Name: 'tag:Policy', Values: ['nightly'] }],
    });
    // THEN the two tagged ones, as the API shows them
    expect(out.Snapshots!.map((s) => [s.SnapshotId, s.State, s.StartTime, s.VolumeId])).toEqual([
      ['snap-0000000000000000a', 'completed', '2026-01-01T02:30:00.000Z', 'vol-ffffffff'],
      ['snap-0000000000000000b', 'error', '2026-01-02T02:30:00.000Z', 'vol-ffffffff'],
    ]);
    const pending = await call<Json<DescribeSnapshotsResult>>('DescribeSnapshots', {
      SnapshotIds: ['snap-0000000000000000c'],
    });
    expect(pending.Snapshots![0].State).toBe('pending');
    // AND one can be deleted
    await call('DeleteSnapshot', { SnapshotId: 'snap-0000000000000000a' });
    await expect(call('DescribeSnapshots', { SnapshotIds: ['snap-0000000000000000a'] })).rejects.toMatchObject({
      code: 'InvalidSnapshot.NotFound',
    });
  });
});

describe('Ec2Simulator workload changes at an earlier moment', () => {
  it('records a change at the moment it happened, so a snapshot taken after it sees it', async () => {
    // GIVEN 10 s of modeled time have passed
    const { ec2, region, call } = setup();
    region.clock.advanceSeconds(10);
    // WHEN a change that happened at 4 s is recorded late (a command another execution settled)
    ec2.updateWorkload(PRIMARY, { frozen: true }, region.clock.startMs + 4000);
    // THEN the workload reads it from 4 s on, and a snapshot taken now captures it
    expect(ec2.inspectInstance(PRIMARY)?.workload).toMatchObject({ frozen: true });
    await call('CreateSnapshots', { InstanceSpecification: { InstanceId: PRIMARY } });
    const snapshots = (ec2.snapshot() as { snapshots: { workloadAtSnapshot: Record<string, unknown> }[] }).snapshots;
    expect(snapshots[0].workloadAtSnapshot).toMatchObject({ frozen: true });
  });
});

describe('Ec2Simulator become-primary hook', () => {
  /** The environment with the backup member's hook installed (and `hook` overrides). */
  const withHook = (hook: Record<string, unknown> = {}, overrides: Partial<Ec2Environment> = {}) => {
    const env = environment(overrides);
    const instances = env.instances!.map((i) =>
      i.instanceId === BACKUP ? { ...i, becomePrimaryHook: { mirrorSet: 'db-1', ...hook } } : i,
    );
    return setup({ ...overrides, instances });
  };

  it('fires once for each scripted change that makes the member primary from another role', () => {
    // GIVEN the backup becomes primary at 1 s, 13 s and 25 s and steps down in between; a repeated "primary" at 26 s
    const { region, ec2 } = withHook(
      {},
      {
        workloadChanges: [
          { instanceId: BACKUP, atSeconds: 1, set: { mirrorRole: 'primary' }, everySeconds: 12, untilSeconds: 30 },
          { instanceId: BACKUP, atSeconds: 7, set: { mirrorRole: 'backup' }, everySeconds: 12, untilSeconds: 30 },
          { instanceId: BACKUP, atSeconds: 26, set: { mirrorRole: 'primary' } },
          { instanceId: PRIMARY, atSeconds: 1, set: { mirrorRole: 'backup' } },
        ],
      },
    );
    const start = region.clock.now();

    // WHEN the firings are listed
    const firings = ec2.scriptedHookFirings();

    // THEN one per change to primary (not the repeat at 26 s, not the member without a hook)
    expect(firings.map((f) => [f.instanceId, f.mirrorSet, (f.atMs - start) / 1000])).toEqual([
      [BACKUP, 'db-1', 1],
      [BACKUP, 'db-1', 13],
      [BACKUP, 'db-1', 25],
    ]);
  });

  it('fires late and repeatedly as configured (delaySeconds, times, duplicateAfterSeconds)', () => {
    // GIVEN a hook that runs 4 s late, twice 10 s apart
    const { region, ec2 } = withHook(
      { delaySeconds: 4, times: 2, duplicateAfterSeconds: 10 },
      { workloadChanges: [{ instanceId: BACKUP, atSeconds: 20, set: { mirrorRole: 'primary' } }] },
    );
    const start = region.clock.now();

    // WHEN / THEN at 24 s and 34 s
    expect(ec2.scriptedHookFirings().map((f) => (f.atMs - start) / 1000)).toEqual([24, 34]);
  });

  it('fires when a command the drill runs makes the member primary, and not for a member already primary', async () => {
    // GIVEN a listener, and the backup's hook
    const { region, ec2 } = withHook();
    const fired: number[] = [];
    ec2.onHookFiring((f) => fired.push((f.atMs - region.clock.startMs) / 1000));

    // WHEN a promotion command makes it primary at 5 s, and a later command sets primary again at 8 s
    region.clock.advanceSeconds(5);
    ec2.updateWorkload(BACKUP, { mirrorRole: 'primary' });
    region.clock.advanceSeconds(3);
    ec2.updateWorkload(BACKUP, { mirrorRole: 'primary', frozen: false });
    await Promise.resolve();

    // THEN the hook ran once, at 5 s
    expect(fired).toEqual([5]);
  });

  it('never fires for a member without a hook', async () => {
    // GIVEN no hook on any member
    const { ec2 } = setup({ workloadChanges: [{ instanceId: BACKUP, atSeconds: 1, set: { mirrorRole: 'primary' } }] });
    const fired: unknown[] = [];
    ec2.onHookFiring((f) => fired.push(f));

    // WHEN the backup becomes primary by a command as well
    ec2.updateWorkload(BACKUP, { mirrorRole: 'primary' });
    await Promise.resolve();

    // THEN nothing
    expect(ec2.scriptedHookFirings()).toEqual([]);
    expect(fired).toEqual([]);
  });
});
