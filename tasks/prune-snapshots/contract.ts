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
  /** Sets left (completed, pending or failed). */
  readonly keptSets: number;
}

export interface PruneSnapshotsOutput {
  readonly regions: readonly RegionPruned[];
}
