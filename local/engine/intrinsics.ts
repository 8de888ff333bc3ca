/**
 * Intrinsic functions (`States.Format(…)`, `States.Array(…)`, …) in every field Step Functions evaluates them in,
 * parsed the way AWS parses them (the harness refuses what does not parse) and evaluated the way AWS evaluates
 * them (the engine: `evaluateIntrinsicCall`, hooked into aws-local-stepfunctions by `hookIntrinsics`).
 *
 * Source: AWS Step Functions Developer Guide, "Intrinsic functions for JSONPath states in Step Functions"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html), sections "Fields that support
 * intrinsic functions", "Reserved characters in intrinsic functions" and "States.Format":
 * - an intrinsic is the value of a key ending in `.$` in Parameters, ResultSelector, ItemSelector (and Assign);
 * - its arguments are string literals in single quotes, numbers, booleans, null, JSONPaths (`$…`, `$$…`) and other
 *   intrinsic calls, nested up to 10 deep;
 * - inside a string literal the characters `'`, `{`, `}` and `\` are reserved and must be escaped with a backslash
 *   (`\'`, `\{`, `\}`, `\\`); an unescaped one fails the execution at run time ("Invalid template in States.Format");
 * - `States.Format`'s first argument may hold `{}` placeholders, and there must be as many remaining arguments as
 *   placeholders.
 */
import { createHash, randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { readReferencePath } from './json-path';
import { StatesRuntimeFailure } from './states-errors';

/** Every intrinsic function the Amazon States Language defines. */
export const INTRINSIC_FUNCTIONS: ReadonlySet<string> = new Set([
  'States.Format',
  'States.StringToJson',
  'States.JsonToString',
  'States.Array',
  'States.ArrayPartition',
  'States.ArrayContains',
  'States.ArrayRange',
  'States.ArrayGetItem',
  'States.ArrayLength',
  'States.ArrayUnique',
  'States.Base64Encode',
  'States.Base64Decode',
  'States.Hash',
  'States.JsonMerge',
  'States.MathRandom',
  'States.MathAdd',
  'States.StringSplit',
  'States.UUID',
]);

/** "You can nest up to 10 intrinsic functions within a field." */
export const MAX_INTRINSIC_NESTING = 10;

/** One argument of an intrinsic call, or the call itself. */
export type IntrinsicNode =
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly IntrinsicNode[] }
  /** `value` is the literal with its escapes resolved; `placeholders` counts unescaped `{}` pairs. */
  | { readonly kind: 'string'; readonly raw: string; readonly value: string; readonly placeholders: number }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'path'; readonly path: string };

/** A call that could not be parsed: where (offset in the text) and why. */
export class IntrinsicSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const RESERVED = new Set(["'", '{', '}', '\\']);

/**
 * Parses one intrinsic call, e.g. `States.Format('a {}', $.x)`. Throws IntrinsicSyntaxError on anything AWS would
 * refuse: unknown function, unbalanced parentheses, unterminated or badly escaped string, trailing text.
 * In string literals an unescaped `{}` pair is kept as a placeholder (only `States.Format`'s first argument may have
 * them: see checkIntrinsic); any other unescaped `{` or `}` is an error.
 */
