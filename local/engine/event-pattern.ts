/**
 * EventBridge event patterns: the documented syntax, matched the way the event bus matches it.
 *
 * Sources: EventBridge User Guide, "Amazon EventBridge event patterns" (a pattern has the event's structure; a leaf
 * is an array of allowed values or filters, matched when ANY of them matches; when the event's value is an array,
 * the pattern matches if ANY element matches; every field the pattern names must match),
 * "Content filtering in Amazon EventBridge event patterns"
 * (<https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html>) and
 * "Comparison operators for use in event patterns"
 * (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html>): exact values
 * (strings, numbers, `true`/`false`, `null`), `prefix`, `suffix` (each also `{ "equals-ignore-case": … }`),
 * `equals-ignore-case`, `wildcard` (`*`, `\*` for a literal star), `anything-but` (a value, a list of strings or of
 * numbers, or `{ prefix | suffix | equals-ignore-case | wildcard }`), `numeric` (`=`, or up to one lower and one
 * upper bound), `exists`, `cidr` (IPv4), and `$or` (a list of patterns, any of which matches).
 *
 * A pattern EventBridge would refuse (PutRule's InvalidEventPatternException: an unknown filter, a filter of the
 * wrong type, a leaf that is neither an array nor an object) throws here, so a template the bus would not accept
 * never matches offline. IPv6 `cidr` throws as not simulated.
 *
 * Deliberate simplifications: a nested pattern is matched against one array element at a time (the bus's "array
 * consistency"); `exists` looks at leaf values only (an object or an empty array is not a leaf value).
 */

type Json = unknown;
type Pattern = Record<string, unknown>;

/** Thrown for a pattern EventBridge would refuse, or one the engine does not simulate. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';
}

const NUMERIC_LIMIT = 5e9;

/** True when `event` matches `pattern`. Throws InvalidEventPatternError for a pattern the bus would refuse. */
export function matchesEventPattern(event: Json, pattern: Pattern): boolean {
  if (!isObject(pattern)) throw invalid('', `an event pattern must be a JSON object, got ${JSON.stringify(pattern)}`);
  return matchObject(event, pattern, '');
}

/** Checks a whole pattern (every branch, not only those an event reaches); throws what the bus would refuse. */
export function validateEventPattern(pattern: Pattern): void {
  if (!isObject(pattern)) throw invalid('', `an event pattern must be a JSON object, got ${JSON.stringify(pattern)}`);
  // Matching an event that has no field at all visits every filter of every branch.
  visitAll(pattern, '');
}

function visitAll(pattern: Pattern, path: string): void {
  for (const [key, expected] of Object.entries(pattern)) {
    const at = join(path, key);
    if (key === '$or') {
      orBranches(expected, at).forEach((b) => visitAll(b, at));
    } else if (Array.isArray(expected)) {
      for (const f of expected) leafMatches(undefined, f, at);
    } else if (isObject(expected)) {
      visitAll(expected, at);
    } else {
      throw invalid(at, `must be an array or an object, got ${JSON.stringify(expected)}`);
    }
  }
}

function matchObject(event: Json, pattern: Pattern, path: string): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    const at = join(path, key);
    if (key === '$or') {
      const branches = orBranches(expected, at);
      // Evaluate every branch (each is validated even when an earlier one matches).
      const results = branches.map((b) => matchObject(event, b, at));
      if (!results.some(Boolean)) return false;
      continue;
    }
    const value = isObject(event) ? event[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchLeaf(value, expected, at)) return false;
    } else if (isObject(expected)) {
      if (Array.isArray(value)) {
        const objects = value.filter(isObject);
        if (
          objects.length === 0
            ? !matchObject(undefined, expected, at)
            : !objects.some((v) => matchObject(v, expected, at))
        )
          return false;
      } else if (!matchObject(isObject(value) ? value : undefined, expected, at)) {
        return false;
      }
    } else {
      throw invalid(at, `must be an array or an object, got ${JSON.stringify(expected)}`);
    }
  }
  return true;
}

function orBranches(expected: unknown, at: string): Pattern[] {
  if (!Array.isArray(expected) || expected.length < 2 || !expected.every(isObject)) {
    throw invalid(at, '"$or" must be an array of at least two patterns (objects)');
  }
  return expected;
}

