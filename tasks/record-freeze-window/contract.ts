import { z } from 'zod';

const ISO = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time (ExecutionEndDateTime)' });

export const inputSchema = z.object({
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, { error: 'expected an EC2 instance id (i-...)' }),
  policy: z.string().min(1).max(40),
  /** GetCommandInvocation `ExecutionEndDateTime` of the freeze: writes were suspended from then on. */
  freezeEndedAt: ISO,
  /** GetCommandInvocation `ExecutionEndDateTime` of the thaw that succeeded: writes resumed by then. */
  thawEndedAt: ISO,
  /** The thaw's stdout (the documents print a few words). */
  thawOutput: z.string().max(24000),
  /** The set taken while frozen. */
  snapshotIds: z.array(z.string().regex(/^snap-[0-9a-f]+$/, { error: 'expected a snapshot id (snap-...)' })).min(1),
});
export type RecordFreezeWindowInput = z.infer<typeof inputSchema>;

export interface RecordFreezeWindowOutput {
  /** Confirmed freeze → thaw confirmed on the instance, in seconds (millisecond precision). */
  readonly freezeWindowSeconds: number;
  /** The thaw found writes already resumed: the set was re-tagged `crash`. */
  readonly writesResumedBeforeThaw: boolean;
  readonly consistency: 'application' | 'crash';
}