export function parseIntrinsic(text: string): IntrinsicNode {
  let pos = 0;
  const fail = (message: string, at = pos): never => {
    throw new IntrinsicSyntaxError(`${message} at offset ${at} of ${JSON.stringify(text)}`, at);
  };
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };

  const parseString = (): IntrinsicNode => {
    const start = pos;
    pos++; // opening quote
    let value = '';
    let placeholders = 0;
    for (;;) {
      if (pos >= text.length) fail("unterminated string literal (a quote inside a literal must be written \\')", start);
      const c = text[pos];
      if (c === "'") break;
      if (c === '\\') {
        const next = text[pos + 1];
        if (next === undefined || !RESERVED.has(next)) {
          fail(
            `"\\" followed by ${next === undefined ? 'nothing' : JSON.stringify(next)} in a string literal; only ` +
              "' { } \\ may be escaped, and a literal backslash must be written \\\\",
          );
        }
        value += next;
        pos += 2;
        continue;
      }
      if (c === '{') {
        if (text[pos + 1] === '}') {
          placeholders++;
          value += '{}';
          pos += 2;
          continue;
        }
        fail('unescaped "{" in a string literal (write \\{; only an empty {} pair is a States.Format placeholder)');
      }
      if (c === '}') fail('unescaped "}" in a string literal (write \\})');
      value += c;
      pos++;
    }
    pos++; // closing quote
    return { kind: 'string', raw: text.slice(start, pos), value, placeholders };
  };

  const parsePath = (): IntrinsicNode => {
    const start = pos;
    let brackets = 0;
    let quote: string | undefined;
    while (pos < text.length) {
      const c = text[pos];
      if (quote) {
        if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') {
        if (brackets === 0) fail('a quote inside a JSONPath outside brackets');
        quote = c;
      } else if (c === '[') {
        brackets++;
      } else if (c === ']') {
        brackets--;
      } else if (brackets === 0 && (c === ',' || c === ')' || /\s/.test(c))) {
        break;
      }
      pos++;
    }
    const path = text.slice(start, pos);
    if (!/^\$\$?(\.|\[|$)/.test(path) || path === '$$') fail(`malformed JSONPath ${JSON.stringify(path)}`, start);
    return { kind: 'path', path };
  };

  const parseArg = (depth: number): IntrinsicNode => {
    skipSpace();
    const c = text[pos];
    if (c === "'") return parseString();
    if (c === '$') return parsePath();
    const word = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|null|true|false|States\.[A-Za-z0-9]+)/.exec(text.slice(pos));
    if (!word) return fail(`unexpected ${c === undefined ? 'end of text' : JSON.stringify(c)}; expected an argument`);
    if (word[1].startsWith('States.')) return parseCall(depth + 1);
    pos += word[1].length;
    if (word[1] === 'null') return { kind: 'null' };
    if (word[1] === 'true' || word[1] === 'false') return { kind: 'boolean', value: word[1] === 'true' };
    return { kind: 'number', value: Number(word[1]) };
  };

  const parseCall = (depth: number): IntrinsicNode => {
    skipSpace();
    const start = pos;
    const name = /^States\.[A-Za-z0-9]+/.exec(text.slice(pos))?.[0];
    if (name === undefined) return fail('expected an intrinsic function name such as States.Format');
    if (!INTRINSIC_FUNCTIONS.has(name)) fail(`unknown intrinsic function ${name}`, start);
    if (depth > MAX_INTRINSIC_NESTING) fail(`more than ${MAX_INTRINSIC_NESTING} nested intrinsic functions`, start);
    pos += name.length;
    skipSpace();
    if (text[pos] !== '(') fail(`expected "(" after ${name}`);
    pos++;
    const args: IntrinsicNode[] = [];
    skipSpace();
    if (text[pos] === ')') {
      pos++;
      return { kind: 'call', name, args };
    }
    for (;;) {
      args.push(parseArg(depth));
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ')') {
        pos++;
        return { kind: 'call', name, args };
      }
      fail(`expected "," or ")" in the arguments of ${name}`);
    }
  };

  const call = parseCall(1);
  skipSpace();
  if (pos < text.length) fail('unexpected text after the closing parenthesis');
  return call;
}

