/**
 * `ha-workflows campaign`: wires the fault catalogue, the base scenarios and the invariants (local/campaign/) to the
 * synthesized app, runs the schedules on worker threads (`--jobs`), and prints progress and the report.
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DrillResult } from '../local/drill';
import { baseFacts, baseScenario } from '../local/campaign/bases';
import { FAULT_KINDS } from '../local/campaign/faults';
import { INVARIANTS } from '../local/campaign/invariants';
import { VARIANTS } from '../local/campaign/mutations';
import { type SelfTestReport, selfTest } from '../local/campaign/self-test';
import { loadScenario } from '../local/scenario/load';
import { type CampaignInputs, type CampaignReport, mergeReports, runCampaign } from '../local/campaign/runner';
import { CAMPAIGN_WORKFLOWS, type CampaignWorkflow } from '../local/campaign/types';
import { synthesize } from './template';

export interface CampaignCliOptions {
  readonly schedules: number;
  readonly seed: number;
  readonly jobs: number;
  readonly outDir?: string;
  readonly maxFaults?: number;
}

/** What `--json` prints (the issue's stable interface), plus `errors` (schedules that could not be drilled). */
export interface CampaignJson {
  readonly workflow: CampaignWorkflow;
  readonly schedules: number;
  readonly seed: number;
  readonly violations: number;
  readonly errors: number;
  /** Up to 5 of those schedules with the error that stopped each (`schedule <seed>: <error>`). */
  readonly errorSamples: readonly string[];
  readonly failures: readonly { seed: number; invariant: string; detail: string; scenario?: string }[];
  readonly coverage: CampaignReport['coverage'];
  readonly wallSeconds: number;
  readonly peakRssMiB: number;
}

/** A usage error the CLI reports with exit code 2. */
export class CampaignUsageError extends Error {
  override readonly name = 'CampaignUsageError';
}

export function checkWorkflow(workflow: string): CampaignWorkflow {
  if (!(CAMPAIGN_WORKFLOWS as readonly string[]).includes(workflow)) {
    throw new CampaignUsageError(`workflow "${workflow}": one of ${CAMPAIGN_WORKFLOWS.join(', ')}`);
  }
  return workflow as CampaignWorkflow;
}

/** The real inputs of a workflow's campaign: its base, the app its base names, the catalogue and the invariants. */
export function campaignInputs(workflow: CampaignWorkflow): CampaignInputs {
  const base = baseScenario(workflow);
  const config = base.scenario.config;
  const site = synthesize(typeof config === 'string' ? path.resolve(path.dirname(base.file), config) : (config ?? {}))[
    base.scenario.site ?? 'primary'
  ];
  if (!site) throw new Error(`campaign ${workflow}: the base's configuration has no ${base.scenario.site} stack`);
  return {
    workflow,
    site,
    base,
    facts: (result: DrillResult) => baseFacts(workflow, result),
    kinds: FAULT_KINDS,
    invariants: INVARIANTS,
  };
}

/** Splits `n` schedules into `jobs` contiguous shares. */
export function shares(n: number, jobs: number): { from: number; to: number }[] {
  const size = Math.ceil(n / jobs);
  return Array.from({ length: jobs }, (_, j) => ({ from: j * size, to: Math.min(n, (j + 1) * size) })).filter(
    (s) => s.from < s.to,
  );
}

/** The worker script next to this module: TypeScript when run from source (tsx), JavaScript once compiled. */
const workerFile = () => path.join(__dirname, `campaign-worker${path.extname(__filename)}`);

/** A worker of a TypeScript source needs tsx's CommonJS loader (tsx's own ESM flags in execArgv do not load a worker's .ts). */
const workerExecArgv = () => (path.extname(__filename) === '.ts' ? ['--require', 'tsx/cjs'] : []);

