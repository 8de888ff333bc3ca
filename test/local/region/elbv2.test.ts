import type { DescribeTargetGroupsOutput, DescribeTargetHealthOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Reservation } from '@aws-sdk/client-ec2';
import { type Ec2Environment, Ec2Simulator, type Json } from '../../../local/region/ec2';
import { type Elbv2Environment, Elbv2Simulator } from '../../../local/region/elbv2';
import { SimulatedRegion } from '../../../local/region/region';

const PRIMARY = 'i-0aaaaaaaaaaaaaaa1';
const BACKUP = 'i-0bbbbbbbbbbbbbbb2';
const SPARE = 'i-0ccccccccccccccc3';
const MIRROR_TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/db-mirror/0123456789abcdef';
const TCP_TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/db-tcp/fedcba9876543210';

const ec2Environment: Ec2Environment = {
  subnets: [
    { subnetId: 'subnet-a', vpcId: 'vpc-1', availabilityZone: 'us-east-1a' },
    { subnetId: 'subnet-b', vpcId: 'vpc-1', availabilityZone: 'us-east-1b' },
  ],
  securityGroups: [{ groupId: 'sg-app', vpcId: 'vpc-1', groupName: 'db' }],
  images: [{ imageId: 'ami-1' }],
  instances: [
    {
      instanceId: PRIMARY,
      imageId: 'ami-1',
      instanceType: 'r6i.large',
      subnetId: 'subnet-a',
      workload: { mirrorRole: 'primary' },
    },
    {
      instanceId: BACKUP,
      imageId: 'ami-1',
      instanceType: 'r6i.large',
      subnetId: 'subnet-b',
      workload: { mirrorRole: 'backup' },
    },
    { instanceId: SPARE, imageId: 'ami-1', instanceType: 'r6i.large', subnetId: 'subnet-b' },
  ],
};

const elbEnvironment: Elbv2Environment = {
  targetGroups: [
    {
      targetGroupArn: MIRROR_TG,
      name: 'db-mirror',
      port: 1972,
      healthCheckPath: '/csp/bin/mirror_status.cxw',
      healthCheckPort: 52773,
      targets: [{ id: PRIMARY }, { id: BACKUP, state: 'unhealthy' }],
    },
    { targetGroupArn: TCP_TG, name: 'db-tcp', protocol: 'TCP', port: 1972 },
  ],
};

function setup(ec2Overrides: Partial<Ec2Environment> = {}) {
  const region = new SimulatedRegion({ seed: 11 });
  const ec2 = new Ec2Simulator(region, { ...ec2Environment, ...ec2Overrides });
  const elb = new Elbv2Simulator(region, elbEnvironment);
  region.register(ec2).register(elb);
  const call = <T = unknown>(action: string, input: Record<string, unknown>) =>
    region.call('elasticloadbalancingv2', action, input) as Promise<T>;
  /** Target id → State (Reason) for a target group. */
  const health = async (arn: string, targets?: { Id: string; Port?: number }[]) => {
    const out = await call<DescribeTargetHealthOutput>('DescribeTargetHealth', {
      TargetGroupArn: arn,
      Targets: targets,
    });
    return Object.fromEntries(
      out.TargetHealthDescriptions!.map((d) => [
        d.Target!.Id,
        d.TargetHealth!.State + (d.TargetHealth!.Reason ? ` (${d.TargetHealth!.Reason})` : ''),
      ]),
    );
  };
  return { region, ec2, elb, call, health, lat: region.latency };
}

