/**
 * The outcome metrics every workflow publishes (issue #16, "Observable"): one home, read by the task that publishes
 * them (tasks/record-outcome), the steps that call it (workflows/fragments/outcome.ts) and the dashboard
 * (infra/stack.ts). They are CloudWatch embedded metrics (EMF): a JSON log line of the task's function that CloudWatch
 * Logs turns into metrics, so publishing needs no API call and no `cloudwatch:PutMetricData` permission.
 *
 * Every outcome carries one dimension naming what it is about (the recovery group, the mirror set, the backup
 * policy), so the dashboard draws one line per group / mirror set / policy.
 */

/** The workflows that record an outcome, with their namespace, their dimension and the span they measure. */
export const OUTCOMES = {
  'instance-recovery': {
    namespace: 'HaWorkflows/InstanceRecovery',
    dimension: 'Group',
    duration: 'RecoveryTime',
    /** Measured from … to …, in seconds (the docs and the dashboard say the same). */
    span: 'the triggering event (alarm or state change) → the replacement healthy in every target group, recorded ACTIVE',
  },
  'mirror-failover': {
    namespace: 'HaWorkflows/MirrorFailover',
    dimension: 'MirrorSet',
    duration: 'FailoverSwitchTime',
    span: 'the triggering event (hook or alarm) → the new primary the only healthy target, recorded ACTIVE',
  },
  'dr-promotion': {
    namespace: 'HaWorkflows/DrPromotion',
    dimension: 'MirrorSet',
    duration: 'PromotionTime',
    span: 'the approval → the DR member primary, registered in the DR target groups and recorded PROMOTED',
  },
  'snapshot-backup': {
    namespace: 'HaWorkflows/SnapshotBackup',
    dimension: 'Policy',
    duration: 'RunTime',
    span: "the run's start → every instance of the run backed up, skipped or failed",
  },
} as const;

export type OutcomeWorkflow = keyof typeof OUTCOMES;
export const OUTCOME_WORKFLOWS = Object.keys(OUTCOMES) as OutcomeWorkflow[];

/**
 * The result metrics (Unit Count), recorded with every outcome: their Sum over a period counts the outcomes. A
 * recovery, failover or promotion records 1 in one of Succeeded / Failed; a backup run records how many of its
 * instances were backed up, failed, or were skipped (held by another backup).
 */
export const RESULT_METRICS = { succeeded: 'Succeeded', failed: 'Failed', skipped: 'Skipped' } as const;

/** The result a step records: the execution reached its goal, or ends in its failure path. */
export type OutcomeResult = 'SUCCEEDED' | 'FAILED';

/**
 * The freeze window of each instance's backup, published by tasks/record-freeze-window with PutMetricData (dimension
 * `Policy`) in snapshot-backup's namespace: seconds the database's writes were suspended, and 1 when the thaw found
 * them already resumed.
 */
export const FREEZE_WINDOW_METRICS = {
  namespace: OUTCOMES['snapshot-backup'].namespace,
  freezeWindow: 'FreezeWindow',
  writesResumed: 'WritesResumedBeforeThaw',
} as const;
