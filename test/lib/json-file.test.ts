import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readJsonFile } from '../../lib/json-file';

describe('readJsonFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'json-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the parsed content and the text it was parsed from', () => {
    const file = path.join(dir, 'good.json');
    writeFileSync(file, '{ "a": [1, 2] }\n');
    expect(readJsonFile(file)).toEqual({ data: { a: [1, 2] }, text: '{ "a": [1, 2] }\n' });
  });

  it('names the one problem when the file is not valid JSON', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{ "a": ');
    expect(readJsonFile(file)).toEqual({ problem: expect.stringMatching(/^not valid JSON: /) });
  });

  it('names the one problem when the file cannot be read', () => {
    expect(readJsonFile(path.join(dir, 'absent.json'))).toEqual({
      problem: expect.stringMatching(/^cannot read the file: .*ENOENT/),
    });
  });
});
