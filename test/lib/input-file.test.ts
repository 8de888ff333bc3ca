import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { InputFileError, loadJson, parseValid } from '../../lib/input-file';
import { temporaryFolder } from '../harness/temporary-folder';

const schema = z.object({ name: z.string().min(1), size: z.number().int().default(1) }).strict();
const fail = (file: string) => (problems: readonly string[]) => new InputFileError('example', file, problems);

describe('parseValid', () => {
  it('returns the data as the schema outputs it (defaults applied)', () => {
    expect(parseValid(schema, { name: 'a' }, fail('<inline>'))).toEqual({ name: 'a', size: 1 });
  });

  it("throws the caller's error with every problem, each with its JSON path, in the project's words", () => {
    // GIVEN data with two problems / WHEN it is parsed / THEN one error names both
    let error: unknown;
    try {
      parseValid(schema, { name: '', size: 1.5 }, fail('x.json'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputFileError);
    const { problems, message } = error as InputFileError;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^\$\.name: /);
    expect(problems[1]).toMatch(/^\$\.size: got 1\.5/);
    expect(message).toMatch(/^Invalid example x\.json:\n {2}- \$\.name/);
  });
});

describe('loadJson', () => {
  const dir = temporaryFolder('input-file-');

  it('returns the validated data and the text it was read from', () => {
    const file = path.join(dir(), 'good.json');
    writeFileSync(file, '{ "name": "a" }\n');
    expect(loadJson(file, schema, fail(file))).toEqual({ data: { name: 'a', size: 1 }, text: '{ "name": "a" }\n' });
  });

  it("throws the caller's error naming the one problem when the file is not JSON", () => {
    const file = path.join(dir(), 'bad.json');
    writeFileSync(file, '{ "name": ');
    expect(() => loadJson(file, schema, fail(file))).toThrow(/- not valid JSON: /);
  });
});
