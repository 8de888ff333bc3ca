import { formatFinding } from './findings';
import { checkIntrinsics, intrinsicProblems, parseIntrinsic } from './intrinsics';

/** Problems of one intrinsic: the syntax error, or what intrinsicProblems finds. */
function problems(text: string): string[] {
  try {
    return intrinsicProblems(parseIntrinsic(text));
  } catch (e) {
    return [(e as Error).message];
  }
}

describe('parseIntrinsic', () => {
  it('parses nested calls, JSONPaths, numbers, booleans, null and quoted strings', () => {
    expect(
      parseIntrinsic("States.Format('{} of {}', States.ArrayGetItem($.list[0].ids, 2), $$.Execution.Name) "),
    ).toEqual({
      kind: 'call',
      name: 'States.Format',
      args: [
        { kind: 'string', raw: "'{} of {}'", value: '{} of {}', placeholders: 2 },
        {
          kind: 'call',
          name: 'States.ArrayGetItem',
          args: [
            { kind: 'path', path: '$.list[0].ids' },
            { kind: 'number', value: 2 },
          ],
        },
        { kind: 'path', path: '$$.Execution.Name' },
      ],
    });
    expect(parseIntrinsic('States.JsonMerge($.a, $.b, false)')).toMatchObject({
      args: [{ kind: 'path' }, { kind: 'path' }, { kind: 'boolean', value: false }],
    });
    expect(parseIntrinsic('States.MathAdd($.n, -1.5)')).toMatchObject({ args: [{}, { kind: 'number', value: -1.5 }] });
    expect(parseIntrinsic('States.Array(null)')).toMatchObject({ args: [{ kind: 'null' }] });
    expect(parseIntrinsic('States.UUID()')).toEqual({ kind: 'call', name: 'States.UUID', args: [] });
    expect(parseIntrinsic("States.Array($['a b'], $.x)")).toMatchObject({
      args: [
        { kind: 'path', path: "$['a b']" },
        { kind: 'path', path: '$.x' },
      ],
    });
  });

  it('resolves the four escapes in string literals', () => {
    expect(parseIntrinsic("States.Format('it\\'s \\{\\} \\\\ {}', $.x)")).toMatchObject({
      args: [{ kind: 'string', value: "it's {} \\ {}", placeholders: 1 }, { kind: 'path' }],
    });
  });

  it.each([
    ["States.Format('unterminated, $.x)", 'unterminated string literal'],
    ["States.Format('it's', $.x)", 'expected "," or ")"'],
    ['States.Format(\'[{"Id": "{}"}]\', $.x)', 'unescaped "{" in a string literal'],
    ["States.Format('a } b')", 'unescaped "}" in a string literal'],
    ["States.Format('tab \\t')", '"\\" followed by "t" in a string literal'],
    ["States.Format('end \\", '"\\" followed by nothing'],
    ['States.Array($.a', 'expected "," or ")"'],
    ['States.Array($.a))', 'unexpected text after the closing parenthesis'],
    ['States.Array($.a,)', 'expected an argument'],
    ['States.Concat($.a)', 'unknown intrinsic function States.Concat'],
    ['States.Array(foo)', 'expected an argument'],
    ['States.Array($$)', 'malformed JSONPath'],
    ['States.Array', 'expected "(" after States.Array'],
  ])('rejects %s', (text, message) => {
    expect(problems(text)).toEqual([expect.stringContaining(message)]);
  });

  it('rejects more than 10 nested calls', () => {
    const nested = (n: number): string => (n === 0 ? '$.x' : `States.Array(${nested(n - 1)})`);
    expect(problems(nested(10))).toEqual([]);
    expect(problems(nested(11))).toEqual([expect.stringContaining('more than 10 nested intrinsic functions')]);
  });
});

