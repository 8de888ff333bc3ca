import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readJsonFile } from '../../lib/json-file';
import { temporaryFolder } from '../harness/temporary-folder';

describe('readJsonFile', () => {
  const dir = temporaryFolder('json-file-');

  it('returns the parsed content and the text it was parsed from', () => {
    const file = path.join(dir(), 'good.json');
    writeFileSync(file, '{ "a": [1, 2] }\n');
    expect(readJsonFile(file)).toEqual({ data: { a: [1, 2] }, text: '{ "a": [1, 2] }\n' });
  });

  it('names the one problem when the file is not valid JSON', () => {
    const file = path.join(dir(), 'bad.json');
    writeFileSync(file, '{ "a": ');
    expect(readJsonFile(file)).toEqual({ problem: expect.stringMatching(/^not valid JSON: /) });
  });

  it('names the one problem when the file cannot be read', () => {
    expect(readJsonFile(path.join(dir(), 'absent.json'))).toEqual({
      problem: expect.stringMatching(/^cannot read the file: .*ENOENT/),
    });
  });
});
