import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { type DrillResult, drill } from '../local/drill';
import { loadScenario, ScenarioError } from '../local/scenario/load';
import type { Scenario } from '../local/scenario/schema';
import { synthesize } from './template';

/**
 * The scenario files the arguments name: a file as given, a folder as every `.json` file below it (subfolders
 * included), in path order. A path that does not exist is kept, so that the drill reports it.
 */
export function scenarioFiles(args: readonly string[]): string[] {
  const below = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((e) =>
        e.isDirectory() ? below(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : [],
      );
  return args.flatMap((arg) => {
    let isDir = false;
    try {
      isDir = statSync(arg).isDirectory();
    } catch {
      // not there: drilled, and reported as unreadable
    }
    return isDir ? below(arg) : [arg];
  });
}

/** Loads a scenario file, synthesizes its configuration's app and drills it. */
export async function drillFile(file: string, seed?: number): Promise<DrillResult> {
  const scenario: Scenario = loadScenario(file);
  const config =
    typeof scenario.config === 'string' ? path.resolve(path.dirname(file), scenario.config) : scenario.config;
  const site = synthesize(config)[scenario.site];
  if (!site) {
    throw new ScenarioError(file, [
      `$.site: got "${scenario.site}"; its configuration has no ${scenario.site} stack (set drRegion for a DR stack)`,
    ]);
  }
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

/** One drill of `ha-workflows drill`: its result, or why the file could not be drilled. */
export interface DrillOutcome {
  readonly file: string;
  readonly result?: DrillResult;
  /** The first line of the error (what failed). */
  readonly error?: string;
  /** Every reason, one per line (an invalid scenario lists each problem). */
  readonly problems?: readonly string[];
  /** True when the file could not be drilled as given (unreadable or invalid): exit code 2. */
  readonly inputError?: boolean;
}

/** The widest a summary line gets (it wraps below it, on a narrower terminal too). */
export const SUMMARY_COLUMNS = 80;

const COLUMNS = [
  { title: 'result', width: 6, right: false },
  { title: 'status', width: 9, right: false },
  { title: 'modeled', width: 8, right: true },
  { title: 'trans', width: 5, right: true },
  { title: 'fns', width: 4, right: true },
  { title: 'API', width: 5, right: true },
] as const;
const FIXED = COLUMNS.reduce((n, c) => n + c.width + 2, 0);

/** Words of `text` in lines of at most `width` characters (a longer word is cut). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (w.length > width) {
      if (line) lines.push(line);
      line = '';
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}

/** A path in segments that wrap after "/" or "-" to fit `width`. */
function wrapPath(file: string, width: number): string[] {
  return wrap(file.replace(/([/-])/g, '$1 '), width).map((l) => l.replace(/([/-]) /g, '$1'));
}

/** The header of the streamed summary; the scenario column lists paths relative to `base`. */
export function formatSummaryHeader(base: string, columns = SUMMARY_COLUMNS): string {
  const width = Math.min(columns, SUMMARY_COLUMNS);
  const cells = COLUMNS.map((c) => (c.right ? c.title.padStart(c.width) : c.title.padEnd(c.width))).join('  ');
  const where = base ? wrapPath(`Scenario files in ${base}/:`, width) : [];
  return [...where, `${cells}  scenario`, '-'.repeat(width)].join('\n');
}

/**
 * One drill as a summary line (printed as soon as it finishes): result, final status, modeled seconds, state
 * transitions, Lambda invocations, API calls and the scenario file, within 80 columns (the file wraps); a drill that
 * failed or could not run adds its reasons below, wrapped.
 */
export function formatSummaryLine(outcome: DrillOutcome, base: string, columns = SUMMARY_COLUMNS): string {
  const width = Math.min(columns, SUMMARY_COLUMNS);
  const { result } = outcome;
  const cells = result
    ? [
        result.ok ? 'ok' : 'FAILED',
        result.status,
        `${result.modeledSeconds.toFixed(1)} s`,
        String(result.transitions),
        String(result.lambdaInvocations),
        String(result.apiCalls),
      ]
    : ['ERROR', '-', '-', '-', '-', '-'];
  const left = cells.map((c, i) => (COLUMNS[i].right ? c.padStart(COLUMNS[i].width) : c.padEnd(COLUMNS[i].width)));
  const file = base ? path.relative(base, outcome.file) : outcome.file;
  const room = Math.max(12, width - FIXED);
  const [first, ...rest] = wrapPath(file, room);
  const lines = [`${left.join('  ')}  ${first}`, ...rest.map((l) => `${' '.repeat(FIXED)}${l}`)];
  const reasons = result
    ? result.ok
      ? []
      : [
          ...(result.error ? [`${result.status} ${result.error}${result.cause ? `: ${result.cause}` : ''}`] : []),
          ...result.expectations.filter((x) => !x.ok).map((x) => `expected ${x.description} (${x.detail})`),
        ]
    : (outcome.problems ?? [outcome.error ?? 'error']);
  for (const reason of reasons) {
    wrap(reason, width - 8).forEach((l, i) => lines.push(`${' '.repeat(i ? 8 : 6)}${i ? '' : '- '}${l}`));
  }
  return lines.join('\n');
}

/** The folder all files share (the summary shows paths relative to it), or '' when they share none. */
export function commonFolder(files: readonly string[]): string {
  const dirs = files.map((f) => path.dirname(path.normalize(f)).split(path.sep));
  if (!dirs.length) return '';
  const common: string[] = [];
  for (let i = 0; dirs.every((d) => i < d.length && d[i] === dirs[0][i]); i++) common.push(dirs[0][i]);
  const joined = common.join(path.sep);
  return joined === '.' ? '' : joined;
}

/** The last line: how many drills passed, failed, or could not run. */
export function formatTotals(outcomes: readonly DrillOutcome[], seconds?: number): string {
  const ok = outcomes.filter((o) => o.result?.ok).length;
  const failed = outcomes.filter((o) => o.result && !o.result.ok).length;
  const errors = outcomes.filter((o) => !o.result).length;
  const took = seconds === undefined ? '' : ` in ${seconds.toFixed(1)} s`;
  return `${outcomes.length} scenario(s)${took}: ${ok} ok, ${failed} failed, ${errors} could not run`;
}

/** The whole summary table at once (header, a line per drill, totals). */
export function formatSummary(outcomes: readonly DrillOutcome[], columns = SUMMARY_COLUMNS): string {
  const base = commonFolder(outcomes.map((o) => o.file));
  return [
    formatSummaryHeader(base, columns),
    ...outcomes.map((o) => formatSummaryLine(o, base, columns)),
    formatTotals(outcomes),
  ].join('\n');
}
