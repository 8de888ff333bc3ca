import type {
  DescribeInstanceTypeOfferingsRequest,
  DescribeInstanceTypeOfferingsResult,
  _InstanceType,
} from '@aws-sdk/client-ec2';
import { applyFilters } from './filters';
import { ec2Error, type Ec2Store } from './records';
import type { Json } from './schema';

/**
 * Capacity and fault models of the simulated EC2: AZ outages (`impairedAvailabilityZones`, or a fault script's
 * `impairAvailabilityZone`: instances there keep running but answer nothing, launches there fail), a scenario's
 * `capacity` entries (launches and starts fail `InsufficientInstanceCapacity` or `Unsupported`, `times` times or
 * always), `bootFailures` (new instances that boot but never answer) and, from those, where instance types are
 * offered (DescribeInstanceTypeOfferings).
 */
export class Capacity {
  private readonly impairments: { zone: string; fromMs: number }[];
  private readonly capacityLeft: number[];
  private readonly bootFailuresLeft: number[];

  constructor(private readonly store: Ec2Store) {
    const { env } = store;
    const start = store.region.clock.startMs;
    this.impairments = env.impairedAvailabilityZones.map((z) => ({
      zone: z.zone,
      fromMs: start + z.fromSeconds * 1000,
    }));
    this.capacityLeft = env.capacity.map((c) => c.times ?? Infinity);
    this.bootFailuresLeft = env.bootFailures.map((b) => b.count ?? Infinity);
  }

  /** Starts an AZ outage now (for fault scripts). */
  impair(zone: string): void {
    this.impairments.push({ zone, fromMs: this.store.now() });
  }

  zoneImpaired(zone: string, t: number): boolean {
    return this.impairments.some((i) => i.zone === zone && i.fromMs <= t);
  }

  /** The moments outages of `zone` begin. */
  impairmentsOf(zone: string): number[] {
    return this.impairments.filter((i) => i.zone === zone).map((i) => i.fromMs);
  }

  /** AZ outage or a scenario's capacity entry. InsufficientInstanceCapacity is a server error (HTTP 500). */
  check(zone: string, instanceType: string): void {
    const insufficient = () =>
      ec2Error(
        'InsufficientInstanceCapacity',
        `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity. You can currently get ${instanceType} capacity by not specifying an Availability Zone in your request or choosing other Availability Zones.`,
        500,
      );
    if (this.zoneImpaired(zone, this.store.now())) throw insufficient();
    const { capacity } = this.store.env;
    const index = capacity.findIndex(
      (c, i) =>
        c.availabilityZone === zone && (!c.instanceType || c.instanceType === instanceType) && this.capacityLeft[i] > 0,
    );
    if (index < 0) return;
    this.capacityLeft[index] -= 1;
    if (capacity[index].error === 'InsufficientInstanceCapacity') throw insufficient();
    throw ec2Error(
      'Unsupported',
      `Your requested instance type (${instanceType}) is not supported in your requested Availability Zone (${zone}). Please retry your request by not specifying an Availability Zone or choosing another Availability Zone.`,
    );
  }

  /** True when a new instance in `zone` from `imageId` is one of the scenario's failed boots (it counts one). */
  takeBootFailure(zone: string, imageId: string): boolean {
    const index = this.store.env.bootFailures.findIndex(
      (b, i) =>
        (!b.availabilityZone || b.availabilityZone === zone) &&
        (!b.imageId || b.imageId === imageId) &&
        this.bootFailuresLeft[i] > 0,
    );
    if (index < 0) return false;
    this.bootFailuresLeft[index] -= 1;
    return true;
  }

  /**
   * Where instance types are offered. Every zone of the environment's subnets offers every instance type, except
   * where a `capacity` entry says `Unsupported` with no `times` (the type is not offered there at all). The types
   * listed are those of the environment (instances, capacity entries) and those an `instance-type` filter names.
   */
  describeInstanceTypeOfferings(req: DescribeInstanceTypeOfferingsRequest): Json<DescribeInstanceTypeOfferingsResult> {
    const { env, region } = this.store;
    const locationType = req.LocationType ?? 'region';
    if (locationType !== 'region' && locationType !== 'availability-zone') {
      throw new Error(`Ec2Simulator: DescribeInstanceTypeOfferings LocationType ${locationType} is not modeled`);
    }
    const named = (req.Filters ?? []).filter((f) => f.Name === 'instance-type').flatMap((f) => f.Values ?? []);
    const types = [
      ...new Set([
        ...env.instances.map((i) => i.instanceType),
        ...env.capacity.flatMap((c) => (c.instanceType ? [c.instanceType] : [])),
        ...named.filter((t) => !/[*?]/.test(t)),
      ]),
    ];
    const zones = [...new Set([...this.store.subnets.values()].map((s) => s.availabilityZone))].sort();
    const unsupported = (zone: string, type: string) =>
      env.capacity.some(
        (c) =>
          c.error === 'Unsupported' &&
          c.times === undefined &&
          c.availabilityZone === zone &&
          (!c.instanceType || c.instanceType === type),
      );
    const offerings =
      locationType === 'region'
        ? types
            .filter((type) => zones.length === 0 || zones.some((zone) => !unsupported(zone, type)))
            .map((type) => ({ type, location: region.regionName }))
        : zones.flatMap((zone) =>
            types.filter((type) => !unsupported(zone, type)).map((type) => ({ type, location: zone })),
          );
    const matched = applyFilters(offerings, req.Filters, ['instance-type', 'location'], (o) => ({
      tags: {},
      fields: { 'instance-type': o.type, location: o.location },
    }));
    return {
      InstanceTypeOfferings: matched.map((o) => ({
        InstanceType: o.type as _InstanceType,
        LocationType: locationType,
        Location: o.location,
      })),
    };
  }
}
