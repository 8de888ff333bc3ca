/**
 * Which layer retries a Lambda task's AWS calls: its own SDK clients, or the state machine that runs it — never both,
 * so that no layer multiplies another (issue #15, move 5: before, a throttled call inside a task was tried 3 times by
 * its client for each of the state machine's 6 or 11 runs of the task, 18 or 33 times in all).
 *
 * One declaration per task, keyed by its folder under `tasks/`, read by all three sides:
 * - the workflows (`lambdaTask` in workflows/fragments/tasks.ts) build the Task's Retry from it;
 * - the tasks' real clients are built with `sdkMaxAttempts(task)` (tasks/shared/clients.ts, regional-clients.ts);
 * - the offline engine's clients retry exactly as often (local/tasks-registry.ts, local/engine/clients.ts).
 * test/contracts/task-retries.test.ts checks the product over every Lambda Task of the synthesized app.
 */

/** The Lambda tasks, by their folder under `tasks/`. */
export const TASK_NAMES = [
  'carry-over-alarms',
  'copy-snapshots',
  'dr-preflight',
  'fence-old-site',
  'inspect-instance',
  'launch-replacement',
  'plan-instance-backup',
  'plan-target-switch',
  'probe-mirror-members',
  'prune-snapshots',
  'record-freeze-window',
  'record-outcome',
  'select-backup-targets',
  'validate-dr-request',
] as const;

export type TaskName = (typeof TASK_NAMES)[number];

export interface TaskRetryDeclaration {
  /** May the whole run be repeated: does a second run find what the first did? */
  readonly rerun: boolean;
  /**
   * Attempts per AWS call of its SDK clients, and with it the one layer that retries throttling and an AWS service's
   * own failure:
   * - `1`: the state machine re-runs the whole task (it must be `rerun: true`): `RERUN_THROTTLING_RETRY` (10 retries,
   *   at most 181 s) and `RERUN_SERVER_ERROR_RETRY` (10 retries, at most 105 s) — for a task that makes one call per
   *   run, where a re-run costs no more than a retry of the call and waits outside the function;
   * - more than 1: its clients retry each call (the SDK's standard strategy) and the state machine retries only the
   *   Lambda service's own errors, never an SDK error name — for a task that makes several calls per run (a re-run
   *   repeats every call that already succeeded, so with a fraction p of calls throttled a run of n calls succeeds
   *   with (1 − p)^n: re-running it whole is the weaker layer), or whose logic keeps SDK errors to itself.
   */
  readonly sdkAttempts: number;
  /** Why, from the task's logic. */
  readonly why: string;
}

/** Attempts per call of the AWS SDK v3's standard retry strategy (`DEFAULT_MAX_ATTEMPTS` of @smithy/core). */
export const SDK_DEFAULT_MAX_ATTEMPTS = 3;

/**
 * Attempts per call of a task whose clients are its only retry layer: throttling waits at most
 * Σ min(20 s, 1 s × 2^i) for i < 9 = 1 + 2 + 4 + 8 + 16 + 4 × 20 = 111 s in all (the SDK's full-jitter backoff, base 1 s,
 * cap 20 s), a service's own failure at most 0.05 × (2^9 − 1) = 25.55 s (base 50 ms): longer than the state machine's
 * earlier budgets (105 s and 14 s) on top of 3 attempts, with 10 tries per call instead of 3 × 11 = 33. A call
 * throttled half the time fails all 10 with probability 2^-10. The function's own timeout bounds a run in all.
 */
export const CLIENT_LAYER_ATTEMPTS = 10;