/** Runs the campaign: in this thread with one job, else on worker threads each running a share. */
export async function runCampaignCli(
  workflow: CampaignWorkflow,
  options: CampaignCliOptions,
  progress?: (done: number, violations: number) => void,
): Promise<CampaignJson> {
  const started = Date.now();
  const jobs = Math.max(1, Math.min(options.jobs, options.schedules));
  let report: CampaignReport;
  if (jobs === 1) {
    report = await runCampaign(campaignInputs(workflow), { ...options, onProgress: progress });
  } else {
    const done = new Array<number>(jobs).fill(0);
    const found = new Array<number>(jobs).fill(0);
    const reports = await Promise.all(
      shares(options.schedules, jobs).map(
        (share, j) =>
          new Promise<CampaignReport>((resolve, reject) => {
            const worker = new Worker(workerFile(), {
              workerData: { workflow, options: { ...options, ...share } },
              execArgv: workerExecArgv(),
            });
            worker.on('message', (m: { progress?: [number, number]; report?: CampaignReport }) => {
              if (m.progress) {
                [done[j], found[j]] = m.progress;
                progress?.(
                  done.reduce((a, b) => a + b, 0),
                  found.reduce((a, b) => a + b, 0),
                );
              }
              if (m.report) resolve(m.report);
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              if (code !== 0) reject(new Error(`campaign worker ${j} exited with code ${code}`));
            });
          }),
      ),
    );
    report = mergeReports(reports);
  }
  return {
    workflow,
    schedules: report.schedules,
    seed: options.seed,
    violations: report.violations,
    errors: report.errors,
    errorSamples: report.errorSamples,
    failures: report.failures.map((f) => ({
      seed: f.seed,
      invariant: f.invariant,
      detail: f.detail,
      scenario: f.scenario,
    })),
    coverage: report.coverage,
    wallSeconds: Math.round((Date.now() - started) / 100) / 10,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** The default number of jobs: the machine's cores, at most 4. */
export const defaultJobs = (): number => Math.max(1, Math.min(4, os.availableParallelism()));

/** The report for people. */
export function formatCampaign(r: CampaignJson): string {
  const lines = [
    `campaign ${r.workflow}: ${r.schedules} schedules (seed ${r.seed}) in ${r.wallSeconds} s, peak RSS ${r.peakRssMiB} MiB`,
    `violations: ${r.violations}${r.errors ? `; schedules that could not be drilled: ${r.errors}` : ''}`,
    ...r.errorSamples.map((e) => `  not drilled: ${e}`),
    `coverage: ${Object.keys(r.coverage.faultKinds).length} fault kinds, ${r.coverage.statesVisited} states, ` +
      `${r.coverage.faultStatePairs} fault × state pairs`,
    ...r.failures.map(
      (f) =>
        `  ${f.invariant} (schedule ${f.seed}): ${f.detail}${f.scenario ? `\n    replay: ha-workflows drill ${f.scenario}` : ''}`,
    ),
  ];
  return lines.join('\n');
}

/** The repository root (dist/ once installed): the self-test's variants name scenario files relative to it. */
const ROOT = path.join(__dirname, '..');

/**
 * The file a self-test variant's scenario path (`test/scenarios/…`) names under `root`: in the repository that path
 * itself; in the installed package, where the example scenarios ship as `examples/scenarios/…` (scripts/compile.ts),
 * the shipped copy. Neither: an error naming both places.
 */
export function variantScenarioFile(scenario: string, root: string = ROOT): string {
  const inRepository = path.resolve(root, scenario);
  if (existsSync(inRepository)) return inRepository;
  const shipped = path.resolve(root, scenario.replace(/^test\//, 'examples/'));
  if (existsSync(shipped)) return shipped;
  throw new Error(`self-test: the scenario ${scenario} is neither at ${inRepository} nor at ${shipped}`);
}

/**
 * `--self-test`: drills every known-bad variant against the app its scenario names (the example configuration, or
 * the snapshot-backup fixture) and reports which invariants fired.
 */
export async function campaignSelfTest(): Promise<SelfTestReport> {
  const site = (workflow: CampaignWorkflow) => {
    const variant = VARIANTS.find((v) => v.workflow === workflow);
    if (!variant) throw new Error(`self-test: no variant of ${workflow}`);
    const file = variantScenarioFile(variant.scenario);
    const scenario = loadScenario(file);
    const config =
      typeof scenario.config === 'string' ? path.resolve(path.dirname(file), scenario.config) : scenario.config;
    const found = synthesize(config)[scenario.site];
    if (!found)
      throw new Error(`self-test: ${variant.scenario} names a ${scenario.site} stack its configuration lacks`);
    return found;
  };
  return selfTest(site, { scenarioFile: (scenario) => variantScenarioFile(scenario) });
}

/** The self-test's report for people. */
export function formatSelfTest(r: SelfTestReport): string {
  return [
    ...r.invariants.map(
      (i) => `${i.fired ? 'fired' : 'SILENT'}  ${i.name}${i.variants.length ? ` (${i.variants.join(', ')})` : ''}`,
    ),
    ...r.variants
      .filter((v) => v.error || !v.cleanOnOriginal)
      .map(
        (v) =>
          `  variant ${v.name}: ${v.error ?? `its scenario already breaks ${v.invariant} on the unmodified workflow`}`,
      ),
    r.allFired ? 'every invariant fired' : 'NOT every invariant fired',
  ].join('\n');
}