/** A leaf: the event's value (or each element of an array value) against a list of allowed values and filters. */
function matchLeaf(value: Json, filters: unknown[], at: string): boolean {
  // Validate every filter, then match: a wrong filter fails even when an earlier one matches.
  const results = filters.map((f) => leafMatches(value, f, at));
  return results.some(Boolean);
}

/** The event's leaf values: an array's scalar elements, a scalar, or none (absent, an object, an empty array). */
function leafValues(value: Json): Json[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.filter((v) => !isObject(v) && !Array.isArray(v));
  if (isObject(value)) return [];
  return [value];
}

function leafMatches(value: Json, filter: unknown, at: string): boolean {
  const values = leafValues(value);
  if (!isObject(filter)) {
    if (Array.isArray(filter)) throw invalid(at, `a nested array is not a value: ${JSON.stringify(filter)}`);
    return values.some((v) => v === filter);
  }
  const keys = Object.keys(filter);
  if (keys.length !== 1) {
    throw invalid(at, `a filter object names exactly one filter, got ${JSON.stringify(filter)}`);
  }
  const name = keys[0];
  const arg = filter[name];
  switch (name) {
    case 'exists':
      if (typeof arg !== 'boolean') throw invalid(at, `"exists" takes true or false, got ${JSON.stringify(arg)}`);
      return arg ? values.length > 0 : values.length === 0;
    case 'prefix':
    case 'suffix': {
      const test = affix(name, arg, at);
      return values.some((v) => typeof v === 'string' && test(v));
    }
    case 'equals-ignore-case': {
      if (typeof arg !== 'string') throw invalid(at, `"equals-ignore-case" takes a string, got ${JSON.stringify(arg)}`);
      return values.some((v) => typeof v === 'string' && v.toLowerCase() === arg.toLowerCase());
    }
    case 'wildcard': {
      const re = wildcard(arg, at);
      return values.some((v) => typeof v === 'string' && re.test(v));
    }
    case 'anything-but': {
      const excluded = anythingBut(arg, at);
      return values.some((v) => !excluded(v));
    }
    case 'numeric': {
      const test = numeric(arg, at);
      return values.some((v) => typeof v === 'number' && test(v));
    }
    case 'cidr': {
      const test = cidr(arg, at);
      return values.some((v) => typeof v === 'string' && test(v));
    }
    default:
      throw invalid(at, `unknown filter ${JSON.stringify(name)} in ${JSON.stringify(filter)}`);
  }
}

function affix(name: 'prefix' | 'suffix', arg: unknown, at: string): (v: string) => boolean {
  let text: unknown = arg;
  let ignoreCase = false;
  if (isObject(arg)) {
    const keys = Object.keys(arg);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw invalid(at, `"${name}" takes a string or { "equals-ignore-case": string }, got ${JSON.stringify(arg)}`);
    }
    text = arg['equals-ignore-case'];
    ignoreCase = true;
  }
  if (typeof text !== 'string') throw invalid(at, `"${name}" takes a string, got ${JSON.stringify(arg)}`);
  const t = ignoreCase ? text.toLowerCase() : text;
  return (v) => {
    const s = ignoreCase ? v.toLowerCase() : v;
    return name === 'prefix' ? s.startsWith(t) : s.endsWith(t);
  };
}

