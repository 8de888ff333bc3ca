import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypeOfferingsCommand,
  EC2Client,
  RunInstancesCommand,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ec2Error } from './ec2-error';
import type { Tag } from '../../tasks/inspect-instance/contract';
import type { LaunchReplacementInput } from '../../tasks/launch-replacement/contract';
import { makeHandler } from '../../tasks/launch-replacement/handler';
import { clientToken } from '../../tasks/launch-replacement/logic';
import { TaskErrorNames } from '../../contracts/errors';
import { taskLogger } from '../../tasks/shared/logger';

const TAG_KEY = 'ha-workflows:recovery-group';

function input(overrides: Partial<LaunchReplacementInput> = {}): LaunchReplacementInput {
  return {
    executionName: 'recover-i-0aaa-20250301T100000',
    groupId: 'iris',
    tagKey: TAG_KEY,
    source: {
      instanceId: 'i-0aaa1111bbbb2222c',
      imageId: 'ami-123',
      instanceType: 'r6i.large',
      keyName: 'ops',
      subnetId: 'subnet-a1',
      availabilityZone: 'us-east-1a',
      vpcId: 'vpc-1',
      state: 'stopped',
      securityGroupIds: ['sg-db'],
      networkInterfaceIds: ['eni-primary'],
      iamInstanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/iris',
      tags: [
        { Key: 'Name', Value: 'iris-1' },
        { Key: TAG_KEY, Value: 'iris' },
        { Key: 'CostCenter', Value: '42' },
      ],
    },
    denyAllGroupId: 'sg-deny',
    bootGroups: { 'vpc-1': 'sg-boot', 'vpc-2': 'sg-boot-2' },
    candidateSubnets: [
      { subnetId: 'subnet-b1', availabilityZone: 'us-east-1b' },
      { subnetId: 'subnet-c1', availabilityZone: 'us-east-1c' },
      { subnetId: 'subnet-d1', availabilityZone: 'us-east-1d' },
    ],
    mode: 'launch',
    ...overrides,
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('launch-replacement', () => {
  let ec2: AwsClientStub<EC2Client>;
  const launch = makeHandler(
    { ec2: new EC2Client({ region: 'us-east-1' }) },
    taskLogger('launch-replacement', { logLevel: 'SILENT' }),
  );

  beforeAll(() => {
    ec2 = mockClient(EC2Client);
  });
  beforeEach(() => {
    ec2.reset();
    // No earlier launch by this execution, unless a test says otherwise.
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  });
  afterAll(() => {
    ec2.restore();
  });

  function runInstancesInputs(): RunInstancesCommandInput[] {
    return ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
  }

  it('launches the replacement with its VPC boot group only, in the first candidate subnet, with the source settings and tags', async () => {
    // GIVEN capacity in the first candidate zone
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });

    // WHEN the replacement is launched
    const out = await launch(input());

    // THEN one instance runs there, with only the boot group (HTTPS out, nothing in), the source's settings and tags
    expect(out).toEqual({
      instanceId: 'i-0new',
      subnetId: 'subnet-b1',
      availabilityZone: 'us-east-1b',
      attempts: [{ subnetId: 'subnet-b1', availabilityZone: 'us-east-1b' }],
    });
    const tags: Tag[] = [
      { Key: 'Name', Value: 'iris-1' },
      { Key: TAG_KEY, Value: 'iris' },
      { Key: 'CostCenter', Value: '42' },
      { Key: 'ha-workflows:replaces', Value: 'i-0aaa1111bbbb2222c' },
      { Key: 'ha-workflows:created-by', Value: 'ha-workflows' },
    ];
    expect(runInstancesInputs()).toEqual([
      {
        ImageId: 'ami-123',
        InstanceType: 'r6i.large',
        KeyName: 'ops',
        SubnetId: 'subnet-b1',
        SecurityGroupIds: ['sg-boot'],
        IamInstanceProfile: { Arn: 'arn:aws:iam::123456789012:instance-profile/iris' },
        MinCount: 1,
        MaxCount: 1,
        DryRun: false,
        ClientToken: clientToken('recover-i-0aaa-20250301T100000', 'subnet-b1'),
        TagSpecifications: [
          { ResourceType: 'instance', Tags: tags },
          { ResourceType: 'volume', Tags: tags },
        ],
      },
    ]);
  });

  it('omits KeyName and IamInstanceProfile when the source has none', async () => {
    // GIVEN a source without key pair or instance profile
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });
    const base = input();

    // WHEN the replacement is launched
    await launch(input({ source: { ...base.source, keyName: null, iamInstanceProfileArn: null } }));

    // THEN the request names neither
    const [request] = runInstancesInputs();
    expect(request).not.toHaveProperty('KeyName');
    expect(request).not.toHaveProperty('IamInstanceProfile');
  });

  it('falls through capacity errors to the next candidate zone and records each attempt', async () => {
    // GIVEN no capacity in 1b and the instance type unsupported in 1c
    ec2
      .on(RunInstancesCommand, { SubnetId: 'subnet-b1' })
      .rejects(ec2Error('InsufficientInstanceCapacity'))
      .on(RunInstancesCommand, { SubnetId: 'subnet-c1' })
      .rejects(ec2Error('Unsupported'))
      .on(RunInstancesCommand, { SubnetId: 'subnet-d1' })
      .resolves({ Instances: [{ InstanceId: 'i-0new' }] });

    // WHEN the replacement is launched
    const out = await launch(input());

    // THEN it runs in 1d, and the output says what was tried
    expect(out).toEqual({
      instanceId: 'i-0new',
      subnetId: 'subnet-d1',
      availabilityZone: 'us-east-1d',
      attempts: [
        { subnetId: 'subnet-b1', availabilityZone: 'us-east-1b', error: 'InsufficientInstanceCapacity' },
        { subnetId: 'subnet-c1', availabilityZone: 'us-east-1c', error: 'Unsupported' },
        { subnetId: 'subnet-d1', availabilityZone: 'us-east-1d' },
      ],
    });
    expect(runInstancesInputs().map((r) => r.SubnetId)).toEqual(['subnet-b1', 'subnet-c1', 'subnet-d1']);
  });

  it('fails with NoCapacityInAnyZone listing each zone and its error when every candidate fails', async () => {
    // GIVEN no zone has capacity
    ec2
      .on(RunInstancesCommand)
      .rejects(ec2Error('InsufficientInstanceCapacity'))
      .on(RunInstancesCommand, { SubnetId: 'subnet-c1' })
      .rejects(ec2Error('Unsupported'));

    // WHEN the replacement is launched
    const result = launch(input());

    // THEN it fails with a named error that lists every zone tried
    await expect(result).rejects.toMatchObject({ name: TaskErrorNames.NoCapacityInAnyZone });
    await expect(result).rejects.toThrow(
      'us-east-1b (subnet-b1): InsufficientInstanceCapacity; us-east-1c (subnet-c1): Unsupported; ' +
        'us-east-1d (subnet-d1): InsufficientInstanceCapacity',
    );
  });

  it('rethrows any other error unchanged without trying further zones', async () => {
    // GIVEN the first launch is throttled
    const throttled = ec2Error('RequestLimitExceeded', 'Request limit exceeded.');
    ec2.on(RunInstancesCommand).rejects(throttled);

    // WHEN the replacement is launched
    const result = launch(input());

    // THEN the SDK error reaches Step Functions as it is, after one attempt
    await expect(result).rejects.toBe(throttled);
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
  });

  it('uses a deterministic client token per execution and subnet, at most 64 ASCII characters', async () => {
    // GIVEN two runs of the same execution, and one of another execution
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });

    // WHEN each launches
    await launch(input());
    await launch(input());
    await launch(input({ executionName: 'another-execution' }));

    // THEN the retried run sends the same token, the other execution a different one
    const [first, retried, other] = runInstancesInputs().map((r) => r.ClientToken ?? '');
    expect(retried).toBe(first);
    expect(other).not.toBe(first);
    expect(first).toMatch(/^[\x21-\x7e]{1,64}$/);
    expect(clientToken('e', 'subnet-b1')).not.toBe(clientToken('e', 'subnet-c1'));
  });

  it('returns the instance an earlier attempt of this execution launched instead of launching another', async () => {
    // GIVEN an earlier attempt launched in 1c (after 1b had no capacity), then the task was retried
    const exec = 'recover-i-0aaa-20250301T100000';
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0earlier',
              SubnetId: 'subnet-c1',
              ClientToken: clientToken(exec, 'subnet-c1'),
              State: { Name: 'pending' },
            },
          ],
        },
      ],
    });

    // WHEN the replacement is launched again
    const out = await launch(input());

    // THEN the earlier instance is the replacement and nothing new is launched
    expect(out).toEqual({
      instanceId: 'i-0earlier',
      subnetId: 'subnet-c1',
      availabilityZone: 'us-east-1c',
      attempts: [{ subnetId: 'subnet-c1', availabilityZone: 'us-east-1c' }],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [{ Name: 'tag:ha-workflows:replaces', Values: ['i-0aaa1111bbbb2222c'] }],
    });
    expect(ec2).not.toHaveReceivedCommand(RunInstancesCommand);
  });

  it('ignores a replacement of the same instance launched by another execution', async () => {
    // GIVEN a live instance replacing the same source, launched under another execution's token
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0other',
              SubnetId: 'subnet-b1',
              ClientToken: clientToken('another-execution', 'subnet-b1'),
              State: { Name: 'running' },
            },
          ],
        },
      ],
    });
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });

    // WHEN the replacement is launched / THEN this execution launches its own
    await expect(launch(input())).resolves.toMatchObject({ instanceId: 'i-0new' });
  });

  it('ignores an earlier launch that is already terminated', async () => {
    // GIVEN this execution's earlier instance was terminated
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0gone',
              ClientToken: clientToken('recover-i-0aaa-20250301T100000', 'subnet-b1'),
              State: { Name: 'terminated' },
            },
          ],
        },
      ],
    });
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });

    // WHEN the replacement is launched / THEN a new one is launched
    await expect(launch(input())).resolves.toMatchObject({ instanceId: 'i-0new' });
  });

  it('lets the project tags win over user tags with the same key, without duplicates', async () => {
    // GIVEN a source whose user tags clash with the bookkeeping tags' keys
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0new' }] });
    const base = input();
    const source = {
      ...base.source,
      tags: [
        { Key: TAG_KEY, Value: 'stale' },
        { Key: 'ha-workflows:created-by', Value: 'someone' },
      ],
    };

    // WHEN the replacement is launched
    await launch(input({ source }));

    // THEN each key appears once, with the project's value
    const tags = runInstancesInputs()[0].TagSpecifications?.[0].Tags;
    expect(tags).toEqual([
      { Key: TAG_KEY, Value: 'iris' },
      { Key: 'ha-workflows:created-by', Value: 'ha-workflows' },
      { Key: 'ha-workflows:replaces', Value: 'i-0aaa1111bbbb2222c' },
    ]);
  });

  it('fails with TooManyTags before launching when the replacement would exceed 50 tags', async () => {
    // GIVEN a source with 48 user tags (the project adds three)
    const base = input();
    const tags = Array.from({ length: 48 }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` }));

    // WHEN the replacement is launched
    const result = launch(input({ source: { ...base.source, tags } }));

    // THEN it fails with a named error, and nothing is launched
    await expect(result).rejects.toMatchObject({ name: TaskErrorNames.TooManyTags });
    await expect(result).rejects.toThrow(/51 tags/);
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it('refuses to check or launch when no boot group is configured for the source VPC (a deny-all group would leave it unable to boot)', async () => {
    // GIVEN boot groups for other VPCs only
    const event = input({ bootGroups: { 'vpc-9': 'sg-boot-9' } });

    // WHEN the launch is checked, and when it is launched
    const checked = failure(launch({ ...event, mode: 'check' }));
    const launched = failure(launch(event));

    // THEN both fail ReplacementNotLaunchable naming the VPC, and no RunInstances is sent
    for (const error of [await checked, await launched]) {
      expect(error).toMatchObject({ name: TaskErrorNames.ReplacementNotLaunchable });
      expect(error.message).toContain('no boot security group is configured for its VPC vpc-1');
    }
    expect(ec2).not.toHaveReceivedCommand(RunInstancesCommand);
  });

  it('rejects an input without candidate subnets or with a malformed source', async () => {
    // GIVEN no candidates and a source without an image
    const base = input();
    const event = { ...base, candidateSubnets: [], source: { ...base.source, imageId: 42 } };

    // WHEN it is handled
    const error = await failure(launch(event));

    // THEN it fails with InvalidTaskInput naming both fields
    expect(error).toMatchObject({ name: TaskErrorNames.InvalidTaskInput });
    expect(error.message).toContain('$.source.imageId: got 42; expected a string');
    expect(error.message).toContain('$.candidateSubnets: got []; expected at least 1 item(s)');
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  describe('check mode (before the only instance is terminated)', () => {
    const offered = (...zones: string[]) => ({
      InstanceTypeOfferings: zones.map((z) => ({
        InstanceType: 'r6i.large' as const,
        LocationType: 'availability-zone' as const,
        Location: z,
      })),
    });
    beforeEach(() => {
      ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-123', State: 'available' }] });
      ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered('us-east-1b', 'us-east-1c', 'us-east-1d'));
      ec2
        .on(RunInstancesCommand)
        .rejects(ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412));
    });

    it('launches nothing and reports the offered subnets when the AMI, the type and a DryRun launch are fine', async () => {
      // GIVEN an available AMI, the type offered in us-east-1c and us-east-1d only, and a permitted launch
      ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered('us-east-1c', 'us-east-1d'));
      // WHEN the launch is checked
      const out = await launch(input({ mode: 'check' }));
      // THEN
      expect(out).toEqual({
        imageId: 'ami-123',
        imageState: 'available',
        offeredSubnets: [
          { subnetId: 'subnet-c1', availabilityZone: 'us-east-1c' },
          { subnetId: 'subnet-d1', availabilityZone: 'us-east-1d' },
        ],
        dryRunSubnetId: 'subnet-c1',
      });
      // AND the one RunInstances call was the very launch request as a DryRun, without a client token
      const [request, ...more] = runInstancesInputs();
      expect(more).toEqual([]);
      expect(request).toMatchObject({
        DryRun: true,
        ImageId: 'ami-123',
        SubnetId: 'subnet-c1',
        SecurityGroupIds: ['sg-boot'],
      });
      expect(request).not.toHaveProperty('ClientToken');
      expect(ec2.commandCalls(DescribeInstanceTypeOfferingsCommand)[0].args[0].input).toEqual({
        LocationType: 'availability-zone',
        Filters: [
          { Name: 'instance-type', Values: ['r6i.large'] },
          { Name: 'location', Values: ['us-east-1b', 'us-east-1c', 'us-east-1d'] },
        ],
      });
    });

    it.each([
      ['a deregistered AMI (no longer returned)', { Images: [] }, /AMI ami-123 does not exist/],
      [
        'an AMI that is not available',
        { Images: [{ ImageId: 'ami-123', State: 'pending' as const }] },
        /is pending, not available/,
      ],
    ])('refuses %s with ReplacementNotLaunchable, before any DryRun', async (_what, images, message) => {
      ec2.on(DescribeImagesCommand).resolves(images);
      const error = await failure(launch(input({ mode: 'check' })));
      expect(error.name).toBe(TaskErrorNames.ReplacementNotLaunchable);
      expect(error.message).toMatch(message);
      expect(runInstancesInputs()).toEqual([]);
    });

    it('refuses an AMI id EC2 does not know', async () => {
      ec2.on(DescribeImagesCommand).rejects(ec2Error('InvalidAMIID.NotFound'));
      const error = await failure(launch(input({ mode: 'check' })));
      expect(error.name).toBe(TaskErrorNames.ReplacementNotLaunchable);
      expect(error.message).toContain('InvalidAMIID.NotFound');
    });

    it('refuses an instance type offered in no candidate zone', async () => {
      ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered());
      const error = await failure(launch(input({ mode: 'check' })));
      expect(error.name).toBe(TaskErrorNames.ReplacementNotLaunchable);
      expect(error.message).toMatch(/r6i\.large is offered in none of the candidate zones/);
      expect(runInstancesInputs()).toEqual([]);
    });

    it('refuses a launch the DryRun says is not permitted (UnauthorizedOperation)', async () => {
      ec2
        .on(RunInstancesCommand)
        .rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403));
      const error = await failure(launch(input({ mode: 'check' })));
      expect(error.name).toBe(TaskErrorNames.ReplacementNotLaunchable);
      expect(error.message).toContain('UnauthorizedOperation');
    });

    it('throws throttling on unchanged, so the task is retried rather than the recovery refused', async () => {
      ec2.on(RunInstancesCommand).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503));
      const error = await failure(launch(input({ mode: 'check' })));
      expect(error.name).toBe('RequestLimitExceeded');
    });
  });
});
