import type { InstanceStateName, TagSpecification } from '@aws-sdk/client-ec2';
import { AwsApiError } from '../errors';
import type { SimulatedRegion } from '../region';
import type { WorkloadModel, WorkloadState } from '../workload';
import type { SecurityGroupRule } from './network';
import type { Env } from './schema';

/**
 * The simulated EC2's records (what each concern module reads and changes) and the helpers they share. One
 * `Ec2Store` holds every record; instances.ts, network.ts, storage.ts and capacity.ts act on it.
 */

export type StateName = InstanceStateName;
/** Real instance state codes (DescribeInstances `State.Code`). */
export const STATE_CODES: Record<StateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};
/** "Terminated instances remain visible … for approximately one hour" (TerminateInstances API reference). */
export const TERMINATED_VISIBLE_MS = 3_600_000;

export interface SubnetRecord {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly cidrBlock: string;
  tags: Record<string, string>;
}
export interface GroupRecord {
  readonly groupId: string;
  readonly vpcId: string;
  readonly groupName: string;
  readonly description: string;
  tags: Record<string, string>;
  readonly ingress: SecurityGroupRule[];
  readonly egress: SecurityGroupRule[];
}
/** A secondary network interface (device index ≥ 1) with its own subnet, address and groups. */
export interface InterfaceRecord {
  readonly networkInterfaceId: string;
  readonly deviceIndex: number;
  readonly subnet: SubnetRecord;
  readonly privateIpAddress: string;
  securityGroupIds: string[];
}
export interface InstanceRecord {
  readonly instanceId: string;
  readonly reservationId: string;
  readonly imageId: string;
  readonly instanceType: string;
  readonly keyName?: string;
  readonly subnet: SubnetRecord;
  readonly privateIpAddress: string;
  readonly networkInterfaceId: string;
  readonly iamInstanceProfileArn?: string;
  readonly launchTime: number;
  /** Not visible to Describe* before this (eventual consistency). */
  readonly visibleAt: number;
  readonly clientToken?: string;
  readonly launchIndex: number;
  readonly rootDeviceName: string;
  readonly bootFails: boolean;
  securityGroupIds: string[];
  /** Secondary interfaces, by device index. */
  readonly extraInterfaces: InterfaceRecord[];
  /** The groups of every interface (by interface id) from each moment on, in time order (writers.ts reads it). */
  groupHistory: { at: number; byInterface: Record<string, string[]> }[];
  tags: Record<string, string>;
  disableApiTermination: boolean;
  /** Seconds from `shutting-down` to `terminated` (the latency model's, unless the scenario sets one). */
  readonly shuttingDownSeconds: number;
  /** State changes in time order; entries later than now are scheduled transitions. */
  timeline: { at: number; state: StateName; reason?: string }[];
}
export interface VolumeRecord {
  readonly volumeId: string;
  readonly instanceId: string;
  readonly device: string;
  readonly size: number;
  readonly volumeType: string;
  readonly availabilityZone: string;
  readonly createTime: number;
  readonly deleteOnTermination: boolean;
  tags: Record<string, string>;
}
export interface SnapshotRecord {
  readonly snapshotId: string;
  readonly volumeId: string;
  readonly instanceId?: string;
  readonly volumeSize: number;
  readonly description: string;
  readonly startTime: number;
  /** pending until then, then `completed` (or `error`). */
  readonly doneAt: number;
  readonly fails: boolean;
  /** The instance's workload state at the snapshot's point in time (simulator-only, not in the API output). */
  readonly workloadAtSnapshot?: WorkloadState;
  readonly copiedFrom?: { snapshotId: string; region: string };
  tags: Record<string, string>;
}

export const ec2Error = (code: string, message: string, statusCode = 400) =>
  new AwsApiError('ec2', code, message, statusCode);
export const iso = (ms: number) => new Date(ms).toISOString();

export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === null || value === '') {
    throw ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return value;
}

/** Tags of a TagSpecifications entry for one resource type; `aws:` keys are rejected as by EC2. */
export function tagsFor(specs: readonly TagSpecification[] | undefined, resourceType: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== resourceType) continue;
    for (const tag of spec.Tags ?? []) out[required(tag.Key, 'Tag.Key')] = tag.Value ?? '';
  }
  checkTagKeys(out);
  return out;
}

