import type { z } from 'zod';
import { describeIssues, expectedWording } from './issues';
import { readJsonFile } from './json-file';

/**
 * An input file a person wrote (a configuration, a scenario) that cannot be used: the message names the file and
 * lists every problem, each with its JSON path, the value found and what is expected.
 */
export class InputFileError extends Error {
  constructor(
    /** What the file is, for the message: "configuration", "scenario". */
    readonly kind: string,
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid ${kind} ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InputFileError';
  }
}

/**
 * Validates parsed JSON against a schema in the project's words (never zod's own): returns the data, or the problems,
 * one line each (`$.field: got …; <what is expected>`, `$.field: missing; <what is expected>`).
 */
export function validate<S extends z.ZodType>(
  schema: S,
  data: unknown,
): { data: z.output<S> } | { problems: string[] } {
  const result = schema.safeParse(data, { error: expectedWording });
  return result.success ? { data: result.data } : { problems: describeIssues(data, result.error.issues) };
}

/** Validates parsed JSON (`validate`) and returns the data; `fail` turns the problems into the caller's error. */
export function parseValid<S extends z.ZodType>(
  schema: S,
  data: unknown,
  fail: (problems: readonly string[]) => Error,
): z.output<S> {
  const checked = validate(schema, data);
  if ('problems' in checked) throw fail(checked.problems);
  return checked.data;
}

/** Reads a JSON file and validates it; `fail` turns the problems into the caller's error (naming the file). */
export function loadJson<S extends z.ZodType>(
  file: string,
  schema: S,
  fail: (problems: readonly string[]) => Error,
): { data: z.output<S>; text: string } {
  const read = readJsonFile(file);
  if ('problem' in read) throw fail([read.problem]);
  return { data: parseValid(schema, read.data, fail), text: read.text };
}
