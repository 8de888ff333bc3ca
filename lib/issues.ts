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

/** A check's own message, when the schema gave one (`.regex(re, 'must be …')`), else undefined. */
function customMessageOf(check: unknown): string | undefined {
  const error = (check as { _zod?: { def?: { error?: unknown } } })._zod?.def?.error;
  if (typeof error !== 'function') return undefined;
  const message: unknown = (error as (issue: unknown) => unknown)({});
  if (typeof message === 'string') return message;
  const inner = (message as { message?: unknown } | undefined)?.message;
  return typeof inner === 'string' ? inner : undefined;
}

interface SchemaDef {
  readonly type?: string;
  readonly checks?: readonly { _zod?: { def?: Record<string, unknown> } }[];
  readonly entries?: Record<string, unknown>;
  readonly values?: readonly unknown[];
}

/** The value kind a schema type stands for, with its article: "a string", "an object", "a list". */
function kindOf(type: string): string {
  const kinds: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'an integer',
    boolean: 'true or false',
    object: 'an object',
    array: 'a list',
    record: 'an object',
    null: 'null',
    bigint: 'an integer',
  };
  return kinds[type] ?? (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);
}

/**
 * What a schema accepts, in words, from its own parts: the message its author gave a check (`must be an AWS Region
 * code such as "us-east-1"`), else its kind with its bounds ("expected an integer from 1 to 1440"), or its options.
 */
function expectationOf(inst: unknown, fallbackType?: string): string {
  const def = (inst as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
  const checks = def?.checks ?? [];
  const custom = checks.map(customMessageOf).filter((m): m is string => m !== undefined);
  if (custom.length) return custom.join('; ');
  if (def?.type === 'enum' && def.entries) {
    return `expected one of ${Object.values(def.entries)
      .map((v) => JSON.stringify(v))
      .join(', ')}`;
  }
  if (def?.type === 'literal' && def.values) return `expected ${def.values.map((v) => JSON.stringify(v)).join(' or ')}`;
  let kind = def?.type ?? fallbackType ?? 'value';
  let min: number | undefined;
  let max: number | undefined;
  for (const check of checks) {
    const c = check._zod?.def ?? {};
    if (c.check === 'number_format' && String(c.format).includes('int')) kind = 'int';
    if (c.check === 'greater_than' && typeof c.value === 'number') min = c.value;
    if (c.check === 'less_than' && typeof c.value === 'number') max = c.value;
    if (c.check === 'min_length' && typeof c.minimum === 'number') min = c.minimum;
    if (c.check === 'max_length' && typeof c.maximum === 'number') max = c.maximum;
  }
  const unit = kind === 'string' ? ' characters' : kind === 'array' ? ' items' : '';
  const range =
    min !== undefined && max !== undefined
      ? ` of ${min} to ${max}${unit}`
      : min !== undefined
        ? ` of at least ${min}${unit}`
        : max !== undefined
          ? ` of at most ${max}${unit}`
          : '';
  return `expected ${kindOf(kind)}${range}`;
}

/**
 * The project's wording for every issue zod raises with its own (default) message, as a parse's `error` map:
 * `schema.safeParse(data, { error: expectedWording })`. A message a schema gives itself still wins (zod's precedence:
 * schema, then parse, then the locale), so zod's own wording ("Invalid input: expected string, received undefined")
 * never reaches a person, for any field, present or future: a missing or mistyped value is described by what its
 * schema accepts.
 */
export function expectedWording(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return expectationOf(issue.inst, String(issue.expected));
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const what = issue.code === 'too_small' ? 'at least' : 'at most';
      if (issue.origin === 'string') return `expected ${what} ${bound} character(s)`;
      if (issue.origin === 'array' || issue.origin === 'set') return `expected ${what} ${bound} item(s)`;
      if (issue.inclusive !== false) return `expected ${what} ${bound}`;
      return `expected ${issue.code === 'too_small' ? 'more' : 'less'} than ${bound}`;
    }
    case 'invalid_format':
      if (issue.format === 'email') return 'expected an e-mail address such as "oncall@example.com"';
      if (issue.format === 'ipv4') return 'expected an IPv4 address such as "10.0.1.20"';
      if (issue.format === 'regex') return `expected a string matching ${issue.pattern}`;
      return `expected ${kindOf(String(issue.format))} string`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      return 'matches none of the forms this field accepts (see its documentation)';
    case 'invalid_key':
      return 'is not an allowed key';
    case 'invalid_element':
      return 'holds a value that is not allowed';
    case 'custom':
      return 'is not allowed here';
    default:
      return undefined;
  }
}
