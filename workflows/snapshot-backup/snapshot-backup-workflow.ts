import { Duration, Stack, TimeZone, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { BACKUP_TAGS as BACKUP_TAG_KEYS, CREATED_BY_VALUE as CREATED_BY } from '../../contracts/tags';
import { type HaFoundation, HaWorkflow, PropsError, startLiveStatement, type TaskFunction } from '../base';
import { COPY_LIMIT_RETRY, COPY_LIMIT_RETRY_WAIT_SECONDS } from '../fragments';
import { acknowledgeBackupFindings } from './acknowledgements';
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
import { FREEZE_WINDOW_METRICS } from '../../contracts/outcomes';

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
export const BACKUP_METRIC_NAMESPACE = FREEZE_WINDOW_METRICS.namespace;

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
export class SnapshotBackupWorkflow extends HaWorkflow {
  readonly stateMachine: sfn.StateMachine;
  readonly instanceStateMachine: sfn.StateMachine;
  readonly rescueStateMachine: sfn.StateMachine;
  readonly schedules: scheduler.Schedule[] = [];
  /** Regions where the workflow creates, tags and deletes snapshots: the stack's own, then the copy regions. */
  readonly snapshotRegions: readonly string[];
  /** The freeze/thaw documents, by method. */
  readonly documents: Partial<Record<'iris' | 'command', FreezeThawDocuments>> = {};

  constructor(scope: Construct, id: string, props: SnapshotBackupWorkflowProps) {
    super(scope, id, props.foundation, {
      workflow: SNAPSHOT_BACKUP,
      deadLettersOf: 'the schedules and of the rescue rule target',
    });
    validate(props, Stack.of(this).region);
    const { foundation } = props;
    const stack = Stack.of(this);
    const thawTimeout = props.thawTimeout ?? Duration.seconds(60);
    const longestCompletion = Math.max(...props.policies.map((p) => completionOf(p).toSeconds()));
    const pollInterval =
      props.completionPollInterval ??
      Duration.seconds(Math.max(30, Math.ceil(longestCompletion / MAX_COMPLETION_CHECKS)));
    this.createDocuments(props.policies, props.documentNamePrefix ?? stack.stackName, thawTimeout);
    const grants = new BackupGrants(stack, props.policies, this.documents);
    const copyRegions = [...new Set(props.policies.flatMap((p) => (p.copy ? [p.copy.region] : [])))];
    this.snapshotRegions = [stack.region, ...copyRegions];
    const fns = this.createTaskFunctions(grants, copyRegions);

    // ── The per-instance machine ─────────────────────────────────────────────────────────────────────────
    // The longest completion wait, the longest lock wait, the copy's waits for the copy region's 20 concurrent
    // copies (every attempt as slow as its timeout allows), and an hour for everything else.
    const longestLockWait = Math.max(...props.policies.map((p) => lockWaitOf(p).toSeconds()));
    const copyLimitWait =
      copyRegions.length === 0
        ? 0
        : COPY_LIMIT_RETRY_WAIT_SECONDS + ((COPY_LIMIT_RETRY.maxAttempts ?? 0) + 1) * COPY_TASK_TIMEOUT.toSeconds();
    const instanceTimeout = Duration.seconds(
      longestCompletion + longestLockWait + copyLimitWait + Duration.hours(1).toSeconds(),
    );
    // Each machine's own construct (`Instance`, `Rescue`): the two share state names such as "Thaw the database".
    // The foundation's key encrypts the table and topic: addStateMachine grants its use to every role.
    const instance = this.addStateMachine({
      id: 'Instance',
      workflow: SNAPSHOT_BACKUP_INSTANCE,
      comment: 'Back up one instance: freeze, snapshot its volumes, thaw, wait, copy, prune',
      timeout: instanceTimeout,
      definition: (scope) =>
        instanceBackupDefinition(scope, {
          table: foundation.table,
          topic: foundation.topic,
          planFunction: fns.plan.fn,
          recordFunction: fns.record.fn,
          pruneFunction: fns.prune.fn,
          copyFunction: fns.copy?.fn,
          sendCommandPolicy: grants.sendCommand(grants.allDocuments),
          readCommandPolicy: grants.readCommand,
          createSnapshotsPolicy: grants.createSnapshots(),
          describeSnapshotsPolicy: grants.describe(['ec2:DescribeSnapshots']),
          completionPollInterval: pollInterval,
        }),
    });
    this.instanceStateMachine = instance.stateMachine;

    // ── The rescue, on the per-instance machine's own status changes ────────────────────────────────────
    const rescue = this.addStateMachine({
      id: 'Rescue',
      workflow: SNAPSHOT_BACKUP_RESCUE,
      comment: 'Thaw what an aborted, timed-out or failed instance backup left frozen',
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
          sendCommandPolicy: grants.sendCommand(grants.thawDocuments),
          readCommandPolicy: grants.readCommand,
          thawPolls: thawTimeout.toSeconds() + 10,
        }),
    });
    this.rescueStateMachine = rescue.stateMachine;

    // ── The scheduled run ────────────────────────────────────────────────────────────────────────────────
    const policies: Record<string, BackupSettings> = {};
    for (const p of props.policies) {
      policies[p.name] = settingsOf(p, this.documents, {
        thawTimeoutSeconds: thawTimeout.toSeconds(),
        pollIntervalSeconds: pollInterval.toSeconds(),
        lockTtlSeconds: instanceTimeout.toSeconds(),
      });
    }
    const outcome = this.addOutcomeFunction(
      'snapshot-backup',
      props.policies.map((p) => p.name),
    );
    // The freeze window of each instance (tasks/record-freeze-window publishes it with PutMetricData), per policy.
    this.outcomeMetrics.push({
      title: 'snapshot-backup: freeze window per policy, each instance (s)',
      namespace: FREEZE_WINDOW_METRICS.namespace,
      metricName: FREEZE_WINDOW_METRICS.freezeWindow,
      dimension: 'Policy',
      values: props.policies.map((p) => p.name),
    });
    const run = this.addStateMachine({
      comment: 'Back up every instance a policy selects, one child execution per instance',
      timeout: props.runTimeout ?? Duration.hours(24),
      definition: (scope) =>
        snapshotBackupDefinition(scope, {
          topic: foundation.topic,
          selectFunction: fns.select.fn,
          outcomeFunction: outcome.fn,
          instanceMachine: instance.live,
          instanceTimeout,
          policies,
          maxTargets: props.maxInstancesPerRun ?? 2000,
        }),
      // Each child starts through the instance machine's live alias, authorized by its state machine ARN.
      statements: [startLiveStatement(instance)],
    });
    this.stateMachine = run.stateMachine;

    this.addTriggers(props.policies);
    acknowledgeBackupFindings({
      workflow: this,
      runRole: run.role,
      instanceRole: instance.role,
      rescueRole: rescue.role,
      instanceStateMachine: this.instanceStateMachine,
      instanceAlias: instance.alias,
      ...fns,
      snapshotRegions: this.snapshotRegions,
    });
  }

  /** The freeze and thaw documents, one pair per method in use. */
  private createDocuments(policies: readonly BackupPolicy[], namePrefix: string, thawTimeout: Duration): void {
    const maxFreeze = (method: 'iris' | 'command') =>
      Math.max(
        60,
        ...policies.flatMap((p) =>
          p.consistency.method === method ? [freezeTimeoutOf(p.consistency).toSeconds()] : [],
        ),
      );
    for (const method of ['iris', 'command'] as const) {
      if (!policies.some((p) => p.consistency.method === method)) continue;
      this.documents[method] = new FreezeThawDocuments(this, method === 'iris' ? 'IrisDocuments' : 'CommandDocuments', {
        method,
        namePrefix,
        freezeTimeoutSeconds: maxFreeze(method),
        thawTimeoutSeconds: thawTimeout.toSeconds(),
      });
    }
  }

  /** The Lambda tasks: select the targets, plan an instance's backup, record the freeze window, copy, prune. */
  private createTaskFunctions(grants: BackupGrants, copyRegions: readonly string[]) {
    const { describe, snapshotArn, ownSnapshots } = grants;
    const region = Stack.of(this).region;
    const select = this.addTaskFunction('SelectTargets', {
      task: 'select-backup-targets',
      description: 'select the instances a policy backs up',
      policy: [describe(['ec2:DescribeInstances'])],
    });
    const plan = this.addTaskFunction('PlanInstanceBackup', {
      task: 'plan-instance-backup',
      description: "read the instance's state, plan its backup",
      policy: [describe(['ec2:DescribeInstances'])],
    });
    const record = this.addTaskFunction('RecordFreezeWindow', {
      task: 'record-freeze-window',
      description: 'record the freeze window as a metric',
      policy: [
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
      ],
    });
    const copy: TaskFunction | undefined =
      copyRegions.length === 0
        ? undefined
        : this.addTaskFunction('CopySnapshots', {
            task: 'copy-snapshots',
            description: 'copy a completed set to another region',
            policy: [
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
            timeout: Duration.seconds(110),
          });
    const prune = this.addTaskFunction('PruneSnapshots', {
      task: 'prune-snapshots',
      description: "delete the policy's expired sets of one instance (its own snapshots only)",
      policy: [
        describe(['ec2:DescribeSnapshots']),
        new iam.PolicyStatement({
          actions: ['ec2:DeleteSnapshot'],
          resources: [snapshotArn(region), ...copyRegions.map(snapshotArn)],
          conditions: ownSnapshots,
        }),
      ],
      timeout: Duration.seconds(280),
    });
    return { select, plan, record, copy, prune };
  }

  /** One schedule per policy (EventBridge Scheduler), and the rule that starts the rescue. */
  private addTriggers(policies: readonly BackupPolicy[]): void {
    const delivery = this.triggerDelivery();
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets the snapshot-backup schedules start the snapshot-backup state machine, and nothing else',
    });
    // EventBridge Scheduler puts an undeliverable run into the dead-letter queue as this role; the queue is encrypted
    // with the foundation's key, so the role must be able to encrypt with it (EventBridge Scheduler User Guide,
    // "Configuring a dead-letter queue": the execution role needs sqs:SendMessage, and KMS permissions for an
    // encrypted queue).
    this.foundation.key.grant(schedulerRole, 'kms:GenerateDataKey', 'kms:Decrypt');
    for (const p of policies) {
      this.schedules.push(
        new scheduler.Schedule(this, `Schedule-${p.name}`, {
          description: `ha-workflows snapshot-backup: policy ${p.name}`,
          schedule: scheduler.ScheduleExpression.expression(p.schedule, TimeZone.of(p.timeZone ?? 'UTC')),
          enabled: p.enabled ?? true,
          target: new schedulerTargets.StepFunctionsStartExecution(this.liveTarget(this.stateMachine, schedulerRole), {
            role: schedulerRole,
            deadLetterQueue: delivery.deadLetterQueue,
            input: scheduler.ScheduleTargetInput.fromObject({
              policy: p.name,
              scheduledTime: scheduler.ContextAttribute.scheduledTime,
            }),
            maxEventAge: delivery.maxEventAge,
            retryAttempts: delivery.retryAttempts,
          }),
        }),
      );
    }
    this.addTrigger('OnInstanceBackupStopped', {
      description:
        'ha-workflows: an instance backup ended ABORTED, TIMED_OUT or FAILED → rescue (thaw what is left frozen)',
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: { status: [...RESCUED_STATUSES], stateMachineArn: [this.instanceStateMachine.stateMachineArn] },
      },
      target: this.rescueStateMachine,
    });
  }
}

