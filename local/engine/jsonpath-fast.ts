/**
 * A cheaper `JSONPath(...)` call for aws-local-stepfunctions, with the same results.
 *
 * The library evaluates every path as `JSONPath({ path, json, wrap: false })` (a call without `new`). jsonpath-plus
 * answers such a call by constructing itself with `new` and, when the result is a scalar (a string, a number, a
 * missing value), throwing a `NewError` carrying the value, which the outer call catches and returns. Creating that
 * Error captures a stack trace every time: in campaigns it was the single most expensive line of the engine.
 *
 * The replacement export does what that call does without the throw: it constructs with `autostart: false` and calls
 * `evaluate` with the very arguments the constructor would have passed, returning the result whatever its type. Any
 * other form (`new JSONPath(...)`, positional arguments, `autostart: false`) goes to the original unchanged, and the
 * original's statics and prototype stay reachable from the replacement. Idempotent; imported by the engine runner.
 */
import * as path from 'node:path';
import * as jsonPathPlusImport from 'jsonpath-plus';

type JsonPathOptions = { readonly path?: unknown; readonly json?: unknown; readonly autostart?: boolean } & Record<
  string,
  unknown
>;
type JsonPathCtor = ((...args: unknown[]) => unknown) & {
  new (...args: unknown[]): { evaluate(args: Record<string, unknown>): unknown };
  readonly prototype: object;
};

const FAST = Symbol.for('ha-workflows.jsonpath-fast');

type JsonPathModule = { JSONPath: JsonPathCtor & { [FAST]?: true } };

/**
 * The module object itself (its `exports`), which the library reads `JSONPath` from on every call: jsonpath-plus is
 * CommonJS without `__esModule`, so a namespace import is a copy whose `default` is that object.
 */
const jsonPathPlus =
  (jsonPathPlusImport as unknown as { default?: JsonPathModule }).default ??
  (jsonPathPlusImport as unknown as JsonPathModule);

/** True when aws-local-stepfunctions requires this very jsonpath-plus (else the patch would not reach it). */
const sameModule = (): boolean => {
  try {
    const library = path.dirname(require.resolve('aws-local-stepfunctions'));
    return require.resolve('jsonpath-plus', { paths: [library] }) === require.resolve('jsonpath-plus');
  } catch {
    return false;
  }
};

if (!jsonPathPlus.JSONPath[FAST] && sameModule()) {
  const original = jsonPathPlus.JSONPath;
  const fast = function JSONPath(this: unknown, ...args: unknown[]): unknown {
    const opts = args[0] as JsonPathOptions | null | undefined;
    if (new.target !== undefined) return Reflect.construct(original, args, new.target) as unknown;
    if (args.length !== 1 || opts === null || typeof opts !== 'object' || opts.autostart === false) {
      return Reflect.apply(original, this, args);
    }
    // What the constructor does with autostart (jsonpath-plus 10): evaluate({ path, json if given }); a call
    // without `new` then returns that result, object or scalar alike.
    const evaluateArgs: Record<string, unknown> = { path: opts.path };
    if ('json' in opts) evaluateArgs.json = opts.json;
    return new original({ ...opts, autostart: false }).evaluate(evaluateArgs);
  } as unknown as JsonPathCtor & { [FAST]?: true };
  Object.assign(fast, original);
  Object.defineProperty(fast, 'prototype', { value: original.prototype });
  Object.defineProperty(fast, FAST, { value: true });
  jsonPathPlus.JSONPath = fast;
}