/** Each Lambda task's declaration. A new task is one line here (TaskName is derived from TASK_NAMES). */
export const TASK_RETRIES: { readonly [T in TaskName]: TaskRetryDeclaration } = {
  'carry-over-alarms': {
    rerun: true,
    sdkAttempts: CLIENT_LAYER_ATTEMPTS,
    why:
      'Puts every new alarm before it deletes an old one, and puts an alarm by name (PutMetricAlarm replaces it): a ' +
      'second run finds no alarm left on the old id, or puts the same alarms again. Several calls per run (describe, ' +
      'one put per alarm, delete): its clients retry each call.',
  },
  'copy-snapshots': {
    rerun: true,
    sdkAttempts: CLIENT_LAYER_ATTEMPTS,
    why:
      'Starts only the copies still missing: a copy is tagged at creation with the snapshot it copies, and a run ' +
      'first lists the copies already tagged so (the copy-limit retry re-runs it for that). Two listings and one ' +
      'CopySnapshot per snapshot per run: its clients retry each call.',
  },
  'dr-preflight': {
    rerun: true,
    sdkAttempts: CLIENT_LAYER_ATTEMPTS,
    why: 'Only reads (status pages, DescribeInstances, the DR state record): several calls per run, retried each.',
  },
  'fence-old-site': {
    rerun: true,
    sdkAttempts: SDK_DEFAULT_MAX_ATTEMPTS,
    why:
      'Its effects (the deny-all swap, StopInstances) are idempotent, but it is best effort by design: every EC2 ' +
      'error is recorded per member in the output and never thrown, so the workflow decides what an unconfirmed ' +
      "fence means and a state-machine retry would never see an SDK error: the client's attempts are its only " +
      'retry layer, kept at the SDK default so that a dark primary region (5 s per attempt) cannot hold the fence.',
  },
  'inspect-instance': {
    rerun: true,
    sdkAttempts: CLIENT_LAYER_ATTEMPTS,
    why: 'Only reads (DescribeInstances, subnets, load balancers, target groups): several calls per run, retried each.',
  },
  'launch-replacement': {
    rerun: true,
    sdkAttempts: CLIENT_LAYER_ATTEMPTS,
    why:
      'Check mode only reads (and launches with DryRun); launch mode passes a ClientToken per execution and subnet, ' +
      'so a second RunInstances returns the instance the first one launched. Several calls per run: retried each.',
  },
  'plan-instance-backup': {
    rerun: true,
    sdkAttempts: 1,
    why: 'One DescribeInstances per run: the state machine re-runs it, waiting outside the function.',
  },
  'plan-target-switch': {
    rerun: true,
    sdkAttempts: CLIENT_LAYER_ATTEMPTS,
    why: 'Only reads: one DescribeTargetHealth per target group, retried each.',
  },
  'probe-mirror-members': {
    rerun: true,
    sdkAttempts: SDK_DEFAULT_MAX_ATTEMPTS,
    why:
      'Only reads: one GET per member, no AWS SDK client (its HTTP client never retries; the workflow decides when to ' +
      'probe again), so no SDK error can reach the state machine.',
  },
  'prune-snapshots': {
    rerun: true,
    sdkAttempts: CLIENT_LAYER_ATTEMPTS,
    why:
      'Lists the sets again and deletes what retention lets go; a snapshot deleted by an earlier run answers ' +
      'InvalidSnapshot.NotFound, which counts as done. A listing and one DeleteSnapshot per snapshot, per region: ' +
      'retried each.',
  },
  'record-freeze-window': {
    rerun: true,
    sdkAttempts: CLIENT_LAYER_ATTEMPTS,
    why:
      'CreateTags sets the same values again; PutMetricData is its last call, and a throttled or failed one stored ' +
      'nothing. (Only a PutMetricData whose answer was lost could store a second, identical sample: the Task is not ' +
      'retried on a timeout.) Up to two calls per run: retried each.',
  },
  'record-outcome': {
    rerun: true,
    sdkAttempts: SDK_DEFAULT_MAX_ATTEMPTS,
    why:
      'Writes one EMF line to standard output (CloudWatch Logs makes the metrics): no AWS client, so no SDK error can ' +
      'reach the state machine. A second run writes a second sample of the same outcome.',
  },
  'select-backup-targets': {
    rerun: true,
    sdkAttempts: 1,
    why:
      'Only reads: one DescribeInstances listing (a page per call): the state machine re-runs it, waiting outside ' +
      'the function.',
  },
  'validate-dr-request': {
    rerun: true,
    sdkAttempts: SDK_DEFAULT_MAX_ATTEMPTS,
    why: 'Reads only its input; it has no AWS client, so no SDK error can reach the state machine.',
  },
};

/** Whether the state machine is `task`'s retry layer for AWS errors (it re-runs the task; one attempt per call). */
export function retriedByStateMachine(task: TaskName): boolean {
  return TASK_RETRIES[task].sdkAttempts === 1;
}

/** The declarations that leave a task without a retry layer, or give it two; empty when every one is sound. */
export function unsoundDeclarations(retries: Readonly<Record<string, TaskRetryDeclaration>> = TASK_RETRIES): string[] {
  return Object.entries(retries).flatMap(([task, d]) =>
    !Number.isInteger(d.sdkAttempts) || d.sdkAttempts < 1
      ? [`${task}: sdkAttempts must be a whole number of at least 1, got ${d.sdkAttempts}`]
      : d.sdkAttempts === 1 && !d.rerun
        ? [`${task}: one SDK attempt needs the state machine to re-run it, but its run may not be repeated`]
        : [],
  );
}

{
  const problems = unsoundDeclarations();
  if (problems.length > 0) throw new Error(`contracts/task-retries.ts:\n${problems.join('\n')}`);
}

/** How many attempts each AWS call of `task` makes in its SDK client (1 when the state machine re-runs the task). */
export function sdkMaxAttempts(task: TaskName): number {
  return TASK_RETRIES[task].sdkAttempts;
}

/** `name` as a TaskName, or an error naming it and the known tasks. */
export function taskName(name: string): TaskName {
  if ((TASK_NAMES as readonly string[]).includes(name)) return name as TaskName;
  throw new Error(`"${name}" is not a Lambda task (contracts/task-retries.ts knows: ${TASK_NAMES.join(', ')})`);
}
