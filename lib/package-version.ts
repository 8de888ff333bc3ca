import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { readJsonFile } from './json-file';

/**
 * The `version` of the package whose code is in `dir`: from the nearest package.json at or above it, which is the
 * repository's when running from source (`cli/`) and the installed package's when running compiled (`dist/cli/`).
 */
export function packageVersion(dir: string): string {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const file = path.join(at, 'package.json');
    if (existsSync(file)) {
      const read = readJsonFile(file);
      const version = 'data' in read ? (read.data as { version?: unknown }).version : undefined;
      if (typeof version !== 'string') {
        throw new Error(`${file}: ${'problem' in read ? read.problem : 'has no "version" string'}`);
      }
      return version;
    }
    if (path.dirname(at) === at) throw new Error(`no package.json at or above ${dir}`);
  }
}
