import { z } from 'zod';

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy `retentionInDays`). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const region = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS Region code such as "us-east-1"');

const account = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');

export const configSchema = z
  .object({
    /** Prefix of every stack and physical name; letters, digits and hyphens. */
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/, 'must start with a letter and hold at most 32 letters, digits or hyphens')
      .default('ha-workflows'),
    /** Account to deploy to; omitted: the CLI's current account (environment-agnostic stack). */
    account: account.optional(),
    /** Region of the primary stack (instance recovery, mirror failover, backups). */
    primaryRegion: region,
    /** Region of the DR stack (DR promotion); omitted: no DR stack. */
    drRegion: region.optional(),
    notifications: z
      .object({
        /** Email addresses subscribed to the operators' topic (each must confirm the subscription). */
        emails: z.array(z.email()).default([]),
      })
      .strict()
      .default({ emails: [] }),
    logs: z
      .object({
        /** Retention of the state machine log group, in days (a value CloudWatch Logs accepts). */
        retentionDays: z
          .number()
          .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
            message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
          })
          .default(90),
      })
      .strict()
      .default({ retentionDays: 90 }),
    /** Tags applied to every resource of the stacks. */
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.drRegion !== undefined && c.drRegion === c.primaryRegion) {
      ctx.addIssue({
        code: 'custom',
        path: ['drRegion'],
        message: `must differ from primaryRegion ("${c.primaryRegion}"): the DR stack has to survive the primary region`,
      });
    }
  });

export type HaConfig = z.output<typeof configSchema>;
