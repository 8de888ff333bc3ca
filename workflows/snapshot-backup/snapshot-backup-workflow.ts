import { Duration, Stack, TimeZone, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BACKUP_TAGS as BACKUP_TAG_KEYS, CREATED_BY_VALUE as CREATED_BY } from '../../contracts/tags';
import { createHaStateMachine, type HaFoundation, PropsError, TaskFunction } from '../base';
import { COPY_LIMIT_RETRY, COPY_LIMIT_RETRY_WAIT_SECONDS } from '../fragments';
import { snapshotBackupDefinition } from './definition';
import { FreezeThawDocuments } from './documents';
import {
  type BackupSettings,
  EXECUTION_STATUS_CHANGE,
  RESCUED_STATUSES,
  type RetentionSettings,
  SNAPSHOT_BACKUP,
  SNAPSHOT_BACKUP_INSTANCE,
  SNAPSHOT_BACKUP_RESCUE,
} from './input';
import { COPY_TASK_TIMEOUT, instanceBackupDefinition, LOCK_RETRY_INTERVAL } from './instance-definition';
import { rescueDefinition } from './rescue-definition';
import { RESCUE_THAW_ATTEMPTS, RESCUE_THAW_PAUSE, thawWorstCaseSeconds } from './thaw';

/** Freeze InterSystems IRIS with `Backup.General.ExternalFreeze()` through `iris session <instanceName>`. */
export interface IrisConsistency {
  readonly method: 'iris';
  /** The IRIS instance name (as `iris list` shows it), e.g. `IRIS`. */
  readonly instanceName: string;
  /**
   * How long the freeze command may take before the backup gives up on it (and thaws).
   * @default Duration.seconds(60)
   */
  readonly freezeTimeout?: Duration;
}

/** Freeze and thaw with the operator's own executables on the instance. */
export interface CommandConsistency {
  readonly method: 'command';
  /** Absolute path of the freeze executable: exit status 0 = frozen. */
  readonly freezeCommand: string;
  /** Absolute path of the thaw executable: 0 = thawed; 4 = thawed, but writes had resumed before. */
  readonly thawCommand: string;
  /** @default Duration.seconds(60) */
  readonly freezeTimeout?: Duration;
}

/** No freeze: crash-consistent sets (one point in time across the instance's volumes). */
export interface NoConsistency {
  readonly method: 'none';
}

export interface BackupRetention {
  /**
   * Keep the newest this many completed sets.
   * @default - no count-based limit (then `maxAgeDays` is required)
   */
  readonly count?: number;
  /**
   * Keep sets younger than this many days.
   * @default - no age-based limit (then `count` is required)
   */
  readonly maxAgeDays?: number;
  /**
   * Never delete the newest this many completed sets.
   * @default 1
   */
  readonly minimumKept?: number;
}

export interface BackupPolicy {
  /** 1-40 letters, digits, `_` or `-`; unique. Tagged on every snapshot; names the runs. */
  readonly name: string;
  /** An EventBridge Scheduler expression: `cron(…)` or `rate(…)` (or `at(…)`). */
  readonly schedule: string;
  /**
   * The schedule's time zone (IANA name).
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /** Instances carrying this tag are backed up. */
  readonly tagKey: string;
  readonly tagValue: string;
  /**
   * Which volumes of an instance: all, or all but the boot volume.
   * @default 'all'
   */
  readonly volumes?: 'all' | 'exclude-boot';
  readonly consistency: IrisConsistency | CommandConsistency | NoConsistency;
  /**
   * What a failed freeze leads to: a failed backup (no snapshot), or a snapshot set tagged `crash`.
   * @default 'fail'
   */
  readonly onFreezeFailure?: 'fail' | 'crash-consistent';
  readonly retention: BackupRetention;
  /**
   * Copy every completed set to another region, with its own retention.
   * @default - no copy
   */
  readonly copy?: { readonly region: string; readonly retention: BackupRetention };
  /**
   * Instances backed up at once.
   * @default 5
   */
  readonly concurrency?: number;
  /**
   * Notify the operators' topic after each instance's successful backup too.
   * @default false - only failures are notified
   */
  readonly notifyOnSuccess?: boolean;
  /**
   * How long to wait for the set's snapshots to complete (a first, full snapshot can take hours).
   * @default Duration.hours(6)
   */
  readonly completionTimeout?: Duration;
  /**
   * How long an instance's backup waits for another backup of the same instance (another policy's, or an
   * earlier run's) to release it: the lock is re-tried every minute, then the backup is reported skipped (in
   * the run's result, a notification and the instance's state record). `Duration.minutes(0)` skips at once.
   * @default Duration.hours(1)
   */
  readonly lockWait?: Duration;
  /**
   * Whether the schedule runs (the policy can still be run on demand).
   * @default true
   */
  readonly enabled?: boolean;
}