describe('Elbv2Simulator registration and health', () => {
  it('takes a newly registered, booted instance from initial to healthy', async () => {
    // GIVEN a running, booted instance not yet in the TCP target group
    const { call, health, region, lat } = setup();
    // WHEN it is registered
    await call('RegisterTargets', { TargetGroupArn: TCP_TG, Targets: [{ Id: SPARE }] });
    // THEN it is initial while registration is in progress, healthy after its first passing check
    expect(await health(TCP_TG)).toEqual({ [SPARE]: 'initial (Elb.RegistrationInProgress)' });
    region.clock.advanceSeconds(lat['elb.initialToHealthy']);
    expect(await health(TCP_TG)).toEqual({ [SPARE]: 'healthy' });
    expect(region.calls.every((c) => c.latency === lat['elb.api'])).toBe(true);
  });

  it('keeps a just-launched instance initial until its application answers', async () => {
    // GIVEN an instance launched and registered as soon as it runs
    const { call, health, region, lat } = setup();
    const launched = (await region.call('ec2', 'RunInstances', {
      ImageId: 'ami-1',
      InstanceType: 'r6i.large',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: 'subnet-a',
    })) as Json<Reservation>;
    const id = launched.Instances![0].InstanceId!;
    region.clock.advanceSeconds(lat['ec2.pendingToRunning']);
    await call('RegisterTargets', { TargetGroupArn: TCP_TG, Targets: [{ Id: id }] });
    // WHEN the first health check has run but the instance is still booting
    region.clock.advanceSeconds(lat['elb.initialToHealthy']);
    // THEN it is still initial, in its initial health checks
    expect(await health(TCP_TG)).toEqual({ [id]: 'initial (Elb.InitialHealthChecking)' });
    // WHEN it has booted and passed a check THEN it is healthy
    region.clock.advanceSeconds(lat['ec2.runningToSsmOnline']);
    expect(await health(TCP_TG)).toEqual({ [id]: 'healthy' });
  });

  it('refuses an unknown target group, an unknown instance and an instance that is not running', async () => {
    const { call, region, lat } = setup();
    await expect(
      call('RegisterTargets', { TargetGroupArn: `${TCP_TG}-nope`, Targets: [{ Id: SPARE }] }),
    ).rejects.toMatchObject({ code: 'TargetGroupNotFound', statusCode: 400 });
    await expect(
      call('RegisterTargets', { TargetGroupArn: TCP_TG, Targets: [{ Id: 'i-0fffffffffffffff0' }] }),
    ).rejects.toMatchObject({ code: 'InvalidTarget' });
    await region.call('ec2', 'StopInstances', { InstanceIds: [SPARE] });
    region.clock.advanceSeconds(lat['ec2.stoppingToStopped']);
    await expect(call('RegisterTargets', { TargetGroupArn: TCP_TG, Targets: [{ Id: SPARE }] })).rejects.toMatchObject({
      code: 'InvalidTarget',
      message: `The following targets are not in a running state and cannot be registered: '${SPARE}'`,
    });
    await expect(call('RegisterTargets', { TargetGroupArn: TCP_TG })).rejects.toMatchObject({
      code: 'ValidationError',
    });
  });

  it('marks a healthy target unhealthy only after its instance has been down for the threshold', async () => {
    // GIVEN a healthy primary whose AZ goes down 100 s into the drill
    const { health, region, lat } = setup({ impairedAvailabilityZones: [{ zone: 'us-east-1a', fromSeconds: 100 }] });
    // WHEN the target is read just before the threshold THEN it is still healthy
    region.clock.advanceSeconds(100 + lat['elb.healthyToUnhealthy'] - 1);
    expect((await health(MIRROR_TG))[PRIMARY]).toBe('healthy');
    // WHEN the threshold has passed THEN it is unhealthy, failing its checks
    region.clock.advanceSeconds(1);
    expect((await health(MIRROR_TG))[PRIMARY]).toBe('unhealthy (Target.FailedHealthChecks)');
  });

  it('computes health from the instance history however late it is read', async () => {
    // GIVEN the primary is stopped and started again while nobody reads target health
    const { health, region, lat } = setup();
    await region.call('ec2', 'StopInstances', { InstanceIds: [PRIMARY] });
    region.clock.advanceSeconds(lat['ec2.stoppingToStopped'] + 600);
    await region.call('ec2', 'StartInstances', { InstanceIds: [PRIMARY] });
    // WHEN it is read once the instance is running but still booting
    region.clock.advanceSeconds(lat['ec2.startToRunning'] + 1);
    // THEN the outage was long enough to make it unhealthy, and it has not recovered yet
    expect((await health(MIRROR_TG))[PRIMARY]).toBe('unhealthy (Target.FailedHealthChecks)');
    region.clock.advanceSeconds(lat['ec2.runningToSsmOnline'] + lat['elb.initialToHealthy']);
    expect((await health(MIRROR_TG))[PRIMARY]).toBe('healthy');
  });

  it('reports a stopped instance as unused, in an invalid state', async () => {
    const { health, region, lat } = setup();
    await region.call('ec2', 'StopInstances', { InstanceIds: [PRIMARY] });
    region.clock.advanceSeconds(lat['ec2.stoppingToStopped']);
    expect((await health(MIRROR_TG))[PRIMARY]).toBe('unused (Target.InvalidState)');
  });
});

describe('Elbv2Simulator mirror-status health checks', () => {
  it('passes only the mirror primary, and follows a failover', async () => {
    // GIVEN the primary healthy and the backup answering 503
    const { health, ec2, region, lat } = setup();
    region.clock.advanceSeconds(lat['elb.healthyToUnhealthy']);
    expect(await health(MIRROR_TG)).toEqual({
      [PRIMARY]: 'healthy',
      [BACKUP]: 'unhealthy (Target.ResponseCodeMismatch)',
    });
    // WHEN the mirror fails over
    ec2.updateWorkload(PRIMARY, { mirrorRole: 'backup' });
    ec2.updateWorkload(BACKUP, { mirrorRole: 'primary' });
    // THEN the new primary turns healthy after its passing checks, the old one unhealthy after its failing ones
    region.clock.advanceSeconds(lat['elb.initialToHealthy']);
    expect(await health(MIRROR_TG)).toEqual({
      [PRIMARY]: 'healthy',
      [BACKUP]: 'healthy',
    });
    region.clock.advanceSeconds(lat['elb.healthyToUnhealthy']);
    expect(await health(MIRROR_TG)).toEqual({
      [PRIMARY]: 'unhealthy (Target.ResponseCodeMismatch)',
      [BACKUP]: 'healthy',
    });
  });

  it('ignores the mirror role on a target group without a health-check path', async () => {
    const { call, health, region, lat } = setup();
    await call('RegisterTargets', { TargetGroupArn: TCP_TG, Targets: [{ Id: BACKUP }] });
    region.clock.advanceSeconds(lat['elb.initialToHealthy']);
    expect(await health(TCP_TG)).toEqual({ [BACKUP]: 'healthy' });
  });
});

