import type {
  DescribeInstanceStatusRequest,
  DescribeInstanceStatusResult,
  DescribeInstancesRequest,
  DescribeInstancesResult,
  Instance,
  InstanceStateChange,
  InstanceStatusSummary,
  ModifyInstanceAttributeRequest,
  Reservation,
  StartInstancesRequest,
  StartInstancesResult,
  StopInstancesRequest,
  StopInstancesResult,
  TerminateInstancesRequest,
  TerminateInstancesResult,
  _InstanceType,
} from '@aws-sdk/client-ec2';
import type { InstanceView } from '../types';
import { writerIntervals, type WriterRow } from '../writers';
import type { Capacity } from './capacity';
import { applyFilters, toTagList } from './filters';
import type { Network } from './network';
import {
  type Ec2Store,
  ec2Error,
  entryAt,
  type InstanceRecord,
  interfacesOf,
  iso,
  recordGroups,
  required,
  STATE_CODES,
  type StateName,
  TERMINATED_VISIBLE_MS,
  visibleAt,
} from './records';
import type { Json } from './schema';
import type { Storage } from './storage';

/**
 * Instances of the simulated EC2 and their lifecycle, computed from the virtual clock: a state timeline per
 * instance (scheduled transitions are entries later than now), what other services see of an instance at a moment
 * (`InstanceView`: state, SSM agent online, impaired, groups, workload), and the actions that describe, stop, start,
 * terminate and modify instances. Launching is launch.ts.
 */
export class Instances {
  constructor(
    private readonly store: Ec2Store,
    private readonly network: Network,
    private readonly capacity: Capacity,
    private readonly storage: Storage,
  ) {}

  impairedAt(rec: InstanceRecord, state: StateName, t: number): boolean {
    return state === 'running' && (rec.bootFails || this.capacity.zoneImpaired(rec.subnet.availabilityZone, t));
  }

