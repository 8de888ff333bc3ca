import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { packageVersion } from '../../lib/package-version';
import { temporaryFolder } from '../harness/temporary-folder';

describe('packageVersion', () => {
  const dir = temporaryFolder('package-version-');

  it("is the repository's version from a source folder (cli/, as `ha-workflows --version` runs from source)", () => {
    const root = path.join(__dirname, '..', '..');
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(packageVersion(path.join(root, 'cli'))).toBe(version);
  });

  it('is the nearest package.json above a compiled folder (dist/cli/ of an installed package)', () => {
    const pkg = path.join(dir(), 'installed');
    mkdirSync(path.join(pkg, 'dist', 'cli'), { recursive: true });
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'ha-workflows', version: '9.8.7' }));
    expect(packageVersion(path.join(pkg, 'dist', 'cli'))).toBe('9.8.7');
  });

  it('names the file when its package.json has no version string or is not JSON', () => {
    const none = path.join(dir(), 'none');
    mkdirSync(none);
    writeFileSync(path.join(none, 'package.json'), '{ "version": 1 }');
    expect(() => packageVersion(none)).toThrow(`${path.join(none, 'package.json')}: has no "version" string`);
    const bad = path.join(dir(), 'bad');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'package.json'), '{ "version": ');
    expect(() => packageVersion(bad)).toThrow(/bad\/package\.json: not valid JSON/);
  });
});