/**
 * The IAM statements the backup's machines and tasks are granted, built from the policies: instances by the
 * policies' tags, the stack's own documents, and snapshots by pattern narrowed by the created-by and policy tags.
 */
class BackupGrants {
  /** Every freeze and thaw document, and the thaw documents alone (the rescue only thaws). */
  readonly allDocuments: string[];
  readonly thawDocuments: string[];
  /** GetCommandInvocation has no resource type (Service Authorization Reference): "*". */
  readonly readCommand = new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation'], resources: ['*'] });
  /** Snapshots this project made for a configured policy. */
  readonly ownSnapshots: Record<string, Record<string, unknown>>;
  /** The policies' tag values, by tag key. */
  private readonly byTagKey = new Map<string, Set<string>>();

  constructor(
    private readonly stack: Stack,
    policies: readonly BackupPolicy[],
    documents: Partial<Record<'iris' | 'command', FreezeThawDocuments>>,
  ) {
    this.allDocuments = Object.values(documents).flatMap((d) => [d.freezeName, d.thawName]);
    this.thawDocuments = Object.values(documents).map((d) => d.thawName);
    for (const p of policies) {
      this.byTagKey.set(p.tagKey, (this.byTagKey.get(p.tagKey) ?? new Set()).add(p.tagValue));
    }
    this.ownSnapshots = {
      StringEquals: {
        [`aws:ResourceTag/${BACKUP_TAG_KEYS.createdBy}`]: CREATED_BY,
        [`aws:ResourceTag/${BACKUP_TAG_KEYS.policy}`]: policies.map((p) => p.name),
      },
    };
  }