  /** The instance as other services see it at `t`, or undefined while it is not visible. */
  viewAt(rec: InstanceRecord, t: number): InstanceView | undefined {
    if (!visibleAt(rec, t)) return undefined;
    const entry = entryAt(rec, t);
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
        t >= entry.at + this.store.region.latency['ec2.runningToSsmOnline'] * 1000 &&
        this.network.primaryAllowsEgress(rec, t),
      impaired,
      securityGroupIds: [...rec.securityGroupIds],
      tags: { ...rec.tags },
      workload: { ...this.store.workload.stateAt(rec.instanceId, t) },
    };
  }

  /** The instance at `fromMs` and at each later moment up to `toMs` when its view may have changed. */
  history(instanceId: string, fromMs: number, toMs: number): { at: number; view: InstanceView | undefined }[] {
    const rec = this.store.instances.get(instanceId);
    if (!rec) return [{ at: fromMs, view: undefined }];
    this.store.workload.applyDueChanges();
    const r2s = this.store.region.latency['ec2.runningToSsmOnline'] * 1000;
    const points = [
      rec.visibleAt,
      ...rec.timeline.flatMap((e) =>
        e.state === 'running'
          ? [e.at, e.at + r2s]
          : e.state === 'terminated'
            ? [e.at, e.at + TERMINATED_VISIBLE_MS]
            : [e.at],
      ),
      ...this.store.workload.changeTimes(instanceId),
      ...rec.groupHistory.map((g) => g.at),
      ...this.capacity.impairmentsOf(rec.subnet.availabilityZone),
    ];
    const times = [...new Set(points.filter((t) => t > fromMs && t <= toMs))].sort((a, b) => a - b);
    return [fromMs, ...times].map((at) => ({ at, view: this.viewAt(rec, at) }));
  }

  describeInstances(req: DescribeInstancesRequest): Json<DescribeInstancesResult> {
    const now = this.store.now();
    const recs = req.InstanceIds?.length ? this.store.lookupInstances(req.InstanceIds) : this.store.visibleInstances();
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
        const state = entryAt(rec, now).state;
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

  describeInstanceStatus(req: DescribeInstanceStatusRequest): Json<DescribeInstanceStatusResult> {
    const now = this.store.now();
    const r2s = this.store.region.latency['ec2.runningToSsmOnline'] * 1000;
    const recs = req.InstanceIds?.length ? this.store.lookupInstances(req.InstanceIds) : this.store.visibleInstances();
    const statuses = recs.flatMap((rec) => {
      const entry = entryAt(rec, now);
      if (entry.state !== 'running' && !req.IncludeAllInstances) return [];
      const summary = (failed: boolean): Json<InstanceStatusSummary> => {
        if (entry.state !== 'running') return { Status: 'not-applicable' };
        // Status checks report `initializing` until the instance has booted.
        const status = failed ? 'impaired' : now < entry.at + r2s ? 'initializing' : 'ok';
        const detail = status === 'impaired' ? 'failed' : status === 'ok' ? 'passed' : 'initializing';
        return { Status: status, Details: [{ Name: 'reachability', Status: detail }] };
      };
      const zoneDown = this.capacity.zoneImpaired(rec.subnet.availabilityZone, now);
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

  terminateInstances(req: TerminateInstancesRequest): Json<TerminateInstancesResult> {
    const recs = this.store.lookupInstances(required(req.InstanceIds, 'InstanceIds'));
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

  stopInstances(req: StopInstancesRequest): Json<StopInstancesResult> {
    const recs = this.store.lookupInstances(required(req.InstanceIds, 'InstanceIds'));
    this.requireStates(recs, ['pending', 'running', 'stopping', 'stopped'], 'stopped');
    // On an impaired host (an instance in an impaired AZ) a stop without `Force` stays `stopping` (item 10); a
    // forced stop completes in the modeled time, also for an instance already stuck in `stopping`.
    const delay = this.store.region.latency['ec2.stoppingToStopped'];
    const now = this.store.now();
    return {
      StoppingInstances: recs.map((rec) => {
        const before = entryAt(rec, now).state;
        const stuck = req.Force !== true && this.capacity.zoneImpaired(rec.subnet.availabilityZone, now);
        if (req.Force === true) this.unstick(rec, now, delay);
        const change = this.transition(rec, ['stopping', 'stopped'], 'stopping', 'stopped', delay);
        if (stuck && before !== 'stopping' && before !== 'stopped') {
          rec.timeline = rec.timeline.filter((e) => !(e.at > now && e.state === 'stopped'));
        }
        return change;
      }),
    };
  }

  startInstances(req: StartInstancesRequest): Json<StartInstancesResult> {
    const recs = this.store.lookupInstances(required(req.InstanceIds, 'InstanceIds'));
    this.requireStates(recs, ['pending', 'running', 'stopped'], 'started');
    for (const rec of recs) {
      if (entryAt(rec, this.store.now()).state === 'stopped')
        this.capacity.check(rec.subnet.availabilityZone, rec.instanceType);
    }
    const delay = this.store.region.latency['ec2.startToRunning'];
    return {
      StartingInstances: recs.map((rec) => this.transition(rec, ['pending', 'running'], 'pending', 'running', delay)),
    };
  }

  modifyInstanceAttribute(req: ModifyInstanceAttributeRequest): Record<string, never> {
    const [rec] = this.store.lookupInstances([required(req.InstanceId, 'InstanceId')]);
    // "Replaces the security groups of the instance", which only an instance with a single interface has: with more,
    // EC2 refuses the call (recorded AWS responses: hashicorp/terraform#14299, NixOS/nixops-aws#55).
    if (req.Groups && rec.extraInterfaces.length > 0) {
      throw ec2Error(
        'InvalidInstanceID',
        `There are multiple interfaces attached to instance '${rec.instanceId}'. Please specify an interface ID for the operation instead.`,
      );
    }
    if (req.Groups) {
      rec.securityGroupIds = this.network.checkGroups(req.Groups, rec.subnet.vpcId);
      recordGroups(rec, this.store.now());
    }
    if (req.DisableApiTermination?.Value !== undefined) rec.disableApiTermination = req.DisableApiTermination.Value;
    if (req.Attribute === 'disableApiTermination' && req.Value !== undefined)
      rec.disableApiTermination = req.Value === 'true';
    // Other attributes (SourceDestCheck, InstanceType, UserData, …) are accepted and not modeled.
    return {};
  }

  reservationOf(recs: InstanceRecord[]): Json<Reservation> {
    return {
      ReservationId: recs[0].reservationId,
      OwnerId: this.store.region.accountId,
      Groups: [],
      Instances: recs.map((rec) => this.renderInstance(rec)),
    };
  }

  /** The writers timeline of every instance (writers.ts), from the drill's start. */
  writers(): WriterRow[] {
    const { region, workload } = this.store;
    workload.applyDueChanges();
    const start = region.clock.startMs;
    const bootMs = region.latency['ec2.runningToSsmOnline'] * 1000;
    return [...this.store.instances.values()].flatMap((rec) =>
      writerIntervals(
        {
          instanceId: rec.instanceId,
          tags: rec.tags,
          timeline: rec.timeline,
          changes: [...workload.changeTimes(rec.instanceId), ...rec.groupHistory.map((g) => g.at)],
          workloadAt: (t) => workload.recordedAt(rec.instanceId, t),
          admitsClientsAt: (t) => this.network.admitsClientsAt(rec, t),
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

  /** Every instance as plain JSON (the EC2 snapshot's `instances`). */
  snapshot(): unknown[] {
    const now = this.store.now();
    return [...this.store.instances.values()].map((rec) => {
      const state = entryAt(rec, now).state;
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
        networkInterfaces: interfacesOf(rec).map((x) => ({
          networkInterfaceId: x.networkInterfaceId,
          deviceIndex: x.deviceIndex,
          subnetId: x.subnet.subnetId,
          privateIpAddress: x.privateIpAddress,
          securityGroupIds: [...x.securityGroupIds],
        })),
        iamInstanceProfile: rec.iamInstanceProfileArn,
        tags: { ...rec.tags },
        workload: { ...this.store.workload.stateAt(rec.instanceId, now) },
        impaired: this.impairedAt(rec, state, now),
        ssmOnline: view?.ssmOnline ?? false,
        launchTime: iso(rec.launchTime),
      };
    });
  }

  private requireStates(recs: InstanceRecord[], allowed: StateName[], verb: 'stopped' | 'started'): void {
    for (const rec of recs) {
      if (!allowed.includes(entryAt(rec, this.store.now()).state)) {
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
    const now = this.store.now();
    const previous = entryAt(rec, now).state;
    if (!settled.includes(previous)) {
      const reason = via === 'pending' ? undefined : `User initiated (${iso(now).replace('T', ' ').slice(0, 19)} GMT)`;
      rec.timeline = [
        ...rec.timeline.filter((e) => e.at <= now),
        { at: now, state: via, reason },
        { at: now + delaySeconds * 1000, state: to, reason },
      ];
    }
    const current = entryAt(rec, now).state;
    return {
      InstanceId: rec.instanceId,
      CurrentState: { Code: STATE_CODES[current], Name: current },
      PreviousState: { Code: STATE_CODES[previous], Name: previous },
    };
  }

  /** A forced stop of an instance stuck in `stopping` (nothing scheduled): it reaches `stopped` after `delay`. */
  private unstick(rec: InstanceRecord, now: number, delaySeconds: number): void {
    const entry = entryAt(rec, now);
    if (entry.state !== 'stopping' || rec.timeline.some((e) => e.at > now)) return;
    rec.timeline.push({ at: now + delaySeconds * 1000, state: 'stopped', reason: entry.reason });
  }

  private renderInstance(rec: InstanceRecord): Json<Instance> {
    const { region } = this.store;
    const now = this.store.now();
    const entry = entryAt(rec, now);
    const state = entry.state;
    const terminated = state === 'terminated';
    const dnsSuffix = region.regionName === 'us-east-1' ? 'ec2.internal' : `${region.regionName}.compute.internal`;
    const profileId = rec.iamInstanceProfileArn && this.store.profiles.get(rec.iamInstanceProfileArn);
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
            SecurityGroups: this.network.groupRefs(rec.securityGroupIds),
            NetworkInterfaces: interfacesOf(rec).map((x) => ({
              NetworkInterfaceId: x.networkInterfaceId,
              SubnetId: x.subnet.subnetId,
              VpcId: x.subnet.vpcId,
              PrivateIpAddress: x.privateIpAddress,
              Groups: this.network.groupRefs(x.securityGroupIds),
              Status: 'in-use',
              SourceDestCheck: true,
              OwnerId: region.accountId,
              Attachment: {
                AttachmentId: `eni-attach-${x.networkInterfaceId.slice(4)}`,
                DeviceIndex: x.deviceIndex,
                Status: 'attached',
                AttachTime: iso(rec.launchTime),
                DeleteOnTermination: x.deviceIndex === 0,
              },
            })),
            BlockDeviceMappings: this.storage.blockDeviceMappings(rec.instanceId),
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
}
