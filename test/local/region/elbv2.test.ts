import type {
  DescribeLoadBalancersOutput,
  DescribeTargetGroupsOutput,
  DescribeTargetHealthOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Reservation } from '@aws-sdk/client-ec2';
import { type Ec2Environment, Ec2Simulator, type Json } from '../../../local/region/ec2';
import { applyDeployTimeCall, type Elbv2Environment, Elbv2Simulator } from '../../../local/region/elbv2';
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

/** AWS's default check (CreateTargetGroup): healthy again after 5 passing checks 30 s apart, unhealthy after 2 failing. */
const ALB_UP = 5 * 30;
const ALB_DOWN = 2 * 30;
/** AWS's default deregistration delay (`deregistration_delay.timeout_seconds`). */
const DRAIN = 300;

function setup(ec2Overrides: Partial<Ec2Environment> = {}, elb2: Elbv2Environment = elbEnvironment) {
  const region = new SimulatedRegion({ seed: 11 });
  const ec2 = new Ec2Simulator(region, { ...ec2Environment, ...ec2Overrides });
  const elb = new Elbv2Simulator(region, elb2);
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
  /** An NLB target's way to healthy: its registration, then the default 5 × 30 s of passing checks. */
  const nlbUp = region.latency['elb.nlbRegistration'] + ALB_UP;
  return { region, ec2, elb, call, health, lat: region.latency, nlbUp };
}

describe('Elbv2Simulator registration and health', () => {
  it('takes a newly registered, booted instance from initial to healthy', async () => {
    // GIVEN a running, booted instance not yet in the TCP target group
    const { call, health, region, lat, nlbUp } = setup();
    // WHEN it is registered
    await call('RegisterTargets', { TargetGroupArn: TCP_TG, Targets: [{ Id: SPARE }] });
    // THEN it is initial while the NLB registers it, then while it passes its first checks, then healthy
    expect(await health(TCP_TG)).toEqual({ [SPARE]: 'initial (Elb.RegistrationInProgress)' });
    region.clock.advanceSeconds(lat['elb.nlbRegistration']);
    expect(await health(TCP_TG)).toEqual({ [SPARE]: 'initial (Elb.InitialHealthChecking)' });
    region.clock.advanceSeconds(nlbUp - lat['elb.nlbRegistration'] - 1);
    expect(await health(TCP_TG)).toEqual({ [SPARE]: 'initial (Elb.InitialHealthChecking)' });
    region.clock.advanceSeconds(1);
    expect(await health(TCP_TG)).toEqual({ [SPARE]: 'healthy' });
    expect(region.calls.every((c) => c.latency === lat['elb.api'])).toBe(true);
  });

  it('keeps a just-launched instance initial until its application answers, then healthy at its first passing check', async () => {
    // GIVEN an ALB target group checking every 10 s (3 failures make a target unhealthy), and an instance launched
    // and registered as soon as it runs
    const web = { targetGroupArn: MIRROR_TG, name: 'web', port: 80, unhealthyThresholdCount: 3 };
    const { call, health, region, lat } = setup({}, { targetGroups: [{ ...web, healthCheckIntervalSeconds: 10 }] });
    const launched = (await region.call('ec2', 'RunInstances', {
      ImageId: 'ami-1',
      InstanceType: 'r6i.large',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: 'subnet-a',
    })) as Json<Reservation>;
    const id = launched.Instances![0].InstanceId!;
    region.clock.advanceSeconds(lat['ec2.pendingToRunning']);
    await call('RegisterTargets', { TargetGroupArn: MIRROR_TG, Targets: [{ Id: id }] });
    expect(await health(MIRROR_TG)).toEqual({ [id]: 'initial (Elb.RegistrationInProgress)' });
    // WHEN the first health checks have run but the instance is still booting (it answers after 27 s)
    region.clock.advanceSeconds(20);
    // THEN it is still initial, in its initial health checks
    expect(await health(MIRROR_TG)).toEqual({ [id]: 'initial (Elb.InitialHealthChecking)' });
    // WHEN the first check after it booted has passed (at 30 s) THEN it is healthy, and not one second before
    region.clock.advanceSeconds(9);
    expect(await health(MIRROR_TG)).toEqual({ [id]: 'initial (Elb.InitialHealthChecking)' });
    region.clock.advanceSeconds(1);
    expect(await health(MIRROR_TG)).toEqual({ [id]: 'healthy' });
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
    const { health, region } = setup({ impairedAvailabilityZones: [{ zone: 'us-east-1a', fromSeconds: 100 }] });
    // WHEN the target is read just before the threshold (2 failing checks 30 s apart) THEN it is still healthy
    region.clock.advanceSeconds(100 + ALB_DOWN - 1);
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
    region.clock.advanceSeconds(lat['ec2.runningToSsmOnline'] + ALB_UP);
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
    const { health, ec2, region } = setup();
    region.clock.advanceSeconds(ALB_DOWN);
    expect(await health(MIRROR_TG)).toEqual({
      [PRIMARY]: 'healthy',
      [BACKUP]: 'unhealthy (Target.ResponseCodeMismatch)',
    });
    // WHEN the mirror fails over
    ec2.updateWorkload(PRIMARY, { mirrorRole: 'backup' });
    ec2.updateWorkload(BACKUP, { mirrorRole: 'primary' });
    // THEN the new primary turns healthy after its passing checks, the old one unhealthy after its failing ones
    region.clock.advanceSeconds(ALB_UP);
    expect(await health(MIRROR_TG)).toEqual({
      [PRIMARY]: 'unhealthy (Target.ResponseCodeMismatch)',
      [BACKUP]: 'healthy',
    });
    expect(await health(MIRROR_TG)).toEqual({
      [PRIMARY]: 'unhealthy (Target.ResponseCodeMismatch)',
      [BACKUP]: 'healthy',
    });
  });

  it('ignores the mirror role on a target group without a health-check path', async () => {
    const { call, health, region, nlbUp } = setup();
    await call('RegisterTargets', { TargetGroupArn: TCP_TG, Targets: [{ Id: BACKUP }] });
    region.clock.advanceSeconds(nlbUp);
    expect(await health(TCP_TG)).toEqual({ [BACKUP]: 'healthy' });
  });
});