export interface SnapshotBackupWorkflowProps {
  readonly foundation: HaFoundation;
  readonly policies: readonly BackupPolicy[];
  /**
   * How long a thaw command may take on the instance before the attempt counts as failed.
   * @default Duration.seconds(60)
   */
  readonly thawTimeout?: Duration;
  /**
   * The most instances one run backs up: the parent execution's history grows by about 8 events per instance
   * and must stay under Step Functions' 25,000.
   * @default 2000
   */
  readonly maxInstancesPerRun?: number;
  /**
   * Upper bound of one run (all of a policy's instances).
   * @default Duration.hours(24)
   */
  readonly runTimeout?: Duration;
  /**
   * Between two reads of a set's snapshot states. At most MAX_COMPLETION_CHECKS reads fit in the longest
   * `completionTimeout` (each adds about 11 events to the instance execution's history, which must stay under 25,000).
   * @default - 30 s, or longer when the longest completionTimeout needs it (24 h: 87 s)
   */
  readonly completionPollInterval?: Duration;
  /**
   * Prefix of the SSM documents' names (`<prefix>-iris-freeze`, …).
   * @default - the stack name
   */
  readonly documentNamePrefix?: string;
}

/** The namespace of the freeze-window metrics (tasks/record-freeze-window). */
export const BACKUP_METRIC_NAMESPACE = 'HaWorkflows/SnapshotBackup';

const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
const SCHEDULE = /^(cron|rate|at)\(.+\)$/;
/** Inline Map iterations run at most 40 at a time. */
const MAX_CONCURRENCY = 40;
/** Reads of a set's state at most, so that an instance execution's history stays far below 25,000 events. */
export const MAX_COMPLETION_CHECKS = 1000;

function completionOf(p: BackupPolicy): Duration {
  return p.completionTimeout ?? Duration.hours(6);
}

function lockWaitOf(p: BackupPolicy): Duration {
  return p.lockWait ?? Duration.hours(1);
}

/**
 * Application-consistent EBS snapshot backups on a schedule: per instance, lock → freeze (SSM Run Command with
 * the stack's own documents) → CreateSnapshots → thaw → record → wait until completed → copy → prune → release.
 * Three state machines: the scheduled run (`stateMachine`), one execution per instance (`instanceStateMachine`),
 * and the rescue that thaws what an aborted, timed-out or failed instance backup left frozen (`rescueStateMachine`).
 */
