import type {
  CopySnapshotRequest,
  CopySnapshotResult,
  CreateSnapshotsRequest,
  CreateSnapshotsResult,
  DeleteSnapshotRequest,
  DescribeImagesRequest,
  DescribeImagesResult,
  DescribeSnapshotsRequest,
  DescribeSnapshotsResult,
  DescribeVolumesRequest,
  DescribeVolumesResult,
  InstanceBlockDeviceMapping,
  Snapshot,
  SnapshotState,
  VolumeType,
} from '@aws-sdk/client-ec2';
import { applyFilters, toTagList } from './filters';
import { AMI_ID, ImageCatalog, type ImageStateName } from './images';
import {
  type Ec2Store,
  ec2Error,
  entryAt,
  type InstanceRecord,
  iso,
  required,
  type SnapshotRecord,
  tagsFor,
  type VolumeRecord,
} from './records';
import type { Json } from './schema';
import { checkCopyLimit, checkSnapshotNotInUse } from './snapshot-rules';

/**
 * EBS and AMIs of the simulated EC2: volumes (attached to their instance from its launch; a root volume is deleted
 * with its instance, a data volume stays `available`), snapshots (one crash-consistent set per CreateSnapshots,
 * `pending` for `ebs.snapshotCompletion` s; copies for `ebs.copySnapshotCompletion` s; the rules of
 * snapshot-rules.ts) and the scenario's AMIs (images.ts).
 */
export class Storage {
  readonly images: ImageCatalog;

  constructor(private readonly store: Ec2Store) {
    this.images = new ImageCatalog(store.env.images, store.region.clock.startMs);
  }

  /** Loads the scenario's snapshots that exist when the drill starts. */
  loadSnapshots(): void {
    const start = this.store.region.clock.startMs;
    for (const snap of this.store.env.snapshots) {
      const startTime = Date.parse(snap.startTime);
      this.store.snapshots.set(snap.snapshotId, {
        snapshotId: snap.snapshotId,
        volumeId: snap.volumeId,
        instanceId: snap.instanceId,
        volumeSize: snap.volumeSizeGiB,
        description: snap.description,
        startTime,
        doneAt:
          snap.state === 'pending' ? start + this.store.region.latency['ebs.snapshotCompletion'] * 1000 : startTime,
        fails: snap.state === 'error',
        tags: { ...snap.tags },
      });
    }
  }

