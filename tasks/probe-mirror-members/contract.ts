import { z } from 'zod';
import { memberStatusPageSchema } from '../../contracts/mirror-set';

const TTL_RANGE = 'expected an integer from 60 to 86400 (seconds)';
const TIMEOUT_RANGE = 'expected a number of seconds from 0.1 to 30';

export const inputSchema = z.object({
  /** The mirror set's name, for logs. */
  mirrorSet: z.string().min(1),
  /** Every member of the set with the URL of its mirror-status page. */
  members: z.array(memberStatusPageSchema).min(1),
  /** How long one member may take to answer; the members are probed in parallel, so this bounds the whole probe. */
  timeoutSeconds: z
    .number({ error: TIMEOUT_RANGE })
    .min(0.1, { error: TIMEOUT_RANGE })
    .max(30, { error: TIMEOUT_RANGE }),
  /** `$$.Execution.StartTime`: the workflow's notion of now (modeled time in the offline engine). */
  executionStartTime: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' }),
  lockTtlSeconds: z.int({ error: TTL_RANGE }).min(60, { error: TTL_RANGE }).max(86400, { error: TTL_RANGE }),
});
export type ProbeMirrorMembersInput = z.infer<typeof inputSchema>;

/**
 * What one member's status page said:
 * - `SUCCESS`: 200 with the body `SUCCESS` — this member is the mirror primary;
 * - `FAILED`: 503 with the body `FAILED` — a member that is not the primary (backup, async, down);
 * - `UNEXPECTED`: any other answer (500, 404, a 200 whose body is not `SUCCESS`, …) — not counted as primary;
 * - `UNREACHABLE`: no answer within the timeout, connection refused, … — not counted as primary.
 */
export type MemberAnswer = 'SUCCESS' | 'FAILED' | 'UNEXPECTED' | 'UNREACHABLE';

export interface MemberProbe {
  readonly instanceId: string;
  readonly answer: MemberAnswer;
  /** The HTTP status, when there was a response. */
  readonly statusCode?: number;
  /** One line for people: `HTTP 503 FAILED`, `ETIMEDOUT`, `HTTP 200 with body "<html>…"`. */
  readonly detail: string;
}

export interface ProbeMirrorMembersOutput {
  /** Whole seconds since the epoch of `executionStartTime` (the lock's "now"). */
  readonly nowEpoch: number;
  /** `nowEpoch + lockTtlSeconds`: when the mirror set's lock may be taken over. */
  readonly lockExpiresAt: number;
  /** How many members answered SUCCESS. Exactly 1: that member is the primary. */
  readonly primaryCount: number;
  /** The one member that answered SUCCESS, or `none` when zero or several did. */
  readonly primary: string;
  /** Every member that answered SUCCESS, comma-separated, or `none`. */
  readonly primaries: string;
  /** One line per probe round for notifications: `i-0a… FAILED (HTTP 503); i-0b… SUCCESS (HTTP 200)`. */
  readonly summary: string;
  readonly members: readonly MemberProbe[];
}
