import type { z } from 'zod';
import { describeIssues } from '../../lib/issues';

/**
 * The names of the errors the Lambda tasks throw. Step Functions sees an error's `name` as the Lambda
 * `errorType`, so these are what a Retry/Catch matches: part of the API, never renamed.
 * AWS SDK errors are not listed: they propagate unchanged, named as SDK v3 names them (the modeled exception class,
 * else the API's error code). A workflow may Retry/Catch a Lambda task's error only if it is declared here or in
 * `LAMBDA_TASK_ERRORS` (workflows/fragments/errors.ts), which test/harness/error-names.ts checks: a new task error is
 * one line here.
 */
export const TaskErrorNames = {
  /** The task's input failed its schema; the message lists every problem. */
  InvalidTaskInput: 'InvalidTaskInput',
  /** inspect-instance: no subnet of the recovery group is left outside the failed and impaired zones. */
  NoCandidateSubnet: 'NoCandidateSubnet',
  /** inspect-instance: the configuration names no deny-all security group for the instance's VPC. */
  NoDenyAllGroup: 'NoDenyAllGroup',
  /** inspect-instance: the instance has no VPC placement any more (e.g. terminated), so no subnet can be chosen. */
  InstanceNotInVpc: 'InstanceNotInVpc',
  /** launch-replacement: the replacement would carry more than the 50 tags EC2 allows per resource. */
  TooManyTags: 'TooManyTags',
  /** launch-replacement: every candidate subnet failed with a capacity error. */
  NoCapacityInAnyZone: 'NoCapacityInAnyZone',
  /** An AWS API answered without a field it always returns; nothing was assumed. */
  UnexpectedApiResponse: 'UnexpectedApiResponse',
  /** select-backup-targets: the trigger names a backup policy that is not configured. */
  UnknownBackupPolicy: 'UnknownBackupPolicy',
  /** select-backup-targets: the policy selects more instances than one run may back up. */
  TooManyBackupTargets: 'TooManyBackupTargets',
  /** plan-instance-backup: the instance to back up does not exist (any more). */
  InstanceNotFound: 'InstanceNotFound',
  /**
   * launch-replacement (check): a replacement could not be launched (AMI missing or not available, instance type
   * offered in no candidate zone, launch not permitted); nothing was launched.
   */
  ReplacementNotLaunchable: 'ReplacementNotLaunchable',
  /** plan-instance-backup: the instance has no volume the policy would snapshot (none, or only an excluded boot volume). */
  NothingToSnapshot: 'NothingToSnapshot',
  /**
   * copy-snapshots: CopySnapshot failed `ResourceLimitExceeded` (20 concurrent copies per destination region);
   * the copies started so far stand (a retry skips them), the rest wait for a retry.
   */
  SnapshotCopyLimitReached: 'SnapshotCopyLimitReached',
  /**
   * dr-preflight (after the approval): the approval task's output did not approve (`approved: true` with a visible
   * `approvedBy`); returned as the preflight's decision, the workflow fails with it.
   */
  ApprovalRejected: 'ApprovalRejected',
} as const;

export type TaskErrorName = (typeof TaskErrorNames)[keyof typeof TaskErrorNames];

/**
 * Base of every error a task throws on purpose. Subclasses fix `name` to a stable PascalCase name from
 * `TaskErrorNames`:
 * `class NoCapacityInAnyZone extends NamedTaskError { override readonly name = TaskErrorNames.NoCapacityInAnyZone }`.
 */
export abstract class NamedTaskError extends Error {
  abstract override readonly name: TaskErrorName;
}

export class InvalidTaskInput extends NamedTaskError {
  override readonly name = TaskErrorNames.InvalidTaskInput;

  constructor(
    readonly task: string,
    /** One line per problem: `$.field: got <value>; <what is allowed>`. */
    readonly problems: readonly string[],
  ) {
    super(`Invalid input for ${task}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export class NoCandidateSubnet extends NamedTaskError {
  override readonly name = TaskErrorNames.NoCandidateSubnet;
}

export class NoDenyAllGroup extends NamedTaskError {
  override readonly name = TaskErrorNames.NoDenyAllGroup;
}

export class InstanceNotInVpc extends NamedTaskError {
  override readonly name = TaskErrorNames.InstanceNotInVpc;
}

export class TooManyTags extends NamedTaskError {
  override readonly name = TaskErrorNames.TooManyTags;
}

export class NoCapacityInAnyZone extends NamedTaskError {
  override readonly name = TaskErrorNames.NoCapacityInAnyZone;
}

export class UnexpectedApiResponse extends NamedTaskError {
  override readonly name = TaskErrorNames.UnexpectedApiResponse;
}

export class UnknownBackupPolicy extends NamedTaskError {
  override readonly name = TaskErrorNames.UnknownBackupPolicy;
}

export class TooManyBackupTargets extends NamedTaskError {
  override readonly name = TaskErrorNames.TooManyBackupTargets;
}

export class InstanceNotFound extends NamedTaskError {
  override readonly name = TaskErrorNames.InstanceNotFound;
}

export class ReplacementNotLaunchable extends NamedTaskError {
  override readonly name = TaskErrorNames.ReplacementNotLaunchable;
}

export class NothingToSnapshot extends NamedTaskError {
  override readonly name = TaskErrorNames.NothingToSnapshot;
}

export class SnapshotCopyLimitReached extends NamedTaskError {
  override readonly name = TaskErrorNames.SnapshotCopyLimitReached;
}

/**
 * Parses a task's input at the edge. Throws `InvalidTaskInput` listing every problem the project's one way
 * (`describeIssues`): `$.field: got <value>; <what is allowed>` (or `missing; …`). A schema's own `error`
 * messages say what is allowed; the generic wording below covers the rest.
 */
export function parseTaskInput<S extends z.ZodType>(task: string, schema: S, event: unknown): z.output<S> {
  const result = schema.safeParse(event, { error: allowedValues });
  if (result.success) return result.data;
  throw new InvalidTaskInput(task, describeIssues(event, result.error.issues));
}

/** What is allowed, in words, for the issues zod raises for these schemas. */
function allowedValues(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${article(String(issue.expected))}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `expected at least ${issue.minimum} character(s)`
        : issue.origin === 'array'
          ? `expected at least ${issue.minimum} item(s)`
          : `expected a value ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `expected at most ${issue.maximum} character(s)`
        : issue.origin === 'array'
          ? `expected at most ${issue.maximum} item(s)`
          : `expected a value ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'regex'
        ? `expected a string matching ${issue.pattern}`
        : `expected a ${issue.format} string`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return undefined;
  }
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/**
 * The `name` of a thrown error: for an AWS SDK v3 error, the modeled exception class, or the API's error code when the
 * model has none (every EC2 error, e.g. `InvalidInstanceID.NotFound`).
 */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
