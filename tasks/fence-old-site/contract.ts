import { z } from 'zod';

export const inputSchema = z.object({
  /** `fence`: stop the old members and swap in the deny-all group; `check`: only read their state. */
  mode: z.enum(['fence', 'check']),
  /** The primary region, where the old members are. */
  region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/),
  /** The old site's members (instance ids in the primary region). */
  instanceIds: z
    .array(z.string().regex(/^i-[0-9a-f]{8,17}$/))
    .min(1)
    .max(20),
  /** The deny-all ("blackhole") security group of the old members' VPC, in the primary region. */
  denyAllGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/),
  /** `check`: which check this is (1, 2, …), the workflow's poll counter. */
  checkNumber: z.number().int().min(1).optional(),
  /**
   * `check`: from this check on, a member not yet `stopped` is stopped with `Force: true` (a stop on an impaired
   * host can stay `stopping` for ever). Omitted: never forced.
   */
  forceStopAfterChecks: z.number().int().min(1).optional(),
});
export type FenceOldSiteInput = z.infer<typeof inputSchema>;

/** One old member after a fence attempt or a check. */
export interface MemberFence {
  readonly instanceId: string;
  /** Its EC2 state as last read, or `unknown` when the primary region did not answer. */
  readonly state: string;
  /** `stopped` or `terminated`, confirmed by DescribeInstances. */
  readonly confirmed: boolean;
  /** What was attempted and how it ended: `StopInstances ok`, `ModifyInstanceAttribute ServiceUnavailable`, … */
  readonly actions: readonly string[];
}

export interface FenceOldSiteOutput {
  readonly members: readonly MemberFence[];
  readonly confirmedCount: number;
  /** Every old member is confirmed fenced. */
  readonly allConfirmed: boolean;
  /** Ids confirmed / not confirmed, comma-separated, or `none`. */
  readonly confirmed: string;
  readonly unconfirmed: string;
  /** One line for people and the audit trail. */
  readonly summary: string;
}
