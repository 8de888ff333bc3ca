import type { Reservation, RunInstancesRequest } from '@aws-sdk/client-ec2';
import type { Capacity } from './capacity';
import { AMI_ID } from './images';
import type { Network } from './network';
import {
  type Ec2Store,
  ec2Error,
  type InstanceRecord,
  recordGroups,
  required,
  type StateName,
  type SubnetRecord,
  tagsFor,
} from './records';
import type { Env, Json } from './schema';
import type { Storage } from './storage';

/** What a valid RunInstances request launches. */
interface ValidLaunch {
  readonly subnet: SubnetRecord;
  readonly imageId: string;
  readonly securityGroupIds: readonly string[];
  readonly profileArn: string | undefined;
  readonly instanceTags: Record<string, string>;
  readonly volumeTags: Record<string, string>;
  readonly instanceType: string;
}

/**
 * Where instances come from: the scenario's instances (loaded when the simulator is built) and RunInstances
 * (validated like EC2, DryRun included, then launched `pending` into `running`). Both draw ids and addresses from
 * the region's seeded random source in a fixed order, so a drill is the same for a given seed.
 */
export class Launcher {
  private readonly clientTokens = new Map<string, { fingerprint: string; instanceIds: string[] }>();

  constructor(
    private readonly store: Ec2Store,
    private readonly network: Network,
    private readonly capacity: Capacity,
    private readonly storage: Storage,
    /** DescribeInstances' reservation of these instances (instances.ts). */
    private readonly reservationOf: (recs: InstanceRecord[]) => Json<Reservation>,
  ) {}

  /** Loads the scenario's instance profiles and instances; returns the problems found. */
  loadInstances(): string[] {
    const { env, profiles } = this.store;
    const problems: string[] = [];
    for (const p of env.instanceProfiles) profiles.set(p.arn, this.profileId());
    for (const i of env.instances) {
      const subnet = this.store.subnets.get(i.subnetId);
      if (!subnet) {
        problems.push(`instance ${i.instanceId}: unknown subnetId '${i.subnetId}'`);
        continue;
      }
      const unknownGroups = i.securityGroupIds.filter((g) => !this.store.groups.has(g));
      if (unknownGroups.length > 0)
        problems.push(`instance ${i.instanceId}: unknown securityGroupIds ${unknownGroups.join(', ')}`);
      if (i.iamInstanceProfile && !profiles.has(i.iamInstanceProfile)) {
        profiles.set(i.iamInstanceProfile, this.profileId());
      }
      problems.push(...this.loadInstance(i, subnet));
    }
    return problems;
  }

