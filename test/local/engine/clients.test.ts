import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { LocalClient, SDK_MAX_ATTEMPTS } from '../../../local/engine/clients';
import { AwsApiError } from '../../../local/region/errors';
import { type ServiceSimulator, SimulatedRegion } from '../../../local/region/region';

class Ec2Stub implements ServiceSimulator {
  readonly name = 'ec2' as const;
  failures: AwsApiError[] = [];
  readonly actions = {
    DescribeInstances: () => {
      const next = this.failures.shift();
      if (next) throw next;
      return { Reservations: [] };
    },
  };
  latencyOf() {
    return 0.3;
  }
  snapshot() {
    return {};
  }
}

function setup(...failures: AwsApiError[]) {
  const region = new SimulatedRegion({ seed: 4 });
  const ec2 = new Ec2Stub();
  ec2.failures = failures;
  region.register(ec2);
  return { region, client: new LocalClient(region, 'ec2') };
}

const throttled = () => new AwsApiError('ec2', 'RequestLimitExceeded', 'Request limit exceeded.', 503);

describe('LocalClient', () => {
  it('maps the command class to the action and returns the output with $metadata', async () => {
    const { client, region } = setup();
    const out = await client.send(new DescribeInstancesCommand({ InstanceIds: ['i-1'] }));
    expect(out).toMatchObject({ Reservations: [], $metadata: { httpStatusCode: 200, attempts: 1 } });
    expect(region.calls[0]).toMatchObject({ action: 'DescribeInstances', input: { InstanceIds: ['i-1'] } });
  });

  it('retries throttling like the SDK standard strategy, in modeled time', async () => {
    const { client, region } = setup(throttled(), throttled());
    const out = await client.send(new DescribeInstancesCommand({}));
    expect(out).toMatchObject({ $metadata: { attempts: 3 } });
    expect(region.calls.map((c) => c.error)).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', undefined]);
    // three latencies plus up to 0.2 s + 0.4 s of jittered backoff
    expect(region.clock.elapsedSeconds()).toBeGreaterThanOrEqual(0.9);
    expect(region.clock.elapsedSeconds()).toBeLessThanOrEqual(1.5);
  });

  it('gives up after the SDK attempts with the error named by its code, carrying $fault and $metadata', async () => {
    const { client } = setup(throttled(), throttled(), throttled());
    await expect(client.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      $fault: 'server',
      $metadata: { httpStatusCode: 503, attempts: SDK_MAX_ATTEMPTS },
    });
  });

  it('does not retry a client error', async () => {
    const { client, region } = setup(new AwsApiError('ec2', 'InvalidInstanceID.NotFound', 'nope'));
    await expect(client.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
      $fault: 'client',
    });
    expect(region.calls).toHaveLength(1);
  });
});