/** Problems of a parsed call that parsing alone does not catch: placeholders outside Format, Format's arity. */
export function intrinsicProblems(node: IntrinsicNode): string[] {
  const out: string[] = [];
  const visit = (n: IntrinsicNode, formatTemplate: boolean) => {
    if (n.kind === 'string' && n.placeholders > 0 && !formatTemplate) {
      out.push(
        `the string literal ${n.raw} holds an unescaped {}, which only States.Format's first argument may have ` +
          '(write \\{\\} for literal braces)',
      );
    }
    if (n.kind !== 'call') return;
    if (n.name === 'States.Format') {
      const [template, ...rest] = n.args;
      if (template === undefined) out.push('States.Format needs at least one argument, the template');
      if (template?.kind === 'string' && template.placeholders !== rest.length) {
        out.push(
          `States.Format's template ${template.raw} has ${template.placeholders} {} placeholder(s) but ` +
            `${rest.length} argument(s) follow it; they must be equal`,
        );
      }
    }
    n.args.forEach((a, i) => visit(a, n.name === 'States.Format' && i === 0));
  };
  visit(node, false);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation. Source: the same page, each function's "Input validation": argument counts and types; a value that
// does not fit fails the state with States.Runtime (never retried or caught). Numbers that must be integers are
// rounded to the nearest integer ("If you specify a non-integer value …, Step Functions will round it off to the
// nearest integer"). States.JsonToString returns JSON text (aws-local-stepfunctions strips every backslash from a
// string result, which breaks the JSON of a string holding a quote: the engine does not).
// ---------------------------------------------------------------------------------------------------------------

type Json = unknown;

const fail = (name: string, message: string): never => {
  throw new StatesRuntimeFailure(`Invalid arguments in ${name}: ${message}`);
};

const kind = (v: Json): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Reads a JSONPath argument. Once hooked, the library's own JSONPath evaluation (jsonpath-plus: wildcards,
 * filters) is used, through its States.Array, which returns its arguments unchanged; before, simple paths only.
 */
let readPath = (path: string, input: Json, context: Json): Json => readReferencePath(path, input, context);

/** One argument as aws-local-stepfunctions split it: a literal, a path, or a nested call's result as JSON text. */
function argumentValue(name: string, raw: string, index: number, input: Json, context: Json): Json {
  if (raw.startsWith("'")) {
    let node: IntrinsicNode;
    try {
      node = parseIntrinsic(`States.Array(${raw})`);
    } catch (e) {
      if (!(e instanceof IntrinsicSyntaxError)) throw e;
      return fail(name, `argument ${index + 1} ${raw}: ${e.message.replace(/ at offset \d+ of .*$/, '')}`);
    }
    const literal = node.kind === 'call' && node.args.length === 1 ? node.args[0] : undefined;
    if (literal?.kind !== 'string') return fail(name, `argument ${index + 1} ${raw} is not one string literal`);
    if (literal.placeholders > 0 && !(name === 'States.Format' && index === 0)) {
      fail(name, `argument ${index + 1} ${raw} holds an unescaped {} (only States.Format's template may)`);
    }
    return literal.value;
  }
  if (raw.startsWith('$')) {
    const value = readPath(raw, input, context);
    if (value === undefined) fail(name, `the path ${raw} (argument ${index + 1}) does not point to a value`);
    return value;
  }
  try {
    return JSON.parse(raw) as Json;
  } catch {
    return fail(name, `argument ${index + 1} ${raw} is not a literal, a path or an intrinsic call`);
  }
}

/** States.Format: replaces each unescaped `{}` of the raw template literal with the next value. */
function format(rawTemplate: string, values: readonly Json[]): string {
  const name = 'States.Format';
  let out = '';
  let next = 0;
  const body = rawTemplate.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      out += body[i + 1];
      i++;
    } else if (c === '{' && body[i + 1] === '}') {
      const v = values[next++];
      if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) {
        fail(name, `argument ${next + 1} is ${kind(v)}; only a string, number, boolean or null can fill a {}`);
      }
      out += typeof v === 'string' ? v : JSON.stringify(v);
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

