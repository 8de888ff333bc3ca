import { AwsApiError, type ServiceName } from '../region/errors';
import type { SimulatedRegion } from '../region/region';
import { SDK_DEFAULT_MAX_ATTEMPTS } from '../../contracts/task-retries';
import { operationOutput, sdkV3ErrorName, withDates } from '../region/sdk-model';
import type { CloudWatchSimulator } from '../region/cloudwatch';
import type { EmfDocument, MetricsSink } from '../../tasks/shared/emf';

/** Anything with the SDK v3 client's `send(command)`: what a Lambda task's logic is given. */
export interface CommandLike {
  readonly input: object;
}

/**
 * The SDK v3 default ("standard") retry strategy as installed: @smithy/core 3.41 `StandardRetryStrategy`
 * (submodules/retry/util-retry) with its `Retry` config (`retries-2026-config.js`): 3 attempts in all
 * (`DEFAULT_MAX_ATTEMPTS`), retrying THROTTLING and TRANSIENT errors only, after
 * `random × min(MAXIMUM_RETRY_DELAY 20 s, base × 2^retryCount)`, base = `Retry.throttlingDelay()` 1000 ms for
 * throttling and `Retry.delay()` 50 ms otherwise. (The older `THROTTLING_RETRY_DELAY_BASE` 500 ms /
 * `DEFAULT_RETRY_DELAY_BASE` 100 ms constants are read only by the deprecated pre-SRA strategy.)
 * test/local/engine/clients.test.ts runs the installed strategy to pin these numbers. A task's clients make the
 * attempts its declaration gives (`sdkMaxAttempts(task)`, contracts/task-retries.ts: 1 when the state machine re-runs
 * the task, else these 3), exactly as its real clients are built (local/tasks-registry.ts hands them out per task).
 */
export const SDK_MAX_ATTEMPTS = SDK_DEFAULT_MAX_ATTEMPTS;
export const SDK_THROTTLING_BASE_DELAY_MS = 1000;
export const SDK_BASE_DELAY_MS = 50;
export const SDK_MAX_DELAY_MS = 20_000;
/**
 * The same strategy's retry quota, per client: `INITIAL_RETRY_TOKENS` 500, each retry costs `Retry.throttlingCost()`
 * 5 for throttling and `Retry.cost()` 14 otherwise, a retry is refused when the quota holds less than its cost, and a
 * success gives back the last retry's cost (1 when it needed none), up to 500. A task's clients live as long as its
 * warm function, so the quota is shared by all the calls of a drill's runs of that task.
 */
export const SDK_INITIAL_RETRY_TOKENS = 500;
export const SDK_THROTTLING_RETRY_COST = 5;
export const SDK_RETRY_COST = 14;
export const SDK_NO_RETRY_INCREMENT = 1;

/** @smithy/core service-error-classification THROTTLING_ERROR_CODES, compared with the error's `name`. */
const THROTTLING_ERROR_NAMES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
/** TRANSIENT_ERROR_CODES and TRANSIENT_ERROR_STATUS_CODES of the same module. */
const TRANSIENT_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUS_CODES = new Set([500, 502, 503, 504]);

/** The SDK's classification of an error (`getRetryErrorType` of @smithy/core's retry middleware). */
export function retryErrorType(name: string, statusCode: number): 'THROTTLING' | 'TRANSIENT' | undefined {
  if (statusCode === 429 || THROTTLING_ERROR_NAMES.has(name)) return 'THROTTLING';
  if (TRANSIENT_ERROR_NAMES.has(name) || TRANSIENT_STATUS_CODES.has(statusCode)) return 'TRANSIENT';
  return undefined;
}

/**
 * An AWS SDK v3 client look-alike that sends every command to the simulated region: the command's class
 * name gives the action (`DescribeInstancesCommand` → `DescribeInstances`), its `input` the request.
 * It retries like the SDK's standard strategy, in modeled time. Outputs carry `Date`s where the model types a member
 * as a timestamp. Errors are thrown the way the SDK throws them: `name` = the modeled exception class (CloudWatch's
 * `InvalidFormat` code → `InvalidFormatFault`, SNS `Throttled` → `ThrottledException`), or the API's code when the
 * model has no shape for it (every EC2 error), with `$fault` and `$metadata` (with the attempts made). `maxAttempts`
 * is the SDK client's `maxAttempts` (the task's, see local/tasks-registry.ts); the `http` client never retries, as the
 * tasks' fetch-based HttpClient does not.
 */
export class LocalClient {
  readonly maxAttempts: number;
  /** The retry quota left (SDK_INITIAL_RETRY_TOKENS at first). */
  retryCapacity = SDK_INITIAL_RETRY_TOKENS;

