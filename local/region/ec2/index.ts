import type {
  CopySnapshotRequest,
  CreateSnapshotsRequest,
  CreateTagsRequest,
  DeleteSnapshotRequest,
  DescribeImagesRequest,
  DescribeInstanceStatusRequest,
  DescribeInstanceTypeOfferingsRequest,
  DescribeInstancesRequest,
  DescribeSecurityGroupsRequest,
  DescribeSnapshotsRequest,
  DescribeSubnetsRequest,
  DescribeVolumesRequest,
  ModifyInstanceAttributeRequest,
  ModifyNetworkInterfaceAttributeRequest,
  RunInstancesRequest,
  StartInstancesRequest,
  StopInstancesRequest,
  TerminateInstancesRequest,
} from '@aws-sdk/client-ec2';
import type { ActionHandler, ServiceSimulator, SimulatedRegion } from '../region';
import type { InstanceInspector, InstanceTimeline, InstanceView, ZoneLister } from '../types';
import { type HookFiring, WorkloadModel, type WorkloadState } from '../workload';
import { Capacity } from './capacity';
import { Instances } from './instances';
import { Launcher } from './launch';
import { Network } from './network';
import { checkTagKeys, Ec2Store, ec2Error, type InstanceRecord, required } from './records';
import { type Ec2Environment, ec2EnvironmentSchema } from './schema';
import { Storage } from './storage';

export { ec2EnvironmentSchema, type Ec2Environment, type Json } from './schema';
export type { HookFiring } from '../workload';
export type { InstanceTimeline } from '../types';

/**
 * Simulated EC2 and EBS: instances with a lifecycle computed from the virtual clock, subnets, security groups,
 * volumes and snapshots. One concern per module: instances.ts (lifecycle, views, describe/stop/start/terminate),
 * launch.ts (RunInstances and the scenario's instances), network.ts (subnets, security groups, interfaces),
 * storage.ts (volumes, snapshots, AMIs), capacity.ts (capacity, AZ outages, failed boots); the database workload
 * the instances carry is ../workload.ts.
 *
 * Modeled behaviour (latency keys of local/latency.ts): a launched instance is `pending`, then `running`
 * `ec2.pendingToRunning` s after RunInstances returns, its SSM agent online `ec2.runningToSsmOnline` s later;
 * its id is unknown to every action for `ec2.eventualConsistency` s after RunInstances returns. Terminated
 * instances stay listed for one hour. Dates in outputs are ISO strings (what Step Functions' JSON carries).
 * `DryRun` is modeled for RunInstances (validated like the real call, then `DryRunOperation`, HTTP 412; the
 * simulator has no IAM, so `UnauthorizedOperation` comes only from a scenario's fault); any other action called
 * with `DryRun: true` is refused as not modeled rather than performed.
 * Several network interfaces per instance (device index, subnet, own groups): `ModifyInstanceAttribute Groups` is
 * refused for an instance with more than one (`InvalidInstanceID`), `ModifyNetworkInterfaceAttribute` changes any.
 * Security-group rules decide whether the SSM agent comes online (HTTPS egress, network.ts) and whether a workload
 * takes clients (writers.ts).
 * Not modeled: pagination (MaxResults/NextToken are ignored), public IPs.
 */
export class Ec2Simulator implements ServiceSimulator, InstanceInspector, InstanceTimeline, ZoneLister {
  readonly name = 'ec2' as const;
  readonly actions: Readonly<Record<string, ActionHandler>>;
  /** The database workload on the instances (SSM's commands change it, the HTTP probe reads it). */
  readonly workload: WorkloadModel;
  private readonly store: Ec2Store;
  private readonly network: Network;
  private readonly capacity: Capacity;
  private readonly storage: Storage;
  private readonly instances: Instances;
  private readonly launcher: Launcher;

