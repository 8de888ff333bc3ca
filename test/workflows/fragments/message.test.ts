import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { formatted } from '../../../workflows/fragments';
import { renderChain, runChain } from '../../harness/chain';

/** What a Parameters field holding the value renders to in the ASL (`{ 'm.$': 'States.Format(...)' }`). */
const rendered = (value: string) => sfn.FieldUtils.renderObject({ m: value }) ?? {};

const PLAN = '$.plan.value';

describe('formatted', () => {
  it('renders the same States.Format as the hand-built JsonPath.format of stringAt paths', () => {
    // GIVEN a template with its paths in place, and the call it stands for
    const template =
      'Recovery of instance {$.instanceId} ({$.trigger}) could not start: {$.failure.Error}. {$.failure.Cause}';
    const byHand = sfn.JsonPath.format(
      'Recovery of instance {} ({}) could not start: {}. {}',
      sfn.JsonPath.stringAt('$.instanceId'),
      sfn.JsonPath.stringAt('$.trigger'),
      sfn.JsonPath.stringAt('$.failure.Error'),
      sfn.JsonPath.stringAt('$.failure.Cause'),
    );
    // WHEN rendered / THEN both are the same States.Format, paths in order
    expect(rendered(formatted(template))).toEqual(rendered(byHand));
    expect(rendered(formatted(template))).toEqual({
      'm.$':
        "States.Format('Recovery of instance {} ({}) could not start: {}. {}', $.instanceId, $.trigger, " +
        '$.failure.Error, $.failure.Cause)',
    });
  });

  it('takes context paths, paths built from constants, indexes and States.JsonToString of a path', () => {
    // GIVEN each kind of placeholder
    const mine = formatted(
      `GROUP#{${PLAN}.groupId} by {$$.Execution.Name}: {$.list[0].id} of {States.JsonToString($.released)}`,
    );
    const byHand = sfn.JsonPath.format(
      'GROUP#{} by {}: {} of {}',
      sfn.JsonPath.stringAt(`${PLAN}.groupId`),
      sfn.JsonPath.stringAt('$$.Execution.Name'),
      sfn.JsonPath.stringAt('$.list[0].id'),
      sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.released')),
    );
    // THEN the same rendering
    expect(rendered(mine)).toEqual(rendered(byHand));
    expect(rendered(mine)['m.$']).toBe(
      "States.Format('GROUP#{} by {}: {} of {}', $.plan.value.groupId, $$.Execution.Name, $.list[0].id, " +
        'States.JsonToString($.released))',
    );
  });

  it("leaves literal text to CDK's escaping: quotes, backslashes, escaped braces and newlines as today", () => {
    // GIVEN literal text with a quote, a backslash, an escaped brace pair and a newline
    const text = "it's C:\\tmp \\{not a value\\}\nnext line";
    const mine = formatted(`${text} {$.a}`);
    const byHand = sfn.JsonPath.format(`${text} {}`, sfn.JsonPath.stringAt('$.a'));
    // THEN the rendering is CDK's own: the quote and the lone backslash escaped, the escaped braces kept
    expect(rendered(mine)).toEqual(rendered(byHand));
    expect(rendered(mine)['m.$']).toBe("States.Format('it\\'s C:\\\\tmp \\{not a value\\}\nnext line {}', $.a)");
  });

  it('renders, in a state machine run, the values read from the input (the harness has no context object: `$$` is covered above)', async () => {
    // GIVEN a Pass state whose parameter is a formatted template (with literal quote and escaped braces)
    const definition = renderChain(
      (scope) =>
        new sfn.Pass(scope, 'Format', {
          parameters: { text: formatted("it's {$.name} \\{in braces\\}: {$.n}") },
        }),
    );
    // WHEN run
    const run = await runChain(definition, { name: 'group-a', n: 3 }, {});
    // THEN each value stands where its placeholder was
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(run.output).toEqual({ text: "it's group-a {in braces}: 3" });
  });

  describe('refuses, naming the template', () => {
    it.each([
      ['an empty placeholder', 'a {} b {$.x}', 'the placeholder "{}" at 2 is not a JSONPath'],
      ['a name that is not a path', 'hello {name}', 'the placeholder "{name}" at 6 is not a JSONPath'],
      ['a path with spaces', 'hello { $.x }', 'the placeholder "{ $.x }" at 6 is not a JSONPath'],
      ['a wildcard', 'all {$.items[*]}', 'the placeholder "{$.items[*]}" at 4 is not a JSONPath'],
      [
        'States.JsonToString of no path',
        '{States.JsonToString(x)}',
        'the placeholder "{States.JsonToString(x)}" at 0 is not a JSONPath',
      ],
      ['another intrinsic', '{States.UUID()}', 'the placeholder "{States.UUID()}" at 0 is not a JSONPath'],
      ['an unclosed brace', 'hello {$.x', 'the "{" at 6 is never closed'],
      ['a lone closing brace', 'hello } {$.x}', 'the "}" at 6 closes no placeholder'],
      ['a template without a placeholder', 'just text', 'it has no {$.path} placeholder'],
    ])('%s', (_what, template, why) => {
      expect(() => formatted(template)).toThrow(`formatted(${JSON.stringify(template)}): ${why}`);
    });
  });
});
