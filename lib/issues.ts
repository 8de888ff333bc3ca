import type { z } from 'zod';

/**
 * One way to report invalid input everywhere (configuration files, scenario files, task payloads):
 * each problem names its JSON path, the value found there and what is allowed.
 */

/** Renders a path as a JSON path: `$.notifications.emails[0]`. */
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

function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return `got ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}

/** One line per zod issue: JSON path, the value found there, and what is allowed. */
export function describeIssues(data: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => `${jsonPath([...issue.path, k])}: unknown field (check the spelling)`);
    }
    if (issue.code === 'invalid_key') {
      // The key itself is wrong: show the key, not the value stored under it.
      const key = issue.path[issue.path.length - 1];
      const why = issue.issues.map((i) => i.message).join('; ');
      return [`${jsonPath(issue.path.slice(0, -1))}: key ${JSON.stringify(String(key))} is not allowed; ${why}`];
    }
    return [`${jsonPath(issue.path)}: ${shown(valueAt(data, issue.path))}; ${issue.message}`];
  });
}
