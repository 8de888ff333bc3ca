import { z } from 'zod';
import { describeIssues, jsonPath } from '../../lib/issues';

describe('describeIssues', () => {
  const schema = z.strictObject({
    name: z.string().min(1),
    tags: z.record(z.string().min(1, 'must not be empty'), z.string()),
    list: z.array(z.number()),
  });
  const problems = (data: unknown) => {
    const r = schema.safeParse(data);
    return r.success ? [] : describeIssues(data, r.error.issues);
  };

  it('names the JSON path, the value found and what is allowed', () => {
    expect(problems({ name: '', tags: {}, list: [1, 'two'] })).toEqual([
      '$.name: got ""; Too small: expected string to have >=1 characters',
      '$.list[1]: got "two"; Invalid input: expected number, received string',
    ]);
  });

  it('reports a missing field as missing and an unknown field by its path', () => {
    expect(problems({ tags: {}, list: [], extra: 1 })).toEqual([
      '$.name: missing; Invalid input: expected string, received undefined',
      '$.extra: unknown field (check the spelling)',
    ]);
  });

  it('shows a wrong record key as the key, not the value under it', () => {
    expect(problems({ name: 'x', tags: { '': 'value' }, list: [] })).toEqual([
      '$.tags: key "" is not allowed; must not be empty',
    ]);
  });

  it('quotes keys that are not identifiers', () => {
    expect(jsonPath(['tags', 'ha-workflows:site', 0])).toBe('$.tags["ha-workflows:site"][0]');
  });
});