const integer = (name: string, v: Json, position: number): number => {
  if (typeof v !== 'number') return fail(name, `argument ${position} must be a number, got ${kind(v)}`);
  return Math.round(v);
};
const array = (name: string, v: Json, position: number): Json[] => {
  if (!Array.isArray(v)) return fail(name, `argument ${position} must be an array, got ${kind(v)}`);
  return v as Json[];
};
const string = (name: string, v: Json, position: number, maxLength = Infinity): string => {
  if (typeof v !== 'string') return fail(name, `argument ${position} must be a string, got ${kind(v)}`);
  if (v.length > maxLength) fail(name, `argument ${position} is longer than ${maxLength} characters`);
  return v;
};
const object = (name: string, v: Json, position: number): Record<string, Json> => {
  if (kind(v) !== 'object') return fail(name, `argument ${position} must be a JSON object, got ${kind(v)}`);
  return v as Record<string, Json>;
};

const ARITY: Record<string, [number, number]> = {
  'States.Format': [1, Infinity],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, Infinity],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
};

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

const deepMerge = (a: Record<string, Json>, b: Record<string, Json>): Record<string, Json> => {
  const out: Record<string, Json> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = kind(out[k]) === 'object' && kind(v) === 'object' ? deepMerge(out[k] as never, v as never) : v;
  }
  return out;
};

/**
 * Evaluates one intrinsic call the way Step Functions does, from the raw argument texts aws-local-stepfunctions
 * split (nested calls already evaluated and given as JSON text). Anything AWS refuses at run time throws
 * States.Runtime: a reserved character not escaped in a literal, a `{}` outside Format's template, a wrong number
 * of arguments, an argument of the wrong type.
 */
