import * as path from 'node:path';
import { type DrillResult, drill } from '../local/drill';
import { loadScenario } from '../local/scenario/load';
import type { Scenario } from '../local/scenario/schema';
import { synthesize } from './template';

/** Loads a scenario file, synthesizes its configuration's app and drills it. */
export async function drillFile(file: string, seed?: number): Promise<DrillResult> {
  const scenario: Scenario = loadScenario(file);
  const config =
    typeof scenario.config === 'string' ? path.resolve(path.dirname(file), scenario.config) : scenario.config;
  const site = synthesize(config)[scenario.site];
  if (!site) throw new Error(`${file}: the configuration has no ${scenario.site} stack (set drRegion for a DR stack)`);
  return drill(scenario, { template: site.template, env: site.env, seed });
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** A readable timeline: modeled time, execution, state and what happened. */
export function formatTimeline(result: DrillResult): string {
  const multi = result.executions.length > 1;
  const lines = result.timeline
    .filter((e) => e.kind !== 'state' || !e.detail.startsWith('entered Pass'))
    .map((e) => {
      const t = lpad(`${e.at.toFixed(1)}s`, 8);
      const x = multi ? `#${e.execution + 1} ` : '';
      return `${t}  ${x}${pad(e.kind, 9)} ${e.state ? `${e.state}: ` : ''}${e.detail}`;
    });
  const outcome = result.executions
    .map(
      (r, i) =>
        `execution ${i + 1}: ${r.status}${r.error ? ` ${r.error}${r.cause ? ` — ${r.cause}` : ''}` : ''}` +
        ` (history ${r.historyEvents}/25000 events, largest payload ${r.largestPayloadBytes} of 262144 bytes)`,
    )
    .join('\n');
  const checks = result.expectations.map(
    (x) => `  ${x.ok ? 'ok  ' : 'FAIL'} ${x.description}${x.ok ? '' : ` (${x.detail})`}`,
  );
  return [
    `${result.scenario} — ${result.workflow}`,
    ...lines,
    outcome,
    `modeled ${result.modeledSeconds.toFixed(1)} s, ${result.transitions} transitions, ${result.lambdaInvocations} Lambda invocations, ${result.apiCalls} API calls`,
    ...(checks.length ? ['expectations:', ...checks] : []),
    result.ok ? 'RESULT: ok' : 'RESULT: FAILED',
  ].join('\n');
}

/** One line per drill: the `npm start` summary. */
export function formatSummary(results: readonly { file: string; result?: DrillResult; error?: string }[]): string {
  const header = ['scenario', 'workflow', 'status', 'modeled s', 'transitions', 'lambdas', 'API calls', 'result'];
  const rows = results.map(({ file, result, error }) =>
    result
      ? [
          result.scenario,
          result.workflow,
          result.status + (result.error ? ` ${result.error}` : ''),
          result.modeledSeconds.toFixed(1),
          String(result.transitions),
          String(result.lambdaInvocations),
          String(result.apiCalls),
          result.ok ? 'ok' : 'FAILED',
        ]
      : [path.basename(file), '-', 'ERROR', '-', '-', '-', '-', error ?? 'error'],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => pad(c, widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
