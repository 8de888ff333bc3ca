import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DEFAULT_MAX_ATTEMPTS,
  INITIAL_RETRY_TOKENS,
  MAXIMUM_RETRY_DELAY,
  Retry,
  isThrottlingError,
  isTransientError,
} from '@smithy/core/retry';
import {
  clientsWithAttempts,
  LocalClient,
  localClients,
  SDK_BASE_DELAY_MS,
  SDK_INITIAL_RETRY_TOKENS,
  SDK_MAX_ATTEMPTS,
  SDK_RETRY_COST,
  SDK_THROTTLING_RETRY_COST,
  SDK_MAX_DELAY_MS,
  SDK_THROTTLING_BASE_DELAY_MS,
  retryErrorType,
} from '../../../local/engine/clients';
import { AwsApiError } from '../../../local/region/errors';
import { retriedByStateMachine, sdkMaxAttempts, TASK_NAMES } from '../../../contracts/task-retries';
import { silentLogger, TASK_HANDLERS } from '../../../local/tasks-registry';
import { settings } from '../../fixtures/backup-tasks';
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
    // three latencies plus up to 1 s + 2 s of jittered throttling backoff
    expect(region.clock.elapsedSeconds()).toBeGreaterThanOrEqual(0.9);
    expect(region.clock.elapsedSeconds()).toBeLessThanOrEqual(3.9);
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

