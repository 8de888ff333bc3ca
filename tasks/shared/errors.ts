import type { z } from 'zod';
import { type TaskErrorName, TaskErrorNames } from '../../contracts/errors';
import { describeIssues } from '../../lib/issues';

/**
 * Base of every error a task throws on purpose. Subclasses fix `name` to a stable PascalCase name from
 * `TaskErrorNames` (contracts/errors.ts, where the workflows read the same names):
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

/** A size limit in words: of a string's characters, an array's items, or a number's value (`comparison`). */
function bound(origin: string, limit: 'at least' | 'at most', value: number | bigint, comparison: string): string {
  if (origin === 'string') return `expected ${limit} ${value} character(s)`;
  if (origin === 'array') return `expected ${limit} ${value} item(s)`;
  return `expected a value ${comparison} ${value}`;
}

/** What is allowed, in words, for the issues zod raises for these schemas. */
function allowedValues(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${article(String(issue.expected))}`;
    case 'too_small':
      return bound(issue.origin, 'at least', issue.minimum, issue.inclusive ? '>=' : '>');
    case 'too_big':
      return bound(issue.origin, 'at most', issue.maximum, issue.inclusive ? '<=' : '<');
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
