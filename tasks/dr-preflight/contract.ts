import { z } from 'zod';

const member = z.object({ instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/), url: z.url() });

export const inputSchema = z.object({
  mirrorSet: z.string().min(1),
  /** The old site's members (primary region), with their mirror-status pages. */
  oldMembers: z.array(member).min(1),
  /** The DR member to promote, with its mirror-status page. */
  drMember: member,
  /** Seconds one status page may take to answer. */
  probeTimeoutSeconds: z.number().min(0.1).max(30),
  /** The DR region's state table and the mirror set's item in it. */
  tableName: z.string().min(1),
  key: z.string().min(1),
  /** What the Run Command query of the DR member's mirror state said (read by the workflow before this task). */
  query: z.object({ status: z.string(), output: z.string().default('') }),
  /** `$$.Execution.Id` and the DR region: for the approve/reject commands in the approval message. */
  executionArn: z.string().min(1),
  region: z.string().min(1),
  /** Override PrimaryStillActive and AlreadyPromoted. */
  force: z.boolean(),
  /**
   * `request`: before the approval is asked. `approved`: right after the approval task returned and before
   * anything changes: the approval (`approval`, as the approver sent it) is checked first, then every check again.
   */
  stage: z.enum(['request', 'approved']).default('request'),
  /** The approval task's output (SendTaskSuccess), read only at the `approved` stage; any JSON value. */
  approval: z.unknown().optional(),
});
export type DrPreflightInput = z.input<typeof inputSchema>;

/** What the preflight decided: go on to the approval, or stop with the named error. */
export type PreflightDecision =
  'PROCEED' | 'PrimaryStillActive' | 'AlreadyPromoted' | 'DrMemberNotRunning' | 'ApprovalRejected';

export interface DrPreflightOutput {
  readonly decision: PreflightDecision;
  /** Why it stops (empty when it proceeds). */
  readonly cause: string;
  /** Old members answering SUCCESS, comma-separated, or `none`. */
  readonly oldPrimaries: string;
  /** One line per old member: `i-0a… UNREACHABLE (ETIMEDOUT)`. */
  readonly oldMembers: string;
  /** The DR member's EC2 state (`running`, `stopped`, `not found`, `unknown (<error>)`). */
  readonly memberState: string;
  /** What the DR member's own status page says now. */
  readonly memberStatus: string;
  /** The mirror-state query's status and its output (first 1,000 characters). */
  readonly mirrorState: string;
  /** A promotion already recorded for the set in the DR state table, or `none`. */
  readonly recordedPromotion: string;
  /** The whole preflight in a few lines, for the approval message and the audit trail. */
  readonly summary: string;
  readonly approveCommand: string;
  readonly rejectCommand: string;
  /** Which check this is: before the approval is asked, or right after it. */
  readonly stage: 'request' | 'approved';
  /** At the `approved` stage: who approved (trimmed), or `none` when the approval was not valid. */
  readonly approvedBy: string;
}
