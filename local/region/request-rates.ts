import { z } from 'zod';
import { AwsApiError } from './errors';

/**
 * Account-level EC2 API request rates (issue #13 item 14), optional per scenario (`environment.requestRates`).
 *
 * Source: "Request throttling for the Amazon EC2 API" (docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html):
 * EC2 throttles per account and Region with token buckets; "each API is evaluated individually" (one bucket per
 * action, sized by its category); each request takes one token; a bucket refills at a fixed rate up to its
 * maximum; a request finding no token fails `RequestLimitExceeded`. RunInstances, StartInstances, StopInstances
 * and TerminateInstances also take one *resource* token per instance from a second bucket; either bucket
 * running dry limits the request. The "unfiltered and unpaginated" actions called without a filter and without
 * pagination take from a smaller bucket of their own.
 *
 * Modeled time: each execution keeps its own clock, so calls do not reach the region in time order. A request at
 * `t` is admitted only if every request already admitted still finds its token with this one inserted at `t`
 * (the account's capacity is never exceeded at any moment). History older than the bucket's checkpoint is folded
 * into one level; a request earlier than the checkpoint is evaluated at the checkpoint (stricter, never laxer).
 */

/** A bucket's size and refill rate. */
export interface BucketLimit {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

const limitSchema = z.strictObject({
  capacity: z.number().positive(),
  refillPerSecond: z.number().positive(),
});

/** The scenario knob. */
export const requestRatesSchema = z.strictObject({
  /** Throttle EC2 requests with the documented token buckets. @default true (when `requestRates` is given) */
  enabled: z.boolean().default(true),
  /**
   * Raised (or lowered) limits, by action (`RunInstances`), by category (`non-mutating`,
   * `unfiltered-non-mutating`, `mutating`, `resource-intensive`) or by resource bucket (`resource:RunInstances`).
   * An action's own entry wins over its category's.
   */
  overrides: z.record(z.string(), limitSchema).default({}),
});
export type RequestRatesSettings = z.input<typeof requestRatesSchema>;

export type ActionCategory = 'non-mutating' | 'unfiltered-non-mutating' | 'mutating' | 'resource-intensive';

/** "Request token bucket sizes and refill rates": the categories. */
export const CATEGORY_LIMITS: Readonly<Record<ActionCategory, BucketLimit>> = {
  'non-mutating': { capacity: 100, refillPerSecond: 20 },
  'unfiltered-non-mutating': { capacity: 50, refillPerSecond: 10 },
  mutating: { capacity: 50, refillPerSecond: 5 },
  'resource-intensive': { capacity: 50, refillPerSecond: 5 },
};

/** "Unfiltered and unpaginated non-mutating actions". */
const UNFILTERED_ACTIONS = new Set([
  'DescribeInstances',
  'DescribeInstanceStatus',
  'DescribeNetworkInterfaces',
  'DescribeSecurityGroups',
  'DescribeSnapshots',
  'DescribeSpotInstanceRequests',
  'DescribeVolumes',
]);

/** "Resource-intensive actions". */
const RESOURCE_INTENSIVE = new Set([
  'AcceptVpcPeeringConnection',
  'AuthorizeSecurityGroupIngress',
  'CancelSpotInstanceRequests',
  'CreateKeyPair',
  'CreateVpcPeeringConnection',
  'DeleteVpcPeeringConnection',
  'RejectVpcPeeringConnection',
  'RevokeSecurityGroupIngress',
  'RequestSpotInstances',
]);

/** "Uncategorized actions" with their own sizes (those near what the workflows call). */
export const UNCATEGORIZED_LIMITS: Readonly<Record<string, BucketLimit>> = {
  RunInstances: { capacity: 5, refillPerSecond: 2 },
  StartInstances: { capacity: 5, refillPerSecond: 2 },
  TerminateInstances: { capacity: 100, refillPerSecond: 5 },
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
  CreateSnapshot: { capacity: 100, refillPerSecond: 5 },
  CreateSnapshots: { capacity: 100, refillPerSecond: 5 },
  DeleteSnapshot: { capacity: 100, refillPerSecond: 5 },
  CreateVolume: { capacity: 100, refillPerSecond: 5 },
  DeleteVolume: { capacity: 100, refillPerSecond: 5 },
  CopyImage: { capacity: 100, refillPerSecond: 1 },
  DeregisterImage: { capacity: 100, refillPerSecond: 5 },
  ModifyImageAttribute: { capacity: 100, refillPerSecond: 5 },
  ModifySnapshotAttribute: { capacity: 100, refillPerSecond: 5 },
  ModifyNetworkInterfaceAttribute: { capacity: 100, refillPerSecond: 5 },
  ModifyInstanceMetadataOptions: { capacity: 100, refillPerSecond: 5 },
  AssociateIamInstanceProfile: { capacity: 100, refillPerSecond: 5 },
  DisassociateIamInstanceProfile: { capacity: 100, refillPerSecond: 5 },
  CreateNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  DeleteNetworkInterface: { capacity: 100, refillPerSecond: 5 },
};

/** "Resource token bucket sizes and refill rates": one token per instance. */
export const RESOURCE_LIMITS: Readonly<Record<string, BucketLimit>> = {
  RunInstances: { capacity: 1000, refillPerSecond: 2 },
  TerminateInstances: { capacity: 1000, refillPerSecond: 20 },
  StartInstances: { capacity: 1000, refillPerSecond: 2 },
  StopInstances: { capacity: 1000, refillPerSecond: 20 },
};

const NON_MUTATING = /^(Describe|List|Search|Get)/;

/** The category of an action (uncategorized actions have their own limits, see `limitOf`). */
export function categoryOf(action: string, input: Record<string, unknown>): ActionCategory {
  if (RESOURCE_INTENSIVE.has(action)) return 'resource-intensive';
  if (!NON_MUTATING.test(action)) return 'mutating';
  if (UNFILTERED_ACTIONS.has(action) && !filteredOrPaginated(input)) return 'unfiltered-non-mutating';
  return 'non-mutating';
}

function filteredOrPaginated(input: Record<string, unknown>): boolean {
  const filters = input.Filters;
  return (
    (Array.isArray(filters) && filters.length > 0) || input.MaxResults !== undefined || input.NextToken !== undefined
  );
}

/** Instances a request acts on (its resource tokens). */
function instanceCount(action: string, input: Record<string, unknown>): number {
  if (action === 'RunInstances') return Number(input.MaxCount ?? 1);
  return Array.isArray(input.InstanceIds) ? input.InstanceIds.length : 1;
}

/** A token bucket that admits requests arriving out of modeled-time order (see the module comment). */
export class TokenBucket {
  private checkpointAt: number;
  private checkpointLevel: number;
  /** Admitted takes after the checkpoint, in time order. */
  private readonly takes: { at: number; n: number }[] = [];

