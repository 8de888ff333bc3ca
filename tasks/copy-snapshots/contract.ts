import { z } from 'zod';

const REGION = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'expected an AWS Region code' });

export const inputSchema = z.object({
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, { error: 'expected an EC2 instance id (i-...)' }),
  backupId: z.string().min(1).max(60),
  /** Where the set is, and where the copies go. */
  sourceRegion: REGION,
  destinationRegion: REGION,
  /** The set, completed. */
  snapshotIds: z.array(z.string().regex(/^snap-[0-9a-f]+$/, { error: 'expected a snapshot id (snap-...)' })).min(1),
  /** The copies' expiry tag (their own retention): an ISO 8601 time, or `none`. */
  expiry: z.string().min(1),
});
export type CopySnapshotsInput = z.infer<typeof inputSchema>;

export interface CopySnapshotsOutput {
  /** Copies started by this call. */
  readonly started: number;
  /** Copies an earlier attempt (a retry of the task) had already started. */
  readonly existing: number;
}
