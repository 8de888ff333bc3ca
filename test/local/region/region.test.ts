import { AwsApiError, sdkIntegrationCause, sdkIntegrationErrorName } from '../../../local/region/errors';
import { deepPartialMatch } from '../../../local/region/faults';
import { type ServiceSimulator, SimulatedRegion } from '../../../local/region/region';

class EchoEc2 implements ServiceSimulator {
  readonly name = 'ec2' as const;
  readonly actions = { DescribeInstances: (input: Record<string, unknown>) => ({ echoed: input }) };
  latencyOf() {
    return 0.3;
  }
  snapshot() {
    return {};
  }
}

function region(faults: ConstructorParameters<typeof SimulatedRegion>[0] = {}) {
  return new SimulatedRegion({ seed: 11, ...faults }).register(new EchoEc2());
}

describe('SimulatedRegion', () => {
  it('answers an action and advances the modeled clock by its latency', async () => {
    const r = region();
    await expect(r.call('ec2', 'DescribeInstances', { InstanceIds: ['i-1'] })).resolves.toEqual({
      echoed: { InstanceIds: ['i-1'] },
    });
    expect(r.clock.elapsedSeconds()).toBeCloseTo(0.3);
    expect(r.calls).toEqual([
      { at: 0, service: 'ec2', action: 'DescribeInstances', input: { InstanceIds: ['i-1'] }, latency: 0.3 },
    ]);
  });

  it('fails loudly, naming the service and action, when an action is not implemented', async () => {
    await expect(region().call('ec2', 'RebootInstances', {})).rejects.toThrow(
      /does not implement ec2:RebootInstances \(implemented: DescribeInstances\)/,
    );
    await expect(region().call('ssm', 'SendCommand', {})).rejects.toThrow(/does not implement ssm:SendCommand$/);
  });

  it('returns an injected error code the given number of times, then answers again', async () => {
    const r = region({
      faults: [
        {
          service: 'ec2',
          action: 'DescribeInstances',
          error: { code: 'RequestLimitExceeded', statusCode: 503 },
          times: 2,
        },
      ],
    });
    for (let i = 0; i < 2; i++) {
      await expect(r.call('ec2', 'DescribeInstances')).rejects.toMatchObject({
        code: 'RequestLimitExceeded',
        statusCode: 503,
      });
    }
    await expect(r.call('ec2', 'DescribeInstances')).resolves.toBeDefined();
    expect(r.calls.map((c) => c.error)).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', undefined]);
  });

  it('applies a fault only to calls whose input matches', async () => {
    const r = region({
      faults: [
        { service: 'ec2', action: 'DescribeInstances', match: { InstanceIds: ['i-bad'] }, error: { code: 'X' } },
      ],
    });
    await expect(r.call('ec2', 'DescribeInstances', { InstanceIds: ['i-good'] })).resolves.toBeDefined();
    await expect(r.call('ec2', 'DescribeInstances', { InstanceIds: ['i-bad', 'i-other'] })).rejects.toThrow(
      AwsApiError,
    );
  });

  it('adds latency and applies a probability with the seeded random source, the same for the same seed', async () => {
    const outcomes = async () => {
      const r = region({
        faults: [
          { service: 'ec2', action: 'DescribeInstances', error: { code: 'X' }, probability: 0.5, addLatencySeconds: 2 },
        ],
      });
      const seen: boolean[] = [];
      for (let i = 0; i < 20; i++)
        seen.push(
          await r.call('ec2', 'DescribeInstances').then(
            () => true,
            () => false,
          ),
        );
      return { seen, elapsed: r.clock.elapsedSeconds() };
    };
    const a = await outcomes();
    const b = await outcomes();
    expect(a).toEqual(b);
    expect(a.seen.filter((ok) => !ok).length).toBeGreaterThan(3);
    expect(a.seen.filter((ok) => ok).length).toBeGreaterThan(3);
    // Latency is added whenever the fault applies (with its error).
    expect(a.elapsed).toBeCloseTo(20 * 0.3 + 2 * a.seen.filter((ok) => !ok).length);
  });

  it('starts a fault only after its modeled second', async () => {
    const r = region({
      faults: [{ service: 'ec2', action: 'DescribeInstances', error: { code: 'X' }, afterSeconds: 1 }],
    });
    await expect(r.call('ec2', 'DescribeInstances')).resolves.toBeDefined();
    r.clock.advanceSeconds(1);
    await expect(r.call('ec2', 'DescribeInstances')).rejects.toThrow();
  });

  it('stops a fault at its untilSeconds, so a window of trouble closes', async () => {
    // GIVEN a fault that fails DescribeInstances from second 1 until second 3 of the drill
    const r = region({
      faults: [{ service: 'ec2', action: 'DescribeInstances', error: { code: 'X' }, afterSeconds: 1, untilSeconds: 3 }],
    });
    // WHEN the call is made before, inside and at the end of the window
    const before = await r.call('ec2', 'DescribeInstances').then(
      () => 'ok',
      () => 'failed',
    );
    r.clock.advanceSeconds(1);
    const inside = await r.call('ec2', 'DescribeInstances').then(
      () => 'ok',
      () => 'failed',
    );
    r.clock.advanceSeconds(3 - r.clock.elapsedSeconds());
    const atEnd = await r.call('ec2', 'DescribeInstances').then(
      () => 'ok',
      () => 'failed',
    );
    // THEN only the call inside the window fails: the end is exclusive
    expect([before, inside, atEnd]).toEqual(['ok', 'failed', 'ok']);
  });
});

describe('Step Functions error names', () => {
  it('reports every EC2 error as the generic Ec2.Ec2Exception, with a Cause that does not name the code', () => {
    const e = new AwsApiError('ec2', 'InvalidInstanceID.NotFound', "The instance ID 'i-1' does not exist");
    expect(sdkIntegrationErrorName(e)).toBe('Ec2.Ec2Exception');
    expect(sdkIntegrationCause(e, 'req-1')).toBe(
      "The instance ID 'i-1' does not exist (Service: Ec2, Status Code: 400, Request ID: req-1)",
    );
  });

  it('prefixes the service and adds the Exception suffix for modeled errors', () => {
    expect(sdkIntegrationErrorName(new AwsApiError('elasticloadbalancingv2', 'TargetGroupNotFound', 'x'))).toBe(
      'ElasticLoadBalancingV2.TargetGroupNotFoundException',
    );
    expect(sdkIntegrationErrorName(new AwsApiError('ssm', 'InvocationDoesNotExist', 'x'))).toBe(
      'Ssm.InvocationDoesNotExistException',
    );
  });

  it('uses DynamoDB. for the optimized integration and DynamoDb. for the SDK integration', () => {
    const e = new AwsApiError('dynamodb', 'ConditionalCheckFailedException', 'The conditional request failed');
    expect(sdkIntegrationErrorName(e, true)).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(sdkIntegrationErrorName(e, false)).toBe('DynamoDb.ConditionalCheckFailedException');
  });
});

describe('deepPartialMatch', () => {
  it('matches nested objects and array elements partially', () => {
    expect(deepPartialMatch({ a: { b: 1, c: 2 }, l: [{ x: 1 }, { x: 2 }] }, { a: { b: 1 }, l: [{ x: 2 }] })).toBe(true);
    expect(deepPartialMatch({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
    expect(deepPartialMatch({ l: [1] }, { l: [2] })).toBe(false);
  });
});