function wildcard(arg: unknown, at: string): RegExp {
  if (typeof arg !== 'string') throw invalid(at, `"wildcard" takes a string, got ${JSON.stringify(arg)}`);
  if (arg.includes('**')) throw invalid(at, `"wildcard" may not have consecutive "*": ${JSON.stringify(arg)}`);
  let source = '';
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i];
    if (c === '\\') {
      const next = arg[i + 1];
      if (next !== '*' && next !== '\\')
        throw invalid(at, `"wildcard" escapes only "*" and "\\": ${JSON.stringify(arg)}`);
      source += `\\${next}`;
      i++;
    } else if (c === '*') {
      source += '.*';
    } else {
      source += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

/** The values `anything-but` excludes, as a predicate on one event value. */
function anythingBut(arg: unknown, at: string): (v: Json) => boolean {
  if (typeof arg === 'string' || typeof arg === 'number') return (v) => v === arg;
  if (Array.isArray(arg)) {
    const allStrings = arg.every((a) => typeof a === 'string');
    const allNumbers = arg.every((a) => typeof a === 'number');
    if (arg.length === 0 || !(allStrings || allNumbers)) {
      throw invalid(at, `"anything-but" takes a list of only strings or only numbers, got ${JSON.stringify(arg)}`);
    }
    const excluded: unknown[] = arg;
    return (v) => excluded.includes(v);
  }
  if (isObject(arg)) {
    const keys = Object.keys(arg);
    const [name] = keys;
    const inner = arg[name];
    if (keys.length === 1 && (name === 'prefix' || name === 'suffix')) {
      if (typeof inner !== 'string') throw invalid(at, `"anything-but" "${name}" takes a string`);
      const test = affix(name, inner, at);
      return (v) => typeof v === 'string' && test(v);
    }
    if (keys.length === 1 && (name === 'equals-ignore-case' || name === 'wildcard')) {
      const list = typeof inner === 'string' ? [inner] : inner;
      if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string')) {
        throw invalid(at, `"anything-but" "${name}" takes a string or a list of strings, got ${JSON.stringify(inner)}`);
      }
      if (name === 'wildcard') {
        const res = list.map((w) => wildcard(w, at));
        return (v) => typeof v === 'string' && res.some((re) => re.test(v));
      }
      const lower = list.map((x) => x.toLowerCase());
      return (v) => typeof v === 'string' && lower.includes(v.toLowerCase());
    }
  }
  throw invalid(
    at,
    `"anything-but" takes a string, a number, a list, or { prefix | suffix | equals-ignore-case | wildcard }, got ${JSON.stringify(arg)}`,
  );
}

function numeric(arg: unknown, at: string): (v: number) => boolean {
  const bad = () =>
    invalid(
      at,
      `"numeric" takes ["=", n] or up to one lower (">", ">=") and one upper ("<", "<=") bound, got ${JSON.stringify(arg)}`,
    );
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0 || arg.length > 4) throw bad();
  const tests: ((v: number) => boolean)[] = [];
  let lower = false;
  let upper = false;
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const n = arg[i + 1];
    if (typeof n !== 'number' || !Number.isFinite(n)) throw bad();
    if (n < -NUMERIC_LIMIT || n > NUMERIC_LIMIT) {
      throw invalid(at, `"numeric" compares only numbers from -5.0e9 to +5.0e9, got ${n}`);
    }
    if (op === '=') {
      if (arg.length !== 2) throw bad();
      tests.push((v) => v === n);
    } else if (op === '>' || op === '>=') {
      if (lower) throw bad();
      lower = true;
      tests.push(op === '>' ? (v) => v > n : (v) => v >= n);
    } else if (op === '<' || op === '<=') {
      if (upper) throw bad();
      upper = true;
      tests.push(op === '<' ? (v) => v < n : (v) => v <= n);
    } else {
      throw bad();
    }
  }
  return (v) => tests.every((t) => t(v));
}

function cidr(arg: unknown, at: string): (v: string) => boolean {
  const m = typeof arg === 'string' ? /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(arg) : null;
  if (!m) {
    if (typeof arg === 'string' && arg.includes(':')) throw invalid(at, `IPv6 "cidr" is not simulated: ${arg}`);
    throw invalid(at, `"cidr" takes an IPv4 block such as "10.0.0.0/24", got ${JSON.stringify(arg)}`);
  }
  const base = ipv4(m[1]);
  const bits = Number(m[2]);
  if (base === undefined || bits > 32) throw invalid(at, `"cidr" is not a valid IPv4 block: ${String(arg)}`);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (v) => {
    const ip = ipv4(v);
    return ip !== undefined && (ip & mask) >>> 0 === (base & mask) >>> 0;
  };
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0) >>> 0;
}

function invalid(at: string, message: string): InvalidEventPatternError {
  return new InvalidEventPatternError(`event pattern${at ? ` field "${at}"` : ''}: ${message}`);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
