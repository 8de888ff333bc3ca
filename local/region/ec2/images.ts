import type { BlockDeviceMapping } from '@aws-sdk/client-ec2';
import { z } from 'zod';

/**
 * AMIs of the simulated region (issue #13 item 11). Only the images a scenario lists exist: an instance's AMI
 * that the scenario does not list is one that was deregistered since (the instance keeps running; launching
 * another from it fails `InvalidAMIID.NotFound`, as on AWS). There is no "any AMI exists" default.
 */

/** EC2's `ImageState` values. */
export const imageStates = [
  'available',
  'pending',
  'invalid',
  'deregistered',
  'transient',
  'failed',
  'error',
  'disabled',
] as const;
export type ImageStateName = (typeof imageStates)[number];

/** One AMI of a scenario. */
export const imageSchema = z.strictObject({
  imageId: z.string(),
  name: z.string().optional(),
  state: z.enum(imageStates).default('available'),
  /**
   * The EBS snapshots the AMI's block device mappings use (the first is the root device's). While the AMI is
   * registered, DeleteSnapshot of any of them fails `InvalidSnapshot.InUse`.
   */
  snapshotIds: z.array(z.string()).default([]),
  /** The AMI is deregistered at this modeled second of the drill (from then on it is `deregistered`). */
  deregisteredAtSeconds: z.number().nonnegative().optional(),
});
export type ImageEntry = z.output<typeof imageSchema>;

/**
 * The known AMIs. Only these exist: any other id fails InvalidAMIID.NotFound (RunInstances, a DryRun launch and
 * DescribeImages alike), including the AMI of a running instance that is not listed. `deregistered`: launches fail
 * InvalidAMIID.NotFound and DescribeImages no longer returns it; any other state but `available`: launches fail
 * InvalidAMIID.Unavailable.
 */
export const imagesSchema = z.array(imageSchema).default([]);

/** The AMI id format EC2 accepts (`ami-` and 8 or 17 hex digits). */
export const AMI_ID = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** The AMIs of a region, read at a modeled time. */
export class ImageCatalog {
  private readonly byId: ReadonlyMap<string, ImageEntry>;

  constructor(
    images: readonly ImageEntry[],
    /** Epoch ms of the drill's start (`deregisteredAtSeconds` counts from it). */
    private readonly startMs: number,
  ) {
    this.byId = new Map(images.map((i) => [i.imageId, i]));
  }

  /** The AMI's state at `t` (epoch ms); undefined for an AMI this region does not know. */
  stateAt(imageId: string, t: number): ImageStateName | undefined {
    const image = this.byId.get(imageId);
    if (!image) return undefined;
    if (image.deregisteredAtSeconds !== undefined && t >= this.startMs + image.deregisteredAtSeconds * 1000) {
      return 'deregistered';
    }
    return image.state;
  }

  /** Every listed AMI id, in scenario order. */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  name(imageId: string): string | undefined {
    return this.byId.get(imageId)?.name;
  }

  /** The registered (not deregistered) AMI that uses this snapshot at `t`, if any. */
  imageUsingSnapshot(snapshotId: string, t: number): string | undefined {
    for (const image of this.byId.values()) {
      const state = this.stateAt(image.imageId, t);
      if (state !== 'deregistered' && image.snapshotIds.includes(snapshotId)) return image.imageId;
    }
    return undefined;
  }

  /** DescribeImages' block device mappings: the root device `/dev/xvda`, then `/dev/sdf`, `/dev/sdg`, … */
  blockDeviceMappings(imageId: string): BlockDeviceMapping[] {
    const snapshots = this.byId.get(imageId)?.snapshotIds ?? [];
    return snapshots.map((SnapshotId, i) => ({
      DeviceName: i === 0 ? '/dev/xvda' : `/dev/sd${String.fromCharCode('f'.charCodeAt(0) + i - 1)}`,
      Ebs: { SnapshotId, DeleteOnTermination: true, VolumeType: 'gp3', Encrypted: false },
    }));
  }
}
