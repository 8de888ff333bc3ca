import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * A folder of its own for the calling describe block, under the system's temporary folder: made before the block's
 * tests, removed after them. Returns its path's getter (the path exists once the block's tests run).
 */
export function temporaryFolder(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!dir) throw new Error('temporaryFolder: read its path inside a test of the block');
    return dir;
  };
}
