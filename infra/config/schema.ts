import { RegionInfo } from 'aws-cdk-lib/region-info';
import { z } from 'zod';
import { availabilityZone, configId, subnetId, targetGroupArn, vpcId } from '../../contracts/aws-ids';
import { mirrorMemberSchema, statusPathSchema, statusPortSchema } from '../../contracts/mirror-set';
import { recoveryGroupSchema } from '../../contracts/recovery-group';
import { RECOVERY_GROUP_TAG } from '../../contracts/tags';
import { scheduleExpressionProblems } from './schedule-expression';

/** A "must be unique" issue at `[...under, i, field]` for each item whose `field` repeats an earlier item's. */
function requireUnique<T, K extends keyof T & string>(
  ctx: z.RefinementCtx,
  items: readonly T[],
  field: K,
  under: readonly (string | number)[] = [],
): void {
  const seen = new Set<T[K]>();
  items.forEach((item, i) => {
    if (seen.has(item[field])) ctx.addIssue({ code: 'custom', path: [...under, i, field], message: 'must be unique' });
    seen.add(item[field]);
  });
}

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy `retentionInDays`). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The Regions aws-cdk-lib knows (its region-info facts): a name outside them is a typo or a Region CDK cannot target. */
const KNOWN_REGIONS: ReadonlySet<string> = new Set(RegionInfo.regions.map((r) => r.name));

const region = z
  .string()
  .refine((r) => KNOWN_REGIONS.has(r), 'must be an AWS Region name such as "eu-west-1" (one aws-cdk-lib knows)');

const account = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');

const irisInstanceName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be an IRIS instance name such as "IRIS"');

/** An executable on the instance, passed to a command document as a typed parameter: no shell characters. */
const executablePath = z
  .string()
  .regex(/^\/[A-Za-z0-9._/-]{1,255}$/, 'must be an absolute path without spaces, quotes or shell characters');

/**
 * An object whose field `key` chooses how something is done (an IRIS preset, or the operator's commands): each choice
 * needs its own optional fields (`needs`), and the fields of the other choices must be absent. Reports each field the
 * choice needs but lacks (`is required with preset "iris"`), or does not use but has (`is not used with …`).
 */
function chosenBy<T extends z.ZodRawShape, K extends keyof T & string>(
  key: K,
  needs: Readonly<Record<string, readonly (keyof T & string)[]>>,
  shape: T,
) {
  const fields = [...new Set(Object.values(needs).flat())];
  return z
    .object(shape)
    .strict()
    .superRefine((value, ctx) => {
      const values = value as Record<string, unknown>;
      const choice = String(values[key]);
      for (const field of fields) {
        const required = needs[choice]?.includes(field) ?? false;
        const present = values[field] !== undefined;
        const message = `is ${required ? 'required' : 'not used'} with ${key} "${choice}"`;
        if (required !== present) ctx.addIssue({ code: 'custom', path: [field], message });
      }
    });
}

export const instanceRecoverySchema = z
  .object({
    /** Tag key naming the recovery group on instances and subnets. */
    tagKey: z.string().min(1).max(128).default(RECOVERY_GROUP_TAG),
    /** Start on EC2 `stopped` state changes. */
    triggerOnStopped: z.boolean().default(true),
    /** Only alarms whose names start with this prefix start a recovery ('' = every instance alarm). */
    alarmNamePrefix: z.string().max(255).default(''),
    /** Longest a lock may be held by an execution that died (minutes). */
    lockTtlMinutes: z.number().int().min(1).max(1440).default(60),
    /** How long to wait for the replacement to run, then to be healthy (minutes). */
    runningTimeoutMinutes: z.number().int().min(1).max(30).default(3),
    healthyTimeoutMinutes: z.number().int().min(1).max(60).default(10),
    /** How long to wait for the failed instance to reach `terminated` (the fence's confirmation), in minutes. */
    terminatedTimeoutMinutes: z.number().int().min(1).max(60).default(5),
    groups: z.array(recoveryGroupSchema).min(1, 'must list at least one recovery group'),
  })
  .strict()
  .superRefine((c, ctx) => {
    // The execution's timeout covers the three waits plus 15 min (InstanceRecoveryWorkflow); a lease shorter than
    // a running execution would let a second recovery of the group take the lock over.
    const timeout = Math.max(30, c.runningTimeoutMinutes + c.terminatedTimeoutMinutes + c.healthyTimeoutMinutes + 15);
    if (c.lockTtlMinutes < timeout) {
      ctx.addIssue({
        code: 'custom',
        path: ['lockTtlMinutes'],
        message:
          `must be at least the recovery's timeout, ${timeout} min (30, or runningTimeoutMinutes + ` +
          'terminatedTimeoutMinutes + healthyTimeoutMinutes + 15), so that no second recovery takes over a running one',
      });
    }
    requireUnique(ctx, c.groups, 'id', ['groups']);
  });