describe('intrinsicProblems', () => {
  it.each([
    "States.Format('GROUP#{}', $.groupId)",
    'States.Format(\'Targets=[\\{"Id": "{}"\\}]\', $.id)',
    "States.Format('no placeholders')",
    'States.Format($.template, $.a, $.b)',
    "States.StringSplit($.csv, ',')",
    "States.Format('{} {}', States.Format('{}', $.a), $.b)",
  ])('accepts %s', (text) => {
    expect(problems(text)).toEqual([]);
  });

  it("rejects a States.Format whose placeholders and arguments don't match", () => {
    expect(problems("States.Format('{} and {}', $.a)")).toEqual([
      "States.Format's template '{} and {}' has 2 {} placeholder(s) but 1 argument(s) follow it; they must be equal",
    ]);
    expect(problems("States.Format('{}', $.a, $.b)")).toEqual([expect.stringContaining('1 {} placeholder(s) but 2')]);
    expect(problems('States.Format()')).toEqual(['States.Format needs at least one argument, the template']);
  });

  it("rejects {} outside States.Format's template", () => {
    expect(problems("States.StringSplit($.a, '{}')")).toEqual([
      expect.stringContaining("the string literal '{}' holds an unescaped {}"),
    ]);
    expect(problems("States.Format('{}', '{}')")).toEqual([expect.stringContaining("the string literal '{}'")]);
  });
});

describe('checkIntrinsics', () => {
  const machine = (states: Record<string, unknown>) => ({ StartAt: Object.keys(states)[0], States: states });

  it('finds the dr-promotion practice bug: an unescaped { in a Pass state’s States.Format', () => {
    // GIVEN the Pass state the practice path used before the fix
    const definition = machine({
      'Describe what a promotion would do': {
        Type: 'Pass',
        Parameters: {
          'switchTraffic.$':
            'States.Format(\'RegisterTargets TargetGroupArn=<each of {}> Targets=[{"Id": "{}"}]\', States.JsonToString($.tgs), $.id)',
        },
        End: true,
      },
    });
    // WHEN checked THEN the literal brace is reported, with the state and the field
    expect(checkIntrinsics(definition, { name: 'DrPromotion' }).map(formatFinding)).toEqual([
      expect.stringMatching(
        /^DrPromotion: Pass "Describe what a promotion would do": \[intrinsic-syntax\] Parameters\.switchTraffic\.\$: unescaped "\{" in a string literal/,
      ),
    ]);
  });

  it('checks Parameters, ResultSelector, ItemSelector and Assign at any depth, inside Maps too', () => {
    const bad = "States.Format('{}')";
    const definition = machine({
      Task: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:ec2:describeInstances',
        Parameters: { Filters: [{ 'Values.$': bad }] },
        ResultSelector: { 'a.$': bad },
        Assign: { 'b.$': bad },
        Next: 'Each',
      },
      Each: {
        Type: 'Map',
        ItemSelector: { 'c.$': bad },
        ItemProcessor: {
          StartAt: 'Inner',
          States: { Inner: { Type: 'Pass', Parameters: { nested: { 'd.$': bad } }, End: true } },
        },
        End: true,
      },
    });
    expect(checkIntrinsics(definition, { name: 'M' }).map((f) => `${f.path}: ${f.message.split(':')[0]}`)).toEqual([
      'Task "Task": Parameters.Filters[0].Values.$',
      'Task "Task": ResultSelector.a.$',
      'Task "Task": Assign.b.$',
      'Map "Each": ItemSelector.c.$',
      'Map "Each" > Pass "Inner": Parameters.nested.d.$',
    ]);
  });

  it('leaves plain JSONPaths, keys without .$ and Pass Result (never evaluated) alone', () => {
    const definition = machine({
      P: {
        Type: 'Pass',
        Parameters: { 'a.$': '$.x', b: "States.Format('{')" },
        Result: { 'c.$': "States.Format('{')" },
        End: true,
      },
    });
    expect(checkIntrinsics(definition, { name: 'M' })).toEqual([]);
  });
});