export class SnapshotBackupWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly instanceStateMachine: sfn.StateMachine;
  readonly rescueStateMachine: sfn.StateMachine;
  readonly deadLetterQueue: sqs.Queue;
  readonly schedules: scheduler.Schedule[] = [];
  /** Regions where the workflow creates, tags and deletes snapshots: the stack's own, then the copy regions. */
  readonly snapshotRegions: readonly string[];
  /** The freeze/thaw documents, by method. */
  readonly documents: Partial<Record<'iris' | 'command', FreezeThawDocuments>> = {};

  constructor(scope: Construct, id: string, props: SnapshotBackupWorkflowProps) {
    super(scope, id);
    validate(props, Stack.of(this).region);
    const { foundation } = props;
    const stack = Stack.of(this);
    const { partition, region, account } = stack;
    const ec2Arn = (resource: string, withAccount = true) =>
      `arn:${partition}:ec2:${region}:${withAccount ? account : ''}:${resource}`;
    const snapshotArn = (inRegion: string) => `arn:${partition}:ec2:${inRegion}::snapshot/*`;
    const retention = foundation.logRetention;
    const thawTimeout = props.thawTimeout ?? Duration.seconds(60);
    const longestCompletion = Math.max(...props.policies.map((p) => completionOf(p).toSeconds()));
    const pollInterval =
      props.completionPollInterval ??
      Duration.seconds(Math.max(30, Math.ceil(longestCompletion / MAX_COMPLETION_CHECKS)));
    const prefix = props.documentNamePrefix ?? stack.stackName;

    // ── The freeze and thaw documents, one pair per method in use ─────────────────────────────────────────
    const maxFreeze = (method: 'iris' | 'command') =>
      Math.max(
        60,
        ...props.policies.flatMap((p) =>
          p.consistency.method === method ? [freezeTimeoutOf(p.consistency).toSeconds()] : [],
        ),
      );
    for (const method of ['iris', 'command'] as const) {
      if (!props.policies.some((p) => p.consistency.method === method)) continue;
      this.documents[method] = new FreezeThawDocuments(this, method === 'iris' ? 'IrisDocuments' : 'CommandDocuments', {
        method,
        namePrefix: prefix,
        freezeTimeoutSeconds: maxFreeze(method),
        thawTimeoutSeconds: thawTimeout.toSeconds(),
      });
    }
    const documentArn = (name: string) => `arn:${partition}:ssm:${region}:${account}:document/${name}`;
    const allDocuments = Object.values(this.documents).flatMap((d) => [d.freezeName, d.thawName]);
    const thawDocuments = Object.values(this.documents).map((d) => d.thawName);

    // Instances a policy selects, by tag key (one statement per key, each with that key's values).
    const byTagKey = new Map<string, Set<string>>();
    for (const p of props.policies) byTagKey.set(p.tagKey, (byTagKey.get(p.tagKey) ?? new Set()).add(p.tagValue));
    const selectedInstances = (actions: string[], conditionKey: (tagKey: string) => string) =>
      [...byTagKey.entries()].map(
        ([tagKey, values]) =>
          new iam.PolicyStatement({
            actions,
            resources: [ec2Arn('instance/*')],
            conditions: { StringEquals: { [conditionKey(tagKey)]: [...values] } },
          }),
      );
    const sendCommand = (documents: string[]) =>
      documents.length === 0
        ? []
        : [
            new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: documents.map(documentArn) }),
            ...selectedInstances(['ssm:SendCommand'], (k) => `ssm:resourceTag/${k}`),
          ];
    // GetCommandInvocation has no resource type (Service Authorization Reference): "*".
    const readCommand = new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation'], resources: ['*'] });
    const policyNames = props.policies.map((p) => p.name);
    const ownSnapshots = {
      StringEquals: {
        [`aws:ResourceTag/${BACKUP_TAG_KEYS.createdBy}`]: CREATED_BY,
        [`aws:ResourceTag/${BACKUP_TAG_KEYS.policy}`]: policyNames,
      },
    };
    const describe = (actions: string[]) => new iam.PolicyStatement({ actions, resources: ['*'] });

    // ── Lambda tasks ─────────────────────────────────────────────────────────────────────────────────────
    const task = (cid: string, name: string, description: string, policy: iam.PolicyStatement[], timeout?: Duration) =>
      new TaskFunction(this, cid, {
        task: name,
        description: `ha-workflows snapshot-backup: ${description}`,
        policy,
        logRetention: retention,
        encryptionKey: foundation.key,
        timeout,
      });
    const select = task('SelectTargets', 'select-backup-targets', 'select the instances a policy backs up', [
      describe(['ec2:DescribeInstances']),
    ]);
    const plan = task('PlanInstanceBackup', 'plan-instance-backup', "read the instance's state, plan its backup", [
      describe(['ec2:DescribeInstances']),
    ]);
    const record = task('RecordFreezeWindow', 'record-freeze-window', 'record the freeze window as a metric', [
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': BACKUP_METRIC_NAMESPACE } },
      }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateTags'],
        resources: [snapshotArn(region)],
        conditions: ownSnapshots,
      }),
    ]);
    const copyRegions = [...new Set(props.policies.flatMap((p) => (p.copy ? [p.copy.region] : [])))];
    this.snapshotRegions = [region, ...copyRegions];
    const copy =
      copyRegions.length === 0
        ? undefined
        : task(
            'CopySnapshots',
            'copy-snapshots',
            'copy a completed set to another region',
            [
              describe(['ec2:DescribeSnapshots']),
              new iam.PolicyStatement({
                actions: ['ec2:CopySnapshot'],
                resources: [snapshotArn(region)],
                conditions: ownSnapshots,
              }),
              new iam.PolicyStatement({
                actions: ['ec2:CopySnapshot'],
                resources: copyRegions.map(snapshotArn),
                conditions: { StringEquals: { [`aws:RequestTag/${BACKUP_TAG_KEYS.createdBy}`]: CREATED_BY } },
              }),
              new iam.PolicyStatement({
                actions: ['ec2:CreateTags'],
                resources: copyRegions.map(snapshotArn),
                conditions: { StringEquals: { 'ec2:CreateAction': 'CopySnapshot' } },
              }),
            ],
            Duration.seconds(110),
          );
    const prune = task(
      'PruneSnapshots',
      'prune-snapshots',
      "delete the policy's expired sets of one instance (its own snapshots only)",
      [
        describe(['ec2:DescribeSnapshots']),
        new iam.PolicyStatement({
          actions: ['ec2:DeleteSnapshot'],
          resources: [snapshotArn(region), ...copyRegions.map(snapshotArn)],
          conditions: ownSnapshots,
        }),
      ],
      Duration.seconds(280),
    );

    const kms = foundation.keyUseStatement();

    // ── The per-instance machine ─────────────────────────────────────────────────────────────────────────
    const maxCompletion = Duration.seconds(longestCompletion);
    // The longest completion wait, the longest lock wait, the copy's waits for the copy region's 20 concurrent
    // copies (every attempt as slow as its timeout allows), and an hour for everything else.
    const longestLockWait = Math.max(...props.policies.map((p) => lockWaitOf(p).toSeconds()));
    const copyLimitWait =
      copyRegions.length === 0
        ? 0
        : COPY_LIMIT_RETRY_WAIT_SECONDS + ((COPY_LIMIT_RETRY.maxAttempts ?? 0) + 1) * COPY_TASK_TIMEOUT.toSeconds();
    const instanceTimeout = Duration.seconds(
      maxCompletion.toSeconds() + longestLockWait + copyLimitWait + Duration.hours(1).toSeconds(),
    );
    const instance = createHaStateMachineIn(this, 'Instance', {
      workflow: SNAPSHOT_BACKUP_INSTANCE,
      comment: 'Back up one instance: freeze, snapshot its volumes, thaw, wait, copy, prune',
      logGroup: foundation.logGroup,
      timeout: instanceTimeout,
      definition: (scope) =>
        instanceBackupDefinition(scope, {
          table: foundation.table,
          topic: foundation.topic,
          planFunction: plan.fn,
          recordFunction: record.fn,
          pruneFunction: prune.fn,
          copyFunction: copy?.fn,
          sendCommandPolicy: sendCommand(allDocuments),
          readCommandPolicy: readCommand,
          createSnapshotsPolicy: [
            ...selectedInstances(['ec2:CreateSnapshots'], (k) => `aws:ResourceTag/${k}`),
            new iam.PolicyStatement({ actions: ['ec2:CreateSnapshots'], resources: [ec2Arn('volume/*')] }),
            new iam.PolicyStatement({
              actions: ['ec2:CreateSnapshots'],
              resources: [snapshotArn(region)],
              conditions: { StringEquals: { [`aws:RequestTag/${BACKUP_TAG_KEYS.createdBy}`]: CREATED_BY } },
            }),
            new iam.PolicyStatement({
              actions: ['ec2:CreateTags'],
              resources: [snapshotArn(region)],
              conditions: { StringEquals: { 'ec2:CreateAction': 'CreateSnapshots' } },
            }),
          ],
          describeSnapshotsPolicy: describe(['ec2:DescribeSnapshots']),
          completionPollInterval: pollInterval,
        }),
    });
    this.instanceStateMachine = instance.stateMachine;
    instance.role.addToPolicy(kms);

    // ── The rescue, on the per-instance machine's own status changes ────────────────────────────────────
    const rescue = createHaStateMachineIn(this, 'Rescue', {
      workflow: SNAPSHOT_BACKUP_RESCUE,
      comment: 'Thaw what an aborted, timed-out or failed instance backup left frozen',
      logGroup: foundation.logGroup,
      // Nothing rescues the rescue: it must outlast its own worst-case thaw (every attempt, every call as slow as
      // its timeout allows), plus ten minutes to record and notify; at least an hour.
      timeout: Duration.seconds(
        Math.max(
          3600,
          thawWorstCaseSeconds(thawTimeout.toSeconds() + 10, RESCUE_THAW_ATTEMPTS, RESCUE_THAW_PAUSE) + 600,
        ),
      ),
      definition: (scope) =>
        rescueDefinition(scope, {
          table: foundation.table,
          topic: foundation.topic,
          sendCommandPolicy: sendCommand(thawDocuments),
          readCommandPolicy: readCommand,
          thawPolls: thawTimeout.toSeconds() + 10,
        }),
    });
    this.rescueStateMachine = rescue.stateMachine;
    rescue.role.addToPolicy(kms);

    // ── The scheduled run ────────────────────────────────────────────────────────────────────────────────
    const policies: Record<string, BackupSettings> = {};
    for (const p of props.policies) {
      policies[p.name] = settingsOf(p, this.documents, {
        thawTimeoutSeconds: thawTimeout.toSeconds(),
        pollIntervalSeconds: pollInterval.toSeconds(),
        lockTtlSeconds: instanceTimeout.toSeconds(),
      });
    }
    const run = createHaStateMachine(this, {
      workflow: SNAPSHOT_BACKUP,
      comment: 'Back up every instance a policy selects, one child execution per instance',
      logGroup: foundation.logGroup,
      timeout: props.runTimeout ?? Duration.hours(24),
      definition: snapshotBackupDefinition(this, {
        topic: foundation.topic,
        selectFunction: select.fn,
        instanceMachine: instance.stateMachine,
        instanceTimeout,
        policies,
        maxTargets: props.maxInstancesPerRun ?? 2000,
      }),
    });
    this.stateMachine = run.stateMachine;
    run.role.addToPolicy(kms);

    // ── Triggers: one schedule per policy, and the rescue rule ──────────────────────────────────────────
    this.deadLetterQueue = foundation.triggerDeadLetterQueue(this);
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'Lets the snapshot-backup schedules start the snapshot-backup state machine, and nothing else',
    });
    for (const p of props.policies) {
      this.schedules.push(
        new scheduler.Schedule(this, `Schedule-${p.name}`, {
          description: `ha-workflows snapshot-backup: policy ${p.name}`,
          schedule: scheduler.ScheduleExpression.expression(p.schedule, TimeZone.of(p.timeZone ?? 'UTC')),
          enabled: p.enabled ?? true,
          target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
            role: schedulerRole,
            deadLetterQueue: this.deadLetterQueue,
            input: scheduler.ScheduleTargetInput.fromObject({
              policy: p.name,
              scheduledTime: scheduler.ContextAttribute.scheduledTime,
            }),
            maxEventAge: Duration.hours(1),
            retryAttempts: 8,
          }),
        }),
      );
    }
    new events.Rule(this, 'OnInstanceBackupStopped', {
      description:
        'ha-workflows: an instance backup ended ABORTED, TIMED_OUT or FAILED → rescue (thaw what is left frozen)',
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: { status: [...RESCUED_STATUSES], stateMachineArn: [this.instanceStateMachine.stateMachineArn] },
      },
      targets: [
        new eventTargets.SfnStateMachine(this.rescueStateMachine, {
          deadLetterQueue: this.deadLetterQueue,
          maxEventAge: Duration.hours(1),
          retryAttempts: 8,
        }),
      ],
    });
  }
}