  constructor(
    private readonly region: SimulatedRegion,
    readonly service: ServiceName,
    maxAttempts: number = SDK_MAX_ATTEMPTS,
  ) {
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new Error(`LocalClient(${service}): maxAttempts must be a whole number of at least 1, got ${maxAttempts}`);
    }
    this.maxAttempts = service === 'http' ? 1 : maxAttempts;
  }

  /** The same client making `maxAttempts` attempts per call. */
  withMaxAttempts(maxAttempts: number): LocalClient {
    return new LocalClient(this.region, this.service, maxAttempts);
  }

  async send(command: CommandLike): Promise<unknown> {
    const action = command.constructor.name.replace(/Command$/, '');
    let lastRetryCost: number | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const output = (await this.region.call(this.service, action, { ...command.input })) as object;
        this.retryCapacity = Math.min(
          SDK_INITIAL_RETRY_TOKENS,
          this.retryCapacity + (lastRetryCost ?? SDK_NO_RETRY_INCREMENT),
        );
        const typed = this.service === 'http' ? output : withDates(output, operationOutput(this.service, action));
        return {
          ...(typed as object),
          $metadata: { httpStatusCode: 200, requestId: this.region.nextRequestId(), attempts: attempt },
        };
      } catch (e) {
        if (!(e instanceof AwsApiError)) throw e;
        const name = this.service === 'http' ? e.code : sdkV3ErrorName(this.service, e.code);
        const type = retryErrorType(name, e.statusCode);
        const cost = type === 'THROTTLING' ? SDK_THROTTLING_RETRY_COST : SDK_RETRY_COST;
        if (attempt < this.maxAttempts && type !== undefined && this.retryCapacity >= cost) {
          this.retryCapacity -= cost;
          lastRetryCost = cost;
          const base = type === 'THROTTLING' ? SDK_THROTTLING_BASE_DELAY_MS : SDK_BASE_DELAY_MS;
          const delayMs = this.region.random.next() * Math.min(SDK_MAX_DELAY_MS, base * 2 ** (attempt - 1));
          this.region.clock.advanceSeconds(Math.floor(delayMs) / 1000);
          continue;
        }
        e.name = name;
        Object.assign(e, {
          $fault: e.fault,
          $metadata: { httpStatusCode: e.statusCode, requestId: this.region.nextRequestId(), attempts: attempt },
        });
        throw e;
      }
    }
  }
}

/**
 * The clients a Lambda task gets in the engine, by the names the tasks' `makeHandler(clients)` expect, each making
 * `maxAttempts` attempts per call (local/tasks-registry.ts narrows them to each task's own with `clientsWithAttempts`).
 */
export function localClients(region: SimulatedRegion, maxAttempts: number = SDK_MAX_ATTEMPTS) {
  return {
    ec2: new LocalClient(region, 'ec2', maxAttempts),
    elbv2: new LocalClient(region, 'elasticloadbalancingv2', maxAttempts),
    ssm: new LocalClient(region, 'ssm', maxAttempts),
    dynamodb: new LocalClient(region, 'dynamodb', maxAttempts),
    cloudwatch: new LocalClient(region, 'cloudwatch', maxAttempts),
    sns: new LocalClient(region, 'sns', maxAttempts),
    http: new LocalClient(region, 'http', maxAttempts),
    metrics: new LocalMetricsSink(region),
  };
}

/**
 * A task's EMF log lines (tasks/shared/emf.ts), offline: each document goes to the simulated CloudWatch, which
 * extracts its metrics as CloudWatch Logs would, or refuses a broken one (local/region/emf.ts). Writing a line to
 * standard output is not an API call: no latency, no fault, no retry.
 */
export class LocalMetricsSink implements MetricsSink {
  constructor(private readonly region: SimulatedRegion) {}

  /** No attempts to count: the same sink. */
  withMaxAttempts(): LocalMetricsSink {
    return this;
  }

  async put(document: EmfDocument): Promise<void> {
    this.region.clock.checkAlive(); // a function past its timeout writes nothing more
    this.region.service<CloudWatchSimulator>('cloudwatch').putEmbeddedMetrics(document);
  }
}

export type LocalClients = ReturnType<typeof localClients>;

/** The same clients, each making `maxAttempts` attempts per call. */
export function clientsWithAttempts(clients: LocalClients, maxAttempts: number): LocalClients {
  return Object.fromEntries(
    Object.entries(clients).map(([name, client]) => [name, client.withMaxAttempts(maxAttempts)]),
  ) as LocalClients;
}
