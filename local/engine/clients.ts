import { AwsApiError, type ServiceName } from '../region/errors';
import type { SimulatedRegion } from '../region/region';

/** Anything with the SDK v3 client's `send(command)`: what a Lambda task's logic is given. */
export interface CommandLike {
  readonly input: object;
}

/** Error codes the SDK's standard retry strategy treats as throttling (plus every 5xx). */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

/**
 * The SDK v3 default ("standard") retry strategy: 3 attempts in all, retrying throttling errors and 5xx
 * server errors after a full-jitter delay of random × min(20 s, 0.1 s × 2^attempt).
 * Source: @smithy/util-retry (DEFAULT_MAX_ATTEMPTS 3, DEFAULT_RETRY_DELAY_BASE 100 ms, MAXIMUM_RETRY_DELAY 20 s,
 * THROTTLING_ERROR_CODES) — the deployed tasks' clients behave this way, so the engine's do too.
 */
export const SDK_MAX_ATTEMPTS = 3;

function retryable(e: AwsApiError): boolean {
  return e.statusCode >= 500 || THROTTLING_CODES.has(e.code);
}

/**
 * An AWS SDK v3 client look-alike that sends every command to the simulated region: the command's class
 * name gives the action (`DescribeInstancesCommand` → `DescribeInstances`), its `input` the request.
 * It retries like the SDK's standard strategy, in modeled time. Errors are thrown the way the SDK throws
 * them: `name` = the API's error code, `$fault`, `$metadata` (with the attempts made).
 */
export class LocalClient {
  constructor(
    private readonly region: SimulatedRegion,
    readonly service: ServiceName,
  ) {}

  async send(command: CommandLike): Promise<unknown> {
    const action = command.constructor.name.replace(/Command$/, '');
    for (let attempt = 1; ; attempt++) {
      try {
        const output = (await this.region.call(this.service, action, { ...command.input })) as object;
        return {
          ...output,
          $metadata: { httpStatusCode: 200, requestId: this.region.nextRequestId(), attempts: attempt },
        };
      } catch (e) {
        if (!(e instanceof AwsApiError)) throw e;
        if (attempt < SDK_MAX_ATTEMPTS && retryable(e)) {
          this.region.clock.advanceSeconds(this.region.random.next() * Math.min(20, 0.1 * 2 ** attempt));
          continue;
        }
        Object.assign(e, {
          $fault: e.fault,
          $metadata: { httpStatusCode: e.statusCode, requestId: this.region.nextRequestId(), attempts: attempt },
        });
        throw e;
      }
    }
  }
}

/** The clients a Lambda task gets in the engine, by the names the tasks' `makeHandler(clients)` expect. */
export function localClients(region: SimulatedRegion) {
  return {
    ec2: new LocalClient(region, 'ec2'),
    elbv2: new LocalClient(region, 'elasticloadbalancingv2'),
    ssm: new LocalClient(region, 'ssm'),
    dynamodb: new LocalClient(region, 'dynamodb'),
    cloudwatch: new LocalClient(region, 'cloudwatch'),
    sns: new LocalClient(region, 'sns'),
    http: new LocalClient(region, 'http'),
  };
}

export type LocalClients = ReturnType<typeof localClients>;