  addVolume(
    rec: InstanceRecord,
    device: string,
    size: number,
    volumeType: string,
    boot: boolean,
    volumeTags: Record<string, string>,
    volumeId: string,
  ): void {
    this.store.volumes.set(volumeId, {
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

  /** The AMI's state now; undefined for an AMI this region does not know (images.ts). */
  imageState(imageId: string): ImageStateName | undefined {
    return this.images.stateAt(imageId, this.store.now());
  }

  knownImage(imageId: string): boolean {
    return this.imageState(imageId) !== undefined;
  }

  volumeAttached(v: VolumeRecord, t: number): boolean {
    const rec = this.store.instances.get(v.instanceId);
    return rec !== undefined && t >= rec.launchTime && entryAt(rec, t).state !== 'terminated';
  }

  volumeDeleted(v: VolumeRecord, t: number): boolean {
    return !this.volumeAttached(v, t) && v.deleteOnTermination;
  }

  /** DescribeInstances' `BlockDeviceMappings` of an instance. */
  blockDeviceMappings(instanceId: string): Json<InstanceBlockDeviceMapping>[] {
    return [...this.store.volumes.values()]
      .filter((v) => v.instanceId === instanceId)
      .map((v) => ({
        DeviceName: v.device,
        Ebs: {
          VolumeId: v.volumeId,
          Status: 'attached',
          AttachTime: iso(v.createTime),
          DeleteOnTermination: v.deleteOnTermination,
        },
      }));
  }

  /** Volumes that exist now: attached ones, and detached ones kept after their instance's termination. */
  liveVolumes(): VolumeRecord[] {
    return [...this.store.volumes.values()].filter((v) => !this.volumeDeleted(v, this.store.now()));
  }

  lookupVolumes(ids: readonly string[]): VolumeRecord[] {
    const live = new Set(this.liveVolumes().map((v) => v.volumeId));
    const missing = ids.filter((id) => !live.has(id));
    if (missing.length > 0)
      throw ec2Error('InvalidVolume.NotFound', `The volume '${missing.join(', ')}' does not exist.`);
    return [...new Set(ids)].map((id) => this.store.volumes.get(id)!);
  }

  lookupSnapshots(ids: readonly string[]): SnapshotRecord[] {
    const { snapshots } = this.store;
    const malformed = ids.find((id) => !snapshots.has(id) && !/^snap-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id));
    if (malformed) throw ec2Error('InvalidSnapshotID.Malformed', `Invalid id: "${malformed}" (expecting "snap-...")`);
    const missing = ids.filter((id) => !snapshots.has(id));
    if (missing.length > 0) {
      throw ec2Error('InvalidSnapshot.NotFound', `The snapshot '${missing.join(', ')}' does not exist.`);
    }
    return [...new Set(ids)].map((id) => snapshots.get(id)!);
  }

  snapshotState(s: SnapshotRecord, t: number): SnapshotState {
    if (t < s.doneAt) return 'pending';
    return s.fails ? 'error' : 'completed';
  }

  /**
   * The AMIs asked for (or every known one). A deregistered AMI is no longer returned ("recently deregistered
   * images appear in the returned results for a short interval and then return empty results"; the interval is
   * not modeled), a disabled one only with `IncludeDisabled`; an id the region never knew fails
   * InvalidAMIID.NotFound.
   */
  describeImages(req: DescribeImagesRequest): Json<DescribeImagesResult> {
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
        OwnerId: this.store.region.accountId,
        Public: false,
        RootDeviceType: 'ebs',
        RootDeviceName: '/dev/xvda',
        BlockDeviceMappings: this.images.blockDeviceMappings(i.imageId),
      })),
    };
  }

  describeVolumes(req: DescribeVolumesRequest): Json<DescribeVolumesResult> {
    const now = this.store.now();
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
  createSnapshots(req: CreateSnapshotsRequest): Json<CreateSnapshotsResult> {
    const { region, env } = this.store;
    const spec = required(req.InstanceSpecification, 'InstanceSpecification');
    const [rec] = this.store.lookupInstances([required(spec.InstanceId, 'InstanceSpecification.InstanceId')]);
    const now = this.store.now();
    const state = entryAt(rec, now).state;
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
    const doneAt = now + region.latency['ebs.snapshotCompletion'] * 1000;
    const workload = this.store.workload.stateAt(rec.instanceId, now);
    const created = volumes.map((v) => {
      const copied = req.CopyTagsFromSource === 'volume' ? v.tags : {};
      const snap: SnapshotRecord = {
        snapshotId: `snap-${region.random.hex(17)}`,
        volumeId: v.volumeId,
        instanceId: rec.instanceId,
        volumeSize: v.size,
        description: req.Description ?? '',
        startTime: now,
        doneAt,
        fails: env.snapshotFailures.some(
          (f) => (!f.volumeId || f.volumeId === v.volumeId) && (!f.instanceId || f.instanceId === rec.instanceId),
        ),
        workloadAtSnapshot: { ...workload },
        tags: { ...copied, ...extraTags },
      };
      this.store.snapshots.set(snap.snapshotId, snap);
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

  describeSnapshots(req: DescribeSnapshotsRequest): Json<DescribeSnapshotsResult> {
    const { region, snapshots } = this.store;
    const now = this.store.now();
    const owners = req.OwnerIds ?? [];
    if (owners.length > 0 && !owners.some((o) => o === 'self' || o === region.accountId)) return { Snapshots: [] };
    const recs = req.SnapshotIds?.length ? this.lookupSnapshots(req.SnapshotIds) : [...snapshots.values()];
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
            'owner-id': region.accountId,
            description: s.description,
            progress: out.Progress,
            'volume-size': String(s.volumeSize),
          },
        };
      },
    );
    return { Snapshots: matched.map((s) => this.renderSnapshot(s, now)) };
  }

  deleteSnapshot(req: DeleteSnapshotRequest): Record<string, never> {
    const [snap] = this.lookupSnapshots([required(req.SnapshotId, 'SnapshotId')]);
    checkSnapshotNotInUse(snap.snapshotId, this.images.imageUsingSnapshot(snap.snapshotId, this.store.now()));
    this.store.snapshots.delete(snap.snapshotId);
    return {};
  }

  /**
   * The copy lives in this same simulated region, whatever `SourceRegion` says (one region per drill); the
   * snapshot() output records where it was copied from. Like EC2, a copy's VolumeId is `vol-ffffffff` and the
   * source's tags are not copied.
   */
  copySnapshot(req: CopySnapshotRequest): Json<CopySnapshotResult> {
    const { region, snapshots } = this.store;
    const sourceRegion = required(req.SourceRegion, 'SourceRegion');
    const [source] = this.lookupSnapshots([required(req.SourceSnapshotId, 'SourceSnapshotId')]);
    const now = this.store.now();
    const state = this.snapshotState(source, now);
    if (state !== 'completed') {
      // Code from the EC2 error list; the message wording is inferred.
      throw ec2Error('IncorrectState', `Snapshot '${source.snapshotId}' is in invalid state - ${state}`);
    }
    const copying = [...snapshots.values()].filter((s) => s.copiedFrom && this.snapshotState(s, now) === 'pending');
    checkCopyLimit(copying.length, region.regionName);
    const snap: SnapshotRecord = {
      snapshotId: `snap-${region.random.hex(17)}`,
      volumeId: 'vol-ffffffff',
      volumeSize: source.volumeSize,
      description: req.Description ?? `[Copied ${source.snapshotId} from ${sourceRegion}]`,
      startTime: now,
      doneAt: now + region.latency['ebs.copySnapshotCompletion'] * 1000,
      fails: false,
      workloadAtSnapshot: source.workloadAtSnapshot,
      copiedFrom: { snapshotId: source.snapshotId, region: sourceRegion },
      tags: tagsFor(req.TagSpecifications, 'snapshot'),
    };
    snapshots.set(snap.snapshotId, snap);
    return { SnapshotId: snap.snapshotId, Tags: toTagList(snap.tags) };
  }

  /** The volumes and snapshots as plain JSON (the EC2 snapshot's `volumes` and `snapshots`). */
  snapshot(): { volumes: unknown[]; snapshots: unknown[] } {
    const now = this.store.now();
    return {
      volumes: [...this.store.volumes.values()].map((v) => ({
        volumeId: v.volumeId,
        state: this.volumeAttached(v, now) ? 'in-use' : this.volumeDeleted(v, now) ? 'deleted' : 'available',
        instanceId: v.instanceId,
        device: v.device,
        sizeGiB: v.size,
        tags: { ...v.tags },
      })),
      snapshots: [...this.store.snapshots.values()].map((s) => ({
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
      OwnerId: this.store.region.accountId,
      Description: s.description,
      VolumeSize: s.volumeSize,
      Encrypted: false,
      StorageTier: 'standard',
      ...(state === 'completed' ? { CompletionTime: iso(s.doneAt) } : {}),
      Tags: toTagList(s.tags),
    };
  }
}