/** Subnets given with their AZ (not looked up, so synthesis stays offline): at least one, `message` when none. */
const subnetsSchema = (message: string) => z.array(z.object({ subnetId, availabilityZone }).strict()).min(1, message);

/** A mirror set's DR site, for the dr-promotion workflow (deployed in the DR region). */
export const drSiteSchema = z
  .object({
    /** The DR VPC (DR region); the preflight and probe functions run in it. */
    vpcId: vpcId,
    /** Subnets of the DR VPC for those functions, each with its AZ. */
    subnets: subnetsSchema('must list at least one subnet'),
    /** The DR (async) members that may be promoted: instance id and private IPv4 address (status page host). */
    members: z.array(mirrorMemberSchema).min(1, 'must list at least one DR member'),
    /** Target groups in the DR region that take the promoted member. */
    targetGroupArns: z.array(targetGroupArn).min(1, 'must list at least one target group'),
    /** The deny-all ("blackhole") security group of the old members' VPC, in the primary region. */
    primaryDenyAllGroupId: z
      .string()
      .regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id such as "sg-0123456789abcdef0"'),
    /** How the DR member is promoted. */
    promotion: chosenBy(
      'preset',
      { iris: ['instanceName'], command: ['promoteCommand', 'queryCommand'] },
      {
        preset: z.enum(['iris', 'command']),
        /** `iris`: the IRIS instance name. */
        instanceName: irisInstanceName.optional(),
        /** `command`: absolute path of the promotion executable on the DR member. */
        promoteCommand: executablePath.optional(),
        /** `command`: absolute path of a read-only executable that prints the mirror state. */
        queryCommand: executablePath.optional(),
        /** How long the promotion command may run. */
        timeoutSeconds: z.number().int().min(30).max(3600).default(600),
      },
    ),
    /** Seconds to wait for the promoted member to answer SUCCESS on its status page. */
    verifyTimeoutSeconds: z.number().int().min(30).max(1800).default(300),
    /** The longest approval wait a request may ask for (minutes). */
    maxApprovalTimeoutMinutes: z.number().int().min(1).max(1440).default(240),
  })
  .strict();

export const mirrorSetSchema = z
  .object({
    /** Region-unique name; the become-primary hook's event names the set by it. */
    name: configId('mirror set name'),
    /** The VPC of the members; the set's probe function runs in it. */
    vpcId: vpcId,
    /** Subnets for the probe function, each with its AZ (given, not looked up, so synthesis stays offline). */
    probeSubnets: subnetsSchema('must list at least one subnet for the probe function'),
    /** The failover members: instance id and private IPv4 address. */
    members: z.array(mirrorMemberSchema).min(2, 'must list at least two failover members'),
    /**
     * Port of the web server that serves the mirror-status page on every member: the private web server (52773), or
     * the web server in front of the Web Gateway (80) where none is installed.
     */
    statusPort: statusPortSchema,
    /** Path of the mirror-status page, the Web Gateway's `mirror_status.cxw`. */
    statusPath: statusPathSchema,
    /** Target groups that must send traffic to the primary only. */
    targetGroupArns: z.array(targetGroupArn).min(1, 'must list at least one target group'),
    /** The load balancer of the target groups: enables the no-healthy-host alarm trigger. */
    loadBalancerArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/(app|net)\/[^/]+\/[0-9a-f]+$/,
        'must be an Application or Network Load Balancer ARN',
      )
      .optional(),
    /** Point the target groups' health check at the mirror-status page. */
    configureHealthCheck: z.boolean().default(true),
    /** Seconds one member may take to answer a probe. */
    probeTimeoutSeconds: z.number().int().min(1).max(10).default(2),
    /** Seconds to keep probing for exactly one primary before failing. */
    primaryWaitSeconds: z.number().int().min(5).max(900).default(60),
    /** Seconds to wait for the primary to be healthy after the switch. */
    healthyTimeoutSeconds: z.number().int().min(30).max(1800).default(300),
    /** The set's DR site (DR region): enables the dr-promotion workflow in the DR stack; omitted: none. */
    dr: drSiteSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    requireUnique(ctx, s.probeSubnets, 'subnetId', ['probeSubnets']);
    for (const field of ['instanceId', 'address'] as const) requireUnique(ctx, s.members, field, ['members']);
  });

