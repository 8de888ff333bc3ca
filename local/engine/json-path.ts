/**
 * The reference paths the engine itself must read (a Wait state's SecondsPath / TimestampPath, a Task's
 * TimeoutSecondsPath): `$.a.b[0]['c d']` on the state input, `$$.x` on the context object.
 * aws-local-stepfunctions evaluates every other path.
 */
export function readReferencePath(path: string, input: unknown, context: unknown): unknown {
  let root: unknown;
  let rest: string;
  if (path.startsWith('$$')) {
    root = context;
    rest = path.slice(2);
  } else if (path.startsWith('$')) {
    root = input;
    rest = path.slice(1);
  } else {
    throw new Error(`not a reference path: ${JSON.stringify(path)}`);
  }
  const token = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\])/;
  let value = root;
  while (rest.length > 0) {
    const m = token.exec(rest);
    if (!m) throw new Error(`unsupported reference path ${JSON.stringify(path)} at ${JSON.stringify(rest)}`);
    const key = m[1] ?? m[3] ?? m[4] ?? Number(m[2]);
    value = value === null || typeof value !== 'object' ? undefined : (value as Record<string | number, unknown>)[key];
    rest = rest.slice(m[0].length);
  }
  return value;
}
