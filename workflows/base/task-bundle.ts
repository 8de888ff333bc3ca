import * as path from 'node:path';

/**
 * How a Lambda task is bundled, in both places that do it: TaskFunction's NodejsFunction when the constructs run
 * from this repository's sources, and scripts/compile.ts, which prebundles every task into the package
 * (`dist/assets/<task>/index.js`) so that an app that installs `ha-workflows` synthesizes with neither Docker nor
 * our lock file. esbuild settings: one CommonJS file for the Node.js 24 runtime, minified, no source map, the AWS SDK
 * v3 left to the runtime (NodejsFunction's default external for Node.js 18 and later).
 */
export const TASK_BUNDLING = {
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourceMap: false,
  externalModules: ['@aws-sdk/*'],
} as const;

/** The bundle's file name in its asset folder, and so the handler's module (`index.handler`). */
export const TASK_BUNDLE_FILE = 'index.js';

/**
 * The prebundled asset folder of `task` next to compiled code: `<package>/dist/assets/<task>` seen from
 * `dist/workflows/base/`. Absent when running from the TypeScript sources (TaskFunction then bundles the source).
 */
export function prebundledTaskDir(task: string, moduleDir: string = __dirname): string {
  return path.join(moduleDir, '..', '..', 'assets', task);
}
