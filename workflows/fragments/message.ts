import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/**
 * One JSONPath as a placeholder may name it: `$.a.b`, `$.a[0]`, `$$.Execution.Name` (the context object). Narrower
 * than what CDK's `stringAt` takes on purpose: no filters, wildcards, spaces, quotes or braces, so that the end of a
 * placeholder is never in doubt.
 */
const PLACEHOLDER_PATH = /^\$\$?(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])+$/;

/** `{States.JsonToString($.x)}`: the JSON text of the value at a path (an object, a list, a number). */
const JSON_TO_STRING = /^States\.JsonToString\((.*)\)$/;

/**
 * `States.Format` from a template whose values stand where they go, each a JSONPath between braces:
 * `formatted('Recovery of instance {$.instanceId} ({$.trigger}) could not start: {$.failure.Error}.')`, with paths
 * built in place as template literals (`{${PLAN}.groupId}`), the context object as `{$$.Execution.Name}`, and a
 * value that is not a string as its JSON text, `{States.JsonToString($.released)}`. Gives
 * exactly `sfn.JsonPath.format('Recovery of instance {} ({}) could not start: {}.', sfn.JsonPath.stringAt(…), …)`
 * (`sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt(…))` for the JSON text):
 * the text between placeholders goes to CDK unchanged, so CDK quotes and escapes it as it always does (`'` and a
 * backslash not before a brace are escaped; `\{` and `\}` stay a literal brace in the rendered States.Format).
 *
 * Throws, naming the template, on a placeholder that is not a JSONPath (`{}`, `{name}`, `{ $.x }`), on a brace with
 * no partner, and on a template with no placeholder at all (a plain text needs no States.Format).
 */
export function formatted(template: string): string {
  let literal = '';
  const values: string[] = [];
  const refuse = (why: string): never => {
    throw new Error(`formatted(${JSON.stringify(template)}): ${why}`);
  };
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '\\' && (template[i + 1] === '{' || template[i + 1] === '}')) {
      // An escaped brace is literal text: kept as it is, for States.Format to read as a brace.
      literal += c + template[i + 1];
      i++;
    } else if (c === '{') {
      const end = template.indexOf('}', i + 1);
      if (end < 0) refuse(`the "{" at ${i} is never closed (write "\\\\{" for a literal brace)`);
      const placeholder = template.slice(i + 1, end);
      const json = JSON_TO_STRING.exec(placeholder);
      const path = json ? json[1] : placeholder;
      if (!PLACEHOLDER_PATH.test(path)) {
        refuse(
          `the placeholder "{${placeholder}}" at ${i} is not a JSONPath such as {$.x.y} or {$$.Execution.Name}, ` +
            'nor States.JsonToString of one',
        );
      }
      values.push(json ? sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt(path)) : sfn.JsonPath.stringAt(path));
      literal += '{}';
      i = end;
    } else if (c === '}') {
      refuse(`the "}" at ${i} closes no placeholder (write "\\\\}" for a literal brace)`);
    } else {
      literal += c;
    }
  }
  if (values.length === 0) refuse('it has no {$.path} placeholder: give the text itself, not a States.Format');
  return sfn.JsonPath.format(literal, ...values);
}
