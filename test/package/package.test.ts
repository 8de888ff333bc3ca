/**
 * The npm package as another CDK app gets it (issue #16, "Installable"): `npm pack` builds it (prepack: npm run
 * compile), `npm ci --offline` installs the tarball into a fresh temporary app, and there plain Node synthesizes the
 * README's "Use as a library" example and runs `npx ha-workflows --version` and `npx ha-workflows drill` on a shipped
 * example scenario.
 *
 * Never the network: npm runs offline, against an unreachable registry, from the cache the repository's `npm ci`
 * filled (app-lockfile.ts); `aws-cdk-lib` and `constructs`, the peer dependencies an app provides, are the
 * repository's own, linked into the app. One pack and one install serve every test (the costly part: a full compile).
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TASK_METADATA_KEY, WORKFLOW_METADATA_KEY } from '../../contracts/metadata';
import { TASK_NAMES } from '../../contracts/task-retries';
import { appLockFile, type LockFile, type PackageJson } from './app-lockfile';

const ROOT = path.join(__dirname, '..', '..');
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const PKG = readJson<PackageJson & { main: string; types: string }>(path.join(ROOT, 'package.json'));
/** The Lambda tasks of the repository: each must ship prebundled. */
/** Every task (contracts/task-retries.ts, checked against the task folders by test/contracts/task-retries.test.ts). */
const TASKS = [...TASK_NAMES].sort();
/** The scenario the test drills, as README.md's install instructions name it. */
const SCENARIO = 'node_modules/ha-workflows/dist/examples/scenarios/instance-recovery.json';
/** A timeout only catches a hang: a full compile and an install take minutes on a loaded machine. */
const SLOW = 15 * 60 * 1000;

/** npm and everything it starts: offline, and any request it would still make goes nowhere. */
const OFFLINE_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  npm_config_offline: 'true',
  npm_config_registry: 'http://127.0.0.1:9/',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

