import {
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  EC2Client,
  type Instance,
  type Subnet,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { InspectInstanceInput, ProtectedInstance } from '../../tasks/inspect-instance/contract';
import { makeHandler } from '../../tasks/inspect-instance/handler';
import { realClients } from '../../tasks/shared/clients';
import { CLIENT_LAYER_ATTEMPTS, sdkMaxAttempts } from '../../contracts/task-retries';
import { ec2 as ec2Factory } from '../../tasks/shared/sdk/ec2';
import { TaskErrorNames } from '../../contracts/errors';
import { ec2Error, failure, mockedForEachTest, silentLogger } from '../harness/task-mocks';

const TAG_KEY = 'ha-workflows:recovery-group';

function input(overrides: Partial<InspectInstanceInput> = {}): InspectInstanceInput {
  return {
    instanceId: 'i-0aaa1111bbbb2222c',
    executionStartTime: '2025-03-01T10:00:00.500Z',
    tagKey: TAG_KEY,
    lockTtlSeconds: 3600,
    groups: { iris: { impairedZones: [], subnetPreference: [], targetGroupArns: ['arn:tg-1'] } },
    denyAllGroups: { 'vpc-1': 'sg-deny' },
    ...overrides,
  };
}

function instance(overrides: Partial<Instance> = {}): Instance {
  return {
    InstanceId: 'i-0aaa1111bbbb2222c',
    ImageId: 'ami-123',
    InstanceType: 'r6i.large',
    KeyName: 'ops',
    SubnetId: 'subnet-a1',
    VpcId: 'vpc-1',
    Placement: { AvailabilityZone: 'us-east-1a' },
    State: { Name: 'stopped', Code: 80 },
    SecurityGroups: [{ GroupId: 'sg-instance-level', GroupName: 'x' }],
    NetworkInterfaces: [
      { NetworkInterfaceId: 'eni-second', Attachment: { DeviceIndex: 1 }, Groups: [{ GroupId: 'sg-other' }] },
      {
        NetworkInterfaceId: 'eni-primary',
        Attachment: { DeviceIndex: 0 },
        Groups: [{ GroupId: 'sg-db' }, { GroupId: 'sg-admin' }],
      },
    ],
    IamInstanceProfile: { Arn: 'arn:aws:iam::123456789012:instance-profile/iris', Id: 'AIPA' },
    Tags: [
      { Key: 'Name', Value: 'iris-1' },
      { Key: TAG_KEY, Value: 'iris' },
      { Key: 'aws:cloudformation:stack-name', Value: 'db' },
      { Key: 'aws:ec2launchtemplate:id', Value: 'lt-1' },
      { Key: 'ha-workflows:replaces', Value: 'i-0older' },
      { Key: 'ha-workflows:created-by', Value: 'ha-workflows' },
      { Key: 'CostCenter', Value: '42' },
    ],
    ...overrides,
  };
}

function subnet(SubnetId: string, AvailabilityZone: string, AvailabilityZoneId?: string): Subnet {
  return {
    SubnetId,
    AvailabilityZone,
    VpcId: 'vpc-1',
    State: 'available',
    ...(AvailabilityZoneId ? { AvailabilityZoneId } : {}),
  };
}

describe('inspect-instance', () => {
  const ec2 = mockedForEachTest(mockClient(EC2Client));
  // By default arn:tg-1's load balancer is enabled in every zone the tests use
  const elbv2 = mockedForEachTest(mockClient(ElasticLoadBalancingV2Client), () =>
    givenLoadBalancers(
      { 'arn:tg-1': ['arn:lb-1'] },
      { 'arn:lb-1': ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'] },
    ),
  );
  const inspect = makeHandler(
    { ec2: new EC2Client({ region: 'us-east-1' }), elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }) },
    silentLogger('inspect-instance'),
  );

  /** Target groups with their load balancers, and each load balancer's enabled zones. */
  function givenLoadBalancers(groups: Record<string, string[]>, zones: Record<string, string[]>) {
    elbv2.on(DescribeTargetGroupsCommand).callsFake((req: { TargetGroupArns: string[] }) => ({
      TargetGroups: req.TargetGroupArns.map((TargetGroupArn) => ({
        TargetGroupArn,
        LoadBalancerArns: groups[TargetGroupArn] ?? [],
      })),
    }));
    elbv2.on(DescribeLoadBalancersCommand).callsFake((req: { LoadBalancerArns: string[] }) => ({
      LoadBalancers: req.LoadBalancerArns.map((LoadBalancerArn) => ({
        LoadBalancerArn,
        AvailabilityZones: (zones[LoadBalancerArn] ?? []).map((ZoneName) => ({ ZoneName })),
      })),
    }));
  }

  function givenInstance(i: Instance | undefined, subnets: Subnet[] = []) {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: i ? [{ Instances: [i] }] : [] });
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: subnets });
  }

  it('describes a protected instance compactly: launch settings, user tags, deny-all group, candidates, lock times', async () => {
    // GIVEN a stopped instance of group "iris" in us-east-1a with user, aws: and ha-workflows: tags
    givenInstance(instance(), [subnet('subnet-a1', 'us-east-1a'), subnet('subnet-b1', 'us-east-1b')]);

    // WHEN it is inspected
    const out = await inspect(input());

    // THEN it is protected, with only what a replacement needs
    expect(out).toEqual({
      protected: true,
      instanceId: 'i-0aaa1111bbbb2222c',
      groupId: 'iris',
      nowEpoch: 1740823200,
      lockExpiresAt: 1740823200 + 3600,
      targetGroupArns: ['arn:tg-1'],
      source: {
        instanceId: 'i-0aaa1111bbbb2222c',
        imageId: 'ami-123',
        instanceType: 'r6i.large',
        keyName: 'ops',
        subnetId: 'subnet-a1',
        availabilityZone: 'us-east-1a',
        vpcId: 'vpc-1',
        state: 'stopped',
        securityGroupIds: ['sg-db', 'sg-admin'],
        networkInterfaceIds: ['eni-primary', 'eni-second'],
        iamInstanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/iris',
        tags: [
          { Key: 'Name', Value: 'iris-1' },
          { Key: TAG_KEY, Value: 'iris' },
          { Key: 'CostCenter', Value: '42' },
        ],
      },
      denyAllGroupId: 'sg-deny',
      candidateSubnets: [{ subnetId: 'subnet-b1', availabilityZone: 'us-east-1b' }],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: ['i-0aaa1111bbbb2222c'] });
  });

  it('drops every aws: tag and the ha-workflows: bookkeeping tags but keeps the group tag', async () => {
    // GIVEN an instance tagged by CloudFormation, by a launch template and by an earlier recovery
    givenInstance(instance(), [subnet('subnet-b1', 'us-east-1b')]);

    // WHEN it is inspected
    const out = (await inspect(input())) as ProtectedInstance;

    // THEN no aws: or ha-workflows: tag survives except the group tag
    const keys = out.source.tags.map((t) => t.Key);
    expect(keys.filter((k) => k.startsWith('aws:'))).toEqual([]);
    expect(keys.filter((k) => k.startsWith('ha-workflows:'))).toEqual([TAG_KEY]);
  });

  it('falls back to the instance security groups and null key/profile when there are none', async () => {
    // GIVEN an instance without key pair, profile or network interface details
    givenInstance(instance({ KeyName: undefined, IamInstanceProfile: undefined, NetworkInterfaces: undefined }), [
      subnet('subnet-b1', 'us-east-1b'),
    ]);

    // WHEN it is inspected
    const out = (await inspect(input())) as ProtectedInstance;

    // THEN the optional settings are null and the groups come from the instance
    expect(out.source).toMatchObject({
      keyName: null,
      iamInstanceProfileArn: null,
      securityGroupIds: ['sg-instance-level'],
      networkInterfaceIds: [],
    });
  });

  it('reports an instance without the group tag as not protected, without looking for subnets', async () => {
    // GIVEN an instance with no recovery-group tag
    givenInstance(instance({ Tags: [{ Key: 'Name', Value: 'web' }] }));

    // WHEN it is inspected
    const out = await inspect(input());

    // THEN it is not protected and nothing else is asked
    expect(out).toEqual({ protected: false, reason: `Instance has no ${TAG_KEY} tag` });
    expect(ec2).not.toHaveReceivedCommand(DescribeSubnetsCommand);
  });

  it('reports an instance of an unconfigured group as not protected', async () => {
    // GIVEN an instance whose group is not in the configuration
    givenInstance(instance({ Tags: [{ Key: TAG_KEY, Value: 'legacy' }] }));

    // WHEN it is inspected
    const out = await inspect(input());

    // THEN it is not protected, naming the group
    expect(out).toEqual({ protected: false, reason: 'Recovery group "legacy" is not configured' });
  });

  it('reports an instance EC2 does not know as not found', async () => {
    // GIVEN EC2 answers InvalidInstanceID.NotFound
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound'));

    // WHEN it is inspected
    const out = await inspect(input());

    // THEN it is not protected
    expect(out).toEqual({ protected: false, reason: 'Instance not found' });
  });

  it('reports an instance missing from an empty answer as not found', async () => {
    // GIVEN EC2 answers with no reservations
    givenInstance(undefined);

    // WHEN it is inspected / THEN it is not found
    await expect(inspect(input())).resolves.toEqual({ protected: false, reason: 'Instance not found' });
  });

  it('does not recover an instance a recovery already fenced', async () => {
    // GIVEN an instance of a configured group that carries the fenced-by tag
    givenInstance(
      instance({ Tags: [...(instance().Tags ?? []), { Key: 'ha-workflows:fenced-by', Value: 'exec-42' }] }),
    );

    // WHEN it is inspected
    const out = await inspect(input());

    // THEN it is not protected, naming the recovery that fenced it
    expect(out).toEqual({ protected: false, reason: 'Instance already fenced by exec-42' });
    expect(ec2).not.toHaveReceivedCommand(DescribeSubnetsCommand);
  });

  it('excludes the failed zone and the impaired zones and orders by preference, then zone, then subnet id', async () => {
    // GIVEN subnets in five zones: the failed one (1a), one impaired by config (1b), one by the event
    //       (1c, given as a zone id), and two healthy zones with several subnets; one subnet is preferred
    givenInstance(instance(), [
      subnet('subnet-f2', 'us-east-1f'),
      subnet('subnet-a1', 'us-east-1a'),
      subnet('subnet-b1', 'us-east-1b'),
      subnet('subnet-c1', 'us-east-1c', 'use1-az6'),
      subnet('subnet-d2', 'us-east-1d'),
      subnet('subnet-f1', 'us-east-1f'),
      subnet('subnet-d1', 'us-east-1d'),
    ]);

    // WHEN it is inspected
    const out = (await inspect(
      input({
        groups: {
          iris: {
            impairedZones: ['us-east-1b'],
            subnetPreference: ['subnet-f2', 'subnet-zz', 'subnet-a1'],
            targetGroupArns: [],
          },
        },
        impairedZones: ['use1-az6'],
      }),
    )) as ProtectedInstance;

    // THEN the preferred subnet comes first, then the rest by zone name and subnet id
    expect(out.candidateSubnets.map((s) => s.subnetId)).toEqual(['subnet-f2', 'subnet-d1', 'subnet-d2', 'subnet-f1']);
  });

  it('looks for subnets tagged with the group in the instance VPC, across pages', async () => {
    // GIVEN the subnets come in two pages
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance()] }] });
    ec2
      .on(DescribeSubnetsCommand)
      .resolvesOnce({ Subnets: [subnet('subnet-d1', 'us-east-1d')], NextToken: 'p2' })
      .resolvesOnce({ Subnets: [subnet('subnet-b1', 'us-east-1b')] });

    // WHEN it is inspected
    const out = (await inspect(input())) as ProtectedInstance;

    // THEN both pages are read with the group and VPC filters
    expect(out.candidateSubnets.map((s) => s.subnetId)).toEqual(['subnet-b1', 'subnet-d1']);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSubnetsCommand, 2);
    expect(ec2).toHaveReceivedNthSpecificCommandWith(1, DescribeSubnetsCommand, {
      Filters: [
        { Name: `tag:${TAG_KEY}`, Values: ['iris'] },
        { Name: 'vpc-id', Values: ['vpc-1'] },
      ],
    });
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeSubnetsCommand, { NextToken: 'p2' });
  });

  it('fails with NoCandidateSubnet naming the group, the failed zone and the excluded zones', async () => {
    // GIVEN the only other subnet is in a zone the event reports impaired
    givenInstance(instance(), [subnet('subnet-a1', 'us-east-1a'), subnet('subnet-b1', 'us-east-1b')]);

    // WHEN it is inspected
    const result = inspect(input({ impairedZones: ['us-east-1b'] }));

    // THEN it fails with a named error that says why
    await expect(result).rejects.toMatchObject({ name: TaskErrorNames.NoCandidateSubnet });
    await expect(result).rejects.toThrow(
      /recovery group "iris".*failed zone us-east-1a.*impaired zones \[us-east-1b\]/,
    );
  });

  describe("the target groups' load balancers", () => {
    const subnets = [
      subnet('subnet-a1', 'us-east-1a'),
      subnet('subnet-b1', 'us-east-1b'),
      subnet('subnet-c1', 'us-east-1c'),
    ];

    it('keeps only subnets in zones the load balancer is enabled in (elsewhere a target stays unused)', async () => {
      // GIVEN the group prefers subnet-b1, but the load balancer is enabled in us-east-1a and us-east-1c only
      givenInstance(instance(), subnets);
      givenLoadBalancers({ 'arn:tg-1': ['arn:lb-1'] }, { 'arn:lb-1': ['us-east-1a', 'us-east-1c'] });
      const groups = { iris: { impairedZones: [], subnetPreference: ['subnet-b1'], targetGroupArns: ['arn:tg-1'] } };

      // WHEN it is inspected
      const out = (await inspect(input({ groups }))) as ProtectedInstance;

      // THEN only subnet-c1 is a candidate (us-east-1a failed, us-east-1b takes no traffic)
      expect(out.candidateSubnets).toEqual([{ subnetId: 'subnet-c1', availabilityZone: 'us-east-1c' }]);
      expect(elbv2).toHaveReceivedCommandWith(DescribeTargetGroupsCommand, { TargetGroupArns: ['arn:tg-1'] });
      expect(elbv2).toHaveReceivedCommandWith(DescribeLoadBalancersCommand, { LoadBalancerArns: ['arn:lb-1'] });
    });

    it("needs a zone of every target group: the union of each group's load balancers, intersected over the groups", async () => {
      // GIVEN tg-1 on lb-1 (1b) and lb-2 (1c); tg-2 on lb-3 (1c); tg-3 used by no load balancer
      givenInstance(instance(), subnets);
      givenLoadBalancers(
        { 'arn:tg-1': ['arn:lb-1', 'arn:lb-2'], 'arn:tg-2': ['arn:lb-3'], 'arn:tg-3': [] },
        { 'arn:lb-1': ['us-east-1b'], 'arn:lb-2': ['us-east-1c'], 'arn:lb-3': ['us-east-1c'] },
      );
      const groups = {
        iris: { impairedZones: [], subnetPreference: [], targetGroupArns: ['arn:tg-1', 'arn:tg-2', 'arn:tg-3'] },
      };

      // WHEN / THEN only us-east-1c serves both tg-1 and tg-2
      const out = (await inspect(input({ groups }))) as ProtectedInstance;
      expect(out.candidateSubnets.map((c) => c.subnetId)).toEqual(['subnet-c1']);
    });

    it('asks for at most 20 load balancers per call', async () => {
      // GIVEN 25 target groups, each on its own load balancer, all enabled in us-east-1b
      givenInstance(instance(), subnets);
      const tgs = Array.from({ length: 25 }, (_, i) => `arn:tg-${i}`);
      givenLoadBalancers(
        Object.fromEntries(tgs.map((tg, i) => [tg, [`arn:lb-${i}`]])),
        Object.fromEntries(tgs.map((_, i) => [`arn:lb-${i}`, ['us-east-1b']])),
      );
      const groups = { iris: { impairedZones: [], subnetPreference: [], targetGroupArns: tgs } };

      // WHEN / THEN two calls, of 20 and 5
      const out = (await inspect(input({ groups }))) as ProtectedInstance;
      expect(out.candidateSubnets.map((c) => c.subnetId)).toEqual(['subnet-b1']);
      const calls = elbv2
        .commandCalls(DescribeLoadBalancersCommand)
        .map((c) => c.args[0].input.LoadBalancerArns?.length);
      expect(calls).toEqual([20, 5]);
    });

    it('does not restrict the zones when no target group is used by a load balancer, or there is none', async () => {
      givenInstance(instance(), subnets);
      givenLoadBalancers({ 'arn:tg-1': [] }, {});
      const out = (await inspect(input())) as ProtectedInstance;
      expect(out.candidateSubnets.map((c) => c.subnetId)).toEqual(['subnet-b1', 'subnet-c1']);
      elbv2.resetHistory();
      const none = { iris: { impairedZones: [], subnetPreference: [], targetGroupArns: [] } };
      await inspect(input({ groups: none }));
      expect(elbv2.calls()).toHaveLength(0);
    });

    it('fails with NoCandidateSubnet naming the zones the load balancers serve, before anything is changed', async () => {
      // GIVEN the load balancer is enabled only in the failed instance's zone
      givenInstance(instance(), subnets);
      givenLoadBalancers({ 'arn:tg-1': ['arn:lb-1'] }, { 'arn:lb-1': ['us-east-1a'] });

      // WHEN / THEN
      const result = inspect(input());
      await expect(result).rejects.toMatchObject({ name: TaskErrorNames.NoCandidateSubnet });
      await expect(result).rejects.toThrow(/load balancers are enabled in \[us-east-1a\]/);
    });
  });

  it('fails with NoDenyAllGroup naming the VPC when no deny-all group is configured for it', async () => {
    // GIVEN the configuration has a deny-all group for another VPC only
    givenInstance(instance(), [subnet('subnet-b1', 'us-east-1b')]);

    // WHEN it is inspected
    const result = inspect(input({ denyAllGroups: { 'vpc-other': 'sg-x' } }));

    // THEN it fails naming the VPC
    await expect(result).rejects.toMatchObject({ name: TaskErrorNames.NoDenyAllGroup });
    await expect(result).rejects.toThrow(/vpc-1/);
  });

  it('fails with InstanceNotInVpc when the instance no longer has a VPC placement', async () => {
    // GIVEN a terminated instance that lost its subnet and VPC
    givenInstance(instance({ State: { Name: 'terminated' }, VpcId: undefined, SubnetId: undefined }));

    // WHEN it is inspected / THEN it fails with a named error
    await expect(inspect(input())).rejects.toMatchObject({ name: TaskErrorNames.InstanceNotInVpc });
  });

  it('lets other API errors through unchanged', async () => {
    // GIVEN EC2 throttles
    const throttled = ec2Error('RequestLimitExceeded', 'Request limit exceeded.');
    ec2.on(DescribeInstancesCommand).rejects(throttled);

    // WHEN it is inspected / THEN the SDK error reaches Step Functions as it is
    await expect(inspect(input())).rejects.toBe(throttled);
  });

  it('rejects an invalid input listing every problem with the value received and what is allowed', async () => {
    // GIVEN an input with a missing id, a bad time, a too-short TTL and a malformed group
    const event = {
      ...input(),
      instanceId: undefined,
      executionStartTime: 'yesterday',
      lockTtlSeconds: 30,
      groups: { iris: { impairedZones: 'us-east-1a', subnetPreference: [] } },
    };

    // WHEN it is handled
    const result = inspect(event);

    // THEN it fails with InvalidTaskInput before any API call, naming each field
    await expect(result).rejects.toMatchObject({ name: TaskErrorNames.InvalidTaskInput });
    const error = await failure(result);
    expect(error.message.split('\n').slice(1)).toEqual([
      '  - $.instanceId: missing; expected a string',
      '  - $.executionStartTime: got "yesterday"; expected an ISO 8601 date-time',
      '  - $.lockTtlSeconds: got 30; expected an integer from 60 to 86400 (seconds)',
      '  - $.groups.iris.impairedZones: got "us-east-1a"; expected an array',
    ]);
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it("builds each real client once, when first used, with the task's declared attempts (the engine's too)", async () => {
    // GIVEN the real clients the handler is given
    const clients = realClients('inspect-instance', { ec2: ec2Factory });

    // WHEN one is used twice / THEN it is an SDK client, built once, trying each call as often as the task declares
    // (contracts/task-retries.ts: its clients are its only retry layer, the state machine does not re-run it on them)
    expect(clients.ec2).toBeInstanceOf(EC2Client);
    expect(clients.ec2).toBe(clients.ec2);
    expect(sdkMaxAttempts('inspect-instance')).toBe(CLIENT_LAYER_ATTEMPTS);
    expect(await (clients.ec2 as EC2Client).config.maxAttempts()).toBe(sdkMaxAttempts('inspect-instance'));
    expect(Object.keys(clients)).toEqual(['ec2']);
  });

  it('answers through the deployed handler (real clients, here answered by a class-level mock)', async () => {
    // GIVEN the deployed handler module, loaded afresh with logging off, its SDK class mocked
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    let result: unknown;
    await jest.isolateModulesAsync(async () => {
      const sdk = await import('@aws-sdk/client-ec2');
      const freshEc2 = mockClient(sdk.EC2Client);
      freshEc2.on(sdk.DescribeInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound'));
      const { handler } = await import('../../tasks/inspect-instance/handler');

      // WHEN it is invoked
      result = await handler(input());
      freshEc2.restore();
    });
    delete process.env.POWERTOOLS_LOG_LEVEL;

    // THEN it answers
    expect(result).toEqual({ protected: false, reason: 'Instance not found' });
  });
});
