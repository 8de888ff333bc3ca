import type {
  CopySnapshotRequest,
  CopySnapshotResult,
  CreateSnapshotsRequest,
  CreateSnapshotsResult,
  CreateTagsRequest,
  DeleteSnapshotRequest,
  DescribeImagesRequest,
  DescribeImagesResult,
  DescribeInstanceStatusRequest,
  DescribeInstanceStatusResult,
  DescribeInstanceTypeOfferingsRequest,
  DescribeInstanceTypeOfferingsResult,
  DescribeInstancesRequest,
  DescribeInstancesResult,
  DescribeSecurityGroupsRequest,
  DescribeSecurityGroupsResult,
  DescribeSnapshotsRequest,
  DescribeSnapshotsResult,
  DescribeSubnetsRequest,
  DescribeSubnetsResult,
  DescribeVolumesRequest,
  DescribeVolumesResult,
  Instance,
  InstanceStateChange,
  InstanceStateName,
  InstanceStatusSummary,
  ModifyInstanceAttributeRequest,
  ModifyNetworkInterfaceAttributeRequest,
  Reservation,
  RunInstancesRequest,
  Snapshot,
  SnapshotState,
  StartInstancesRequest,
  StartInstancesResult,
  StopInstancesRequest,
  StopInstancesResult,
  TagSpecification,
  TerminateInstancesRequest,
  TerminateInstancesResult,
  VolumeType,
  _InstanceType,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { applyFilters, toTagList } from './ec2-filters';
import {
  admitsClients,
  ALLOW_ALL,
  allowsEgress,
  type GroupRules,
  groupRulesSchema,
  networkInterfaceSchema,
  type SecurityGroupRule,
  toIpPermission,
} from './ec2-network';
import { writerIntervals, type WriterRow } from './writers';
import { AwsApiError } from './errors';
import { AMI_ID, ImageCatalog, type ImageStateName, imagesSchema } from './images';
import type { ActionHandler, ServiceSimulator, SimulatedRegion } from './region';
import { checkCopyLimit, checkSnapshotNotInUse } from './snapshot-rules';
import type { InstanceInspector, InstanceView, WorkloadState, ZoneLister } from './types';

/**
 * The output as Step Functions (and any JSON transport) delivers it: SDK `Date` fields become ISO strings.
 * Every EC2 action here returns `Json<SdkOutputType>`.
 */
export type Json<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

const tags = z.record(z.string(), z.string()).default({});
const instanceStates = ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped'] as const;

/** The starting EC2 world of a scenario. */
export const ec2EnvironmentSchema = z.strictObject({
  vpcs: z.array(z.strictObject({ vpcId: z.string(), cidrBlock: z.string().optional(), tags })).default([]),
  subnets: z
    .array(
      z.strictObject({
        subnetId: z.string(),
        vpcId: z.string(),
        availabilityZone: z.string(),
        /** Private IPs of new instances are drawn from it. @default 10.0.<index>.0/24 */
        cidrBlock: z.string().optional(),
        tags,
      }),
    )
    .default([]),
  securityGroups: z
    .array(
      z.strictObject({
        groupId: z.string(),
        vpcId: z.string(),
        groupName: z.string(),
        description: z.string().optional(),
        tags,
        ...groupRulesSchema,
      }),
    )
    .default([]),
  /** Known AMIs: only these exist (local/region/images.ts). */
  images: imagesSchema,
  /** Instance profiles RunInstances accepts (those of `instances` are added). */
  instanceProfiles: z.array(z.strictObject({ name: z.string(), arn: z.string() })).default([]),
  instances: z
    .array(
      z.strictObject({
        instanceId: z.string(),
        imageId: z.string(),
        instanceType: z.string(),
        keyName: z.string().optional(),
        subnetId: z.string(),
        privateIpAddress: z.string().optional(),
        securityGroupIds: z.array(z.string()).default([]),
        /** Interfaces beyond the primary one (device index 0 is `subnetId` + `securityGroupIds`), each with its groups. */
        networkInterfaces: z.array(networkInterfaceSchema).default([]),
        /** Instance profile ARN. */
        iamInstanceProfile: z.string().optional(),
        tags,
        state: z.enum(instanceStates).default('running'),
        /** @default one day before the drill starts */
        launchTime: z.iso.datetime().optional(),
        /** @default one 8 GiB gp3 root volume /dev/xvda */
        volumes: z
          .array(
            z.strictObject({
              volumeId: z.string(),
              device: z.string(),
              sizeGiB: z.number().int().positive(),
              volumeType: z.string().default('gp3'),
              /** The root volume (deleted on termination). */
              boot: z.boolean().default(false),
              tags,
            }),
          )
          .optional(),
        /** The database's state, e.g. `{ "mirrorRole": "primary", "frozen": false }`. */
        workload: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
        /**
         * The database's become-primary hook (an IRIS `^ZMIRROR` NotifyBecomePrimary entry point that runs
         * `aws events put-events`): whenever the workload's `mirrorRole` changes to `primary` from another role, the
         * member puts the mirror set's "Mirror Member Became Primary" event, `delaySeconds` later, `times` times
         * `duplicateAfterSeconds` apart (a late or repeated hook).
         */
        becomePrimaryHook: z
          .strictObject({
            mirrorSet: z.string().min(1),
            delaySeconds: z.number().nonnegative().default(0),
            times: z.number().int().positive().default(1),
            duplicateAfterSeconds: z.number().nonnegative().default(0),
          })
          .optional(),
        disableApiTermination: z.boolean().default(false),
        /**
         * Seconds this instance stays `shutting-down` once terminated (a bare-metal instance can take more than
         * 19 minutes; a host that never completes the termination: a very large number).
         * @default the latency model's `ec2.shuttingDownToTerminated`
         */
        shuttingDownSeconds: z.number().positive().optional(),
      }),
    )
    .default([]),
  /** AZ outages: instances there keep running but answer nothing; launches there fail. */
  impairedAvailabilityZones: z
    .array(z.strictObject({ zone: z.string(), fromSeconds: z.number().nonnegative().default(0) }))
    .default([]),
  /** Launches (and starts) in an AZ fail with this error, `times` times (omitted: always). */
  capacity: z
    .array(
      z.strictObject({
        availabilityZone: z.string(),
        instanceType: z.string().optional(),
        error: z.enum(['InsufficientInstanceCapacity', 'Unsupported']),
        times: z.number().int().positive().optional(),
      }),
    )
    .default([]),
  /** New instances matching this boot but never answer (impaired, SSM agent never online); `count` of them. */
  bootFailures: z
    .array(
      z.strictObject({
        availabilityZone: z.string().optional(),
        imageId: z.string().optional(),
        count: z.number().int().positive().optional(),
      }),
    )
    .default([]),
  /** Snapshots of these volumes / instances end in state `error`. */
  snapshotFailures: z
    .array(z.strictObject({ volumeId: z.string().optional(), instanceId: z.string().optional() }))
    .default([]),
  /** Snapshots that exist when the drill starts (earlier backups, someone else's snapshots: retention drills). */
  snapshots: z
    .array(
      z.strictObject({
        snapshotId: z.string().regex(/^snap-([0-9a-f]{8}|[0-9a-f]{17})$/),
        /** @default vol-ffffffff (the volume id EC2 reports for a copy or a deleted volume) */
        volumeId: z.string().default('vol-ffffffff'),
        instanceId: z.string().optional(),
        volumeSizeGiB: z.number().int().positive().default(8),
        startTime: z.iso.datetime(),
        /** `pending` completes `ebs.snapshotCompletion` s into the drill. */
        state: z.enum(['completed', 'pending', 'error']).default('completed'),
        description: z.string().default(''),
        tags,
      }),
    )
    .default([]),
  /**
   * Scripted workload changes: at `atSeconds` of modeled time, `set` is merged into the instance's workload
   * (e.g. a mirror member becoming primary 20 s into the drill: `{ "mirrorRole": "primary" }`). With
   * `everySeconds`, the change repeats at that period until `untilSeconds` (a flapping primary).
   */
  workloadChanges: z
    .array(
      z
        .strictObject({
          instanceId: z.string(),
          atSeconds: z.number().nonnegative(),
          set: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
          everySeconds: z.number().positive().optional(),
          untilSeconds: z.number().nonnegative().optional(),
        })
        .refine((c) => (c.everySeconds === undefined) === (c.untilSeconds === undefined), {
          message: 'give "everySeconds" and "untilSeconds" together (a repeating change needs an end)',
          path: ['everySeconds'],
        })
        .refine((c) => c.untilSeconds === undefined || c.untilSeconds >= c.atSeconds, {
          message: '"untilSeconds" must not be before "atSeconds"',
          path: ['untilSeconds'],
        }),
    )
    .default([]),
});
export type Ec2Environment = z.input<typeof ec2EnvironmentSchema>;
type Env = z.output<typeof ec2EnvironmentSchema>;

/**
 * What ELBv2 health needs beyond `InstanceInspector`: the instance's past, so a health state that depends on
 * how long an instance has been down is computed exactly however rarely it is read.
 * (A candidate for types.ts; kept here because only the EC2 simulator implements it.)
 */
export interface InstanceTimeline {
  /** The instance at `fromMs` and at each later moment up to `toMs` when its view may have changed. */
  instanceHistory(instanceId: string, fromMs: number, toMs: number): { at: number; view: InstanceView | undefined }[];
}

type StateName = InstanceStateName;
/** Real instance state codes (DescribeInstances `State.Code`). */
const STATE_CODES: Record<StateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};
/** "Terminated instances remain visible … for approximately one hour" (TerminateInstances API reference). */
const TERMINATED_VISIBLE_MS = 3_600_000;

interface SubnetRecord {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly cidrBlock: string;
  tags: Record<string, string>;
}
interface GroupRecord {
  readonly groupId: string;
  readonly vpcId: string;
  readonly groupName: string;
  readonly description: string;
  tags: Record<string, string>;
  readonly ingress: SecurityGroupRule[];
  readonly egress: SecurityGroupRule[];
}
/** A secondary network interface (device index ≥ 1) with its own subnet, address and groups. */
interface InterfaceRecord {
  readonly networkInterfaceId: string;
  readonly deviceIndex: number;
  readonly subnet: SubnetRecord;
  readonly privateIpAddress: string;
  securityGroupIds: string[];
}
interface InstanceRecord {
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
  /** Workload states in time order. */
  workload: { at: number; state: WorkloadState }[];
  /** The become-primary hook, on a mirror member that has one. */
  readonly hook?: BecomePrimaryHook;
}
type BecomePrimaryHook = NonNullable<Env['instances'][number]['becomePrimaryHook']>;