const retentionSchema = z
  .object({
    /** Keep the newest this many completed sets. */
    count: z.number().int().min(1).max(10000).optional(),
    /** Keep sets younger than this many days. */
    maxAgeDays: z.number().int().min(1).max(36500).optional(),
    /** Never delete the newest this many completed sets. */
    minimumKept: z.number().int().min(0).max(10000).default(1),
  })
  .strict()
  .refine((r) => r.count !== undefined || r.maxAgeDays !== undefined, {
    message: 'must give count, maxAgeDays or both',
  });

export const backupPolicySchema = z
  .object({
    /** Unique name; tagged on every snapshot and part of every run's id. */
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/,
        'must be 1-40 letters, digits, "_" or "-", starting with a letter or digit',
      ),
    /** When it runs (EventBridge Scheduler). */
    schedule: z
      .object({
        /**
         * `cron(minutes hours day-of-month month day-of-week year)` or `rate(<n> minute(s)|hour(s)|day(s))`, checked
         * field by field as EventBridge Scheduler checks them (./schedule-expression.ts).
         */
        expression: z.string().superRefine((expression, ctx) => {
          for (const message of scheduleExpressionProblems(expression)) ctx.addIssue({ code: 'custom', message });
        }),
        /** IANA time zone of a cron expression. */
        timeZone: z
          .string()
          .regex(/^(UTC|[A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2})$/, 'must be an IANA time zone such as "Europe/Dublin"')
          .default('UTC'),
      })
      .strict(),
    /** Which instances: those carrying the tag `tagKey` = `tagValue`. */
    targets: z
      .object({
        tagKey: z
          .string()
          .min(1)
          .max(128)
          .refine((k) => !k.startsWith('aws:'), 'must not start with "aws:"'),
        tagValue: z.string().max(256),
      })
      .strict(),
    /** Which volumes of each instance. */
    volumes: z.enum(['all', 'exclude-boot']).default('all'),
    /** How the database is made consistent before the snapshot. */
    consistency: chosenBy(
      'method',
      { iris: ['instanceName'], command: ['freezeCommand', 'thawCommand'], none: [] },
      {
        method: z.enum(['iris', 'command', 'none']),
        /** `iris`: the IRIS instance name. */
        instanceName: irisInstanceName.optional(),
        /** `command`: absolute paths of the freeze and thaw executables on the instance. */
        freezeCommand: executablePath.optional(),
        thawCommand: executablePath.optional(),
        /** How long the freeze command may take. */
        freezeTimeoutSeconds: z.number().int().min(5).max(900).default(60),
      },
    ),
    /** A failed freeze fails the backup, or yields a set tagged crash-consistent. */
    onFreezeFailure: z.enum(['fail', 'crash-consistent']).default('fail'),
    /** Retention in the primary region. */
    retention: retentionSchema,
    /** Copy each completed set to another region, with its own retention. */
    copy: z.object({ region, retention: retentionSchema }).strict().optional(),
    /** Instances backed up at once (an inline Map runs at most 40 iterations at a time). */
    concurrency: z.number().int().min(1).max(40).default(5),
    /** Also notify each successful backup. */
    notifyOnSuccess: z.boolean().default(false),
    /** How long to wait for the snapshots to complete (minutes). */
    completionTimeoutMinutes: z.number().int().min(5).max(1440).default(360),
    /** How long a backup waits for another backup of the same instance to release it, then is reported skipped (minutes; 0: skip at once). */
    lockWaitMinutes: z.number().int().min(0).max(720).default(60),
    /** The schedule runs (the policy can always be run on demand). */
    enabled: z.boolean().default(true),
  })
  .strict();

export const snapshotBackupSchema = z
  .object({
    /** How long one thaw attempt may take on the instance (seconds). */
    thawTimeoutSeconds: z.number().int().min(10).max(900).default(60),
    /** The most instances one run backs up (the run's execution history grows with each). */
    maxInstancesPerRun: z.number().int().min(1).max(2000).default(2000),
    /** Upper bound of one run of a policy (hours). */
    runTimeoutHours: z.number().int().min(1).max(168).default(24),
    /** The backup policies. */
    policies: z
      .array(backupPolicySchema)
      .min(1, 'must list at least one backup policy')
      .superRefine((policies, ctx) => requireUnique(ctx, policies, 'name')),
  })
  .strict();

// ── Observability (docs/operations.md) ────────────────────────────────────────────────────────────────────────────
/** What the state machines log (Step Functions log levels ALL, ERROR, FATAL, OFF). */
const stateMachineLogFields = {
  /** The state machines' log level; ALL logs every state's events. */
  level: z.enum(['ALL', 'ERROR', 'FATAL', 'OFF']).default('ERROR'),
  /** Log execution data (every state's input and output, the DR operator request included) with the events. */
  includeExecutionData: z.boolean().default(false),
};