  constructor(
    private readonly region: SimulatedRegion,
    environment: Ec2Environment,
  ) {
    const env = ec2EnvironmentSchema.parse(environment);
    this.workload = new WorkloadModel(() => region.clock.now(), region.clock.startMs, env.workloadChanges);
    this.store = new Ec2Store(region, env, this.workload);
    this.network = new Network(this.store);
    this.capacity = new Capacity(this.store);
    this.storage = new Storage(this.store);
    this.instances = new Instances(this.store, this.network, this.capacity, this.storage);
    this.launcher = new Launcher(this.store, this.network, this.capacity, this.storage, (recs) =>
      this.instances.reservationOf(recs),
    );
    this.loadEnvironment();
    this.actions = this.actionTable();
  }

  latencyOf(action: string): number {
    if (action === 'RunInstances') return this.region.latency['ec2.RunInstances'];
    if (action === 'CreateSnapshots') return this.region.latency['ebs.CreateSnapshots'];
    return this.region.latency['ec2.api'];
  }

  /** Starts an AZ outage now (for fault scripts): instances there become impaired, launches there fail. */
  impairAvailabilityZone(zone: string): void {
    this.capacity.impair(zone);
  }

  // ---------------------------------------------------------------- InstanceInspector / InstanceTimeline

  inspectInstance(instanceId: string): InstanceView | undefined {
    const rec = this.store.instances.get(instanceId);
    return rec && this.instances.viewAt(rec, this.store.now());
  }

  findInstanceByAddress(address: string): InstanceView | undefined {
    for (const rec of this.store.instances.values()) {
      const view = this.instances.viewAt(rec, this.store.now());
      if (view && view.privateIpAddress === address && view.state !== 'terminated') return view;
    }
    return undefined;
  }

  instanceHistory(instanceId: string, fromMs: number, toMs: number): { at: number; view: InstanceView | undefined }[] {
    return this.instances.history(instanceId, fromMs, toMs);
  }

  /** The zones of the region's subnets, sorted. */
  availabilityZones(): readonly string[] {
    return this.network.availabilityZones();
  }

  // ---------------------------------------------------------------- the workload (workload.ts)

  /** Calls `listener` each time a member's become-primary hook runs because of a change made while the drill runs. */
  onHookFiring(listener: (firing: HookFiring) => void): void {
    this.workload.onHookFiring(listener);
  }

  /** The hook runs the scenario's scripted workload changes cause, known before the drill starts, in time order. */
  scriptedHookFirings(): HookFiring[] {
    return this.workload.scriptedHookFirings();
  }

  /**
   * Changes the workload state of an instance (a Run Command script's effect), now or at `atMs` (epoch ms) when
   * the change happened earlier than the caller's modeled time.
   */
  updateWorkload(instanceId: string, changes: WorkloadState, atMs?: number): void {
    this.workload.update(instanceId, changes, atMs);
  }

  // ---------------------------------------------------------------- state for assertions

  snapshot(): unknown {
    const { volumes, snapshots } = this.storage.snapshot();
    return {
      instances: this.instances.snapshot(),
      writers: this.instances.writers(),
      frozen: this.workload.frozenIntervals(this.region.clock.startMs),
      subnets: [...this.store.subnets.values()].map((s) => ({ ...s, tags: { ...s.tags } })),
      securityGroups: [...this.store.groups.values()].map((g) => ({ ...g, tags: { ...g.tags } })),
      volumes,
      snapshots,
    };
  }

  // ---------------------------------------------------------------- helpers

