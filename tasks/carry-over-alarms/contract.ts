import { z } from 'zod';

const INSTANCE_ID = z.string().regex(/^i-[0-9a-zA-Z]+$/, { error: 'expected an EC2 instance id (i-...)' });

export const inputSchema = z
  .object({
    /** The failed instance whose alarms are carried over. */
    oldInstanceId: INSTANCE_ID,
    /** The replacement the alarms will watch. */
    newInstanceId: INSTANCE_ID,
  })
  .superRefine((v, ctx) => {
    if (v.oldInstanceId === v.newInstanceId) {
      ctx.addIssue({
        code: 'custom',
        path: ['newInstanceId'],
        input: v.newInstanceId,
        message: 'expected an instance id different from oldInstanceId',
      });
    }
  });

export type CarryOverAlarmsInput = z.infer<typeof inputSchema>;

export interface CarryOverAlarmsOutput {
  /** Names of the alarms put for the new instance (new or replaced in place). */
  readonly created: readonly string[];
  /** Names of the old instance's alarms deleted because their new alarm has a different name. */
  readonly deleted: readonly string[];
}