  /** RunInstances. ClientToken: "If you repeat the request with the same token and parameters, the same instances are returned". */
  runInstances(req: RunInstancesRequest): Json<Reservation> {
    required(req.ImageId, 'ImageId');
    const min = required(req.MinCount, 'MinCount');
    const max = required(req.MaxCount, 'MaxCount');
    if (!(min >= 1 && max >= min)) {
      throw ec2Error('InvalidParameterValue', `Invalid value for MinCount (${min}) / MaxCount (${max})`);
    }
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
      if (previous) return this.reservationOf(previous.instanceIds.map((id) => this.store.instances.get(id)!));
    }
    const launch = this.validate(req);
    // "Checks whether you have the required permissions for the action, without actually making the request":
    // the request is validated, capacity is not (it is not known until the launch).
    if (req.DryRun === true) {
      throw ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
    }
    this.capacity.check(launch.subnet.availabilityZone, launch.instanceType);
    const created = this.launch(req, launch, max, token);
    if (token !== undefined)
      this.clientTokens.set(token, { fingerprint, instanceIds: created.map((r) => r.instanceId) });
    return this.reservationOf(created);
  }

  /** Checks a RunInstances request as EC2 does (subnet, AMI, groups, interfaces, profile, tags). */
  private validate(req: RunInstancesRequest): ValidLaunch {
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
    const subnet = this.network.subnet(subnetId);
    const imageId = req.ImageId!;
    this.checkImage(imageId);
    const groupIds = req.SecurityGroupIds ?? nic?.Groups ?? [];
    for (const groupId of groupIds) {
      const group = this.store.groups.get(groupId);
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
      const extraSubnet = extra.SubnetId ? this.store.subnets.get(extra.SubnetId) : subnet;
      if (!extraSubnet) throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${extra.SubnetId}' does not exist`);
      if (extraSubnet.availabilityZone !== subnet.availabilityZone) {
        throw ec2Error('InvalidParameterCombination', 'All network interfaces must be in the same availability zone');
      }
      this.network.checkGroups(extra.Groups ?? [], extraSubnet.vpcId);
    }
    const defaultGroup = [...this.store.groups.values()].find(
      (g) => g.vpcId === subnet.vpcId && g.groupName === 'default',
    );
    return {
      subnet,
      imageId,
      securityGroupIds: groupIds.length > 0 ? [...groupIds] : defaultGroup ? [defaultGroup.groupId] : [],
      profileArn: this.resolveProfile(req.IamInstanceProfile),
      instanceTags: tagsFor(req.TagSpecifications, 'instance'),
      volumeTags: tagsFor(req.TagSpecifications, 'volume'),
      instanceType: req.InstanceType ?? 'm1.small',
    };
  }

  private checkImage(imageId: string): void {
    if (!AMI_ID.test(imageId) && !this.storage.knownImage(imageId)) {
      throw ec2Error('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
    }
    const imageState = this.storage.imageState(imageId);
    if (imageState === undefined || imageState === 'deregistered') {
      throw ec2Error('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
    }
    if (imageState !== 'available') {
      throw ec2Error(
        'InvalidAMIID.Unavailable',
        `The image id '[${imageId}]' is not in a state from which an instance can be launched (${imageState})`,
      );
    }
  }

  /** Creates `count` instances of a validated request, `pending` now and `running` after the modeled delays. */
  private launch(
    req: RunInstancesRequest,
    launch: ValidLaunch,
    count: number,
    token: string | undefined,
  ): InstanceRecord[] {
    const { region } = this.store;
    const { subnet, imageId, instanceType } = launch;
    const now = this.store.now();
    const returnsAt = now + region.latency['ec2.RunInstances'] * 1000;
    const reservationId = `r-${region.random.hex(17)}`;
    const created: InstanceRecord[] = [];
    for (let index = 0; index < count; index++) {
      const instanceId = `i-${region.random.hex(17)}`;
      const rec: InstanceRecord = {
        instanceId,
        reservationId,
        imageId,
        instanceType,
        keyName: req.KeyName,
        subnet,
        privateIpAddress: this.network.allocateIp(subnet),
        networkInterfaceId: `eni-${region.random.hex(17)}`,
        iamInstanceProfileArn: launch.profileArn,
        launchTime: now,
        visibleAt: returnsAt + region.latency['ec2.eventualConsistency'] * 1000,
        clientToken: token,
        launchIndex: index,
        rootDeviceName: '/dev/xvda',
        bootFails: this.capacity.takeBootFailure(subnet.availabilityZone, imageId),
        securityGroupIds: [...launch.securityGroupIds],
        extraInterfaces: [],
        groupHistory: [],
        tags: { ...launch.instanceTags },
        disableApiTermination: req.DisableApiTermination ?? false,
        shuttingDownSeconds: region.latency['ec2.shuttingDownToTerminated'],
        timeline: [
          { at: now, state: 'pending' },
          { at: returnsAt + region.latency['ec2.pendingToRunning'] * 1000, state: 'running' },
        ],
      };
      this.store.instances.set(instanceId, rec);
      this.store.workload.addInstance(instanceId);
      this.storage.addVolume(
        rec,
        '/dev/xvda',
        8,
        'gp3',
        true,
        { ...launch.volumeTags },
        `vol-${region.random.hex(17)}`,
      );
      for (const extra of req.NetworkInterfaces?.slice(1) ?? []) this.network.launchInterface(rec, extra);
      recordGroups(rec, -Infinity);
      created.push(rec);
    }
    return created;
  }

  /** One scenario instance, in its scenario state; returns the problems found. */
  private loadInstance(i: Env['instances'][number], subnet: SubnetRecord): string[] {
    const { region } = this.store;
    const start = region.clock.startMs;
    const launchTime = i.launchTime ? Date.parse(i.launchTime) : start - 86_400_000;
    const lat = region.latency;
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
        volumeId: `vol-${region.random.hex(17)}`,
        device: '/dev/xvda',
        sizeGiB: 8,
        volumeType: 'gp3',
        boot: true,
        tags: {},
      },
    ];
    const rec: InstanceRecord = {
      instanceId: i.instanceId,
      reservationId: `r-${region.random.hex(17)}`,
      imageId: i.imageId,
      instanceType: i.instanceType,
      keyName: i.keyName,
      subnet,
      privateIpAddress: i.privateIpAddress ?? this.network.allocateIp(subnet),
      networkInterfaceId: `eni-${region.random.hex(17)}`,
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
    };
    this.store.instances.set(rec.instanceId, rec);
    this.store.workload.addInstance(rec.instanceId, i.workload, i.becomePrimaryHook);
    const problems = this.network.loadInterfaces(rec, i.networkInterfaces);
    recordGroups(rec, -Infinity);
    for (const v of volumes)
      this.storage.addVolume(rec, v.device, v.sizeGiB, v.volumeType, v.boot, { ...v.tags }, v.volumeId);
    return problems;
  }

  private profileId(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let id = 'AIPA';
    while (id.length < 21) id += alphabet[Math.floor(this.store.region.random.next() * alphabet.length)];
    return id;
  }

  private resolveProfile(spec: RunInstancesRequest['IamInstanceProfile']): string | undefined {
    if (!spec || (!spec.Arn && !spec.Name)) return undefined;
    const arn = [...this.store.profiles.keys()].find((a) =>
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
}