  constructor(
    readonly limit: BucketLimit,
    /** Epoch ms when the bucket is full. */
    startMs: number,
  ) {
    this.checkpointAt = startMs;
    this.checkpointLevel = limit.capacity;
  }

  /** True when `n` tokens can be taken at `at` (epoch ms) without starving any request already admitted. */
  fits(at: number, n: number): boolean {
    const t = Math.max(at, this.checkpointAt);
    let level = this.checkpointLevel;
    let time = this.checkpointAt;
    let inserted = false;
    const step = (when: number, need: number): boolean => {
      level = Math.min(this.limit.capacity, level + ((when - time) / 1000) * this.limit.refillPerSecond);
      time = when;
      if (level + 1e-9 < need) return false;
      level -= need;
      return true;
    };
    for (const take of this.takes) {
      if (!inserted && take.at > t) {
        inserted = true;
        if (!step(t, n)) return false;
      }
      if (!step(take.at, take.n)) return false;
    }
    return inserted || step(t, n);
  }

  take(at: number, n: number): void {
    const t = Math.max(at, this.checkpointAt);
    let i = this.takes.length;
    while (i > 0 && this.takes[i - 1].at > t) i -= 1;
    this.takes.splice(i, 0, { at: t, n });
    if (this.takes.length > 512) this.fold(256);
  }

  /** Folds the oldest `count` takes into the checkpoint. */
  private fold(count: number): void {
    for (const take of this.takes.splice(0, count)) {
      this.checkpointLevel = Math.min(
        this.limit.capacity,
        this.checkpointLevel + ((take.at - this.checkpointAt) / 1000) * this.limit.refillPerSecond,
      );
      this.checkpointAt = take.at;
      this.checkpointLevel -= take.n;
    }
  }
}

/** The account's EC2 request-rate buckets in one simulated region. */
export class RequestRates {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly overrides: Record<string, BucketLimit>;

  constructor(
    settings: RequestRatesSettings,
    /** Epoch ms of the drill's start: every bucket is full then. */
    private readonly startMs: number,
  ) {
    this.overrides = requestRatesSchema.parse(settings).overrides;
  }

  /** The request bucket's key and limit for a call. */
  limitOf(action: string, input: Record<string, unknown>): { key: string; limit: BucketLimit } {
    const category = categoryOf(action, input);
    const small = category === 'unfiltered-non-mutating';
    const key = small ? `${action} (unfiltered)` : action;
    const limit =
      (!small && this.overrides[action]) ||
      this.overrides[category] ||
      (!small && UNCATEGORIZED_LIMITS[action]) ||
      CATEGORY_LIMITS[category];
    return { key, limit };
  }

  /**
   * Admits an EC2 request at `at` (epoch ms), taking its request token (and resource tokens), or throws
   * `RequestLimitExceeded` (HTTP 503, as EC2 returns it) taking none.
   */
  admit(action: string, input: Record<string, unknown>, at: number): void {
    const { key, limit } = this.limitOf(action, input);
    const wanted: { bucket: TokenBucket; n: number }[] = [{ bucket: this.bucket(key, limit), n: 1 }];
    const resource = this.overrides[`resource:${action}`] ?? RESOURCE_LIMITS[action];
    if (resource) wanted.push({ bucket: this.bucket(`resource:${action}`, resource), n: instanceCount(action, input) });
    if (!wanted.every((w) => w.bucket.fits(at, w.n))) {
      throw new AwsApiError('ec2', 'RequestLimitExceeded', 'Request limit exceeded.', 503);
    }
    for (const w of wanted) w.bucket.take(at, w.n);
  }

  private bucket(key: string, limit: BucketLimit): TokenBucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = new TokenBucket(limit, this.startMs);
      this.buckets.set(key, b);
    }
    return b;
  }
}
