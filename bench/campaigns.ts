/**
 * The campaign part of `npm run bench`: one campaign per workflow (`CAMPAIGN_SCHEDULES` schedules, default 200 so
 * that the bench stays minutes long; the issue's target run is `CAMPAIGN_SCHEDULES=10000`), on worker threads
 * (`CAMPAIGN_JOBS`, default the machine's cores, at most 4), measured in one run: schedules per second, peak memory,
 * violations by invariant and coverage. `CAMPAIGN_OUT=<dir>` writes each shrunk failure there as a scenario file.
 */
import { defaultJobs, runCampaignCli } from '../cli/campaign';
import { CAMPAIGN_WORKFLOWS, type CampaignWorkflow } from '../local/campaign/types';

export interface CampaignFigures {
  readonly workflow: CampaignWorkflow;
  readonly schedules: number;
  readonly jobs: number;
  readonly wallSeconds: number;
  readonly schedulesPerSecond: number;
  readonly peakRssMiB: number;
  readonly violations: number;
  readonly errors: number;
  readonly byInvariant: Record<string, number>;
  readonly faultKinds: number;
  readonly statesVisited: number;
  readonly faultStatePairs: number;
}

/** A positive whole number from the environment, or the default; anything else stops the bench naming the variable. */
function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name}=${JSON.stringify(raw)}: expected a positive whole number`);
  return n;
}

export async function campaignFigures(
  schedules = envCount('CAMPAIGN_SCHEDULES', 200),
  jobs = envCount('CAMPAIGN_JOBS', defaultJobs()),
): Promise<CampaignFigures[]> {
  const out: CampaignFigures[] = [];
  for (const workflow of CAMPAIGN_WORKFLOWS) {
    // CAMPAIGN_OUT=<dir>: also write each shrunk failure there as a scenario file (`ha-workflows drill` replays it).
    const r = await runCampaignCli(workflow, {
      schedules,
      seed: 1,
      jobs,
      outDir: process.env.CAMPAIGN_OUT || undefined,
    });
    const byInvariant: Record<string, number> = {};
    for (const f of r.failures) byInvariant[f.invariant] = (byInvariant[f.invariant] ?? 0) + 1;
    out.push({
      workflow,
      schedules: r.schedules,
      jobs,
      wallSeconds: r.wallSeconds,
      schedulesPerSecond: Math.round((r.schedules / r.wallSeconds) * 10) / 10,
      peakRssMiB: r.peakRssMiB,
      violations: r.violations,
      errors: r.errors,
      byInvariant,
      faultKinds: Object.keys(r.coverage.faultKinds).length,
      statesVisited: r.coverage.statesVisited,
      faultStatePairs: r.coverage.faultStatePairs,
    });
  }
  return out;
}

export function campaignMarkdown(figures: readonly CampaignFigures[]): string {
  const per10k = (f: CampaignFigures) => Math.round(10_000 / f.schedulesPerSecond / 6) / 10;
  return [
    '## Fault campaigns',
    '',
    `\`ha-workflows campaign <workflow> --schedules ${figures[0]?.schedules ?? 0} --seed 1 --jobs ${figures[0]?.jobs ?? 1}\` per workflow ` +
      '([docs/campaigns.md](docs/campaigns.md)); peak RSS is the whole process with its worker threads, and the ' +
      '10,000-schedule time is extrapolated from the measured rate.',
    '',
    '| workflow | schedules | wall s | schedules/s | 10,000 schedules (min, extrapolated) | peak RSS MiB | violations | by invariant | fault kinds | states | fault × state pairs |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...figures.map(
      (f) =>
        `| ${f.workflow} | ${f.schedules} | ${f.wallSeconds} | ${f.schedulesPerSecond} | ${per10k(f)} | ${f.peakRssMiB} | ` +
        `${f.violations}${f.errors ? ` (+${f.errors} not drillable)` : ''} | ` +
        `${
          Object.entries(f.byInvariant)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ') || '—'
        } | ${f.faultKinds} | ${f.statesVisited} | ${f.faultStatePairs} |`,
    ),
    '',
  ].join('\n');
}
