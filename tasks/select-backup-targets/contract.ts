import { z } from 'zod';

const INSTANCE_ID = z.string().regex(/^i-[0-9a-f]{8,17}$/, { error: 'expected an EC2 instance id (i-...)' });
const POSITIVE = z.int().min(1);

/** Retention of a policy's snapshot sets in one region. At least one of `count` and `maxAgeDays`. */
export const retentionSchema = z.object({
  /** Keep the newest this many completed sets. */
  count: POSITIVE.optional(),
  /** Keep sets younger than this many days. */
  maxAgeDays: POSITIVE.optional(),
  /** Never delete the newest this many completed sets, whatever `count` and `maxAgeDays` say. */
  minimumKept: z.int().min(0),
});
export type Retention = z.infer<typeof retentionSchema>;

/** SSM document parameters as SendCommand takes them. */
const documentParameters = z.record(z.string().min(1), z.array(z.string()));

/**
 * One backup policy as the state machines need it: compact, derived from the configuration by the construct.
 * The parent execution hands it to every child execution in its input.
 */
export const backupSettingsSchema = z.object({
  /** Instances carrying `tagKey` = `tagValue` are backed up. */
  tagKey: z.string().min(1).max(128),
  tagValue: z.string().max(256),
  excludeBootVolume: z.boolean(),
  method: z.enum(['iris', 'command', 'none']),
  /** The stack's freeze / thaw command documents ('' with method `none`) and their parameters. */
  freezeDocument: z.string(),
  freezeParameters: documentParameters,
  thawDocument: z.string(),
  thawParameters: documentParameters,
  onFreezeFailure: z.enum(['fail', 'crash-consistent']),
  /** Polling caps (1 s polls for freeze and thaw, `completionPollSeconds` for the snapshots). */
  freezePolls: POSITIVE,
  thawPolls: POSITIVE,
  completionPolls: POSITIVE,
  /** Seconds a backup lock is held at most by an execution that died (its lease). */
  lockTtlSeconds: POSITIVE,
  /** Re-tries (one minute apart) of a backup lock another backup holds, before the backup is reported skipped. */
  lockWaitPolls: z.int().min(0),
  retention: retentionSchema,
  copy: z.object({ region: z.string().min(1), retention: retentionSchema }).optional(),
  concurrency: POSITIVE,
  notifyOnSuccess: z.boolean(),
});
export type BackupSettings = z.infer<typeof backupSettingsSchema>;

export const inputSchema = z.object({
  /** The execution's input: the schedule's `{ policy, scheduledTime }`, or an operator's `{ policy, instanceIds? }`. */
  trigger: z.object({
    policy: z.string().min(1).max(40),
    /** EventBridge Scheduler's `<aws.scheduler.scheduled-time>`: the same for a repeated delivery of one invocation. */
    scheduledTime: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' }).optional(),
    /** Back up only these instances (each must still carry the policy's tag). */
    instanceIds: z.array(INSTANCE_ID).min(1).optional(),
  }),
  /** `$$.Execution.Name`: names an on-demand run. */
  executionName: z.string().min(1).max(80),
  /** The most instances one run may back up (bounded by the parent execution's history). */
  maxTargets: POSITIVE,
  /** Every configured policy, by name. */
  policies: z.record(z.string().min(1), backupSettingsSchema),
});
export type SelectBackupTargetsInput = z.infer<typeof inputSchema>;

export interface SelectBackupTargetsOutput {
  /** Names the backup run: the same for a repeated delivery of one scheduled invocation. At most 60 characters. */
  readonly runId: string;
  readonly policy: string;
  readonly settings: BackupSettings;
  /** Sorted, without duplicates. */
  readonly instanceIds: readonly string[];
  readonly count: number;
}
