import { z } from 'zod';

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy `retentionInDays`). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const region = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS Region code such as "us-east-1"');

const account = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');

const id = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, `must be a ${what}: 1-63 letters, digits, '.', '_' or '-'`);

export const recoveryGroupSchema = z
  .object({
    /** Region-unique id; protected instances and their candidate subnets carry it as the value of `tagKey`. */
    id: id('recovery group id'),
    /** The VPC of the group's instances and subnets. */
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id such as "vpc-0123456789abcdef0"'),
    /** Target groups the instance serves. */
    targetGroupArns: z
      .array(
        z
          .string()
          .regex(
            /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^/]+\/[0-9a-f]+$/,
            'must be a target group ARN',
          ),
      )
      .default([]),
    /** Subnets tried first, in this order. */
    subnetPreference: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id')).default([]),
    /** AZs never used for a replacement. */
    impairedZones: z
      .array(z.string().regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/, 'must be an AZ name such as "eu-west-1a"'))
      .default([]),
    /** Roles of the instance profiles of the group's instances (iam:PassRole is granted for these only). */
    instanceRoleArns: z
      .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN'))
      .default([]),
  })
  .strict();

export const instanceRecoverySchema = z
  .object({
    /** Tag key naming the recovery group on instances and subnets. */
    tagKey: z.string().min(1).max(128).default('ha-workflows:recovery-group'),
    /** Start on EC2 `stopped` state changes. */
    triggerOnStopped: z.boolean().default(true),
    /** Only alarms whose names start with this prefix start a recovery ('' = every instance alarm). */
    alarmNamePrefix: z.string().max(255).default(''),
    /** Longest a lock may be held by an execution that died (minutes). */
    lockTtlMinutes: z.number().int().min(1).max(1440).default(60),
    /** How long to wait for the replacement to run, then to be healthy (minutes). */
    runningTimeoutMinutes: z.number().int().min(1).max(30).default(3),
    healthyTimeoutMinutes: z.number().int().min(1).max(60).default(10),
    groups: z.array(recoveryGroupSchema).min(1, 'must list at least one recovery group'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.groups.forEach((g, i) => {
      if (seen.has(g.id)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'id'], message: 'must be unique' });
      seen.add(g.id);
    });
  });

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
    /** The instance-recovery workflow (primary region); omitted: not deployed. */
    instanceRecovery: instanceRecoverySchema.optional(),
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