function run(command: string, args: readonly string[], cwd: string, env = OFFLINE_ENV): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function check(what: string, result: SpawnSyncReturns<string>): string {
  if (result.status !== 0) {
    throw new Error(`${what} exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** The ```ts block of README.md's "Use as a library" section. */
function readmeExample(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.indexOf('\n## Use as a library\n');
  if (section < 0) throw new Error('README.md has no "## Use as a library" section');
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(section));
  if (!block) throw new Error('README.md\'s "Use as a library" section has no ```ts block');
  return block[1];
}

let work: string;
let app: string;
let installed: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'ha-workflows-package-'));
  check('npm pack', run('npm', ['pack', '--pack-destination', work], ROOT));
  const tarballs = readdirSync(work).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.join(', ') || 'no tarball'} in ${work}`);

  app = path.join(work, 'app');
  mkdirSync(app);
  const peers = new Set(Object.keys(PKG.peerDependencies ?? {}));
  const { packageJson, lockFile } = appLockFile(
    readJson<LockFile>(path.join(ROOT, 'package-lock.json')),
    PKG,
    `../${tarballs[0]}`,
    peers,
  );
  writeFileSync(path.join(app, 'package.json'), JSON.stringify(packageJson, null, 2));
  writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(lockFile, null, 2));
  const install = run('npm', ['ci', '--offline', '--legacy-peer-deps'], app);
  if (install.status !== 0) {
    const uncached = /ENOTCACHED|only-if-cached/.test(install.stderr);
    throw new Error(
      (uncached
        ? "npm's cache lacks a package the tarball depends on (this test never uses the network): run `npm ci` in " +
          'the repository, which fills the cache, then run the test again.\n'
        : `npm ci --offline exited ${install.status ?? install.signal}:\n`) + install.stderr,
    );
  }
  // The app provides the peer dependencies: the repository's copies, as an app's own install would place them.
  for (const name of peers) {
    const link = path.join(app, 'node_modules', name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules', name), link, 'dir');
  }
  installed = path.join(app, 'node_modules', PKG.name);
}, SLOW);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('ships compiled JavaScript, declarations, the prebundled tasks and the examples, and no sources or tests', () => {
    const files = readdirSync(installed, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(installed, path.join(e.parentPath, e.name)));
    const sources = files.filter((f) => /\.(ts|tsx|mts|cts)$/.test(f) && !/\.d\.(ts|mts|cts)$/.test(f));
    const tests = files.filter((f) => /(^|\/)(test|bench|scripts|\.ci|\.github)(\/|$)|\.test\./.test(f));
    expect({ sources, tests }).toEqual({ sources: [], tests: [] });
    expect(readdirSync(installed).sort()).toEqual(['LICENSE', 'README.md', 'dist', 'docs', 'package.json']);
    // The package root resolves through `exports` to the compiled module and its declarations.
    expect(require.resolve(PKG.name, { paths: [app] })).toBe(path.join(installed, PKG.main));
    const declarations = readFileSync(path.join(installed, PKG.types), 'utf8');
    for (const name of ['HaFoundation', 'InstanceRecoveryWorkflow', 'MirrorFailoverWorkflow', 'DrPromotionWorkflow']) {
      expect(declarations).toContain(name);
    }
    for (const name of ['SnapshotBackupWorkflow', 'LockJanitor', 'SnapshotBackupWorkflowProps', 'DrMirrorSet']) {
      expect(declarations).toContain(name);
    }
    // Each task's bundle, and the bin: plain Node, executable once installed.
    expect(readdirSync(path.join(installed, 'dist', 'assets')).sort()).toEqual(TASKS);
    const bin = path.join(app, 'node_modules', '.bin', 'ha-workflows');
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it("synthesizes README.md's example with plain Node: every workflow, every task's code from its prebundled asset", () => {
    // GIVEN the README's example as the app's entry, compiled to JavaScript as a TypeScript app's build would
    writeFileSync(path.join(app, 'app.ts'), readmeExample());
    const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
    check(
      'esbuild app.ts',
      run(esbuild, ['app.ts', '--format=cjs', '--platform=node', '--target=node20', '--outfile=app.js'], app),
    );
    // WHEN Node runs it as `cdk synth` does (CDK_OUTDIR: the app synthesizes when it ends); no Docker, no esbuild
    const outdir = path.join(app, 'cdk.out');
    check('node app.js', run(process.execPath, ['app.js'], app, { ...OFFLINE_ENV, CDK_OUTDIR: outdir }));
    // THEN each stack holds its workflows' state machines
    type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
    const stacks = ['HaPrimary', 'HaDr'].map((name) => ({
      name,
      resources: Object.values(
        readJson<{ Resources: Record<string, Resource> }>(path.join(outdir, `${name}.template.json`)).Resources,
      ),
      assets: readJson<{ files: Record<string, { source: { path: string; packaging: string } }> }>(
        path.join(outdir, `${name}.assets.json`),
      ).files,
    }));
    const workflows = stacks.map((s) =>
      s.resources
        .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')
        .map((r) => r.Metadata?.[WORKFLOW_METADATA_KEY])
        .sort(),
    );
    expect(workflows).toEqual([
      [
        'instance-recovery',
        'lock-janitor',
        'mirror-failover',
        'snapshot-backup',
        'snapshot-backup-instance',
        'snapshot-backup-rescue',
      ],
      ['dr-promotion', 'dr-promotion-release'],
    ]);
    // AND each task function deploys, byte for byte, the bundle the package ships for its task
    const deployed = new Set<string>();
    for (const { resources, assets } of stacks) {
      for (const fn of resources.filter((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[TASK_METADATA_KEY])) {
        const task = String(fn.Metadata?.[TASK_METADATA_KEY]);
        const p = fn.Properties;
        expect({ task, handler: p.Handler, runtime: p.Runtime, architectures: p.Architectures }).toEqual({
          task,
          handler: 'index.handler',
          runtime: 'nodejs24.x',
          architectures: ['arm64'],
        });
        const key = String((p.Code as { S3Key: unknown }).S3Key);
        const asset = assets[key.replace(/\.zip$/, '')];
        expect(asset.source.packaging).toBe('zip');
        const staged = path.join(outdir, asset.source.path);
        expect(readdirSync(staged)).toEqual(['index.js']);
        expect(readFileSync(path.join(staged, 'index.js'))).toEqual(
          readFileSync(path.join(installed, 'dist', 'assets', task, 'index.js')),
        );
        deployed.add(task);
      }
    }
    expect([...deployed].sort()).toEqual(TASKS);
  });

  it('npx ha-workflows --version prints the package version; the default --config is the shipped example', () => {
    expect(check('npx ha-workflows --version', run('npx', ['ha-workflows', '--version'], app)).trim()).toBe(
      PKG.version,
    );
    const help = check('npx ha-workflows graph --help', run('npx', ['ha-workflows', 'graph', '--help'], app));
    const config = path.join('node_modules', PKG.name, 'dist', 'infra', 'config', 'example.json');
    expect(help.replace(/\s+/g, ' ')).toContain(`(default: "${config}")`);
    expect(readJson(path.join(app, config))).toEqual(readJson(path.join(ROOT, 'infra', 'config', 'example.json')));
  });

  it('npx ha-workflows drill runs an example scenario the package ships, with its example configuration', () => {
    const out = check(`npx ha-workflows drill ${SCENARIO}`, run('npx', ['ha-workflows', 'drill', SCENARIO], app));
    expect(out).toContain('RESULT: ok');
  });
});