export function checkTagKeys(tagMap: Record<string, string>): void {
  if (Object.keys(tagMap).some((k) => k.toLowerCase().startsWith('aws:'))) {
    throw ec2Error('InvalidParameterValue', "Tag keys starting with 'aws:' are reserved for internal use");
  }
}

/** The instance's state entry at `t`. */
export function entryAt(rec: InstanceRecord, t: number): InstanceRecord['timeline'][number] {
  let current = rec.timeline[0];
  for (const e of rec.timeline) if (e.at <= t) current = e;
  return current;
}

/** Listed by Describe* at `t`: past its eventual-consistency delay, and not terminated for more than an hour. */
export function visibleAt(rec: InstanceRecord, t: number): boolean {
  const entry = entryAt(rec, t);
  return t >= rec.visibleAt && !(entry.state === 'terminated' && t >= entry.at + TERMINATED_VISIBLE_MS);
}

/** Every interface of the instance, the primary one (device index 0) first. */
export function interfacesOf(rec: InstanceRecord): InterfaceRecord[] {
  return [
    {
      networkInterfaceId: rec.networkInterfaceId,
      deviceIndex: 0,
      subnet: rec.subnet,
      privateIpAddress: rec.privateIpAddress,
      securityGroupIds: rec.securityGroupIds,
    },
    ...[...rec.extraInterfaces].sort((a, b) => a.deviceIndex - b.deviceIndex),
  ];
}

/** Records the groups of every interface of `rec` as they are now, from `at` on. */
export function recordGroups(rec: InstanceRecord, at: number): void {
  const byInterface: Record<string, string[]> = { [rec.networkInterfaceId]: [...rec.securityGroupIds] };
  for (const x of rec.extraInterfaces) byInterface[x.networkInterfaceId] = [...x.securityGroupIds];
  const index = rec.groupHistory.findIndex((g) => g.at > at);
  if (index === -1) rec.groupHistory.push({ at, byInterface });
  else rec.groupHistory.splice(index, 0, { at, byInterface });
}

/** The groups of each interface at `t`. */
export function groupsAt(rec: InstanceRecord, t: number): Record<string, string[]> {
  let current = rec.groupHistory[0]?.byInterface ?? {};
  for (const g of rec.groupHistory) if (g.at <= t) current = g.byInterface;
  return current;
}

/** Every record of the simulated EC2, the scenario's environment, and the workload its instances carry. */
export class Ec2Store {
  readonly subnets = new Map<string, SubnetRecord>();
  readonly groups = new Map<string, GroupRecord>();
  readonly instances = new Map<string, InstanceRecord>();
  readonly volumes = new Map<string, VolumeRecord>();
  readonly snapshots = new Map<string, SnapshotRecord>();
  /** Instance profile ARN → its id (`AIPA…`). */
  readonly profiles = new Map<string, string>();

  constructor(
    readonly region: SimulatedRegion,
    readonly env: Env,
    readonly workload: WorkloadModel,
  ) {}

  /** The caller's modeled time (epoch ms). */
  now(): number {
    return this.region.clock.now();
  }

  /** Instances that hold an address and volumes (not terminated). */
  liveInstances(): InstanceRecord[] {
    return [...this.instances.values()].filter((r) => entryAt(r, this.now()).state !== 'terminated');
  }

  visibleInstances(): InstanceRecord[] {
    return [...this.instances.values()].filter((r) => visibleAt(r, this.now()));
  }

  /** The instances, in request order; any unknown or not yet visible id fails the call like EC2. */
  lookupInstances(ids: readonly string[]): InstanceRecord[] {
    const now = this.now();
    const malformed = ids.find((id) => !this.instances.has(id) && !/^i-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id));
    if (malformed) throw ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${malformed}" (expecting "i-...")`);
    const missing = ids.filter((id) => {
      const rec = this.instances.get(id);
      return !rec || !visibleAt(rec, now);
    });
    if (missing.length === 1) {
      throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
    }
    if (missing.length > 1) {
      throw ec2Error('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
    }
    return [...new Set(ids)].map((id) => this.instances.get(id)!);
  }
}
