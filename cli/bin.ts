#!/usr/bin/env -S npx tsx
import '../local/polyfills';
import { Command, InvalidArgumentError } from 'commander';
import type { DrillResult } from '../local/drill';
import { drillFile, formatSummary, formatTimeline } from './drill';
import { workflowDiagram, writeDiagram } from './graph';
import { scenarioJsonSchema } from './schema';

const DEFAULT_CONFIG = 'infra/config/example.json';

const program = new Command();
program.name('ha-workflows').description('Drill, start and watch the ha-workflows state machines').showHelpAfterError();

const seedOption = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};

program
  .command('drill')
  .description('Run scenario files against the synthesized workflows on the embedded simulated region')
  .argument('<scenario...>', 'scenario JSON files (see docs/scenarios.md)')
  .option('--json', 'print a machine-readable result per scenario')
  .option('--seed <n>', 'override the scenario seed', seedOption)
  .option('--quiet', 'print only the summary table')
  .action(async (files: string[], opts: { json?: boolean; seed?: number; quiet?: boolean }) => {
    const results: { file: string; result?: DrillResult; error?: string }[] = [];
    for (const file of files) {
      try {
        const result = await drillFile(file, opts.seed);
        results.push({ file, result });
        if (!opts.json && !opts.quiet) console.log(`${formatTimeline(result)}\n`);
      } catch (e) {
        const message = (e as Error).message;
        results.push({ file, error: message.split('\n')[0] });
        if (!opts.json) console.error(message);
      }
    }
    if (opts.json) {
      const out = results.map(({ file, result, error }) => (result ? { file, ...result } : { file, error }));
      console.log(JSON.stringify(out.length === 1 ? out[0] : out, null, 2));
    } else if (files.length > 1 || opts.quiet) {
      console.log(formatSummary(results));
    }
    process.exitCode = results.every((r) => r.result?.ok) ? 0 : 1;
  });

program
  .command('graph')
  .description('Render a workflow as a Mermaid flowchart from its synthesized ASL')
  .argument('<workflow>', 'workflow id, e.g. instance-recovery')
  .option('--config <file>', 'app configuration', DEFAULT_CONFIG)
  .option('--format <format>', 'mermaid (the only format so far)', 'mermaid')
  .option('--write <page>', 'replace the diagram block of a Markdown page instead of printing')
  .action((workflow: string, opts: { config: string; format: string; write?: string }) => {
    if (opts.format !== 'mermaid')
      throw new InvalidArgumentError(`--format ${opts.format}: only "mermaid" is supported`);
    if (opts.write) writeDiagram(workflow, opts.config, opts.write);
    else process.stdout.write(workflowDiagram(workflow, opts.config));
  });

program
  .command('schema')
  .description('Print the JSON Schema of the scenario format (docs/scenario.schema.json)')
  .action(() => {
    console.log(JSON.stringify(scenarioJsonSchema(), null, 2));
  });

program.parseAsync().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(2);
});