  readonly describe = (actions: string[]) => new iam.PolicyStatement({ actions, resources: ['*'] });

  readonly snapshotArn = (inRegion: string) => `arn:${this.stack.partition}:ec2:${inRegion}::snapshot/*`;

  private ec2Arn(resource: string): string {
    const { partition, region, account } = this.stack;
    return `arn:${partition}:ec2:${region}:${account}:${resource}`;
  }

  /** Instances a policy selects, by tag key (one statement per key, each with that key's values). */
  private selectedInstances(actions: string[], conditionKey: (tagKey: string) => string): iam.PolicyStatement[] {
    return [...this.byTagKey.entries()].map(
      ([tagKey, values]) =>
        new iam.PolicyStatement({
          actions,
          resources: [this.ec2Arn('instance/*')],
          conditions: { StringEquals: { [conditionKey(tagKey)]: [...values] } },
        }),
    );
  }

  /** SendCommand with these documents, on the selected instances only. */
  sendCommand(documents: readonly string[]): iam.PolicyStatement[] {
    const { partition, region, account } = this.stack;
    const documentArn = (name: string) => `arn:${partition}:ssm:${region}:${account}:document/${name}`;
    return documents.length === 0
      ? []
      : [
          new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: documents.map(documentArn) }),
          ...this.selectedInstances(['ssm:SendCommand'], (k) => `ssm:resourceTag/${k}`),
        ];
  }

  /** CreateSnapshots of the selected instances' volumes, into snapshots tagged created-by in the request. */
  createSnapshots(): iam.PolicyStatement[] {
    const snapshots = this.snapshotArn(this.stack.region);
    return [
      ...this.selectedInstances(['ec2:CreateSnapshots'], (k) => `aws:ResourceTag/${k}`),
      new iam.PolicyStatement({ actions: ['ec2:CreateSnapshots'], resources: [this.ec2Arn('volume/*')] }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateSnapshots'],
        resources: [snapshots],
        conditions: { StringEquals: { [`aws:RequestTag/${BACKUP_TAG_KEYS.createdBy}`]: CREATED_BY } },
      }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateTags'],
        resources: [snapshots],
        conditions: { StringEquals: { 'ec2:CreateAction': 'CreateSnapshots' } },
      }),
    ];
  }
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
