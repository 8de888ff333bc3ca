import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { configSchema, type HaConfig } from './schema';

/** A configuration file that cannot be used; the message lists every problem with its JSON path and value. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid configuration ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Renders a zod path as a JSON path: `$.notifications.emails[0]`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return (
    '$' +
    path
      .map((k) =>
        typeof k === 'number'
          ? `[${k}]`
          : /^[A-Za-z_$][\w$]*$/.test(String(k))
            ? `.${String(k)}`
            : `[${JSON.stringify(String(k))}]`,
      )
      .join('')
  );
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** One line per zod issue: JSON path, the value found there, and what is allowed. */
export function describeIssues(data: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys
        .map((k) => `${jsonPath([...issue.path, k])}: unknown field (check the spelling; see docs/configuration.md)`)
        .join('\n  - ');
    }
    const value = valueAt(data, issue.path);
    const shown = value === undefined ? 'missing' : `got ${JSON.stringify(value)}`;
    return `${jsonPath(issue.path)}: ${shown}; ${issue.message}`;
  });
}

/** Validates parsed JSON against the configuration schema; throws ConfigError naming every problem. */
export function parseConfig(data: unknown, file = '<inline>'): HaConfig {
  const result = configSchema.safeParse(data);
  if (!result.success) throw new ConfigError(file, describeIssues(data, result.error.issues));
  return result.data;
}

/** Reads and validates a configuration file. */
export function loadConfig(file: string): HaConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read the file: ${(e as Error).message}`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, [`not valid JSON: ${(e as Error).message}`]);
  }
  return parseConfig(data, file);
}
