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
import { IntrinsicSyntaxError, intrinsicProblems, parseIntrinsic } from '../../local/engine/intrinsics';
import { type CheckOptions, type Finding, allStates, isRecord } from './findings';

// The parser lives with the engine, which evaluates intrinsics at run time; the harness re-exports it.
export {
  type IntrinsicNode,
  IntrinsicSyntaxError,
  INTRINSIC_FUNCTIONS,
  intrinsicProblems,
  MAX_INTRINSIC_NESTING,
  parseIntrinsic,
} from '../../local/engine/intrinsics';

/** The fields of a JSONPath state in which Step Functions evaluates intrinsics. */
export const INTRINSIC_FIELDS = ['Parameters', 'ResultSelector', 'ItemSelector', 'Assign'] as const;

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