describe('LocalClient follows the installed SDK v3 (issue #13 item 7)', () => {
  it('uses the delays and attempts of the installed @smithy/core standard retry strategy', () => {
    expect(SDK_MAX_ATTEMPTS).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(SDK_THROTTLING_BASE_DELAY_MS).toBe(Retry.throttlingDelay());
    expect(SDK_BASE_DELAY_MS).toBe(Retry.delay());
    expect(SDK_MAX_DELAY_MS).toBe(MAXIMUM_RETRY_DELAY);
    expect(SDK_INITIAL_RETRY_TOKENS).toBe(INITIAL_RETRY_TOKENS);
    expect(SDK_THROTTLING_RETRY_COST).toBe(Retry.throttlingCost());
    expect(SDK_RETRY_COST).toBe(Retry.cost());
    expect(Retry.modifiedCostType()).toBe('THROTTLING');
  });

  it('GIVEN throttling that does not end WHEN the retry quota runs out THEN the client stops retrying, as the SDK does', async () => {
    // GIVEN a client with 10 attempts per call and EC2 throttling every call
    const { region } = setup(...Array.from({ length: 200 }, throttled));
    const client = new LocalClient(region, 'ec2', 10);
    // WHEN it makes 13 calls
    const attempts: number[] = [];
    for (let i = 0; i < 13; i++) {
      const e = (await client.send(new DescribeInstancesCommand({})).catch((x: unknown) => x)) as {
        $metadata: { attempts: number };
      };
      attempts.push(e.$metadata.attempts);
    }
    // THEN 11 calls retry 9 times (45 of the 500 tokens each), the 12th once with the 5 tokens left, the 13th not at all
    expect(attempts).toEqual([...Array.from({ length: 11 }, () => 10), 2, 1]);
    expect(client.retryCapacity).toBe(0);
  });

  it("GIVEN a success after a retry WHEN it is recorded THEN the retry's cost is given back (1 without a retry)", async () => {
    const { region } = setup(throttled());
    const client = new LocalClient(region, 'ec2', 3);
    await client.send(new DescribeInstancesCommand({}));
    expect(client.retryCapacity).toBe(SDK_INITIAL_RETRY_TOKENS);
    client.retryCapacity = 100;
    await client.send(new DescribeInstancesCommand({}));
    expect(client.retryCapacity).toBe(101);
  });

  it.each([
    ['RequestLimitExceeded', 503],
    ['Throttling', 400],
    ['ThrottledException', 400],
    ['SomeCode', 429],
    ['InternalError', 500],
    ['ServiceUnavailable', 503],
    ['InvalidInstanceID.NotFound', 400],
    ['InternalServiceError', 501],
  ])('classifies %s (%i) as the SDK does', (name, status) => {
    const sdkError = { name, message: 'x', $metadata: { httpStatusCode: status } };
    const expected = isThrottlingError(sdkError) ? 'THROTTLING' : isTransientError(sdkError) ? 'TRANSIENT' : undefined;
    expect(retryErrorType(name, status)).toBe(expected);
  });

  it('GIVEN throttling twice WHEN the jitter draws its maximum THEN it waits 1 s then 2 s (throttling base 1000 ms)', async () => {
    const { client, region } = setup(throttled(), throttled());
    region.random.next = () => 0.999;
    await client.send(new DescribeInstancesCommand({}));
    // three latencies of 0.3 s plus floor(0.999 × 1000) ms + floor(0.999 × 2000) ms
    expect(region.clock.elapsedSeconds()).toBeCloseTo(0.9 + 0.999 + 1.998, 3);
  });

  it('GIVEN a modeled error WHEN it is thrown THEN its name is the modeled exception class, not the wire code', async () => {
    const region = new SimulatedRegion({ seed: 1 });
    region.register({
      name: 'cloudwatch',
      actions: {
        PutMetricAlarm: () => {
          throw new AwsApiError('cloudwatch', 'InvalidFormat', 'bad');
        },
      },
      latencyOf: () => 0.1,
      snapshot: () => ({}),
    } as unknown as ServiceSimulator);
    const cw = new LocalClient(region, 'cloudwatch');
    class PutMetricAlarmCommand {
      constructor(readonly input: object) {}
    }
    await expect(cw.send(new PutMetricAlarmCommand({}))).rejects.toMatchObject({
      name: 'InvalidFormatFault',
      code: 'InvalidFormat',
    });
  });

  it('GIVEN an output with timestamp members WHEN it is returned THEN they are Dates, as the SDK deserializes them', async () => {
    const region = new SimulatedRegion({ seed: 1 });
    region.register({
      name: 'ec2',
      actions: {
        DescribeInstances: () => ({
          Reservations: [{ Instances: [{ InstanceId: 'i-1', LaunchTime: '2026-01-02T03:04:05.000Z' }] }],
        }),
      },
      latencyOf: () => 0.1,
      snapshot: () => ({}),
    } as unknown as ServiceSimulator);
    const out = (await new LocalClient(region, 'ec2').send(new DescribeInstancesCommand({}))) as {
      Reservations: { Instances: { InstanceId: string; LaunchTime: unknown }[] }[];
    };
    const instance = out.Reservations[0].Instances[0];
    expect(instance.LaunchTime).toBeInstanceOf(Date);
    expect((instance.LaunchTime as Date).toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(instance.InstanceId).toBe('i-1');
  });
});

describe("LocalClient makes each task's declared attempts (contracts/task-retries.ts), as its real clients do", () => {
  it('GIVEN maxAttempts 1 WHEN a call is throttled THEN it is not retried: the error reaches the task at once', async () => {
    const { region } = setup(throttled(), throttled());
    const client = new LocalClient(region, 'ec2', 1);
    await expect(client.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      $metadata: { attempts: 1 },
    });
    expect(region.calls).toHaveLength(1);
  });

  it('GIVEN withMaxAttempts WHEN it is used THEN the new client retries that often and the old one is unchanged', async () => {
    const { region, client } = setup(throttled(), throttled(), throttled(), throttled());
    const once = client.withMaxAttempts(1);
    expect([client.maxAttempts, once.maxAttempts]).toEqual([SDK_MAX_ATTEMPTS, 1]);
    await expect(once.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({ $metadata: { attempts: 1 } });
    await expect(client.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({ $metadata: { attempts: 3 } });
    expect(region.calls).toHaveLength(4);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxAttempts %p, naming the service', (n) => {
    const { region } = setup();
    expect(() => new LocalClient(region, 'ec2', n)).toThrow(/LocalClient\(ec2\): maxAttempts must be a whole number/);
  });

  it("GIVEN the http client WHEN it is built with any attempts THEN it makes one (the tasks' HttpClient never retries)", () => {
    const { region } = setup();
    expect(localClients(region, 3).http.maxAttempts).toBe(1);
    expect(clientsWithAttempts(localClients(region), 3).ec2.maxAttempts).toBe(3);
  });

  it('has a handler for every declared task and a declaration for every handler', () => {
    expect(Object.keys(TASK_HANDLERS).sort()).toEqual([...TASK_NAMES].sort());
  });

  it.each(TASK_NAMES.map((t) => [t, sdkMaxAttempts(t)] as const))(
    'GIVEN the registry WHEN it builds %s THEN every client it hands over makes %i attempt(s) per call',
    (task, attempts) => {
      // GIVEN clients whose narrowing to a task's attempts is recorded
      const { region } = setup();
      const seen: number[] = [];
      const recording = Object.fromEntries(
        Object.entries(localClients(region)).map(([name, c]) => [
          name,
          Object.assign(Object.create(c) as typeof c, {
            withMaxAttempts: (n: number) => {
              seen.push(n);
              return c.withMaxAttempts(n);
            },
          }),
        ]),
      ) as unknown as ReturnType<typeof localClients>;
      // WHEN the engine builds the task's handler
      TASK_HANDLERS[task](recording, silentLogger());
      // THEN each of its clients was narrowed to the task's declared attempts
      expect(seen).toHaveLength(Object.keys(recording).length);
      expect(new Set(seen)).toEqual(new Set([attempts]));
    },
  );

  it('GIVEN a task the state machine re-runs WHEN its EC2 call is throttled THEN the handler fails after one attempt', async () => {
    // GIVEN plan-instance-backup (re-run by the state machine: one attempt per call) and EC2 throttling every call
    expect(retriedByStateMachine('plan-instance-backup')).toBe(true);
    const { region } = setup(throttled(), throttled(), throttled());
    const handler = TASK_HANDLERS['plan-instance-backup'](localClients(region), silentLogger());
    // WHEN it runs / THEN the throttling reaches the state machine (which re-runs the task) after one call
    await expect(
      handler({
        instanceId: 'i-0aaaaaaaaaaaaaaa1',
        executionStartTime: '2026-01-05T02:30:00.000Z',
        settings: settings(),
      }),
    ).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    expect(region.calls).toHaveLength(1);
  });

  it('GIVEN a task whose clients retry WHEN its EC2 call is throttled THEN its client retries it (3 attempts)', async () => {
    // GIVEN fence-old-site (its clients are its layer: it records its errors; 3 attempts) and EC2 throttling every call
    expect(sdkMaxAttempts('fence-old-site')).toBe(3);
    const { region } = setup(throttled(), throttled(), throttled());
    const handler = TASK_HANDLERS['fence-old-site'](localClients(region), silentLogger());
    // WHEN it checks the old site / THEN its one DescribeInstances was tried 3 times, and the error recorded
    const out = (await handler({
      mode: 'check',
      region: 'eu-west-1',
      instanceIds: ['i-0aaaaaaaaaaaaaaa1'],
      denyAllGroupId: 'sg-0aaaaaaaaaaaaaaa1',
    })) as { summary: string };
    expect(region.calls).toHaveLength(3);
    expect(out.summary).toContain('DescribeInstances RequestLimitExceeded');
  });
});
