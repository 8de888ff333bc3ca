/**
 * `npm run bench`: modeled figures of each workflow under the default latency model and the engine's own
 * speed, measured in one run. Writes bench/results.json and BENCHMARKS.md (regenerated, never hand-edited).
 */
import '../local/polyfills';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { drillFile } from '../cli/drill';
import type { DrillResult } from '../local/drill';
import { DEFAULT_LATENCY, type LatencyKey } from '../local/latency';
import { TARGET_GROUP_DEFAULTS } from '../local/region/elbv2';
import { MIRROR_HEALTH_CHECK } from '../workflows/mirror-failover/mirror-failover-workflow';
import { loadScenario } from '../local/scenario/load';
import { extraFigures, extraMarkdown } from './extra';
import { campaignFigures, campaignMarkdown } from './campaigns';

const ROOT = path.join(__dirname, '..');
/** Standard workflows: USD 0.025 per 1,000 state transitions (aws.amazon.com/step-functions/pricing, us-east-1). */
const USD_PER_TRANSITION = 0.025 / 1000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface WorkflowFigures {
  workflow: string;
  scenario: string;
  measure: string;
  modeledSeconds: number;
  floorSeconds: number;
  floorParts: Record<string, number>;
  overheadSeconds: number;
  transitions: number;
  costUsdPerExecution: number;
  lambdaInvocations: number;
  apiCalls: number;
  drillsPerSecond: number;
  wallMsPerDrill: number;
}