/** One run of a member's become-primary hook: it puts the event for `mirrorSet` at `atMs`. */
export interface HookFiring {
  readonly instanceId: string;
  readonly mirrorSet: string;
  readonly atMs: number;
}

/** The hook's runs for one change to primary at `atMs` (its delay, then its repeats). */
function firings(instanceId: string, hook: BecomePrimaryHook, atMs: number): HookFiring[] {
  return Array.from({ length: hook.times }, (_, k) => ({
    instanceId,
    mirrorSet: hook.mirrorSet,
    atMs: atMs + (hook.delaySeconds + k * hook.duplicateAfterSeconds) * 1000,
  }));
}

const PRIMARY = 'primary';
interface VolumeRecord {
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
interface SnapshotRecord {
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

const ec2Error = (code: string, message: string, statusCode = 400) => new AwsApiError('ec2', code, message, statusCode);
const iso = (ms: number) => new Date(ms).toISOString();

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === null || value === '') {
    throw ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return value;
}

/** Tags of a TagSpecifications entry for one resource type; `aws:` keys are rejected as by EC2. */
function tagsFor(specs: readonly TagSpecification[] | undefined, resourceType: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== resourceType) continue;
    for (const tag of spec.Tags ?? []) out[required(tag.Key, 'Tag.Key')] = tag.Value ?? '';
  }
  checkTagKeys(out);
  return out;
}

function checkTagKeys(tagMap: Record<string, string>): void {
  if (Object.keys(tagMap).some((k) => k.toLowerCase().startsWith('aws:'))) {
    throw ec2Error('InvalidParameterValue', "Tag keys starting with 'aws:' are reserved for internal use");
  }
}

const ipToNumber = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const numberToIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/**
 * Simulated EC2 and EBS: instances with a lifecycle computed from the virtual clock, subnets, security groups,
 * volumes and snapshots.
 *
 * Modeled behaviour (latency keys of local/latency.ts): a launched instance is `pending`, then `running`
 * `ec2.pendingToRunning` s after RunInstances returns, its SSM agent online `ec2.runningToSsmOnline` s later;
 * its id is unknown to every action for `ec2.eventualConsistency` s after RunInstances returns. Terminated
 * instances stay listed for one hour. Dates in outputs are ISO strings (what Step Functions' JSON carries).
 * `DryRun` is modeled for RunInstances (validated like the real call, then `DryRunOperation`, HTTP 412; the
 * simulator has no IAM, so `UnauthorizedOperation` comes only from a scenario's fault); any other action called
 * with `DryRun: true` is refused as not modeled rather than performed.
 * Several network interfaces per instance (device index, subnet, own groups): `ModifyInstanceAttribute Groups` is
 * refused for an instance with more than one (`InvalidInstanceID`), `ModifyNetworkInterfaceAttribute` changes any. Security-group rules decide whether the SSM
 * agent comes online (HTTPS egress, ec2-network.ts) and whether a workload takes clients (writers.ts).
 * Not modeled: pagination (MaxResults/NextToken are ignored), public IPs.
 */
export class Ec2Simulator implements ServiceSimulator, InstanceInspector, InstanceTimeline, ZoneLister {
  readonly name = 'ec2' as const;
  readonly actions: Readonly<Record<string, ActionHandler>>;
  private readonly env: Env;
  private readonly subnets = new Map<string, SubnetRecord>();
  private readonly groups = new Map<string, GroupRecord>();
  private readonly instances = new Map<string, InstanceRecord>();
  private readonly volumes = new Map<string, VolumeRecord>();
  private readonly snapshots = new Map<string, SnapshotRecord>();
  private readonly images: ImageCatalog;
  /** Instance profile ARN → its id (`AIPA…`). */
  private readonly profiles = new Map<string, string>();
  private readonly clientTokens = new Map<string, { fingerprint: string; instanceIds: string[] }>();
  private readonly impairments: { zone: string; fromMs: number }[];
  private readonly capacityLeft: number[];
  private readonly bootFailuresLeft: number[];
  private readonly hookListeners: ((firing: HookFiring) => void)[] = [];
  /** Scripted workload changes not yet applied, in time order (applied when the clock has reached them). */
  private readonly workloadChanges: { at: number; instanceId: string; set: WorkloadState }[];

  constructor(
    private readonly region: SimulatedRegion,
    environment: Ec2Environment,
  ) {
    this.env = ec2EnvironmentSchema.parse(environment);
    const start = region.clock.startMs;
    this.images = new ImageCatalog(this.env.images, start);
    this.impairments = this.env.impairedAvailabilityZones.map((z) => ({
      zone: z.zone,
      fromMs: start + z.fromSeconds * 1000,
    }));
    this.capacityLeft = this.env.capacity.map((c) => c.times ?? Infinity);
    this.bootFailuresLeft = this.env.bootFailures.map((b) => b.count ?? Infinity);
    this.workloadChanges = this.env.workloadChanges
      .flatMap((c) => {
        const times = [c.atSeconds];
        if (c.everySeconds !== undefined && c.untilSeconds !== undefined)
          for (let t = c.atSeconds + c.everySeconds; t <= c.untilSeconds; t += c.everySeconds) times.push(t);
        return times.map((t) => ({ at: start + t * 1000, instanceId: c.instanceId, set: { ...c.set } }));
      })
      .sort((a, b) => a.at - b.at);
    this.loadEnvironment();
    const on =
      <I>(fn: (request: I) => unknown): ActionHandler =>
      (input) => {
        if ((input as { DryRun?: unknown }).DryRun === true && fn !== runInstances) {
          // Performing the action would be worse than any error: refuse what is not modeled.
          throw new Error(`Ec2Simulator: DryRun is modeled for RunInstances only`);
        }
        return fn(input as I);
      };
    const runInstances = (r: RunInstancesRequest) => this.runInstances(r);
    this.actions = {
      RunInstances: on(runInstances),
      DescribeImages: on((r: DescribeImagesRequest) => this.describeImages(r)),
      DescribeInstanceTypeOfferings: on((r: DescribeInstanceTypeOfferingsRequest) =>
        this.describeInstanceTypeOfferings(r),
      ),
      DescribeInstances: on((r: DescribeInstancesRequest) => this.describeInstances(r)),
      DescribeInstanceStatus: on((r: DescribeInstanceStatusRequest) => this.describeInstanceStatus(r)),
      TerminateInstances: on((r: TerminateInstancesRequest) => this.terminateInstances(r)),
      StopInstances: on((r: StopInstancesRequest) => this.stopInstances(r)),
      StartInstances: on((r: StartInstancesRequest) => this.startInstances(r)),
      ModifyInstanceAttribute: on((r: ModifyInstanceAttributeRequest) => this.modifyInstanceAttribute(r)),
      ModifyNetworkInterfaceAttribute: on((r: ModifyNetworkInterfaceAttributeRequest) =>
        this.modifyNetworkInterfaceAttribute(r),
      ),
      DescribeSubnets: on((r: DescribeSubnetsRequest) => this.describeSubnets(r)),
      DescribeSecurityGroups: on((r: DescribeSecurityGroupsRequest) => this.describeSecurityGroups(r)),
      CreateTags: on((r: CreateTagsRequest) => this.createTags(r)),
      DescribeVolumes: on((r: DescribeVolumesRequest) => this.describeVolumes(r)),
      CreateSnapshots: on((r: CreateSnapshotsRequest) => this.createSnapshots(r)),
      DescribeSnapshots: on((r: DescribeSnapshotsRequest) => this.describeSnapshots(r)),
      DeleteSnapshot: on((r: DeleteSnapshotRequest) => this.deleteSnapshot(r)),
      CopySnapshot: on((r: CopySnapshotRequest) => this.copySnapshot(r)),
    };
  }

  latencyOf(action: string): number {
    if (action === 'RunInstances') return this.region.latency['ec2.RunInstances'];
    if (action === 'CreateSnapshots') return this.region.latency['ebs.CreateSnapshots'];
    return this.region.latency['ec2.api'];
  }

  /** Starts an AZ outage now (for fault scripts): instances there become impaired, launches there fail. */
  impairAvailabilityZone(zone: string): void {
    this.impairments.push({ zone, fromMs: this.now() });
  }

  // ---------------------------------------------------------------- InstanceInspector / InstanceTimeline

  inspectInstance(instanceId: string): InstanceView | undefined {
    const rec = this.instances.get(instanceId);
    return rec && this.viewAt(rec, this.now());
  }

  findInstanceByAddress(address: string): InstanceView | undefined {
    for (const rec of this.instances.values()) {
      const view = this.viewAt(rec, this.now());
      if (view && view.privateIpAddress === address && view.state !== 'terminated') return view;
    }
    return undefined;
  }

  /** The zones of the region's subnets, sorted. */
  availabilityZones(): readonly string[] {
    return [...new Set([...this.subnets.values()].map((s) => s.availabilityZone))].sort();
  }

  /** Calls `listener` each time a member's become-primary hook runs because of a change made while the drill runs. */
  onHookFiring(listener: (firing: HookFiring) => void): void {
    this.hookListeners.push(listener);
  }

  /**
   * The hook runs the scenario's scripted workload changes cause (each change that makes a hooked member primary
   * from another role, in the order of the scripted changes), known before the drill starts, in time order.
   */
  scriptedHookFirings(): HookFiring[] {
    const role = new Map<string, unknown>();
    const out: HookFiring[] = [];
    for (const change of this.workloadChanges) {
      const rec = this.instances.get(change.instanceId);
      if (!rec?.hook || !('mirrorRole' in change.set)) continue;
      const before = role.has(rec.instanceId) ? role.get(rec.instanceId) : rec.workload[0].state.mirrorRole;
      role.set(rec.instanceId, change.set.mirrorRole);
      if (before !== PRIMARY && change.set.mirrorRole === PRIMARY)
        out.push(...firings(rec.instanceId, rec.hook, change.at));
    }
    return out.sort((a, b) => a.atMs - b.atMs);
  }