/** The workflows' CloudWatch alarms, all to the operators' topic (workflows/base/alarms.ts). */
const alarmThreshold = z.number().int().min(1).max(1000000);
export const alarmsSchema = z
  .object({
    /** Create the alarms. */
    enabled: z.boolean().default(true),
    /** The period each alarm sums its metric over, in minutes. */
    periodMinutes: z.number().int().min(1).max(1440).default(5),
    /** Periods in a row that must breach. */
    evaluationPeriods: z.number().int().min(1).max(100).default(1),
    /** The count per period at or above which each alarm fires. */
    thresholds: z
      .object({
        ExecutionsFailed: alarmThreshold.optional(),
        ExecutionsTimedOut: alarmThreshold.optional(),
        ExecutionsAborted: alarmThreshold.optional(),
        ExecutionThrottled: alarmThreshold.optional(),
        deadLetters: alarmThreshold.optional(),
      })
      .strict()
      .default({}),
    /** Base URL of the repository whose docs/workflows/<workflow>.md pages the alarm descriptions link. */
    runbookBaseUrl: z
      .string()
      .regex(/^https:\/\/\S+[^/\s]$/, 'must be an https URL without a trailing slash')
      .optional(),
  })
  .strict()
  .default({ enabled: true, periodMinutes: 5, evaluationPeriods: 1, thresholds: {} });

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
        ...stateMachineLogFields,
      })
      .strict()
      .default({ retentionDays: 90, level: 'ERROR', includeExecutionData: false }),
    alarms: alarmsSchema,
    /** The instance-recovery workflow (primary region); omitted: not deployed. */
    instanceRecovery: instanceRecoverySchema.optional(),
    /** The mirror-failover workflow's mirror sets (primary region); omitted: not deployed. */
    mirrorSets: z
      .array(mirrorSetSchema)
      .min(1, 'must list at least one mirror set (omit the field to deploy no mirror failover)')
      .superRefine((sets, ctx) => requireUnique(ctx, sets, 'name'))
      .optional(),
    /** The snapshot-backup workflow's policies (primary region); omitted: not deployed. */
    snapshotBackup: snapshotBackupSchema.optional(),
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
    // Availability Zones and ARNs name their Region: one of another Region than its stack's cannot work there.
    const inRegion = (path: (string | number)[], found: string, stackRegion: string | undefined, stack: string) => {
      const region = found.startsWith('arn:') ? found.split(':')[3] : found.replace(/[a-z]$/, '');
      if (stackRegion !== undefined && region !== stackRegion) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `must be in ${stack} ("${stackRegion}"), where its stack is deployed; it is in "${region}"`,
        });
      }
    };
    c.instanceRecovery?.groups.forEach((g, i) => {
      const at = ['instanceRecovery', 'groups', i];
      g.impairedZones.forEach((z, j) => inRegion([...at, 'impairedZones', j], z, c.primaryRegion, 'primaryRegion'));
      g.targetGroupArns.forEach((a, j) => inRegion([...at, 'targetGroupArns', j], a, c.primaryRegion, 'primaryRegion'));
    });
    c.mirrorSets?.forEach((m, i) => {
      const at = ['mirrorSets', i];
      m.probeSubnets.forEach((n, j) =>
        inRegion([...at, 'probeSubnets', j, 'availabilityZone'], n.availabilityZone, c.primaryRegion, 'primaryRegion'),
      );
      m.targetGroupArns.forEach((a, j) => inRegion([...at, 'targetGroupArns', j], a, c.primaryRegion, 'primaryRegion'));
      if (m.loadBalancerArn) inRegion([...at, 'loadBalancerArn'], m.loadBalancerArn, c.primaryRegion, 'primaryRegion');
      m.dr?.subnets.forEach((n, j) =>
        inRegion([...at, 'dr', 'subnets', j, 'availabilityZone'], n.availabilityZone, c.drRegion, 'drRegion'),
      );
      m.dr?.targetGroupArns.forEach((a, j) => inRegion([...at, 'dr', 'targetGroupArns', j], a, c.drRegion, 'drRegion'));
    });
    c.snapshotBackup?.policies.forEach((p, i) => {
      if (p.copy?.region === c.primaryRegion) {
        ctx.addIssue({
          code: 'custom',
          path: ['snapshotBackup', 'policies', i, 'copy', 'region'],
          message: `must differ from primaryRegion ("${c.primaryRegion}"): the copy is for when that region is lost`,
        });
      }
    });
  });

export type HaConfig = z.output<typeof configSchema>;