/**
 * A state machine in a construct of its own (`<id>`), so that its states and role live apart (`<id>/Resource`,
 * `<id>/Role`): the child and the rescue share state names such as "Thaw the database". The scheduled run's
 * machine is the workflow construct's own `Resource`.
 */
function createHaStateMachineIn(
  scope: Construct,
  id: string,
  props: Omit<Parameters<typeof createHaStateMachine>[1], 'definition'> & {
    definition: (scope: Construct) => sfn.IChainable;
  },
) {
  const holder = new Construct(scope, id);
  return createHaStateMachine(holder, { ...props, definition: props.definition(holder) });
}

function freezeTimeoutOf(c: IrisConsistency | CommandConsistency): Duration {
  return c.freezeTimeout ?? Duration.seconds(60);
}

function retentionOf(r: BackupRetention): RetentionSettings {
  return {
    ...(r.count !== undefined ? { count: r.count } : {}),
    ...(r.maxAgeDays !== undefined ? { maxAgeDays: r.maxAgeDays } : {}),
    minimumKept: r.minimumKept ?? 1,
  };
}

/** A policy as the state machines use it. */
function settingsOf(
  p: BackupPolicy,
  documents: Partial<Record<'iris' | 'command', FreezeThawDocuments>>,
  limits: { thawTimeoutSeconds: number; pollIntervalSeconds: number; lockTtlSeconds: number },
): BackupSettings {
  const c = p.consistency;
  const thawTimeout = String(limits.thawTimeoutSeconds);
  let freeze: Pick<BackupSettings, 'freezeDocument' | 'freezeParameters' | 'thawDocument' | 'thawParameters'>;
  let freezeSeconds = 0;
  if (c.method === 'none') {
    freeze = { freezeDocument: '', freezeParameters: {}, thawDocument: '', thawParameters: {} };
  } else {
    const docs = documents[c.method] as FreezeThawDocuments;
    freezeSeconds = freezeTimeoutOf(c).toSeconds();
    const timeout = String(freezeSeconds);
    freeze =
      c.method === 'iris'
        ? {
            freezeDocument: docs.freezeName,
            freezeParameters: { instanceName: [c.instanceName], executionTimeout: [timeout] },
            thawDocument: docs.thawName,
            thawParameters: { instanceName: [c.instanceName], executionTimeout: [thawTimeout] },
          }
        : {
            freezeDocument: docs.freezeName,
            freezeParameters: { command: [c.freezeCommand], executionTimeout: [timeout] },
            thawDocument: docs.thawName,
            thawParameters: { command: [c.thawCommand], executionTimeout: [thawTimeout] },
          };
  }
  const completion = completionOf(p).toSeconds();
  return {
    tagKey: p.tagKey,
    tagValue: p.tagValue,
    excludeBootVolume: p.volumes === 'exclude-boot',
    method: c.method,
    ...freeze,
    onFreezeFailure: p.onFreezeFailure ?? 'fail',
    // 1-s polls; a few more than the command's own timeout, after which SSM reports it TimedOut.
    freezePolls: freezeSeconds + 10,
    thawPolls: limits.thawTimeoutSeconds + 10,
    completionPolls: Math.max(1, Math.ceil(completion / limits.pollIntervalSeconds)),
    lockTtlSeconds: limits.lockTtlSeconds,
    lockWaitPolls: Math.ceil(lockWaitOf(p).toSeconds() / LOCK_RETRY_INTERVAL.toSeconds()),
    retention: retentionOf(p.retention),
    ...(p.copy ? { copy: { region: p.copy.region, retention: retentionOf(p.copy.retention) } } : {}),
    concurrency: p.concurrency ?? 5,
    notifyOnSuccess: p.notifyOnSuccess ?? false,
  };
}

