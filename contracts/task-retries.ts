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
  'select-backup-targets',
  'validate-dr-request',
] as const;

export type TaskName = (typeof TASK_NAMES)[number];

export interface TaskRetryDeclaration {
  /**
   * `true`: the whole run may be repeated (a second run finds what the first did), so the state machine re-runs the
   * task on throttling and on an AWS service's own failure — its only retry layer — and its SDK clients make one
   * attempt per call.
   * `false`: the task is not re-run on an AWS error; its SDK clients retry each call (`SDK_DEFAULT_MAX_ATTEMPTS`, the
   * SDK's standard strategy) and the state machine retries only the Lambda service's own errors (raised before the
   * function ran), never an SDK error name.
   */
  readonly rerun: boolean;
  /** Why, from the task's logic. */
  readonly why: string;
}

/** Attempts per call of the AWS SDK v3's standard retry strategy (`DEFAULT_MAX_ATTEMPTS` of @smithy/core). */
export const SDK_DEFAULT_MAX_ATTEMPTS = 3;

/** Each Lambda task's declaration. A new task is one line here (TaskName is derived from TASK_NAMES). */
export const TASK_RETRIES: { readonly [T in TaskName]: TaskRetryDeclaration } = {
  'carry-over-alarms': {
    rerun: true,
    why:
      'Puts every new alarm before it deletes an old one, and puts an alarm by name (PutMetricAlarm replaces it): a ' +
      'second run finds no alarm left on the old id, or puts the same alarms again.',
  },
  'copy-snapshots': {
    rerun: true,
    why:
      'Starts only the copies still missing: a copy is tagged at creation with the snapshot it copies, and a run ' +
      'first lists the copies already tagged so (the copy-limit retry already relies on it).',
  },
  'dr-preflight': { rerun: true, why: 'Only reads (status pages, DescribeInstances, the DR state record).' },
  'fence-old-site': {
    rerun: false,
    why:
      'Best effort by design: every EC2 error is recorded per member in the output and never thrown, so the workflow ' +
      'decides what an unconfirmed fence means; a state-machine retry would never see an SDK error, so the ' +
      "client's own attempts per call are the only retry layer there is. (Its effects, the deny-all swap and " +
      'StopInstances, are idempotent, and the check mode is re-run by the fence poll loop.)',
  },
  'inspect-instance': { rerun: true, why: 'Only reads (DescribeInstances, subnets, load balancers, target groups).' },
  'launch-replacement': {
    rerun: true,
    why:
      'Check mode only reads (and launches with DryRun); launch mode passes a ClientToken per execution and subnet, ' +
      'so a second RunInstances returns the instance the first one launched.',
  },
  'plan-instance-backup': { rerun: true, why: 'Only reads (DescribeInstances).' },
  'plan-target-switch': { rerun: true, why: 'Only reads (DescribeTargetHealth).' },
  'probe-mirror-members': {
    rerun: true,
    why: 'Only reads (one GET per member, no AWS SDK client; its HTTP client never retries).',
  },
  'prune-snapshots': {
    rerun: true,
    why:
      'Lists the sets again and deletes what retention lets go; a snapshot deleted by an earlier run answers ' +
      'InvalidSnapshot.NotFound, which counts as done.',
  },
  'record-freeze-window': {
    rerun: true,
    why:
      'CreateTags sets the same values again; PutMetricData is its last call, and a throttled or failed one ' +
      'stored nothing, so a second run stores the sample once. (Only a PutMetricData whose answer was lost could ' +
      'store a second, identical sample: the Task is not retried on a timeout.)',
  },
  'select-backup-targets': { rerun: true, why: 'Only reads (DescribeInstances).' },
  'validate-dr-request': { rerun: true, why: 'Reads only its input; it has no AWS client.' },
};

/** How many attempts each AWS call of `task` makes in its SDK client: 1 when the state machine re-runs the task. */
export function sdkMaxAttempts(task: TaskName): number {
  return TASK_RETRIES[task].rerun ? 1 : SDK_DEFAULT_MAX_ATTEMPTS;
}

/** `name` as a TaskName, or an error naming it and the known tasks. */
export function taskName(name: string): TaskName {
  if ((TASK_NAMES as readonly string[]).includes(name)) return name as TaskName;
  throw new Error(`"${name}" is not a Lambda task (contracts/task-retries.ts knows: ${TASK_NAMES.join(', ')})`);
}
