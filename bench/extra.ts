/**
 * The parts of `npm run bench` that are not per-workflow drills: baselines, the 1,000-group scale run,
 * Lambda bundle sizes and cold loads, and `cdk synth` wall time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Baseline, baselines, DLM_LIMITS, instanceRecoveryFromFailure } from './baselines';
import { type LambdaFigures, lambdaFigures } from './lambdas';
import { type ScaleFigures, scaleRun } from './scale';

export interface ExtraFigures {
  readonly baselines: Baseline[];
  readonly scale: ScaleFigures;
  readonly lambdas: LambdaFigures[];
  readonly nodeStartMs: number;
  readonly synthSeconds: number;
}

/** `cdk synth` of the example configuration, with bundling, as `npm run synth` does. */
function synthSeconds(root: string): number {
  const out = mkdtempSync(path.join(tmpdir(), 'ha-synth-'));
  const t0 = performance.now();
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
      'synth',
      '-c',
      'config=infra/config/example.json',
      '--quiet',
      '-o',
      out,
    ],
    { cwd: root, stdio: 'ignore' },
  );
  const s = (performance.now() - t0) / 1000;
  rmSync(out, { recursive: true, force: true });
  return Math.round(s * 10) / 10;
}

function nodeStartMs(runs = 7): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
    times.push(performance.now() - t0);
  }
  return Math.round([...times].sort((a, b) => a - b)[Math.floor(runs / 2)]);
}

export async function extraFigures(root: string, recoveryEventToHealthy: number): Promise<ExtraFigures> {
  return {
    baselines: [instanceRecoveryFromFailure(recoveryEventToHealthy), ...baselines()],
    scale: await scaleRun(root, 1000),
    lambdas: lambdaFigures(root),
    nodeStartMs: nodeStartMs(),
    synthSeconds: synthSeconds(root),
  };
}

export function extraMarkdown(x: ExtraFigures): string {
  return [
    '## Instead of instance-recovery',
    '',
    'Failure → replacement healthy, modeled with the same latencies ([bench/baselines.ts](bench/baselines.ts)).',
    '',
    '| option | failure → healthy (s) | how | covers |',
    '|---|---|---|---|',
    ...x.baselines.map(
      (b) =>
        `| ${b.name} | ${b.failureToHealthySeconds === undefined ? 'not covered' : b.failureToHealthySeconds.toFixed(1)} | ${b.composition} | ${b.covers} |`,
    ),
    '',
    '## Instead of snapshot-backup: Data Lifecycle Manager with pre/post scripts',
    '',
    `- Script timeout at most ${DLM_LIMITS.scriptTimeoutSecondsMax} s; schedules no more often than every ${DLM_LIMITS.minimumScheduleIntervalHours} h;`,
    `  on a failed freeze the default is to ${DLM_LIMITS.onFreezeFailureDefault}. Source: ${DLM_LIMITS.source}.`,
    '',
    '## Scale: 1,000 groups fail at once',
    '',
    `${x.scale.groups} protected groups (no target groups) fail together and recover through the engine in one process:`,
    `**${x.scale.wallSeconds} s** wall time, peak RSS **${x.scale.peakRssMiB} MiB** (including the in-process synth),`,
    `${x.scale.succeeded} executions succeeded, **${x.scale.replacements} replacements**, ${x.scale.groupsRecoveredTwice} groups recovered twice;`,
    `every execution keeps its own modeled clock, so they overlap: ${x.scale.modeledSeconds} modeled s in all.`,
    '',
    '## Lambda tasks',
    '',
    `Bundled as deployed (esbuild, minified, Node 24, CJS, AWS SDK v3 external); cold load = a fresh Node process requiring the bundle, median of 7 (a bare \`node -e ""\` takes ${x.nodeStartMs} ms here).`,
    '',
    '| task | bundle KiB | cold load ms |',
    '|---|---|---|',
    ...x.lambdas.map((l) => `| ${l.task} | ${l.bundleKiB} | ${l.coldLoadMs} |`),
    '',
    '## Synth',
    '',
    `\`cdk synth\` of the example configuration with bundling: **${x.synthSeconds} s** wall time.`,
    '',
  ].join('\n');
}