  private actionTable(): Record<string, ActionHandler> {
    const runInstances = (r: RunInstancesRequest) => this.launcher.runInstances(r);
    const on =
      <I>(fn: (request: I) => unknown): ActionHandler =>
      (input) => {
        if ((input as { DryRun?: unknown }).DryRun === true && fn !== runInstances) {
          // Performing the action would be worse than any error: refuse what is not modeled.
          throw new Error(`Ec2Simulator: DryRun is modeled for RunInstances only`);
        }
        return fn(input as I);
      };
    const { instances, network, storage, capacity } = this;
    const isListed = (rec: InstanceRecord, t: number) => instances.viewAt(rec, t) !== undefined;
    return {
      RunInstances: on(runInstances),
      DescribeImages: on((r: DescribeImagesRequest) => storage.describeImages(r)),
      DescribeInstanceTypeOfferings: on((r: DescribeInstanceTypeOfferingsRequest) =>
        capacity.describeInstanceTypeOfferings(r),
      ),
      DescribeInstances: on((r: DescribeInstancesRequest) => instances.describeInstances(r)),
      DescribeInstanceStatus: on((r: DescribeInstanceStatusRequest) => instances.describeInstanceStatus(r)),
      TerminateInstances: on((r: TerminateInstancesRequest) => instances.terminateInstances(r)),
      StopInstances: on((r: StopInstancesRequest) => instances.stopInstances(r)),
      StartInstances: on((r: StartInstancesRequest) => instances.startInstances(r)),
      ModifyInstanceAttribute: on((r: ModifyInstanceAttributeRequest) => instances.modifyInstanceAttribute(r)),
      ModifyNetworkInterfaceAttribute: on((r: ModifyNetworkInterfaceAttributeRequest) =>
        network.modifyNetworkInterfaceAttribute(r, isListed),
      ),
      DescribeSubnets: on((r: DescribeSubnetsRequest) => network.describeSubnets(r)),
      DescribeSecurityGroups: on((r: DescribeSecurityGroupsRequest) => network.describeSecurityGroups(r)),
      CreateTags: on((r: CreateTagsRequest) => this.createTags(r)),
      DescribeVolumes: on((r: DescribeVolumesRequest) => storage.describeVolumes(r)),
      CreateSnapshots: on((r: CreateSnapshotsRequest) => storage.createSnapshots(r)),
      DescribeSnapshots: on((r: DescribeSnapshotsRequest) => storage.describeSnapshots(r)),
      DeleteSnapshot: on((r: DeleteSnapshotRequest) => storage.deleteSnapshot(r)),
      CopySnapshot: on((r: CopySnapshotRequest) => storage.copySnapshot(r)),
    };
  }

  /** CreateTags on instances, volumes, snapshots, security groups and subnets. */
  private createTags(req: CreateTagsRequest): Record<string, never> {
    const resources = required(req.Resources, 'ResourceId');
    const newTags: Record<string, string> = {};
    for (const tag of required(req.Tags, 'Tag')) newTags[required(tag.Key, 'Tag.Key')] = tag.Value ?? '';
    checkTagKeys(newTags);
    const { groups, subnets } = this.store;
    // Resolve every resource first: one unknown id fails the whole call, as in EC2.
    const targets = resources.map((id): { tags: Record<string, string> } => {
      if (id.startsWith('i-')) return this.store.lookupInstances([id])[0];
      if (id.startsWith('vol-')) return this.storage.lookupVolumes([id])[0];
      if (id.startsWith('snap-')) return this.storage.lookupSnapshots([id])[0];
      if (id.startsWith('sg-') && groups.has(id)) return groups.get(id)!;
      if (id.startsWith('subnet-') && subnets.has(id)) return subnets.get(id)!;
      throw ec2Error('InvalidID', `The ID '${id}' is not valid`);
    });
    for (const target of targets) target.tags = { ...target.tags, ...newTags };
    return {};
  }

  /** Loads the scenario's world, in the order that fixes its random ids and addresses; throws every problem at once. */
  private loadEnvironment(): void {
    this.network.load();
    const problems = this.launcher.loadInstances();
    this.storage.loadSnapshots();
    for (const c of this.store.env.workloadChanges) {
      if (!this.store.instances.has(c.instanceId))
        problems.push(`workloadChanges: unknown instanceId '${c.instanceId}'`);
    }
    if (problems.length > 0) throw new Error(`invalid EC2 environment:\n  ${problems.join('\n  ')}`);
  }
}