describe('Elbv2Simulator deregistration', () => {
  it('drains a deregistered target for the deregistration delay, then forgets it', async () => {
    // GIVEN the primary is registered
    const { call, health, region, lat } = setup();
    // WHEN it is deregistered
    await call('DeregisterTargets', { TargetGroupArn: MIRROR_TG, Targets: [{ Id: PRIMARY }] });
    // THEN it drains, and is gone once the delay has passed
    expect((await health(MIRROR_TG))[PRIMARY]).toBe('draining (Target.DeregistrationInProgress)');
    region.clock.advanceSeconds(lat['elb.deregistrationDelay']);
    expect(await health(MIRROR_TG)).toEqual({ [BACKUP]: 'unhealthy (Target.ResponseCodeMismatch)' });
    expect(await health(MIRROR_TG, [{ Id: PRIMARY }])).toEqual({ [PRIMARY]: 'unused (Target.NotRegistered)' });
    // AND deregistering it again is a no-op
    await expect(call('DeregisterTargets', { TargetGroupArn: MIRROR_TG, Targets: [{ Id: PRIMARY }] })).resolves.toEqual(
      {},
    );
  });

  it('registers a draining target afresh', async () => {
    const { call, health } = setup();
    await call('DeregisterTargets', { TargetGroupArn: MIRROR_TG, Targets: [{ Id: PRIMARY }] });
    await call('RegisterTargets', { TargetGroupArn: MIRROR_TG, Targets: [{ Id: PRIMARY }] });
    expect((await health(MIRROR_TG))[PRIMARY]).toBe('initial (Elb.RegistrationInProgress)');
  });
});

describe('Elbv2Simulator descriptions', () => {
  it('describes target health with the target, its port and the health-check port', async () => {
    const { call } = setup();
    const out = await call<DescribeTargetHealthOutput>('DescribeTargetHealth', {
      TargetGroupArn: MIRROR_TG,
      Targets: [{ Id: PRIMARY, Port: 1972 }],
    });
    expect(out.TargetHealthDescriptions).toEqual([
      { Target: { Id: PRIMARY, Port: 1972 }, HealthCheckPort: '52773', TargetHealth: { State: 'healthy' } },
    ]);
    await expect(call('DescribeTargetHealth', { TargetGroupArn: `${MIRROR_TG}x` })).rejects.toMatchObject({
      code: 'TargetGroupNotFound',
    });
  });

  it('describes target groups by ARN and by name, and fails for an unknown one', async () => {
    const { call } = setup();
    const byArn = await call<DescribeTargetGroupsOutput>('DescribeTargetGroups', { TargetGroupArns: [MIRROR_TG] });
    expect(byArn.TargetGroups![0]).toMatchObject({
      TargetGroupArn: MIRROR_TG,
      TargetGroupName: 'db-mirror',
      Protocol: 'HTTP',
      Port: 1972,
      HealthCheckPath: '/csp/bin/mirror_status.cxw',
      HealthCheckPort: '52773',
      TargetType: 'instance',
    });
    const byName = await call<DescribeTargetGroupsOutput>('DescribeTargetGroups', { Names: ['db-tcp'] });
    expect(byName.TargetGroups!.map((g) => [g.TargetGroupArn, g.HealthCheckProtocol])).toEqual([[TCP_TG, 'TCP']]);
    const all = await call<DescribeTargetGroupsOutput>('DescribeTargetGroups', {});
    expect(all.TargetGroups).toHaveLength(2);
    await expect(call('DescribeTargetGroups', { Names: ['nope'] })).rejects.toMatchObject({
      code: 'TargetGroupNotFound',
    });
  });

  it('shows every target with its state in snapshot()', async () => {
    const { elb } = setup();
    expect(elb.snapshot()).toMatchObject({
      targetGroups: [
        {
          name: 'db-mirror',
          targets: [
            { id: PRIMARY, port: 1972, state: 'healthy' },
            { id: BACKUP, port: 1972, state: 'unhealthy', reason: 'Target.ResponseCodeMismatch' },
          ],
        },
        { name: 'db-tcp', targets: [] },
      ],
    });
  });
});