export function evaluateIntrinsicCall(name: string, rawArgs: readonly string[], input: Json, context: Json): Json {
  const arity = ARITY[name];
  if (!arity) return fail(name, 'unknown intrinsic function');
  const args = rawArgs.map((raw, i) => argumentValue(name, raw, i, input, context));
  if (args.length < arity[0] || args.length > arity[1]) {
    const expected =
      arity[0] === arity[1]
        ? `${arity[0]}`
        : arity[1] === Infinity
          ? `at least ${arity[0]}`
          : `${arity[0]} to ${arity[1]}`;
    fail(name, `expected ${expected} argument(s), got ${args.length}`);
  }
  switch (name) {
    case 'States.Format': {
      const template = string(name, args[0], 1);
      // A literal template keeps its escapes in the raw text; a template read from a path has none.
      const raw = rawArgs[0].startsWith("'")
        ? rawArgs[0]
        : `'${template.replace(/[\\'{}]/g, (c) => (c === '{' || c === '}' ? c : `\\${c}`))}'`;
      const placeholders = (raw.slice(1, -1).replace(/\\./g, '').match(/\{\}/g) ?? []).length;
      if (placeholders !== args.length - 1) {
        fail(name, `the template has ${placeholders} {} placeholder(s) and ${args.length - 1} value(s) follow it`);
      }
      return format(raw, args.slice(1));
    }
    case 'States.StringToJson': {
      const text = string(name, args[0], 1);
      try {
        return JSON.parse(text) as Json;
      } catch {
        return fail(name, `argument 1 is not JSON text: ${JSON.stringify(text.slice(0, 80))}`);
      }
    }
    case 'States.JsonToString':
      return JSON.stringify(args[0]);
    case 'States.Array':
      return args;
    case 'States.ArrayPartition': {
      const items = array(name, args[0], 1);
      const size = integer(name, args[1], 2);
      if (size < 1) fail(name, 'the chunk size must be a positive integer');
      const out: Json[][] = [];
      for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
      return out;
    }
    case 'States.ArrayContains': {
      const wanted = JSON.stringify(args[1]);
      return array(name, args[0], 1).some((v) => JSON.stringify(v) === wanted);
    }
    case 'States.ArrayRange': {
      const [start, end, step] = [integer(name, args[0], 1), integer(name, args[1], 2), integer(name, args[2], 3)];
      if (step === 0) fail(name, 'the step must not be 0');
      const out: number[] = [];
      for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
        out.push(v);
        if (out.length > 1000) fail(name, 'the array would hold more than 1000 items');
      }
      return out;
    }
    case 'States.ArrayGetItem': {
      const items = array(name, args[0], 1);
      const index = integer(name, args[1], 2);
      if (index < 0 || index >= items.length)
        fail(name, `index ${index} is outside the array (length ${items.length})`);
      return items[index];
    }
    case 'States.ArrayLength':
      return array(name, args[0], 1).length;
    case 'States.ArrayUnique': {
      const seen = new Set<string>();
      return array(name, args[0], 1).filter((v) => {
        const key = JSON.stringify(v);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    case 'States.Base64Encode':
      return Buffer.from(string(name, args[0], 1, 10000), 'utf8').toString('base64');
    case 'States.Base64Decode':
      return Buffer.from(string(name, args[0], 1, 10000), 'base64').toString('utf8');
    case 'States.Hash': {
      const data = string(name, args[0], 1, 10000);
      const algorithm = HASHES[string(name, args[1], 2)];
      if (!algorithm) fail(name, `the algorithm must be one of ${Object.keys(HASHES).join(', ')}`);
      return createHash(algorithm).update(data).digest('hex');
    }
    case 'States.JsonMerge': {
      const [a, b] = [object(name, args[0], 1), object(name, args[1], 2)];
      if (typeof args[2] !== 'boolean') fail(name, 'argument 3 (deep merge) must be a boolean');
      return args[2] ? deepMerge(a, b) : { ...a, ...b };
    }
    case 'States.MathRandom': {
      const [start, end] = [integer(name, args[0], 1), integer(name, args[1], 2)];
      if (args.length === 3) integer(name, args[2], 3);
      return start + Math.floor(Math.random() * (end - start));
    }
    case 'States.MathAdd':
      return integer(name, args[0], 1) + integer(name, args[1], 2);
    case 'States.StringSplit':
      return string(name, args[0], 1).split(string(name, args[1], 2));
    case 'States.UUID':
      return randomUUID();
    default:
      return fail(name, 'unknown intrinsic function');
  }
}

/** The table aws-local-stepfunctions looks its intrinsic functions up in (`functions[name].call(input, context, ...args)`). */
type IntrinsicTable = Record<string, { call: (input: Json, context: Json, ...args: string[]) => Json }>;

const GRAB = '__haWorkflowsIntrinsicTable__';
let hooked: Promise<void> | undefined;

/**
 * Makes aws-local-stepfunctions evaluate every intrinsic with `evaluateIntrinsicCall`. The library keeps its
 * functions in a module-private table that it indexes with the name written in the definition; a one-off run of
 * a Pass state naming `__haWorkflowsIntrinsicTable__()`, while Object.prototype has a getter of that name, hands
 * the engine that table (the getter's receiver), and the engine replaces its entries. Idempotent.
 */
export function hookIntrinsics(): Promise<void> {
  hooked ??= (async () => {
    let table: IntrinsicTable | undefined;
    const keep = (receiver: IntrinsicTable) => {
      table = receiver;
    };
    Object.defineProperty(Object.prototype, GRAB, {
      configurable: true,
      get(this: IntrinsicTable) {
        keep(this);
        return { call: () => null };
      },
    });
    try {
      const probe = {
        StartAt: 'Grab',
        States: { Grab: { Type: 'Pass', Parameters: { 'x.$': `${GRAB}()` }, End: true } },
      };
      await new StateMachine(probe as unknown as StateMachineDefinition, {
        validationOptions: { noValidate: true },
      }).run({}).result;
    } finally {
      delete (Object.prototype as Record<string, unknown>)[GRAB];
    }
    if (!table || !('States.Format' in table)) {
      throw new Error('cannot hook intrinsic evaluation: aws-local-stepfunctions no longer looks functions up by name');
    }
    const hookedTable = table;
    const libraryArray = hookedTable['States.Array'];
    readPath = (path, input, context) => (libraryArray.call(input, context, path) as Json[])[0];
    for (const name of INTRINSIC_FUNCTIONS) {
      hookedTable[name] = { call: (input, context, ...args) => evaluateIntrinsicCall(name, args, input, context) };
    }
  })();
  return hooked;
}
