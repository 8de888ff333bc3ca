import { z } from 'zod';
import { retentionSchema } from '../select-backup-targets/contract';

const REGION = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'expected an AWS Region code' });

export const inputSchema = z.object({
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, { error: 'expected an EC2 instance id (i-...)' }),
  policy: z.string().min(1).max(40),
  /** `$$.Execution.StartTime`: ages are measured from it (modeled time in the offline engine). */
  asOf: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' }),
  /** The region of the sets (the stack's own). */
  region: REGION,
  /** The policy's retention, and its cross-region copies with their own retention. */
  settings: z.object({
    retention: retentionSchema,
    copy: z.object({ region: REGION, retention: retentionSchema }).optional(),
  }),
});
export type PruneSnapshotsInput = z.infer<typeof inputSchema>;
export type Retention = z.infer<typeof retentionSchema>;

/** What was pruned in one region. */
export interface RegionPruned {
  readonly region: string;
  /** Backup ids of the sets deleted. */
  readonly deletedSets: readonly string[];
  readonly deletedSnapshots: number;
  /** Sets left (completed, pending or failed, or expired but holding a snapshot an AMI uses). */
  readonly keptSets: number;
  /** Expired snapshots kept because a registered AMI uses them (DeleteSnapshot `InvalidSnapshot.InUse`). */
  readonly inUse: readonly InUseSnapshot[];
}

/** A snapshot retention let go that EC2 refused to delete: a registered AMI uses it. */
export interface InUseSnapshot {
  readonly region: string;
  readonly backupId: string;
  readonly snapshotId: string;
  /** EC2's message, naming the AMI. */
  readonly reason: string;
}

export interface PruneSnapshotsOutput {
  readonly regions: readonly RegionPruned[];
  /** Every region's in-use snapshots, for the operators' notification. */
  readonly inUse: readonly InUseSnapshot[];
}