function validate(props: SnapshotBackupWorkflowProps, stackRegion: string): void {
  const problems: string[] = [];
  if (props.policies.length === 0) problems.push('policies: got []; at least one backup policy is required');
  const seen = new Set<string>();
  const retentionProblems = (where: string, r: BackupRetention) => {
    if (r.count === undefined && r.maxAgeDays === undefined) {
      problems.push(`${where}: got ${JSON.stringify(r)}; give count, maxAgeDays or both`);
    }
    for (const [k, v, min] of [
      ['count', r.count, 1],
      ['maxAgeDays', r.maxAgeDays, 1],
      ['minimumKept', r.minimumKept, 0],
    ] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < min || v > 100000)) {
        problems.push(`${where}.${k}: got ${v}; a whole number from ${min} to 100000`);
      }
    }
  };
  props.policies.forEach((p, i) => {
    const at = `policies[${i}]`;
    if (!POLICY_NAME.test(p.name)) {
      problems.push(`${at}.name: got ${JSON.stringify(p.name)}; 1-40 letters, digits, '_' or '-'`);
    }
    if (seen.has(p.name)) problems.push(`${at}.name: got ${JSON.stringify(p.name)}; names must be unique`);
    seen.add(p.name);
    if (!SCHEDULE.test(p.schedule)) {
      problems.push(
        `${at}.schedule: got ${JSON.stringify(p.schedule)}; a Scheduler expression cron(…), rate(…) or at(…)`,
      );
    }
    if (p.tagKey.length < 1 || p.tagKey.length > 128 || p.tagKey.startsWith('aws:')) {
      problems.push(`${at}.tagKey: got ${JSON.stringify(p.tagKey)}; 1-128 characters, not starting with "aws:"`);
    }
    const c = p.consistency;
    if (c.method === 'iris' && !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(c.instanceName)) {
      problems.push(`${at}.consistency.instanceName: got ${JSON.stringify(c.instanceName)}; an IRIS instance name`);
    }
    if (c.method === 'command') {
      for (const k of ['freezeCommand', 'thawCommand'] as const) {
        if (!/^\/[A-Za-z0-9._/-]{1,255}$/.test(c[k])) {
          problems.push(
            `${at}.consistency.${k}: got ${JSON.stringify(c[k])}; an absolute path without spaces or quotes`,
          );
        }
      }
    }
    if (c.method !== 'none') {
      const s = freezeTimeoutOf(c).toSeconds();
      if (s < 5 || s > 900) problems.push(`${at}.consistency.freezeTimeout: got ${s} s; between 5 s and 900 s`);
    }
    retentionProblems(`${at}.retention`, p.retention);
    if (p.copy) {
      retentionProblems(`${at}.copy.retention`, p.copy.retention);
      if (!Token.isUnresolved(stackRegion) && p.copy.region === stackRegion) {
        problems.push(`${at}.copy.region: got ${JSON.stringify(p.copy.region)}; must differ from the stack's region`);
      }
    }
    const concurrency = p.concurrency ?? 5;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      problems.push(`${at}.concurrency: got ${concurrency}; a whole number from 1 to ${MAX_CONCURRENCY}`);
    }
    const lockWait = p.lockWait?.toSeconds();
    if (lockWait !== undefined && (lockWait < 0 || lockWait > 86400)) {
      problems.push(`${at}.lockWait: got ${lockWait} s; between 0 s and 86400 s`);
    }
    const completion = p.completionTimeout?.toSeconds();
    if (completion !== undefined && (completion < 300 || completion > 86400)) {
      problems.push(`${at}.completionTimeout: got ${completion} s; between 300 s and 86400 s`);
    }
  });
  const interval = props.completionPollInterval?.toSeconds();
  if (interval !== undefined) {
    const longest = Math.max(...props.policies.map((p) => completionOf(p).toSeconds()), 0);
    if (interval < 5 || Math.ceil(longest / interval) > MAX_COMPLETION_CHECKS) {
      problems.push(
        `completionPollInterval: got ${interval} s; at least 5 s, and at least ${Math.ceil(longest / MAX_COMPLETION_CHECKS)} s ` +
          `so that the longest completionTimeout (${longest} s) needs at most ${MAX_COMPLETION_CHECKS} checks`,
      );
    }
  }
  const thaw = props.thawTimeout?.toSeconds();
  if (thaw !== undefined && (thaw < 10 || thaw > 900))
    problems.push(`thawTimeout: got ${thaw} s; between 10 s and 900 s`);
  const max = props.maxInstancesPerRun;
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 2000)) {
    problems.push(`maxInstancesPerRun: got ${max}; a whole number from 1 to 2000`);
  }
  PropsError.throwIfAny('SnapshotBackupWorkflow', problems);
}