  updateWorkload(instanceId: string, changes: WorkloadState, atMs?: number): void {
    const rec = this.instances.get(instanceId);
    if (!rec) throw new Error(`updateWorkload: no instance ${instanceId}`);
    this.applyDueWorkloadChanges();
    const at = atMs !== undefined && atMs < this.now() ? atMs : this.now();
    if (rec.hook && changes.mirrorRole === PRIMARY && this.recordedWorkloadAt(rec, at).mirrorRole !== PRIMARY) {
      const hook = rec.hook;
      queueMicrotask(() => {
        for (const f of firings(rec.instanceId, hook, at)) for (const listener of this.hookListeners) listener(f);
      });
    }
    if (atMs !== undefined && atMs < this.now()) {
      // An earlier moment (a command that ended before the caller's modeled time): keep the history in order.
      const state = { ...this.recordedWorkloadAt(rec, atMs), ...changes };
      const index = rec.workload.findIndex((w) => w.at >= atMs);
      if (index === -1) rec.workload.push({ at: atMs, state });
      else if (rec.workload[index].at === atMs) rec.workload[index] = { at: atMs, state };
      else rec.workload.splice(index, 0, { at: atMs, state });
      return;
    }
    const now = this.now();
    const state = { ...this.workloadAt(rec, now), ...changes };
    if (rec.workload[rec.workload.length - 1].at === now) rec.workload.pop();
    rec.workload.push({ at: now, state });
  }

  instanceHistory(instanceId: string, fromMs: number, toMs: number): { at: number; view: InstanceView | undefined }[] {
    const rec = this.instances.get(instanceId);
    if (!rec) return [{ at: fromMs, view: undefined }];
    this.applyDueWorkloadChanges();
    const r2s = this.region.latency['ec2.runningToSsmOnline'] * 1000;
    const points = [
      rec.visibleAt,
      ...rec.timeline.flatMap((e) =>
        e.state === 'running'
          ? [e.at, e.at + r2s]
          : e.state === 'terminated'
            ? [e.at, e.at + TERMINATED_VISIBLE_MS]
            : [e.at],
      ),
      ...rec.workload.map((w) => w.at),
      ...rec.groupHistory.map((g) => g.at),
      ...this.impairments.filter((i) => i.zone === rec.subnet.availabilityZone).map((i) => i.fromMs),
    ];
    const times = [...new Set(points.filter((t) => t > fromMs && t <= toMs))].sort((a, b) => a - b);
    return [fromMs, ...times].map((at) => ({ at, view: this.viewAt(rec, at) }));
  }

  // ---------------------------------------------------------------- instances

