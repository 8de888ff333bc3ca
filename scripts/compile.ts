/**
 * `npm run compile` (and `prepack`): builds what `npm pack` ships in dist/ (README.md, "Use as a library").
 *
 * - JavaScript: every module of the shipped folders transpiled one to one (esbuild, CommonJS, the layout of the
 *   sources), so that the CLI, the engine and the constructs run with plain Node; `npm run build` is the type-check.
 * - Declarations: `tsc -p tsconfig.build.json` emits the `.d.ts` of the package root (index.ts) and what it reaches.
 *   tsup's split, for the same reason: a full tsc emit of every module costs the type-check a second time.
 * - Lambda code: each `tasks/<task>/handler.ts` bundled as TaskFunction bundles it from source (TASK_BUNDLING) into
 *   `dist/assets/<task>/index.js`, which TaskFunction deploys as it is: no Docker, no esbuild, no lock file of ours.
 * - Data the compiled code reads next to itself: the example configuration (the CLI's default `--config`), the
 *   campaign's base scenarios, and the example scenarios (test/scenarios → dist/examples/scenarios, with the
 *   fixture configurations they name), each at the same place relative to the code as in the repository.
 * - `dist/cli/bin.js` starts with `#!/usr/bin/env node` (the source's shebang runs tsx).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { prebundledTaskDir, TASK_BUNDLE_FILE, TASK_BUNDLING } from '../workflows/base/task-bundle';
import { TASK_NAMES } from '../contracts/task-retries';

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
/** The folders whose modules the package runs; everything else (test, bench, scripts) stays out. */
const SHIPPED = ['contracts', 'lib', 'workflows', 'tasks', 'infra', 'cli', 'local'];
/** The CDK app's entry (cdk.json): this repository's deployable app, not part of the library. */
const NOT_SHIPPED = new Set([path.join('infra', 'app.ts')]);
const BIN = path.join(DIST, 'cli', 'bin.js');
/** Node 20 is the least the package supports (package.json `engines`). */
const NODE_TARGET = 'node20';

/** Every `.ts` module under `dir` (relative to ROOT), but declarations. */
function modules(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
    .filter((file) => !NOT_SHIPPED.has(file));
}

function transpile(): void {
  const entryPoints = ['index.ts', ...SHIPPED.flatMap(modules)].map((f) => path.join(ROOT, f));
  buildSync({
    entryPoints,
    outdir: DIST,
    outbase: ROOT,
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    logLevel: 'warning',
  });
}

function declarations(): void {
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
}

function bundleTasks(): string[] {
  // The tasks, as declared once (contracts/task-retries.ts); tasks/shared/ is not one.
  const tasks = [...TASK_NAMES];
  for (const task of tasks) {
    buildSync({
      entryPoints: [path.join(ROOT, 'tasks', task, 'handler.ts')],
      outfile: path.join(prebundledTaskDir(task, path.join(DIST, 'workflows', 'base')), TASK_BUNDLE_FILE),
      bundle: true,
      platform: 'node',
      format: TASK_BUNDLING.format,
      target: TASK_BUNDLING.target,
      minify: TASK_BUNDLING.minify,
      sourcemap: TASK_BUNDLING.sourceMap,
      external: [...TASK_BUNDLING.externalModules],
      logLevel: 'warning',
    });
  }
  return tasks;
}

/** Copies a repository file to the same path under dist/, or to `to` (relative to dist/). */
function ship(file: string, to = file): void {
  mkdirSync(path.dirname(path.join(DIST, to)), { recursive: true });
  cpSync(path.join(ROOT, file), path.join(DIST, to));
}

/** Where a repository file goes in dist/: test/x → examples/x; a shipped folder's file keeps its path. */
function shippedPath(file: string): string | undefined {
  const [top, ...rest] = file.split(path.sep);
  if (top === 'test') return path.join('examples', ...rest);
  return SHIPPED.includes(top) ? file : undefined;
}

/**
 * The example scenarios, and each configuration file one names: `config` is relative to the scenario's file
 * (cli/drill.ts), and test/ → examples/ sits at the same depth under dist/ as test/ under the repository, so the
 * relative paths hold unchanged. A configuration outside the shipped files stops the build.
 */
function shipScenarios(): number {
  const dir = path.join('test', 'scenarios');
  const scenarios = readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(dir, f));
  for (const file of scenarios) {
    ship(file, shippedPath(file));
    const config: unknown = (JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as { config?: unknown }).config;
    if (typeof config !== 'string') continue;
    const configFile = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), config));
    const to = shippedPath(configFile);
    if (!to || !existsSync(path.join(ROOT, configFile))) {
      throw new Error(`${file}: its config ${config} (${configFile}) is not a file the package can ship`);
    }
    if (!existsSync(path.join(DIST, to))) ship(configFile, to);
  }
  return scenarios.length;
}

function main(): void {
  rmSync(DIST, { recursive: true, force: true });
  transpile();
  declarations();
  const tasks = bundleTasks();
  ship(path.join('infra', 'config', 'example.json'));
  const bases = path.join('local', 'campaign', 'bases');
  cpSync(path.join(ROOT, bases), path.join(DIST, bases), { recursive: true });
  const scenarios = shipScenarios();
  const bin = readFileSync(BIN, 'utf8');
  writeFileSync(BIN, `#!/usr/bin/env node\n${bin.replace(/^#!.*\n/, '')}`);
  chmodSync(BIN, 0o755);
  process.stdout.write(`dist/: ${tasks.length} task bundles, ${scenarios} example scenarios\n`);
}

main();
