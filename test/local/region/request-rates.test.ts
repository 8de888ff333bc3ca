import { Ec2Simulator } from '../../../local/region/ec2';
import { SimulatedRegion } from '../../../local/region/region';
import { RequestRates, TokenBucket, categoryOf } from '../../../local/region/request-rates';

function setup(overrides: ConstructorParameters<typeof RequestRates>[0] = {}) {
  const region = new SimulatedRegion({ seed: 5, latency: { 'ec2.api': 0, 'ec2.RunInstances': 0 } });
  region.register(
    new Ec2Simulator(region, {
      vpcs: [{ vpcId: 'vpc-1' }],
      subnets: [{ subnetId: 'subnet-a', vpcId: 'vpc-1', availabilityZone: 'us-east-1a' }],
    }),
  );
  region.useRequestRates(new RequestRates(overrides, region.clock.startMs));
  const call = (action: string, input: Record<string, unknown> = {}) => region.call('ec2', action, input);
  return { region, call };
}

const subnets = { Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }] };

describe('EC2 account request rates (issue #13 item 14)', () => {
  it('lets a non-mutating action burst to its bucket of 100, then refills 20 tokens a second', async () => {
    // GIVEN a full DescribeSubnets bucket (non-mutating: 100 tokens, 20 per second)
    const { region, call } = setup();
    // WHEN 100 requests arrive in the same second
    for (let i = 0; i < 100; i += 1) await call('DescribeSubnets', subnets);
    // THEN the 101st is throttled with RequestLimitExceeded (HTTP 503)
    await expect(call('DescribeSubnets', subnets)).rejects.toMatchObject({
      code: 'RequestLimitExceeded',
      statusCode: 503,
    });
    // AND other actions have buckets of their own
    await expect(call('DescribeImages', {})).resolves.toBeDefined();
    // AND one second later 20 more are admitted, not 21
    region.clock.advanceSeconds(1);
    for (let i = 0; i < 20; i += 1) await call('DescribeSubnets', subnets);
    await expect(call('DescribeSubnets', subnets)).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
  });

  it('takes an unfiltered, unpaginated DescribeInstances from the smaller bucket of 50', async () => {
    const { call } = setup();
    for (let i = 0; i < 50; i += 1) await call('DescribeInstances', {});
    await expect(call('DescribeInstances', {})).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
    // A filtered request uses the standard bucket, still full
    await expect(call('DescribeInstances', { Filters: [{ Name: 'tag:App', Values: ['x'] }] })).resolves.toBeDefined();
    expect(categoryOf('DescribeInstances', { MaxResults: 5 })).toBe('non-mutating');
    expect(categoryOf('StopInstances', {})).toBe('mutating');
  });

  it('throttles the sixth RunInstances of a burst (its own bucket: 5, refilling 2 a second)', async () => {
    const { call } = setup();
    const launch = { ImageId: 'ami-0123456789abcdef0', MinCount: 1, MaxCount: 1, SubnetId: 'subnet-a' };
    // Each launch fails (the AMI does not exist), but it takes its token all the same
    for (let i = 0; i < 5; i += 1) {
      await expect(call('RunInstances', launch)).rejects.toMatchObject({ code: 'InvalidAMIID.NotFound' });
    }
    await expect(call('RunInstances', launch)).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
  });

  it('applies a scenario override by action or by category', async () => {
    const { call } = setup({ overrides: { 'non-mutating': { capacity: 2, refillPerSecond: 1 } } });
    await call('DescribeSubnets', subnets);
    await call('DescribeSubnets', subnets);
    await expect(call('DescribeSubnets', subnets)).rejects.toMatchObject({ code: 'RequestLimitExceeded' });
  });

  it('admits a request from an execution whose clock is behind only if no admitted later request starves', () => {
    // GIVEN a bucket of 2 tokens refilling 1 per second, and requests admitted at 0 s and 0.5 s
    const t0 = Date.parse('2026-01-05T09:00:00.000Z');
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 1 }, t0);
    bucket.take(t0, 1);
    bucket.take(t0 + 500, 1);
    // WHEN another execution, whose clock is at 0.2 s, asks
    // THEN it is refused: with it, the request at 0.5 s would have found an empty bucket
    expect(bucket.fits(t0 + 200, 1)).toBe(false);
    // AND at 1.5 s there is a token again
    expect(bucket.fits(t0 + 1500, 1)).toBe(true);
  });
});