  private runInstances(req: RunInstancesRequest): Json<Reservation> {
    required(req.ImageId, 'ImageId');
    const min = required(req.MinCount, 'MinCount');
    const max = required(req.MaxCount, 'MaxCount');
    if (!(min >= 1 && max >= min)) {
      throw ec2Error('InvalidParameterValue', `Invalid value for MinCount (${min}) / MaxCount (${max})`);
    }
    // ClientToken: "If you repeat the request with the same token and parameters, the same instances are returned"
    const { ClientToken: token, ...params } = req;
    const fingerprint = JSON.stringify(params);
    if (token !== undefined && req.DryRun !== true) {
      const previous = this.clientTokens.get(token);
      if (previous && previous.fingerprint !== fingerprint) {
        throw ec2Error(
          'IdempotentParameterMismatch',
          'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).',
        );
      }
      if (previous) return this.reservationOf(previous.instanceIds.map((id) => this.instances.get(id)!));
    }

    const nic = req.NetworkInterfaces?.[0];
    if (nic && req.SubnetId) {
      throw ec2Error(
        'InvalidParameterCombination',
        'Network interfaces and an instance-level subnet ID may not be specified on the same request',
      );
    }
    if (nic && req.SecurityGroupIds?.length) {
      throw ec2Error(
        'InvalidParameterCombination',
        'Network interfaces and an instance-level security groups may not be specified on the same request',
      );
    }
    const subnetId = req.SubnetId ?? nic?.SubnetId;
    if (!subnetId) throw ec2Error('VPCIdNotSpecified', 'No default VPC for this user');
    const subnet = this.subnets.get(subnetId);
    if (!subnet) throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
    const imageId = req.ImageId!;
    if (!AMI_ID.test(imageId) && !this.knownImage(imageId)) {
      throw ec2Error('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
    }
    const imageState = this.imageState(imageId);
    if (imageState === undefined || imageState === 'deregistered') {
      throw ec2Error('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
    }
    if (imageState !== 'available') {
      throw ec2Error(
        'InvalidAMIID.Unavailable',
        `The image id '[${imageId}]' is not in a state from which an instance can be launched (${imageState})`,
      );
    }
    const groupIds = req.SecurityGroupIds ?? nic?.Groups ?? [];
    for (const groupId of groupIds) {
      const group = this.groups.get(groupId);
      if (!group) throw ec2Error('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
      if (group.vpcId !== subnet.vpcId) {
        throw ec2Error(
          'InvalidParameter',
          `Security group ${groupId} and subnet ${subnetId} belong to different networks.`,
        );
      }
    }
    for (const extra of req.NetworkInterfaces?.slice(1) ?? []) {
      // Every interface of an instance is in the instance's AZ (message inferred).
      const extraSubnet = extra.SubnetId ? this.subnets.get(extra.SubnetId) : subnet;
      if (!extraSubnet) throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${extra.SubnetId}' does not exist`);
      if (extraSubnet.availabilityZone !== subnet.availabilityZone) {
        throw ec2Error('InvalidParameterCombination', 'All network interfaces must be in the same availability zone');
      }
      this.checkGroups(extra.Groups ?? [], extraSubnet.vpcId);
    }
    const defaultGroup = [...this.groups.values()].find((g) => g.vpcId === subnet.vpcId && g.groupName === 'default');
    const profileArn = this.resolveProfile(req.IamInstanceProfile);
    const instanceTags = tagsFor(req.TagSpecifications, 'instance');
    const volumeTags = tagsFor(req.TagSpecifications, 'volume');
    const instanceType = req.InstanceType ?? 'm1.small';
    // "Checks whether you have the required permissions for the action, without actually making the request":
    // the request is validated, capacity is not (it is not known until the launch).
    if (req.DryRun === true) {
      throw ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
    }
    this.checkCapacity(subnet.availabilityZone, instanceType);

    const now = this.now();
    const returnsAt = now + this.latencyOf('RunInstances') * 1000;
    const reservationId = `r-${this.region.random.hex(17)}`;
    const created: InstanceRecord[] = [];
    for (let index = 0; index < max; index++) {
      const instanceId = `i-${this.region.random.hex(17)}`;
      const rec: InstanceRecord = {
        instanceId,
        reservationId,
        imageId,
        instanceType,
        keyName: req.KeyName,
        subnet,
        privateIpAddress: this.allocateIp(subnet),
        networkInterfaceId: `eni-${this.region.random.hex(17)}`,
        iamInstanceProfileArn: profileArn,
        launchTime: now,
        visibleAt: returnsAt + this.region.latency['ec2.eventualConsistency'] * 1000,
        clientToken: token,
        launchIndex: index,
        rootDeviceName: '/dev/xvda',
        bootFails: this.takeBootFailure(subnet.availabilityZone, imageId),
        securityGroupIds: groupIds.length > 0 ? [...groupIds] : defaultGroup ? [defaultGroup.groupId] : [],
        extraInterfaces: [],
        groupHistory: [],
        tags: { ...instanceTags },
        disableApiTermination: req.DisableApiTermination ?? false,
        shuttingDownSeconds: this.region.latency['ec2.shuttingDownToTerminated'],
        timeline: [
          { at: now, state: 'pending' },
          { at: returnsAt + this.region.latency['ec2.pendingToRunning'] * 1000, state: 'running' },
        ],
        workload: [{ at: -Infinity, state: {} }],
      };
      this.instances.set(instanceId, rec);
      this.addVolume(rec, '/dev/xvda', 8, 'gp3', true, { ...volumeTags }, `vol-${this.region.random.hex(17)}`);
      for (const extra of req.NetworkInterfaces?.slice(1) ?? []) this.launchInterface(rec, extra);
      this.recordGroups(rec, -Infinity);
      created.push(rec);
    }
    if (token !== undefined)
      this.clientTokens.set(token, { fingerprint, instanceIds: created.map((r) => r.instanceId) });
    return this.reservationOf(created);
  }

  private describeInstances(req: DescribeInstancesRequest): Json<DescribeInstancesResult> {
    const now = this.now();
    const recs = req.InstanceIds?.length ? this.lookupInstances(req.InstanceIds) : this.visibleInstances();
    const matched = applyFilters(
      recs,
      req.Filters,
      [
        'instance-id',
        'instance-state-name',
        'instance-state-code',
        'availability-zone',
        'subnet-id',
        'vpc-id',
        'image-id',
        'instance-type',
        'private-ip-address',
        'reservation-id',
        'network-interface.network-interface-id',
      ],
      (rec) => {
        const state = this.entryAt(rec, now).state;
        return {
          tags: rec.tags,
          fields: {
            'instance-id': rec.instanceId,
            'instance-state-name': state,
            'instance-state-code': String(STATE_CODES[state]),
            'availability-zone': rec.subnet.availabilityZone,
            'subnet-id': rec.subnet.subnetId,
            'vpc-id': rec.subnet.vpcId,
            'image-id': rec.imageId,
            'instance-type': rec.instanceType,
            'private-ip-address': rec.privateIpAddress,
            'reservation-id': rec.reservationId,
            'network-interface.network-interface-id': rec.networkInterfaceId,
          },
        };
      },
    );
    const byReservation = new Map<string, InstanceRecord[]>();
    for (const rec of matched)
      byReservation.set(rec.reservationId, [...(byReservation.get(rec.reservationId) ?? []), rec]);
    return { Reservations: [...byReservation.values()].map((recs) => this.reservationOf(recs)) };
  }

  private describeInstanceStatus(req: DescribeInstanceStatusRequest): Json<DescribeInstanceStatusResult> {
    const now = this.now();
    const r2s = this.region.latency['ec2.runningToSsmOnline'] * 1000;
    const recs = req.InstanceIds?.length ? this.lookupInstances(req.InstanceIds) : this.visibleInstances();
    const statuses = recs.flatMap((rec) => {
      const entry = this.entryAt(rec, now);
      if (entry.state !== 'running' && !req.IncludeAllInstances) return [];
      const summary = (failed: boolean): Json<InstanceStatusSummary> => {
        if (entry.state !== 'running') return { Status: 'not-applicable' };
        // Status checks report `initializing` until the instance has booted.
        const status = failed ? 'impaired' : now < entry.at + r2s ? 'initializing' : 'ok';
        const detail = status === 'impaired' ? 'failed' : status === 'ok' ? 'passed' : 'initializing';
        return { Status: status, Details: [{ Name: 'reachability', Status: detail }] };
      };
      const zoneDown = this.zoneImpaired(rec.subnet.availabilityZone, now);
      return [
        {
          InstanceId: rec.instanceId,
          AvailabilityZone: rec.subnet.availabilityZone,
          InstanceState: { Code: STATE_CODES[entry.state], Name: entry.state },
          SystemStatus: summary(zoneDown),
          InstanceStatus: summary(zoneDown || rec.bootFails),
        },
      ];
    });
    return { InstanceStatuses: statuses };
  }

  private terminateInstances(req: TerminateInstancesRequest): Json<TerminateInstancesResult> {
    const recs = this.lookupInstances(required(req.InstanceIds, 'InstanceIds'));
    const locked = recs.find((r) => r.disableApiTermination);
    if (locked) {
      throw ec2Error(
        'OperationNotPermitted',
        `The instance '${locked.instanceId}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`,
      );
    }
    return {
      TerminatingInstances: recs.map((rec) =>
        this.transition(rec, ['terminated', 'shutting-down'], 'shutting-down', 'terminated', rec.shuttingDownSeconds),
      ),
    };
  }

  private stopInstances(req: StopInstancesRequest): Json<StopInstancesResult> {
    const recs = this.lookupInstances(required(req.InstanceIds, 'InstanceIds'));
    this.requireStates(recs, ['pending', 'running', 'stopping', 'stopped'], 'stopped');
    // On an impaired host (an instance in an impaired AZ) a stop without `Force` stays `stopping` (item 10); a
    // forced stop completes in the modeled time, also for an instance already stuck in `stopping`.
    const delay = this.region.latency['ec2.stoppingToStopped'];
    const now = this.now();
    return {
      StoppingInstances: recs.map((rec) => {
        const before = this.entryAt(rec, now).state;
        const stuck = req.Force !== true && this.zoneImpaired(rec.subnet.availabilityZone, now);
        if (req.Force === true) this.unstick(rec, now, delay);
        const change = this.transition(rec, ['stopping', 'stopped'], 'stopping', 'stopped', delay);
        if (stuck && before !== 'stopping' && before !== 'stopped') {
          rec.timeline = rec.timeline.filter((e) => !(e.at > now && e.state === 'stopped'));
        }
        return change;
      }),
    };
  }

  private startInstances(req: StartInstancesRequest): Json<StartInstancesResult> {
    const recs = this.lookupInstances(required(req.InstanceIds, 'InstanceIds'));
    this.requireStates(recs, ['pending', 'running', 'stopped'], 'started');
    for (const rec of recs) {
      if (this.entryAt(rec, this.now()).state === 'stopped')
        this.checkCapacity(rec.subnet.availabilityZone, rec.instanceType);
    }
    const delay = this.region.latency['ec2.startToRunning'];
    return {
      StartingInstances: recs.map((rec) => this.transition(rec, ['pending', 'running'], 'pending', 'running', delay)),
    };
  }

  private modifyInstanceAttribute(req: ModifyInstanceAttributeRequest): Record<string, never> {
    const [rec] = this.lookupInstances([required(req.InstanceId, 'InstanceId')]);
    // "Replaces the security groups of the instance", which only an instance with a single interface has: with more,
    // EC2 refuses the call (recorded AWS responses: hashicorp/terraform#14299, NixOS/nixops-aws#55).
    if (req.Groups && rec.extraInterfaces.length > 0) {
      throw ec2Error(
        'InvalidInstanceID',
        `There are multiple interfaces attached to instance '${rec.instanceId}'. Please specify an interface ID for the operation instead.`,
      );
    }
    if (req.Groups) {
      rec.securityGroupIds = this.checkGroups(req.Groups, rec.subnet.vpcId);
      this.recordGroups(rec, this.now());
    }
    if (req.DisableApiTermination?.Value !== undefined) rec.disableApiTermination = req.DisableApiTermination.Value;
    if (req.Attribute === 'disableApiTermination' && req.Value !== undefined)
      rec.disableApiTermination = req.Value === 'true';
    // Other attributes (SourceDestCheck, InstanceType, UserData, …) are accepted and not modeled.
    return {};
  }

  private modifyNetworkInterfaceAttribute(req: ModifyNetworkInterfaceAttributeRequest): Record<string, never> {
    const eni = required(req.NetworkInterfaceId, 'NetworkInterfaceId');
    const now = this.now();
    const rec = [...this.instances.values()].find(
      (r) =>
        (r.networkInterfaceId === eni || r.extraInterfaces.some((x) => x.networkInterfaceId === eni)) &&
        this.viewAt(r, now) &&
        this.entryAt(r, now).state !== 'terminated',
    );
    if (!rec) throw ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${eni}' does not exist`);
    if (req.Groups) {
      const extra = rec.extraInterfaces.find((x) => x.networkInterfaceId === eni);
      const groups = this.checkGroups(req.Groups, (extra?.subnet ?? rec.subnet).vpcId);
      if (extra) extra.securityGroupIds = groups;
      else rec.securityGroupIds = groups;
      this.recordGroups(rec, now);
    }
    return {};
  }

  // ---------------------------------------------------------------- images and instance types

  /**
   * The AMIs asked for (or every known one). A deregistered AMI is no longer returned ("recently deregistered
   * images appear in the returned results for a short interval and then return empty results"; the interval is
   * not modeled), a disabled one only with `IncludeDisabled`; an id the region never knew fails
   * InvalidAMIID.NotFound.
   */
  private describeImages(req: DescribeImagesRequest): Json<DescribeImagesResult> {
    const ids = req.ImageIds ?? [];
    for (const id of ids) {
      if (!AMI_ID.test(id) && !this.knownImage(id)) {
        throw ec2Error('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
      }
      if (!this.knownImage(id)) throw ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
    }
    const known = ids.length ? [...new Set(ids)] : this.images.ids();
    const images = known.flatMap((imageId) => {
      const state = this.imageState(imageId);
      if (state === undefined || state === 'deregistered') return [];
      if (state === 'disabled' && req.IncludeDisabled !== true) return [];
      return [{ imageId, state, name: this.images.name(imageId) }];
    });
    const matched = applyFilters(images, req.Filters, ['image-id', 'state', 'name'], (i) => ({
      tags: {},
      fields: { 'image-id': i.imageId, state: i.state, name: i.name },
    }));
    return {
      Images: matched.map((i) => ({
        ImageId: i.imageId,
        ...(i.name !== undefined ? { Name: i.name } : {}),
        State: i.state,
        ImageType: 'machine',
        OwnerId: this.region.accountId,
        Public: false,
        RootDeviceType: 'ebs',
        RootDeviceName: '/dev/xvda',
        BlockDeviceMappings: this.images.blockDeviceMappings(i.imageId),
      })),
    };
  }

  /**
   * Where instance types are offered. Every zone of the environment's subnets offers every instance type, except
   * where a `capacity` entry says `Unsupported` with no `times` (the type is not offered there at all). The types
   * listed are those of the environment (instances, capacity entries) and those an `instance-type` filter names.
   */
  private describeInstanceTypeOfferings(
    req: DescribeInstanceTypeOfferingsRequest,
  ): Json<DescribeInstanceTypeOfferingsResult> {
    const locationType = req.LocationType ?? 'region';
    if (locationType !== 'region' && locationType !== 'availability-zone') {
      throw new Error(`Ec2Simulator: DescribeInstanceTypeOfferings LocationType ${locationType} is not modeled`);
    }
    const named = (req.Filters ?? []).filter((f) => f.Name === 'instance-type').flatMap((f) => f.Values ?? []);
    const types = [
      ...new Set([
        ...this.env.instances.map((i) => i.instanceType),
        ...this.env.capacity.flatMap((c) => (c.instanceType ? [c.instanceType] : [])),
        ...named.filter((t) => !/[*?]/.test(t)),
      ]),
    ];
    const zones = [...new Set([...this.subnets.values()].map((s) => s.availabilityZone))].sort();
    const unsupported = (zone: string, type: string) =>
      this.env.capacity.some(
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
            .map((type) => ({ type, location: this.region.regionName }))
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

  // ---------------------------------------------------------------- network

  private describeSubnets(req: DescribeSubnetsRequest): Json<DescribeSubnetsResult> {
    const recs = (req.SubnetIds ?? []).map((id) => {
      const subnet = this.subnets.get(id);
      if (!subnet) throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
      return subnet;
    });
    const matched = applyFilters(
      req.SubnetIds?.length ? recs : [...this.subnets.values()],
      req.Filters,
      ['subnet-id', 'vpc-id', 'availability-zone', 'cidr-block', 'state'],
      (s) => ({
        tags: s.tags,
        fields: {
          'subnet-id': s.subnetId,
          'vpc-id': s.vpcId,
          'availability-zone': s.availabilityZone,
          'cidr-block': s.cidrBlock,
          state: 'available',
        },
      }),
    );
    const used = (s: SubnetRecord) => this.liveInstances().filter((r) => r.subnet === s).length;
    return {
      Subnets: matched.map((s) => ({
        SubnetId: s.subnetId,
        SubnetArn: `arn:aws:ec2:${this.region.regionName}:${this.region.accountId}:subnet/${s.subnetId}`,
        VpcId: s.vpcId,
        AvailabilityZone: s.availabilityZone,
        CidrBlock: s.cidrBlock,
        State: 'available',
        AvailableIpAddressCount: 2 ** (32 - Number(s.cidrBlock.split('/')[1])) - 5 - used(s),
        DefaultForAz: false,
        MapPublicIpOnLaunch: false,
        OwnerId: this.region.accountId,
        Tags: toTagList(s.tags),
      })),
    };
  }

  private describeSecurityGroups(req: DescribeSecurityGroupsRequest): Json<DescribeSecurityGroupsResult> {
    const recs = (req.GroupIds ?? []).map((id) => {
      const group = this.groups.get(id);
      if (!group) throw ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
      return group;
    });
    const matched = applyFilters(
      req.GroupIds?.length ? recs : [...this.groups.values()],
      req.Filters,
      ['group-id', 'group-name', 'vpc-id', 'description'],
      (g) => ({
        tags: g.tags,
        fields: { 'group-id': g.groupId, 'group-name': g.groupName, 'vpc-id': g.vpcId, description: g.description },
      }),
    );
    return {
      SecurityGroups: matched.map((g) => ({
        GroupId: g.groupId,
        GroupName: g.groupName,
        Description: g.description,
        VpcId: g.vpcId,
        OwnerId: this.region.accountId,
        SecurityGroupArn: `arn:aws:ec2:${this.region.regionName}:${this.region.accountId}:security-group/${g.groupId}`,
        IpPermissions: g.ingress.map(toIpPermission),
        IpPermissionsEgress: g.egress.map(toIpPermission),
        Tags: toTagList(g.tags),
      })),
    };
  }

  private createTags(req: CreateTagsRequest): Record<string, never> {
    const resources = required(req.Resources, 'ResourceId');
    const newTags: Record<string, string> = {};
    for (const tag of required(req.Tags, 'Tag')) newTags[required(tag.Key, 'Tag.Key')] = tag.Value ?? '';
    checkTagKeys(newTags);
    // Resolve every resource first: one unknown id fails the whole call, as in EC2.
    const targets = resources.map((id): { tags: Record<string, string> } => {
      if (id.startsWith('i-')) return this.lookupInstances([id])[0];
      if (id.startsWith('vol-')) return this.lookupVolumes([id])[0];
      if (id.startsWith('snap-')) return this.lookupSnapshots([id])[0];
      if (id.startsWith('sg-') && this.groups.has(id)) return this.groups.get(id)!;
      if (id.startsWith('subnet-') && this.subnets.has(id)) return this.subnets.get(id)!;
      throw ec2Error('InvalidID', `The ID '${id}' is not valid`);
    });
    for (const target of targets) target.tags = { ...target.tags, ...newTags };
    return {};
  }

  // ---------------------------------------------------------------- EBS

  private describeVolumes(req: DescribeVolumesRequest): Json<DescribeVolumesResult> {
    const now = this.now();
    const recs = req.VolumeIds?.length ? this.lookupVolumes(req.VolumeIds) : this.liveVolumes();
    const matched = applyFilters(
      recs,
      req.Filters,
      ['volume-id', 'attachment.instance-id', 'attachment.device', 'availability-zone', 'status', 'volume-type'],
      (v) => {
        const attached = this.volumeAttached(v, now);
        return {
          tags: v.tags,
          fields: {
            'volume-id': v.volumeId,
            'attachment.instance-id': attached ? v.instanceId : undefined,
            'attachment.device': attached ? v.device : undefined,
            'availability-zone': v.availabilityZone,
            status: attached ? 'in-use' : 'available',
            'volume-type': v.volumeType,
          },
        };
      },
    );
    return {
      Volumes: matched.map((v) => {
        const attached = this.volumeAttached(v, now);
        return {
          VolumeId: v.volumeId,
          Size: v.size,
          VolumeType: v.volumeType as VolumeType,
          AvailabilityZone: v.availabilityZone,
          State: attached ? 'in-use' : 'available',
          CreateTime: iso(v.createTime),
          Encrypted: false,
          SnapshotId: '',
          MultiAttachEnabled: false,
          Attachments: attached
            ? [
                {
                  VolumeId: v.volumeId,
                  InstanceId: v.instanceId,
                  Device: v.device,
                  State: 'attached',
                  AttachTime: iso(v.createTime),
                  DeleteOnTermination: v.deleteOnTermination,
                },
              ]
            : [],
          Tags: toTagList(v.tags),
        };
      }),
    };
  }

  /**
   * One crash-consistent set: every selected volume of the instance gets the same point in time, the moment the
   * request is accepted (latency-model §3), and records the instance's workload state at that moment.
   */
  private createSnapshots(req: CreateSnapshotsRequest): Json<CreateSnapshotsResult> {
    const spec = required(req.InstanceSpecification, 'InstanceSpecification');
    const [rec] = this.lookupInstances([required(spec.InstanceId, 'InstanceSpecification.InstanceId')]);
    const now = this.now();
    const state = this.entryAt(rec, now).state;
    if (state === 'terminated' || state === 'shutting-down') {
      // Code and message inferred: a terminated instance has no attached volumes to snapshot.
      throw ec2Error(
        'IncorrectInstanceState',
        `The instance '${rec.instanceId}' is not in a state from which snapshots can be created.`,
      );
    }
    const excluded = new Set(spec.ExcludeDataVolumeIds ?? []);
    const volumes = this.liveVolumes().filter(
      (v) =>
        v.instanceId === rec.instanceId &&
        !excluded.has(v.volumeId) &&
        !(spec.ExcludeBootVolume && v.device === rec.rootDeviceName),
    );
    const extraTags = tagsFor(req.TagSpecifications, 'snapshot');
    const doneAt = now + this.region.latency['ebs.snapshotCompletion'] * 1000;
    const workload = this.workloadAt(rec, now);
    const created = volumes.map((v) => {
      const copied = req.CopyTagsFromSource === 'volume' ? v.tags : {};
      const snap: SnapshotRecord = {
        snapshotId: `snap-${this.region.random.hex(17)}`,
        volumeId: v.volumeId,
        instanceId: rec.instanceId,
        volumeSize: v.size,
        description: req.Description ?? '',
        startTime: now,
        doneAt,
        fails: this.env.snapshotFailures.some(
          (f) => (!f.volumeId || f.volumeId === v.volumeId) && (!f.instanceId || f.instanceId === rec.instanceId),
        ),
        workloadAtSnapshot: { ...workload },
        tags: { ...copied, ...extraTags },
      };
      this.snapshots.set(snap.snapshotId, snap);
      return snap;
    });
    return {
      Snapshots: created.map((s) => {
        const { SnapshotId, VolumeId, State, StartTime, Progress, OwnerId, Description, VolumeSize, Encrypted, Tags } =
          this.renderSnapshot(s, now);
        return { SnapshotId, VolumeId, State, StartTime, Progress, OwnerId, Description, VolumeSize, Encrypted, Tags };
      }),
    };
  }

  private describeSnapshots(req: DescribeSnapshotsRequest): Json<DescribeSnapshotsResult> {
    const now = this.now();
    const owners = req.OwnerIds ?? [];
    if (owners.length > 0 && !owners.some((o) => o === 'self' || o === this.region.accountId)) return { Snapshots: [] };
    const recs = req.SnapshotIds?.length ? this.lookupSnapshots(req.SnapshotIds) : [...this.snapshots.values()];
    const matched = applyFilters(
      recs,
      req.Filters,
      ['snapshot-id', 'volume-id', 'status', 'owner-id', 'description', 'progress', 'volume-size'],
      (s) => {
        const out = this.renderSnapshot(s, now);
        return {
          tags: s.tags,
          fields: {
            'snapshot-id': s.snapshotId,
            'volume-id': s.volumeId,
            status: out.State,
            'owner-id': this.region.accountId,
            description: s.description,
            progress: out.Progress,
            'volume-size': String(s.volumeSize),
          },
        };
      },
    );
    return { Snapshots: matched.map((s) => this.renderSnapshot(s, now)) };
  }

  private deleteSnapshot(req: DeleteSnapshotRequest): Record<string, never> {
    const [snap] = this.lookupSnapshots([required(req.SnapshotId, 'SnapshotId')]);
    checkSnapshotNotInUse(snap.snapshotId, this.images.imageUsingSnapshot(snap.snapshotId, this.now()));
    this.snapshots.delete(snap.snapshotId);
    return {};
  }

  /**
   * The copy lives in this same simulated region, whatever `SourceRegion` says (one region per drill); the
   * snapshot() output records where it was copied from. Like EC2, a copy's VolumeId is `vol-ffffffff` and the
   * source's tags are not copied.
   */
  private copySnapshot(req: CopySnapshotRequest): Json<CopySnapshotResult> {
    const sourceRegion = required(req.SourceRegion, 'SourceRegion');
    const [source] = this.lookupSnapshots([required(req.SourceSnapshotId, 'SourceSnapshotId')]);
    const now = this.now();
    const state = this.snapshotState(source, now);
    if (state !== 'completed') {
      // Code from the EC2 error list; the message wording is inferred.
      throw ec2Error('IncorrectState', `Snapshot '${source.snapshotId}' is in invalid state - ${state}`);
    }
    const copying = [...this.snapshots.values()].filter(
      (s) => s.copiedFrom && this.snapshotState(s, now) === 'pending',
    );
    checkCopyLimit(copying.length, this.region.regionName);
    const snap: SnapshotRecord = {
      snapshotId: `snap-${this.region.random.hex(17)}`,
      volumeId: 'vol-ffffffff',
      volumeSize: source.volumeSize,
      description: req.Description ?? `[Copied ${source.snapshotId} from ${sourceRegion}]`,
      startTime: now,
      doneAt: now + this.region.latency['ebs.copySnapshotCompletion'] * 1000,
      fails: false,
      workloadAtSnapshot: source.workloadAtSnapshot,
      copiedFrom: { snapshotId: source.snapshotId, region: sourceRegion },
      tags: tagsFor(req.TagSpecifications, 'snapshot'),
    };
    this.snapshots.set(snap.snapshotId, snap);
    return { SnapshotId: snap.snapshotId, Tags: toTagList(snap.tags) };
  }

  // ---------------------------------------------------------------- state for assertions

  snapshot(): unknown {
    const now = this.now();
    return {
      instances: [...this.instances.values()].map((rec) => {
        const state = this.entryAt(rec, now).state;
        const view = this.viewAt(rec, now);
        return {
          instanceId: rec.instanceId,
          state,
          visible: view !== undefined,
          imageId: rec.imageId,
          instanceType: rec.instanceType,
          keyName: rec.keyName,
          availabilityZone: rec.subnet.availabilityZone,
          subnetId: rec.subnet.subnetId,
          privateIpAddress: rec.privateIpAddress,
          securityGroupIds: [...rec.securityGroupIds],
          networkInterfaces: this.interfacesOf(rec).map((x) => ({
            networkInterfaceId: x.networkInterfaceId,
            deviceIndex: x.deviceIndex,
            subnetId: x.subnet.subnetId,
            privateIpAddress: x.privateIpAddress,
            securityGroupIds: [...x.securityGroupIds],
          })),
          iamInstanceProfile: rec.iamInstanceProfileArn,
          tags: { ...rec.tags },
          workload: { ...this.workloadAt(rec, now) },
          impaired: this.impairedAt(rec, state, now),
          ssmOnline: view?.ssmOnline ?? false,
          launchTime: iso(rec.launchTime),
        };
      }),
      writers: this.writers(),
      frozen: this.frozenIntervals(),
      subnets: [...this.subnets.values()].map((s) => ({ ...s, tags: { ...s.tags } })),
      securityGroups: [...this.groups.values()].map((g) => ({ ...g, tags: { ...g.tags } })),
      volumes: [...this.volumes.values()].map((v) => ({
        volumeId: v.volumeId,
        state: this.volumeAttached(v, now) ? 'in-use' : this.volumeDeleted(v, now) ? 'deleted' : 'available',
        instanceId: v.instanceId,
        device: v.device,
        sizeGiB: v.size,
        tags: { ...v.tags },
      })),
      snapshots: [...this.snapshots.values()].map((s) => ({
        snapshotId: s.snapshotId,
        volumeId: s.volumeId,
        instanceId: s.instanceId,
        state: this.snapshotState(s, now),
        startTime: iso(s.startTime),
        description: s.description,
        tags: { ...s.tags },
        workloadAtSnapshot: s.workloadAtSnapshot,
        copiedFrom: s.copiedFrom,
      })),
    };
  }

  // ---------------------------------------------------------------- helpers

  private now(): number {
    return this.region.clock.now();
  }

  private loadEnvironment(): void {
    const problems: string[] = [];
    const start = this.region.clock.startMs;
    this.env.subnets.forEach((s, index) =>
      this.subnets.set(s.subnetId, { ...s, cidrBlock: s.cidrBlock ?? `10.0.${index}.0/24`, tags: { ...s.tags } }),
    );
    for (const g of this.env.securityGroups) {
      this.groups.set(g.groupId, {
        ...g,
        description: g.description ?? g.groupName,
        tags: { ...g.tags },
        ingress: [...g.ingress],
        egress: [...g.egress],
      });
    }
    for (const p of this.env.instanceProfiles) this.profiles.set(p.arn, this.profileId());
    for (const i of this.env.instances) {
      const subnet = this.subnets.get(i.subnetId);
      if (!subnet) {
        problems.push(`instance ${i.instanceId}: unknown subnetId '${i.subnetId}'`);
        continue;
      }
      const unknownGroups = i.securityGroupIds.filter((g) => !this.groups.has(g));
      if (unknownGroups.length > 0)
        problems.push(`instance ${i.instanceId}: unknown securityGroupIds ${unknownGroups.join(', ')}`);
      if (i.iamInstanceProfile && !this.profiles.has(i.iamInstanceProfile)) {
        this.profiles.set(i.iamInstanceProfile, this.profileId());
      }
      const launchTime = i.launchTime ? Date.parse(i.launchTime) : start - 86_400_000;
      const lat = this.region.latency;
      const shuttingDownSeconds = i.shuttingDownSeconds ?? lat['ec2.shuttingDownToTerminated'];
      const timelines: Record<StateName, InstanceRecord['timeline']> = {
        running: [{ at: launchTime, state: 'running' }],
        stopped: [{ at: launchTime, state: 'stopped', reason: 'User initiated' }],
        pending: [
          { at: start, state: 'pending' },
          { at: start + lat['ec2.pendingToRunning'] * 1000, state: 'running' },
        ],
        stopping: [
          { at: launchTime, state: 'running' },
          { at: start, state: 'stopping', reason: 'User initiated' },
          { at: start + lat['ec2.stoppingToStopped'] * 1000, state: 'stopped', reason: 'User initiated' },
        ],
        'shutting-down': [
          { at: start, state: 'shutting-down', reason: 'User initiated' },
          { at: start + shuttingDownSeconds * 1000, state: 'terminated', reason: 'User initiated' },
        ],
        terminated: [{ at: start, state: 'terminated', reason: 'User initiated' }],
      };
      const volumes = i.volumes ?? [
        {
          volumeId: `vol-${this.region.random.hex(17)}`,
          device: '/dev/xvda',
          sizeGiB: 8,
          volumeType: 'gp3',
          boot: true,
          tags: {},
        },
      ];
      const rec: InstanceRecord = {
        instanceId: i.instanceId,
        reservationId: `r-${this.region.random.hex(17)}`,
        imageId: i.imageId,
        instanceType: i.instanceType,
        keyName: i.keyName,
        subnet,
        privateIpAddress: i.privateIpAddress ?? this.allocateIp(subnet),
        networkInterfaceId: `eni-${this.region.random.hex(17)}`,
        iamInstanceProfileArn: i.iamInstanceProfile,
        launchTime,
        visibleAt: -Infinity,
        launchIndex: 0,
        rootDeviceName: volumes.find((v) => v.boot)?.device ?? '/dev/xvda',
        bootFails: false,
        securityGroupIds: [...i.securityGroupIds],
        extraInterfaces: [],
        groupHistory: [],
        tags: { ...i.tags },
        disableApiTermination: i.disableApiTermination,
        shuttingDownSeconds,
        timeline: timelines[i.state],
        workload: [{ at: -Infinity, state: { ...i.workload } }],
        hook: i.becomePrimaryHook,
      };
      this.instances.set(rec.instanceId, rec);
      problems.push(...this.loadInterfaces(rec, i.networkInterfaces));
      this.recordGroups(rec, -Infinity);
      for (const v of volumes)
        this.addVolume(rec, v.device, v.sizeGiB, v.volumeType, v.boot, { ...v.tags }, v.volumeId);
    }
    for (const snap of this.env.snapshots) {
      const startTime = Date.parse(snap.startTime);
      this.snapshots.set(snap.snapshotId, {
        snapshotId: snap.snapshotId,
        volumeId: snap.volumeId,
        instanceId: snap.instanceId,
        volumeSize: snap.volumeSizeGiB,
        description: snap.description,
        startTime,
        doneAt: snap.state === 'pending' ? start + this.region.latency['ebs.snapshotCompletion'] * 1000 : startTime,
        fails: snap.state === 'error',
        tags: { ...snap.tags },
      });
    }
    for (const c of this.env.workloadChanges) {
      if (!this.instances.has(c.instanceId)) problems.push(`workloadChanges: unknown instanceId '${c.instanceId}'`);
    }
    if (problems.length > 0) throw new Error(`invalid EC2 environment:\n  ${problems.join('\n  ')}`);
  }

  private profileId(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let id = 'AIPA';
    while (id.length < 21) id += alphabet[Math.floor(this.region.random.next() * alphabet.length)];
    return id;
  }

  private addVolume(
    rec: InstanceRecord,
    device: string,
    size: number,
    volumeType: string,
    boot: boolean,
    volumeTags: Record<string, string>,
    volumeId: string,
  ): void {
    this.volumes.set(volumeId, {
      volumeId,
      instanceId: rec.instanceId,
      device,
      size,
      volumeType,
      availabilityZone: rec.subnet.availabilityZone,
      createTime: rec.launchTime,
      deleteOnTermination: boot,
      tags: volumeTags,
    });
  }

  /** The AMI's state now; undefined for an AMI this region does not know (local/region/images.ts). */
  private imageState(imageId: string): ImageStateName | undefined {
    return this.images.stateAt(imageId, this.now());
  }

  private knownImage(imageId: string): boolean {
    return this.imageState(imageId) !== undefined;
  }

  private resolveProfile(spec: RunInstancesRequest['IamInstanceProfile']): string | undefined {
    if (!spec || (!spec.Arn && !spec.Name)) return undefined;
    const arn = [...this.profiles.keys()].find((a) =>
      spec.Arn ? a === spec.Arn : a.endsWith(`:instance-profile/${spec.Name}`) || a.endsWith(`/${spec.Name}`),
    );
    if (!arn) {
      const [param, value, what] = spec.Arn ? ['arn', spec.Arn, 'ARN'] : ['name', spec.Name, 'name'];
      throw ec2Error(
        'InvalidParameterValue',
        `Value (${value}) for parameter iamInstanceProfile.${param} is invalid. Invalid IAM Instance Profile ${what}`,
      );
    }
    return arn;
  }

  /** AZ outage or a scenario's capacity entry. InsufficientInstanceCapacity is a server error (HTTP 500). */
  private checkCapacity(zone: string, instanceType: string): void {
    const insufficient = () =>
      ec2Error(
        'InsufficientInstanceCapacity',
        `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity. You can currently get ${instanceType} capacity by not specifying an Availability Zone in your request or choosing other Availability Zones.`,
        500,
      );
    if (this.zoneImpaired(zone, this.now())) throw insufficient();
    const index = this.env.capacity.findIndex(
      (c, i) =>
        c.availabilityZone === zone && (!c.instanceType || c.instanceType === instanceType) && this.capacityLeft[i] > 0,
    );
    if (index < 0) return;
    this.capacityLeft[index] -= 1;
    if (this.env.capacity[index].error === 'InsufficientInstanceCapacity') throw insufficient();
    throw ec2Error(
      'Unsupported',
      `Your requested instance type (${instanceType}) is not supported in your requested Availability Zone (${zone}). Please retry your request by not specifying an Availability Zone or choosing another Availability Zone.`,
    );
  }

  private takeBootFailure(zone: string, imageId: string): boolean {
    const index = this.env.bootFailures.findIndex(
      (b, i) =>
        (!b.availabilityZone || b.availabilityZone === zone) &&
        (!b.imageId || b.imageId === imageId) &&
        this.bootFailuresLeft[i] > 0,
    );
    if (index < 0) return false;
    this.bootFailuresLeft[index] -= 1;
    return true;
  }

  private allocateIp(subnet: SubnetRecord): string {
    const [base, bits] = subnet.cidrBlock.split('/');
    const size = 2 ** (32 - Number(bits));
    const used = new Set(this.liveInstances().map((r) => r.privateIpAddress));
    // AWS reserves the first four addresses and the last one of every subnet.
    for (let attempt = 0; attempt < 1000; attempt++) {
      const ip = numberToIp(ipToNumber(base) + 4 + Math.floor(this.region.random.next() * (size - 5)));
      if (!used.has(ip)) return ip;
    }
    throw ec2Error(
      'InsufficientFreeAddressesInSubnet',
      `There are not enough free addresses in subnet '${subnet.subnetId}' to satisfy the requested number of instances.`,
    );
  }

  private checkGroups(groupIds: string[], vpcId: string): string[] {
    for (const id of groupIds) {
      const group = this.groups.get(id);
      if (!group) throw ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
      if (group.vpcId !== vpcId) {
        throw ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist in VPC '${vpcId}'`);
      }
    }
    return [...groupIds];
  }

  /** A forced stop of an instance stuck in `stopping` (nothing scheduled): it reaches `stopped` after `delay`. */
  private unstick(rec: InstanceRecord, now: number, delaySeconds: number): void {
    const entry = this.entryAt(rec, now);
    if (entry.state !== 'stopping' || rec.timeline.some((e) => e.at > now)) return;
    rec.timeline.push({ at: now + delaySeconds * 1000, state: 'stopped', reason: entry.reason });
  }

  /** Records the groups of every interface of `rec` as they are now, from `at` on. */
  private recordGroups(rec: InstanceRecord, at: number): void {
    const byInterface: Record<string, string[]> = { [rec.networkInterfaceId]: [...rec.securityGroupIds] };
    for (const x of rec.extraInterfaces) byInterface[x.networkInterfaceId] = [...x.securityGroupIds];
    const index = rec.groupHistory.findIndex((g) => g.at > at);
    if (index === -1) rec.groupHistory.push({ at, byInterface });
    else rec.groupHistory.splice(index, 0, { at, byInterface });
  }

  /** The groups of each interface at `t`. */
  private groupsAt(rec: InstanceRecord, t: number): Record<string, string[]> {
    let current = rec.groupHistory[0]?.byInterface ?? {};
    for (const g of rec.groupHistory) if (g.at <= t) current = g.byInterface;
    return current;
  }

  /**
   * The rules of these groups. An interface the scenario gave no group stands for its VPC's default group, as
   * an instance always has one: all traffic in (from the group) and out.
   */
  private groupRulesOf(groupIds: readonly string[]): (GroupRules | undefined)[] {
    if (groupIds.length === 0) return [{ ingress: [ALLOW_ALL], egress: [ALLOW_ALL] }];
    return groupIds.map((id) => this.groups.get(id));
  }

  /** A secondary interface of a RunInstances request (`NetworkInterfaces[1…]`). */
  private launchInterface(
    rec: InstanceRecord,
    spec: NonNullable<RunInstancesRequest['NetworkInterfaces']>[number],
  ): void {
    const subnet = spec.SubnetId ? this.subnets.get(spec.SubnetId) : rec.subnet;
    if (!subnet) throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${spec.SubnetId}' does not exist`);
    rec.extraInterfaces.push({
      networkInterfaceId: `eni-${this.region.random.hex(17)}`,
      deviceIndex: spec.DeviceIndex ?? rec.extraInterfaces.length + 1,
      subnet,
      privateIpAddress: this.allocateIp(subnet),
      securityGroupIds: this.checkGroups(spec.Groups ?? [], subnet.vpcId),
    });
  }

  /** A scenario instance's secondary interfaces; returns the problems found. */
  private loadInterfaces(rec: InstanceRecord, specs: Env['instances'][number]['networkInterfaces']): string[] {
    const problems: string[] = [];
    for (const spec of specs) {
      const subnet = spec.subnetId ? this.subnets.get(spec.subnetId) : rec.subnet;
      const where = `instance ${rec.instanceId} interface ${spec.deviceIndex}`;
      if (!subnet) {
        problems.push(`${where}: unknown subnetId '${spec.subnetId}'`);
        continue;
      }
      if (subnet.availabilityZone !== rec.subnet.availabilityZone) {
        problems.push(`${where}: subnet ${subnet.subnetId} is not in ${rec.subnet.availabilityZone}`);
      }
      if (spec.deviceIndex === 0 || rec.extraInterfaces.some((x) => x.deviceIndex === spec.deviceIndex)) {
        problems.push(`${where}: device index ${spec.deviceIndex} is already used`);
      }
      const unknown = spec.securityGroupIds.filter((g) => this.groups.get(g)?.vpcId !== subnet.vpcId);
      if (unknown.length > 0) problems.push(`${where}: unknown securityGroupIds in its VPC: ${unknown.join(', ')}`);
      rec.extraInterfaces.push({
        networkInterfaceId: spec.networkInterfaceId ?? `eni-${this.region.random.hex(17)}`,
        deviceIndex: spec.deviceIndex,
        subnet,
        privateIpAddress: spec.privateIpAddress ?? this.allocateIp(subnet),
        securityGroupIds: [...spec.securityGroupIds],
      });
    }
    return problems;
  }

  /** The writers timeline of every instance (writers.ts), from the drill's start. */
  private writers(): WriterRow[] {
    this.applyDueWorkloadChanges();
    const start = this.region.clock.startMs;
    const bootMs = this.region.latency['ec2.runningToSsmOnline'] * 1000;
    return [...this.instances.values()].flatMap((rec) =>
      writerIntervals(
        {
          instanceId: rec.instanceId,
          tags: rec.tags,
          timeline: rec.timeline,
          changes: [...rec.workload.map((w) => w.at), ...rec.groupHistory.map((g) => g.at)],
          workloadAt: (t) => this.recordedWorkloadAt(rec, t),
          admitsClientsAt: (t) =>
            Object.values(this.groupsAt(rec, t)).some((ids) => admitsClients(this.groupRulesOf(ids))),
          bootFails: rec.bootFails,
        },
        start,
        bootMs,
      ).map((w) => ({
        instanceId: w.instanceId,
        tags: { ...w.tags },
        from: iso(w.fromMs),
        to: w.toMs === null ? null : iso(w.toMs),
      })),
    );
  }

  /**
   * The frozen timeline of every instance (issue #14, `never-left-frozen`): the intervals during which its workload
   * has `frozen: true` (an IRIS ExternalFreeze, a freeze command's effect, a scripted change), clipped to the drill's
   * start; `to` is null while still frozen at the end. The final `workload` alone cannot show a freeze that a thaw
   * ended too late.
   */
  private frozenIntervals(): { instanceId: string; from: string; to: string | null }[] {
    this.applyDueWorkloadChanges();
    const start = this.region.clock.startMs;
    return [...this.instances.values()].flatMap((rec) => {
      const out: { instanceId: string; from: string; to: string | null }[] = [];
      let since: number | undefined;
      for (const w of rec.workload) {
        const frozen = w.state.frozen === true;
        if (frozen && since === undefined) since = w.at;
        if (!frozen && since !== undefined) {
          if (w.at > start) out.push({ instanceId: rec.instanceId, from: iso(Math.max(since, start)), to: iso(w.at) });
          since = undefined;
        }
      }
      if (since !== undefined) out.push({ instanceId: rec.instanceId, from: iso(Math.max(since, start)), to: null });
      return out;
    });
  }

  private entryAt(rec: InstanceRecord, t: number): InstanceRecord['timeline'][number] {
    let current = rec.timeline[0];
    for (const e of rec.timeline) if (e.at <= t) current = e;
    return current;
  }

  private workloadAt(rec: InstanceRecord, t: number): WorkloadState {
    this.applyDueWorkloadChanges();
    return this.recordedWorkloadAt(rec, t);
  }

  private recordedWorkloadAt(rec: InstanceRecord, t: number): WorkloadState {
    let current = rec.workload[0].state;
    for (const w of rec.workload) if (w.at <= t) current = w.state;
    return current;
  }

  /**
   * Writes the scripted workload changes the clock has reached into their instances' workload history, each at
   * its own moment (lazily: on the first read of any workload at or after it, so that reads see time in order).
   */
  private applyDueWorkloadChanges(): void {
    const now = this.now();
    while (this.workloadChanges.length > 0 && this.workloadChanges[0].at <= now) {
      const change = this.workloadChanges.shift()!;
      const rec = this.instances.get(change.instanceId);
      if (!rec) continue;
      const state = { ...this.recordedWorkloadAt(rec, change.at), ...change.set };
      const index = rec.workload.findIndex((w) => w.at > change.at);
      const entry = { at: change.at, state };
      if (index === -1) rec.workload.push(entry);
      else rec.workload.splice(index, 0, entry);
    }
  }

  private zoneImpaired(zone: string, t: number): boolean {
    return this.impairments.some((i) => i.zone === zone && i.fromMs <= t);
  }

  private impairedAt(rec: InstanceRecord, state: StateName, t: number): boolean {
    return state === 'running' && (rec.bootFails || this.zoneImpaired(rec.subnet.availabilityZone, t));
  }

  private visibleAt(rec: InstanceRecord, t: number): boolean {
    const entry = this.entryAt(rec, t);
    return t >= rec.visibleAt && !(entry.state === 'terminated' && t >= entry.at + TERMINATED_VISIBLE_MS);
  }

  private viewAt(rec: InstanceRecord, t: number): InstanceView | undefined {
    if (!this.visibleAt(rec, t)) return undefined;
    const entry = this.entryAt(rec, t);
    const impaired = this.impairedAt(rec, entry.state, t);
    return {
      instanceId: rec.instanceId,
      state: entry.state,
      availabilityZone: rec.subnet.availabilityZone,
      subnetId: rec.subnet.subnetId,
      privateIpAddress: rec.privateIpAddress,
      // The agent reaches the SSM endpoints over HTTPS through the primary interface (item 9).
      ssmOnline:
        entry.state === 'running' &&
        !impaired &&
        t >= entry.at + this.region.latency['ec2.runningToSsmOnline'] * 1000 &&
        allowsEgress(this.groupRulesOf(this.groupsAt(rec, t)[rec.networkInterfaceId] ?? [])),
      impaired,
      securityGroupIds: [...rec.securityGroupIds],
      tags: { ...rec.tags },
      workload: { ...this.workloadAt(rec, t) },
    };
  }

  private visibleInstances(): InstanceRecord[] {
    return [...this.instances.values()].filter((r) => this.visibleAt(r, this.now()));
  }

  /** Instances that hold an address and volumes (not terminated). */
  private liveInstances(): InstanceRecord[] {
    return [...this.instances.values()].filter((r) => this.entryAt(r, this.now()).state !== 'terminated');
  }

  /** The instances, in request order; any unknown or not yet visible id fails the call like EC2. */
  private lookupInstances(ids: readonly string[]): InstanceRecord[] {
    const now = this.now();
    const malformed = ids.find((id) => !this.instances.has(id) && !/^i-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id));
    if (malformed) throw ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${malformed}" (expecting "i-...")`);
    const missing = ids.filter((id) => {
      const rec = this.instances.get(id);
      return !rec || !this.visibleAt(rec, now);
    });
    if (missing.length === 1) {
      throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
    }
    if (missing.length > 1) {
      throw ec2Error('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
    }
    return [...new Set(ids)].map((id) => this.instances.get(id)!);
  }

  private requireStates(recs: InstanceRecord[], allowed: StateName[], verb: 'stopped' | 'started'): void {
    for (const rec of recs) {
      if (!allowed.includes(this.entryAt(rec, this.now()).state)) {
        throw ec2Error(
          'IncorrectInstanceState',
          `The instance '${rec.instanceId}' is not in a state from which it can be ${verb}.`,
        );
      }
    }
  }

  /**
   * Moves an instance to `via` now and to `to` after `delaySeconds`, dropping transitions it had scheduled;
   * an instance already in one of `settled` is left as it is (the call is idempotent, as in EC2).
   */
  private transition(
    rec: InstanceRecord,
    settled: StateName[],
    via: StateName,
    to: StateName,
    delaySeconds: number,
  ): Json<InstanceStateChange> {
    const now = this.now();
    const previous = this.entryAt(rec, now).state;
    if (!settled.includes(previous)) {
      const reason = via === 'pending' ? undefined : `User initiated (${iso(now).replace('T', ' ').slice(0, 19)} GMT)`;
      rec.timeline = [
        ...rec.timeline.filter((e) => e.at <= now),
        { at: now, state: via, reason },
        { at: now + delaySeconds * 1000, state: to, reason },
      ];
    }
    const current = this.entryAt(rec, now).state;
    return {
      InstanceId: rec.instanceId,
      CurrentState: { Code: STATE_CODES[current], Name: current },
      PreviousState: { Code: STATE_CODES[previous], Name: previous },
    };
  }

  private reservationOf(recs: InstanceRecord[]): Json<Reservation> {
    return {
      ReservationId: recs[0].reservationId,
      OwnerId: this.region.accountId,
      Groups: [],
      Instances: recs.map((rec) => this.renderInstance(rec)),
    };
  }

  private renderInstance(rec: InstanceRecord): Json<Instance> {
    const now = this.now();
    const entry = this.entryAt(rec, now);
    const state = entry.state;
    const terminated = state === 'terminated';
    const dnsSuffix =
      this.region.regionName === 'us-east-1' ? 'ec2.internal' : `${this.region.regionName}.compute.internal`;
    const groups = rec.securityGroupIds.map((id) => ({ GroupId: id, GroupName: this.groups.get(id)?.groupName }));
    const profileId = rec.iamInstanceProfileArn && this.profiles.get(rec.iamInstanceProfileArn);
    const shutdown = state === 'stopped' || state === 'terminated' || state === 'stopping' || state === 'shutting-down';
    return {
      InstanceId: rec.instanceId,
      ImageId: rec.imageId,
      InstanceType: rec.instanceType as _InstanceType,
      KeyName: rec.keyName,
      LaunchTime: iso(rec.launchTime),
      AmiLaunchIndex: rec.launchIndex,
      Placement: { AvailabilityZone: rec.subnet.availabilityZone, GroupName: '', Tenancy: 'default' },
      State: { Code: STATE_CODES[state], Name: state },
      StateTransitionReason: entry.reason ?? '',
      ...(state === 'pending' ? { StateReason: { Code: 'pending', Message: 'pending' } } : {}),
      ...(shutdown
        ? {
            StateReason: {
              Code: 'Client.UserInitiatedShutdown',
              Message: 'Client.UserInitiatedShutdown: User initiated shutdown',
            },
          }
        : {}),
      // A terminated instance has released its network interface and volumes.
      ...(terminated
        ? { PrivateDnsName: '', NetworkInterfaces: [], BlockDeviceMappings: [], SecurityGroups: [] }
        : {
            PrivateDnsName: `ip-${rec.privateIpAddress.replace(/\./g, '-')}.${dnsSuffix}`,
            PrivateIpAddress: rec.privateIpAddress,
            SubnetId: rec.subnet.subnetId,
            VpcId: rec.subnet.vpcId,
            SecurityGroups: groups,
            NetworkInterfaces: this.interfacesOf(rec).map((x) => {
              const xGroups = x.securityGroupIds.map((id) => ({
                GroupId: id,
                GroupName: this.groups.get(id)?.groupName,
              }));
              return {
                NetworkInterfaceId: x.networkInterfaceId,
                SubnetId: x.subnet.subnetId,
                VpcId: x.subnet.vpcId,
                PrivateIpAddress: x.privateIpAddress,
                Groups: xGroups,
                Status: 'in-use',
                SourceDestCheck: true,
                OwnerId: this.region.accountId,
                Attachment: {
                  AttachmentId: `eni-attach-${x.networkInterfaceId.slice(4)}`,
                  DeviceIndex: x.deviceIndex,
                  Status: 'attached',
                  AttachTime: iso(rec.launchTime),
                  DeleteOnTermination: x.deviceIndex === 0,
                },
              };
            }),
            BlockDeviceMappings: [...this.volumes.values()]
              .filter((v) => v.instanceId === rec.instanceId)
              .map((v) => ({
                DeviceName: v.device,
                Ebs: {
                  VolumeId: v.volumeId,
                  Status: 'attached',
                  AttachTime: iso(v.createTime),
                  DeleteOnTermination: v.deleteOnTermination,
                },
              })),
          }),
      ...(rec.iamInstanceProfileArn ? { IamInstanceProfile: { Arn: rec.iamInstanceProfileArn, Id: profileId } } : {}),
      RootDeviceName: rec.rootDeviceName,
      RootDeviceType: 'ebs',
      Architecture: 'x86_64',
      VirtualizationType: 'hvm',
      Hypervisor: 'xen',
      EbsOptimized: false,
      Monitoring: { State: 'disabled' },
      ClientToken: rec.clientToken ?? '',
      Tags: toTagList(rec.tags),
    };
  }

  /** Every interface of the instance, the primary one (device index 0) first. */
  private interfacesOf(rec: InstanceRecord): InterfaceRecord[] {
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

  private volumeAttached(v: VolumeRecord, t: number): boolean {
    const rec = this.instances.get(v.instanceId);
    return rec !== undefined && t >= rec.launchTime && this.entryAt(rec, t).state !== 'terminated';
  }

  private volumeDeleted(v: VolumeRecord, t: number): boolean {
    return !this.volumeAttached(v, t) && v.deleteOnTermination;
  }

  /** Volumes that exist now: attached ones, and detached ones kept after their instance's termination. */
  private liveVolumes(): VolumeRecord[] {
    return [...this.volumes.values()].filter((v) => !this.volumeDeleted(v, this.now()));
  }

  private lookupVolumes(ids: readonly string[]): VolumeRecord[] {
    const live = new Set(this.liveVolumes().map((v) => v.volumeId));
    const missing = ids.filter((id) => !live.has(id));
    if (missing.length > 0)
      throw ec2Error('InvalidVolume.NotFound', `The volume '${missing.join(', ')}' does not exist.`);
    return [...new Set(ids)].map((id) => this.volumes.get(id)!);
  }

  private lookupSnapshots(ids: readonly string[]): SnapshotRecord[] {
    const malformed = ids.find((id) => !this.snapshots.has(id) && !/^snap-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id));
    if (malformed) throw ec2Error('InvalidSnapshotID.Malformed', `Invalid id: "${malformed}" (expecting "snap-...")`);
    const missing = ids.filter((id) => !this.snapshots.has(id));
    if (missing.length > 0) {
      throw ec2Error('InvalidSnapshot.NotFound', `The snapshot '${missing.join(', ')}' does not exist.`);
    }
    return [...new Set(ids)].map((id) => this.snapshots.get(id)!);
  }

  private snapshotState(s: SnapshotRecord, t: number): SnapshotState {
    if (t < s.doneAt) return 'pending';
    return s.fails ? 'error' : 'completed';
  }

  private renderSnapshot(s: SnapshotRecord, t: number): Json<Snapshot> {
    const state = this.snapshotState(s, t);
    const fraction = (t - s.startTime) / Math.max(1, s.doneAt - s.startTime);
    const progress = state === 'completed' ? 100 : Math.min(99, Math.floor(fraction * 100));
    return {
      SnapshotId: s.snapshotId,
      VolumeId: s.volumeId,
      State: state,
      StartTime: iso(s.startTime),
      Progress: `${progress}%`,
      OwnerId: this.region.accountId,
      Description: s.description,
      VolumeSize: s.volumeSize,
      Encrypted: false,
      StorageTier: 'standard',
      ...(state === 'completed' ? { CompletionTime: iso(s.doneAt) } : {}),
      Tags: toTagList(s.tags),
    };
  }
}
