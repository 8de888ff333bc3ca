/** Bundled size and cold-load time of each Lambda task, bundled as deployed (esbuild, minified, Node 24, CJS). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildSync } from 'esbuild';
import { TASK_NAMES } from '../contracts/task-retries';

export interface LambdaFigures {
  readonly task: string;
  readonly bundleKiB: number;
  readonly coldLoadMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The same settings as workflows/base/task-function.ts (the SDK v3 is provided by the runtime). */
export function bundle(entry: string, outfile: string): void {
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    logLevel: 'silent',
  });
}

export function lambdaFigures(root: string, runs = 7): LambdaFigures[] {
  const tasksDir = path.join(root, 'tasks');
  const out = mkdtempSync(path.join(tmpdir(), 'ha-bundles-'));
  // The tasks, as declared once (contracts/task-retries.ts); tasks/shared/ is not one.
  return [...TASK_NAMES].sort().map((task) => {
    const file = path.join(out, `${task}.js`);
    bundle(path.join(tasksDir, task, 'handler.ts'), file);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      // A fresh Node process requiring the bundle, as a cold Lambda init does (SDK from node_modules).
      execFileSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], {
        cwd: root,
        env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') },
        stdio: 'ignore',
      });
      times.push(performance.now() - t0);
    }
    return { task, bundleKiB: Math.round(statSync(file).size / 102.4) / 10, coldLoadMs: Math.round(median(times)) };
  });
}
