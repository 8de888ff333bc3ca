/**
 * Intrinsic functions (`States.Format(…)`, `States.Array(…)`, …) in every field Step Functions evaluates them in,
 * parsed the way AWS parses them, so that a call AWS would refuse at run time fails the harness instead.
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
import { type CheckOptions, type Finding, allStates, isRecord } from './findings';

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

/** The fields of a JSONPath state in which Step Functions evaluates intrinsics. */
export const INTRINSIC_FIELDS = ['Parameters', 'ResultSelector', 'ItemSelector', 'Assign'] as const;

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

/** Every intrinsic of a value (a Parameters object, …): `[where, text]` for each `.$` key whose value is a call. */
export function intrinsicsIn(value: unknown, where: string): [string, string][] {
  const out: [string, string][] = [];
  const visit = (v: unknown, at: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${at}[${i}]`));
    else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) {
        const here = `${at}.${k}`;
        if (k.endsWith('.$') && typeof x === 'string' && x.trimStart().startsWith('States.')) out.push([here, x]);
        else visit(x, here);
      }
    }
  };
  visit(value, where);
  return out;
}

/** Rule `intrinsic-syntax`: every intrinsic of every state parses, escapes its literals and fits its arity. */
export function checkIntrinsics(definition: unknown, options: CheckOptions): Finding[] {
  const findings: Finding[] = [];
  for (const { state, path } of allStates(definition)) {
    for (const field of INTRINSIC_FIELDS) {
      for (const [where, text] of intrinsicsIn(state[field], field)) {
        let problems: string[];
        try {
          problems = intrinsicProblems(parseIntrinsic(text));
        } catch (e) {
          if (!(e instanceof IntrinsicSyntaxError)) throw e;
          problems = [e.message];
        }
        for (const problem of problems) {
          findings.push({
            stateMachine: options.name,
            path,
            rule: 'intrinsic-syntax',
            message: `${where}: ${problem}; Step Functions would fail the execution at run time (reserved characters ' { } \\ must be escaped with a backslash)`,
          });
        }
      }
    }
  }
  return findings;
}
