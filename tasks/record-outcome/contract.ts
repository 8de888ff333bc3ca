import { z } from 'zod';
import { OUTCOME_WORKFLOWS } from '../../contracts/outcomes';

const ISO = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-12-03T10:00:00Z' });

/**
 * What a workflow's outcome step sends (workflows/fragments/outcome.ts builds it): which workflow, the group / mirror
 * set / policy it is about, how it ended, and the span it measures.
 */
export const inputSchema = z
  .strictObject({
    workflow: z.enum(OUTCOME_WORKFLOWS, { error: `expected one of ${OUTCOME_WORKFLOWS.join(', ')}` }),
    /**
     * The dimension's value: a CloudWatch dimension value is 1-1024 ASCII characters, at least one of them not white
     * space, no control characters (CloudWatch API Reference, Dimension).
     */
    name: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[\x20-\x7e]*\S[\x20-\x7e]*$/, { error: 'expected 1-1024 printable ASCII characters' }),
    /** How a recovery, failover or promotion ended (not for snapshot-backup, which sends `instances`). */
    result: z.enum(['SUCCEEDED', 'FAILED']).optional(),
    /** A backup run's tally: instances in all, how many failed, how many were skipped (held by another backup). */
    instances: z
      .strictObject({
        total: z.int().min(0),
        failed: z.int().min(0),
        skipped: z.int().min(0),
      })
      .refine((t) => t.failed + t.skipped <= t.total, { error: 'failed + skipped is more than total' })
      .optional(),
    /** Where the measured span starts: the triggering event's time, the approval, the run's start. */
    startedAt: ISO,
    /** Where it ends: the outcome step's own entry (`$$.State.EnteredTime`). */
    endedAt: ISO,
    /** The execution, kept in the log line next to the metrics. */
    executionId: z.string().min(1).max(2048),
  })
  .superRefine((input, ctx) => {
    const backup = input.workflow === 'snapshot-backup';
    if (backup && input.instances === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['instances'],
        message: 'a backup run sends its tally (total, failed, skipped)',
      });
    }
    if (!backup && input.result === undefined) {
      ctx.addIssue({ code: 'custom', path: ['result'], message: 'expected SUCCEEDED or FAILED' });
    }
  });
export type RecordOutcomeInput = z.infer<typeof inputSchema>;

export interface RecordOutcomeOutput {
  readonly namespace: string;
  /** The dimension, e.g. `{ "Group": "web" }`. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Every metric recorded, by name: the duration (seconds) when measured, and the result counts. */
  readonly metrics: Readonly<Record<string, number>>;
}