/** Drills a scenario that must succeed. */
async function drillOk(file: string): Promise<DrillResult> {
  const result = await drillFile(file);
  if (!result.ok) throw new Error(`${file} did not succeed: ${result.error} ${result.cause}`);
  return result;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** What a row measures of its drill: the modeled time and its floor, and any count that is not the whole drill's. */
type Measured = Pick<WorkflowFigures, 'modeledSeconds' | 'floorParts'> &
  Partial<Pick<WorkflowFigures, 'transitions' | 'lambdaInvocations' | 'apiCalls'>>;

/** One workflow's row: the scenario it drills, what it measures, and how that is read from the drill. */
interface BenchRow {
  readonly workflow: string;
  /** The scenario file, below test/scenarios. */
  readonly scenario: string;
  readonly measure: string;
  /** The measured figures of the scenario's drill (which succeeded). */
  readonly measured: (file: string, result: DrillResult) => Measured;
}

/** A workflow's row: its modeled time against the sum of its floor, costs from the drill, and drill speed. */
async function workflowFigures(row: BenchRow): Promise<WorkflowFigures> {
  const file = path.join(ROOT, 'test', 'scenarios', row.scenario);
  const result = await drillOk(file);
  const f = row.measured(file, result);
  const floor = round3(Object.values(f.floorParts).reduce((a, b) => a + b, 0));
  const transitions = f.transitions ?? result.transitions;
  return {
    workflow: row.workflow,
    scenario: result.scenario,
    measure: row.measure,
    modeledSeconds: round3(f.modeledSeconds),
    floorSeconds: floor,
    floorParts: f.floorParts,
    overheadSeconds: round3(f.modeledSeconds - floor),
    transitions,
    costUsdPerExecution: transitions * USD_PER_TRANSITION,
    lambdaInvocations: f.lambdaInvocations ?? result.lambdaInvocations,
    apiCalls: f.apiCalls ?? result.apiCalls,
    ...(await drillSpeed(file)),
  };
}

/** The modeled second the drill first reached `state` (the drill's end if it never did). */
function reachedAt(result: DrillResult, state: string): number {
  return result.timeline.find((e) => e.state === state)?.at ?? result.modeledSeconds;
}

/**
 * snapshot-backup, one IRIS instance with three volumes: the freeze window — from the freeze command's end on the
 * instance (writes suspended) to the thaw command's end (writes resumed) — next to its floor, and the per-instance cost
 * (the child execution; the run adds one Map iteration).
 */
function freezeWindow(file: string, result: DrillResult): Measured {
  const commands = (
    result.environment as { ssm: { commands: { documentName: string; invocations: { endedAt: number }[] }[] } }
  ).ssm.commands;
  const ended = (kind: string) =>
    commands.find((c) => c.documentName.endsWith(`-${kind}`))?.invocations[0].endedAt ?? NaN;
  const freezeEnd = ended('freeze');
  const thawEnd = ended('thaw');
  // The read that saw the freeze succeed: the last GetCommandInvocation before CreateSnapshots.
  const createAt = result.calls.findIndex((c) => c.action === 'CreateSnapshots' && !c.error);
  const confirm = result.calls
    .slice(0, createAt)
    .filter((c) => c.action === 'GetCommandInvocation')
    .at(-1);
  if (!confirm) throw new Error(`${file}: no freeze confirmation before CreateSnapshots`);
  const floorParts = {
    'freeze confirmation (freeze end → the 1-s poll that sees it returns; measured)': round3(
      confirm.at + confirm.latency - freezeEnd,
    ),
    'sfn.sdkTaskOverhead + ebs.CreateSnapshots':
      DEFAULT_LATENCY['sfn.sdkTaskOverhead'] + DEFAULT_LATENCY['ebs.CreateSnapshots'],
    'thaw dispatch: sfn.sdkTaskOverhead + ssm.commandRun':
      DEFAULT_LATENCY['sfn.sdkTaskOverhead'] + DEFAULT_LATENCY['ssm.commandRun'],
  };
  const window = round3(thawEnd - freezeEnd);
  // One instance: every timeline entry of a non-triggered execution is the child's.
  const child = result.timeline.filter((e) => e.execution === result.executions.length);
  const transitions = child.filter(
    (e) => (e.kind === 'state' && e.detail.startsWith('entered')) || e.kind === 'retry',
  ).length;
  return {
    modeledSeconds: window,
    floorParts,
    transitions,
    lambdaInvocations: child.filter((e) => e.kind === 'lambda').length,
    apiCalls: result.calls.filter((c) => c.service !== 'sfn').length,
  };
}

/**
 * dr-promotion: approval → the DR member is primary and registered. The floor is what no promotion can skip once
 * approved: the old site's graceful stop (fence confirmed), the promotion command itself (20 s in the scenario's
 * script), and one RegisterTargets call.
 */
function promotionAfterApproval(file: string, result: DrillResult): Measured {
  const settled = result.timeline.find((e) => e.kind === 'approval' && e.detail === 'task token settled');
  if (!settled) throw new Error(`${file}: no approval`);
  const promote = loadScenario(file).environment.ssm?.scripts.find((x) => x.match.document?.endsWith('-promote'));
  const floorParts = {
    'ec2.stoppingToStopped': DEFAULT_LATENCY['ec2.stoppingToStopped'],
    'promotion command (scenario script)': promote?.durationSeconds ?? DEFAULT_LATENCY['ssm.commandRun'],
    'elb.api': DEFAULT_LATENCY['elb.api'],
  };
  const serving = result.modeledSeconds - settled.at;
  return { modeledSeconds: Math.round(serving * 1000) / 1000, floorParts };
}

/** The rows, in the order of the table. */
const ROWS: readonly BenchRow[] = [
  {
    workflow: 'instance-recovery',
    scenario: 'instance-recovery.json',
    measure: 'event → replacement healthy',
    // Event → replacement healthy: the part no workflow can avoid is launching, booting until the
    // application answers, and the load balancer's first passing health check.
    measured: (_file, result) => ({
      modeledSeconds: reachedAt(result, 'Replacement is healthy'),
      floorParts: {
        'ec2.RunInstances': DEFAULT_LATENCY['ec2.RunInstances'],
        'ec2.pendingToRunning': DEFAULT_LATENCY['ec2.pendingToRunning'],
        'ec2.runningToSsmOnline': DEFAULT_LATENCY['ec2.runningToSsmOnline'],
        // The scenario's ALB target group keeps AWS's default check; a newly registered ALB target is healthy at its
        // first passing check (ALB user guide), which comes one interval after registration in the engine.
        'elb first passing check (interval)': TARGET_GROUP_DEFAULTS.intervalSeconds,
      },
    }),
  },
  {
    workflow: 'mirror-failover',
    scenario: 'mirror-failover.json',
    measure: 'event → new primary is the only healthy target',
    // Event → the new primary is the only healthy target (the old one is draining): the part no workflow can avoid
    // is reading the status pages, one registration call, and the load balancer's first passing health checks
    // (the NLB's registration, then the configured check, 2 × 5 s, from the scenario's target group).
    measured: (file, result) => {
      const latency = loadScenario(file).latency;
      const of = (key: LatencyKey) => latency[key] ?? DEFAULT_LATENCY[key];
      return {
        modeledSeconds: reachedAt(result, 'Primary is healthy'),
        floorParts: {
          'http.probe': of('http.probe'),
          'elb.api': of('elb.api'),
          'elb.nlbRegistration': of('elb.nlbRegistration'),
          'elb healthy (2 × 5 s)': MIRROR_HEALTH_CHECK.healthyThresholdCount * MIRROR_HEALTH_CHECK.intervalSeconds,
        },
      };
    },
  },
  {
    workflow: 'dr-promotion',
    scenario: 'dr-promotion.json',
    measure: 'approval → DR member primary and registered',
    measured: promotionAfterApproval,
  },
  {
    workflow: 'snapshot-backup',
    scenario: path.join('snapshot-backup', 'happy-path.json'),
    measure: 'freeze window (freeze done → thaw done), per instance',
    measured: freezeWindow,
  },
];

/** Wall time of drills after warm-up: median of 5 rounds of 20 drills. */
async function drillSpeed(file: string): Promise<{ drillsPerSecond: number; wallMsPerDrill: number }> {
  for (let i = 0; i < 5; i++) await drillFile(file, i);
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await drillFile(file, 100 + i);
    rounds.push((performance.now() - t0) / 20);
  }
  const ms = median(rounds);
  return { wallMsPerDrill: Math.round(ms * 100) / 100, drillsPerSecond: Math.round(1000 / ms) };
}

