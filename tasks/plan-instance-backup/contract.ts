import { z } from 'zod';
import { backupSettingsSchema } from '../select-backup-targets/contract';

export const inputSchema = z.object({
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, { error: 'expected an EC2 instance id (i-...)' }),
  /** `$$.Execution.StartTime`: the workflow's notion of now (modeled time in the offline engine). */
  executionStartTime: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' }),
  /** The policy: its method, lock lease, and the age-based retention that dates the expiry tags. */
  settings: backupSettingsSchema.pick({
    method: true,
    lockTtlSeconds: true,
    retention: true,
    copy: true,
    excludeBootVolume: true,
  }),
});
export type PlanInstanceBackupInput = z.infer<typeof inputSchema>;

export interface PlanInstanceBackupOutput {
  /** Whole seconds since the epoch of `executionStartTime`. */
  readonly nowEpoch: number;
  /** `nowEpoch + lockTtlSeconds`: when the backup lock may be taken over. */
  readonly lockExpiresAt: number;
  /** The instance's EC2 state now. */
  readonly state: string;
  /** True when the database is to be frozen: a freeze method is configured and the instance is running. */
  readonly freeze: boolean;
  /** What the lock records: `FROZEN` from before the freeze is sent (a freeze may be in effect from then on). */
  readonly lockState: 'FROZEN' | 'BACKING_UP';
  /** The expiry tag of the set and of its copy: an ISO 8601 time, or `none` without age-based retention. */
  readonly expiry: string;
  readonly copyExpiry: string;
  /** The EBS volumes CreateSnapshots is to snapshot (the boot volume left out when the policy excludes it). */
  readonly volumeIds: readonly string[];
  /** `volumeIds.length`, at least 1: an instance with nothing to snapshot is refused (`NothingToSnapshot`). */
  readonly volumeCount: number;
}