describe('Elbv2Simulator deregistration', () => {
  it('drains a deregistered target for the deregistration delay, then forgets it', async () => {
    // GIVEN the primary is registered
    const { call, health, region } = setup();
    // WHEN it is deregistered
    await call('DeregisterTargets', { TargetGroupArn: MIRROR_TG, Targets: [{ Id: PRIMARY }] });
    // THEN it drains, and is gone once the delay has passed
    expect((await health(MIRROR_TG))[PRIMARY]).toBe('draining (Target.DeregistrationInProgress)');
    region.clock.advanceSeconds(DRAIN);
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

  it("describes load balancers with their type and zones (the scenario's, else every zone), and fails for an unknown one", async () => {
    // GIVEN an NLB the scenario lists with one zone, and an ALB only a target group names
    const nlb = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/db/50dc6c495c0c9188';
    const alb = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/60dc6c495c0c9188';
    const { call } = setup(
      {},
      {
        loadBalancers: [{ loadBalancerArn: nlb, availabilityZones: ['us-east-1b'] }],
        targetGroups: [
          { targetGroupArn: MIRROR_TG, name: 'db-mirror', port: 1972, loadBalancerArns: [alb], targets: [] },
        ],
      },
    );
    // WHEN each is described
    const out = await call<DescribeLoadBalancersOutput>('DescribeLoadBalancers', { LoadBalancerArns: [nlb, alb] });
    // THEN the NLB has its zone; the ALB every zone of the region's subnets
    expect(
      out.LoadBalancers!.map((lb) => [lb.Type, lb.LoadBalancerName, lb.AvailabilityZones!.map((z) => z.ZoneName)]),
    ).toEqual([
      ['network', 'db', ['us-east-1b']],
      ['application', 'web', ['us-east-1a', 'us-east-1b']],
    ]);
    const all = await call<DescribeLoadBalancersOutput>('DescribeLoadBalancers', {});
    expect(all.LoadBalancers).toHaveLength(2);
    await expect(call('DescribeLoadBalancers', { LoadBalancerArns: [`${nlb}0`] })).rejects.toMatchObject({
      code: 'LoadBalancerNotFound',
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

describe('Elbv2Simulator target group types, zones, attributes and fail-open (issue #13 item 15)', () => {
  const NLB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/db/50dc6c495c0c9188';
  const ALB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9189';

  it("takes each protocol's AWS default health check and the type of its load balancer", async () => {
    // GIVEN an HTTP target group behind an ALB and a TCP one behind an NLB, neither configuring its check
    const { call } = setup(
      {},
      {
        targetGroups: [
          { targetGroupArn: MIRROR_TG, name: 'web', port: 80, loadBalancerArns: [ALB] },
          { targetGroupArn: TCP_TG, name: 'db', protocol: 'TCP', port: 1972, loadBalancerArns: [NLB] },
        ],
      },
    );
    // WHEN they are described
    const out = await call<DescribeTargetGroupsOutput>('DescribeTargetGroups', {});
    // THEN each has the defaults the CreateTargetGroup reference gives for its protocol
    const pick = (i: number) => {
      const g = out.TargetGroups![i];
      return [
        g.HealthCheckIntervalSeconds,
        g.HealthCheckTimeoutSeconds,
        g.HealthyThresholdCount,
        g.UnhealthyThresholdCount,
      ];
    };
    expect(pick(0)).toEqual([30, 6, 5, 2]);
    expect(pick(1)).toEqual([30, 10, 5, 2]);
    expect(out.TargetGroups![1].HealthCheckProtocol).toBe('TCP');
  });

  it('makes a target new to an ALB healthy at its first passing check, one new to an NLB after its registration and HealthyThresholdCount × interval', async () => {
    // GIVEN the same 2 × 10 s check on an ALB target group and an NLB target group
    const check = { healthCheckIntervalSeconds: 10, healthyThresholdCount: 2 };
    const { call, health, region, lat } = setup(
      {},
      {
        targetGroups: [
          { targetGroupArn: MIRROR_TG, name: 'web', port: 80, loadBalancerArns: [ALB], ...check },
          { targetGroupArn: TCP_TG, name: 'db', protocol: 'TCP', port: 1972, loadBalancerArns: [NLB], ...check },
        ],
      },
    );
    // WHEN a booted instance is registered in both
    await call('RegisterTargets', { TargetGroupArn: MIRROR_TG, Targets: [{ Id: SPARE }] });
    await call('RegisterTargets', { TargetGroupArn: TCP_TG, Targets: [{ Id: SPARE }] });
    // THEN the ALB target is healthy after one interval (10 s); the NLB target is still registering
    region.clock.advanceSeconds(10);
    expect(await health(MIRROR_TG)).toEqual({ [SPARE]: 'healthy' });
    expect(await health(TCP_TG)).toEqual({ [SPARE]: 'initial (Elb.RegistrationInProgress)' });
    // AND the NLB target is healthy 2 × 10 s after its registration completed
    region.clock.advanceSeconds(lat['elb.nlbRegistration'] + 9);
    expect(await health(TCP_TG)).toEqual({ [SPARE]: 'initial (Elb.InitialHealthChecking)' });
    region.clock.advanceSeconds(1);
    expect(await health(TCP_TG)).toEqual({ [SPARE]: 'healthy' });
  });

  it('keeps a target in an Availability Zone its load balancer does not use unused (Target.NotInUse)', async () => {
    // GIVEN an NLB enabled only in us-east-1a, and a target group no load balancer uses
    const { call, health, region, nlbUp } = setup(
      {},
      {
        loadBalancers: [{ loadBalancerArn: NLB, availabilityZones: ['us-east-1a'] }],
        targetGroups: [
          { targetGroupArn: TCP_TG, name: 'db', protocol: 'TCP', port: 1972, loadBalancerArns: [NLB] },
          { targetGroupArn: MIRROR_TG, name: 'idle', port: 80, loadBalancerArns: [], targets: [{ id: PRIMARY }] },
        ],
      },
    );
    // WHEN an instance of each zone is registered and long past its checks
    await call('RegisterTargets', { TargetGroupArn: TCP_TG, Targets: [{ Id: PRIMARY }, { Id: SPARE }] });
    region.clock.advanceSeconds(nlbUp);
    // THEN the one in the zone the load balancer does not use stays unused, as does every target of the idle group
    expect(await health(TCP_TG)).toEqual({ [PRIMARY]: 'healthy', [SPARE]: 'unused (Target.NotInUse)' });
    expect(await health(MIRROR_TG)).toEqual({ [PRIMARY]: 'unused (Target.NotInUse)' });
  });

  it("drains for the target group's deregistration_delay.timeout_seconds", async () => {
    // GIVEN a target group whose deregistration delay is 60 s
    const { call, health, region } = setup(
      {},
      {
        targetGroups: [
          {
            targetGroupArn: MIRROR_TG,
            name: 'web',
            port: 80,
            attributes: { 'deregistration_delay.timeout_seconds': '60' },
            targets: [{ id: PRIMARY }],
          },
        ],
      },
    );
    // WHEN its target is deregistered THEN it drains for 60 s, not 300 s
    await call('DeregisterTargets', { TargetGroupArn: MIRROR_TG, Targets: [{ Id: PRIMARY }] });
    region.clock.advanceSeconds(59);
    expect(await health(MIRROR_TG)).toEqual({ [PRIMARY]: 'draining (Target.DeregistrationInProgress)' });
    region.clock.advanceSeconds(1);
    expect(await health(MIRROR_TG)).toEqual({});
  });

  it('fails open: with every target unhealthy, traffic goes to all of them', async () => {
    // GIVEN the mirror target group (primary healthy, backup unhealthy)
    const { elb, region, ec2 } = setup();
    region.clock.advanceSeconds(ALB_DOWN);
    expect(elb.routedTargets(MIRROR_TG)).toEqual([PRIMARY]);
    // WHEN no member is primary any more, and the checks have failed long enough
    ec2.updateWorkload(PRIMARY, { mirrorRole: 'backup' });
    region.clock.advanceSeconds(ALB_DOWN);
    // THEN the load balancer routes to every (unhealthy) target, and the snapshot says so
    expect(elb.routedTargets(MIRROR_TG)).toEqual([PRIMARY, BACKUP]);
    const snap = elb.snapshot() as { targetGroups: { routedTargets: string[] }[] };
    expect(snap.targetGroups[0].routedTargets).toEqual([PRIMARY, BACKUP]);
  });

  it("applies the stack's deploy-time ModifyTargetGroup and ModifyTargetGroupAttributes calls", () => {
    // GIVEN a scenario target group and the template's Custom::AWS calls on it
    const env: Elbv2Environment = {
      targetGroups: [{ targetGroupArn: TCP_TG, name: 'db', protocol: 'TCP', port: 1972 }],
    };
    const modify = { TargetGroupArn: TCP_TG, HealthCheckPath: '/status', HealthCheckIntervalSeconds: 5 };
    applyDeployTimeCall(
      env,
      JSON.stringify({ service: 'ElasticLoadBalancingV2', action: 'ModifyTargetGroup', parameters: modify }),
    );
    const attributes = {
      TargetGroupArn: TCP_TG,
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
    };
    applyDeployTimeCall(
      env,
      JSON.stringify({
        service: 'ElasticLoadBalancingV2',
        action: 'ModifyTargetGroupAttributes',
        parameters: attributes,
      }),
    );
    // THEN the target group has them
    expect(env.targetGroups![0]).toMatchObject({
      healthCheckPath: '/status',
      healthCheckIntervalSeconds: 5,
      attributes: { 'deregistration_delay.timeout_seconds': '30' },
    });
  });
});