function markdown(figures: WorkflowFigures[], meta: Record<string, string>): string {
  const rows = figures.map(
    (f) =>
      `| ${f.workflow} | ${f.measure} | ${f.modeledSeconds.toFixed(1)} | ${f.floorSeconds.toFixed(1)} | ` +
      `${f.overheadSeconds.toFixed(1)} | ${f.transitions} | $${(f.costUsdPerExecution * 1000).toFixed(3)} | ` +
      `${f.lambdaInvocations} | ${f.apiCalls} | ${f.wallMsPerDrill} | ${f.drillsPerSecond} |`,
  );
  const floors = figures.map(
    (f) =>
      `- **${f.workflow}** floor = ${Object.entries(f.floorParts)
        .map(([k, v]) => `\`${k}\` ${v} s`)
        .join(' + ')}.`,
  );
  return [
    '# Benchmarks',
    '',
    '<!-- generated by `npm run bench` (bench/run.ts); do not edit by hand -->',
    '',
    `Measured ${meta.date} on ${meta.machine}, Node ${meta.node}. Modeled times use the default latency model`,
    '([docs/latency-model.md](docs/latency-model.md)); wall times are this machine, median of 5 rounds of 20 drills after 5 warm-up drills.',
    '',
    '| workflow | measure | modeled s | floor s | overhead s | transitions | cost per 1,000 runs | Lambda invocations | API calls | wall ms per drill | drills/s |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '- **floor**: the latencies no workflow can avoid; **overhead** = modeled − floor (polling granularity,',
    '  fencing, API and Step Functions latencies).',
    ...floors,
    '- **cost**: state transitions × USD 0.025 per 1,000 (Standard workflows); Lambda and API charges not included.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const figures: WorkflowFigures[] = [];
  for (const row of ROWS) figures.push(await workflowFigures(row));
  const os = await import('node:os');
  const meta = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
    node: process.versions.node,
  };
  const recovery = figures.find((f) => f.workflow === 'instance-recovery');
  const extra = await extraFigures(ROOT, recovery?.modeledSeconds ?? 0);
  const campaigns = await campaignFigures();
  writeFileSync(
    path.join(ROOT, 'bench', 'results.json'),
    JSON.stringify({ ...meta, workflows: figures, ...extra, campaigns }, null, 2) + '\n',
  );
  const text = `${markdown(figures, meta)}\n${extraMarkdown(extra)}\n${campaignMarkdown(campaigns)}`;
  writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), text);
  console.log(text);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
