#!/usr/bin/env -S npx tsx
import '../local/polyfills';

// The AWS SDK warns on every run under Node 20 that future releases will need Node 22; the CLI's
// output is for operators, so that one warning is dropped (everything else still prints).
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: never[]) => {
  if (String(warning instanceof Error ? warning.message : warning).includes('AWS SDK for JavaScript (v3)')) return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { packageVersion } from '../lib/package-version';
import type { DrillResult } from '../local/drill';
import { drillFile, formatSummary, formatTimeline } from './drill';
import { workflowDiagram, writeDiagram } from './graph';
import { scenarioJsonSchema } from './schema';
import { type AwsOptions, explainAwsError, sfnClient } from './aws';
import { approve, reject, UsageError } from './commands/approve';
import { buildUnlockRequest, drReleaseStateMachine, unlockMirrorSet } from './commands/dr-unlock';
import { buildDrRequest, drStateMachine, InvalidDrRequest, startDrPromotion } from './commands/dr-start';
import { formatStatus, recentExecutions, stateMachinesToReport } from './commands/status';
import { redriveCommand } from './commands/redrive';
import { watchExecution } from './commands/watch';
import { serve } from './serve';
import {
  CampaignUsageError,
  campaignSelfTest,
  checkWorkflow,
  defaultJobs,
  formatCampaign,
  formatSelfTest,
  runCampaignCli,
} from './campaign';

// The example configuration next to this module (infra/config/example.json here; dist/infra/… once installed).
const DEFAULT_CONFIG = path.relative(process.cwd(), path.join(__dirname, '..', 'infra', 'config', 'example.json'));

const program = new Command();
program.name('ha-workflows').description('Drill, start and watch the ha-workflows state machines').showHelpAfterError();
program.version(packageVersion(__dirname));
// A bad option or argument is a usage error: exit code 2 (Commander's own default is 1, which means "failed").
// Set before the commands are added, so that each inherits it; help and --version still exit 0.
program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

/** Commander's parser of an integer option no smaller than `min` ("must be a <what> integer" otherwise). */
const integerAtLeast = (min: number, what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be a ${what} integer`);
  return n;
};
const seedOption = integerAtLeast(0, 'non-negative');
const positiveInt = integerAtLeast(1, 'positive');

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
  .command('campaign')
  .description(
    'Drill seeded, randomized fault schedules of a workflow and check the safety invariants on every drill ' +
      '(docs/campaigns.md); exit code 0 only when nothing is violated',
  )
  .argument('[workflow]', 'instance-recovery, mirror-failover, dr-promotion or snapshot-backup')
  .option('--schedules <n>', 'how many schedules', positiveInt, 100)
  .option('--seed <n>', 'campaign seed (each schedule derives its own)', seedOption, 1)
  .option('--jobs <n>', 'worker threads', positiveInt, defaultJobs())
  .option('--max-faults <n>', 'at most this many faults per schedule', positiveInt, 3)
  .option('--out <dir>', 'write each shrunk failing schedule as a scenario file there')
  .option('--json', 'print one JSON object')
  .option('--self-test', 'check that every invariant fires on known-bad variants of the workflows')
  .action(
    async (
      workflow: string | undefined,
      opts: {
        schedules: number;
        seed: number;
        jobs: number;
        maxFaults: number;
        out?: string;
        json?: boolean;
        selfTest?: boolean;
      },
    ) => {
      try {
        if (opts.selfTest) {
          const report = await campaignSelfTest();
          console.log(opts.json ? JSON.stringify(report, null, 2) : formatSelfTest(report));
          process.exitCode = report.allFired ? 0 : 1;
          return;
        }
        if (!workflow) throw new CampaignUsageError('name a workflow, or give --self-test');
        const wf = checkWorkflow(workflow);
        const tty = !opts.json && process.stderr.isTTY;
        const started = Date.now();
        const report = await runCampaignCli(
          wf,
          { schedules: opts.schedules, seed: opts.seed, jobs: opts.jobs, outDir: opts.out, maxFaults: opts.maxFaults },
          tty
            ? (done, violations) => {
                const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
                process.stderr.write(
                  `\r${done}/${opts.schedules} schedules, ${violations} violation(s), ${rate.toFixed(1)}/s   `,
                );
              }
            : undefined,
        );
        if (tty) process.stderr.write('\n');
        console.log(opts.json ? JSON.stringify(report, null, 2) : formatCampaign(report));
        process.exitCode = report.violations === 0 && report.errors === 0 ? 0 : 1;
      } catch (e) {
        if (e instanceof CampaignUsageError) {
          console.error(e.message);
          process.exitCode = 2;
          return;
        }
        throw e;
      }
    },
  );

program
  .command('graph')
  .description('Render a workflow as a Mermaid flowchart from its synthesized ASL')
  .argument('<workflow>', 'workflow id, e.g. instance-recovery')
  .option('--config <file>', 'app configuration', DEFAULT_CONFIG)
  .option('--format <format>', 'mermaid or svg', 'mermaid')
  .option('--write <page>', 'replace the diagram block of a Markdown page instead of printing')
  .action((workflow: string, opts: { config: string; format: string; write?: string }) => {
    if (opts.format !== 'mermaid' && opts.format !== 'svg') {
      throw new InvalidArgumentError(`--format ${opts.format}: "mermaid" or "svg"`);
    }
    if (opts.write) writeDiagram(workflow, opts.config, opts.write);
    else process.stdout.write(workflowDiagram(workflow, opts.config, opts.format));
  });

program
  .command('schema')
  .description('Print the JSON Schema of the scenario format (docs/scenario.schema.json)')
  .action(() => {
    console.log(JSON.stringify(scenarioJsonSchema(), null, 2));
  });

/** --region, --profile, --endpoint on the commands that call Step Functions. */
function withAws(cmd: Command): Command {
  return cmd
    .option('--region <region>', 'AWS Region (default: the standard chain: AWS_REGION, the profile)')
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE or default)')
    .option('--endpoint <url>', 'Step Functions endpoint, e.g. http://127.0.0.1:8083 for `local serve`');
}

/** Runs an AWS-calling action; a failure prints one sentence and sets exit code 2. */
function aws<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      console.error(
        e instanceof Error && (e.name === 'NothingToApprove' || e instanceof UsageError)
          ? e.message
          : explainAwsError(e),
      );
      process.exitCode = 2;
    }
  };
}

withAws(
  program
    .command('watch')
    .description('Follow an execution live; exit code 0 when it succeeds, 1 otherwise')
    .argument('<execution-arn>'),
).action(
  aws(async (arn: string, opts: AwsOptions) => {
    const status = await watchExecution(sfnClient(opts), arn, {
      write: (t) => process.stdout.write(t),
      spinner: process.stdout.isTTY,
    });
    process.exitCode = status === 'SUCCEEDED' ? 0 : 1;
  }),
);

withAws(
  program
    .command('approve')
    .description('Approve the task an execution waits on (SendTaskSuccess with who approved)')
    .argument('<execution-arn>')
    .option('--by <name>', 'who approves (required; recorded in the audit trail, never taken from $USER)'),
).action(
  aws(async (arn: string, opts: AwsOptions & { by: string }) => {
    const p = await approve(sfnClient(opts), arn, opts.by);
    console.log(`Approved "${p.state}" as ${opts.by}.`);
  }),
);

withAws(
  program
    .command('reject')
    .description('Reject the task an execution waits on (SendTaskFailure, error "Rejected")')
    .argument('<execution-arn>')
    .requiredOption('--reason <text>', 'why it is rejected (recorded in the execution)')
    .option('--by <name>', 'who rejects (required; recorded in the execution, never taken from $USER)'),
).action(
  aws(async (arn: string, opts: AwsOptions & { by: string; reason: string }) => {
    const p = await reject(sfnClient(opts), arn, opts.by, opts.reason);
    console.log(`Rejected "${p.state}" as ${opts.by}: ${opts.reason}`);
  }),
);

withAws(
  program
    .command('status')
    .description("The last executions of each workflow (from the stack's outputs, --state-machine, or all listed)")
    .option('--stack <name>', 'the ha-workflows stack, e.g. ha-workflows-eu-west-1')
    .option('--state-machine <arn...>', 'state machine ARNs instead of a stack')
    .option('--limit <n>', 'executions per workflow', seedOption, 5)
    .option('--json', 'print the rows as JSON'),
).action(
  aws(async (opts: AwsOptions & { stack?: string; stateMachine?: string[]; limit: number; json?: boolean }) => {
    const client = sfnClient(opts);
    const machines = await stateMachinesToReport(client, opts, { stack: opts.stack, stateMachines: opts.stateMachine });
    const rows = await recentExecutions(client, machines, opts.limit);
    console.log(opts.json ? JSON.stringify(rows, null, 2) : formatStatus(rows));
  }),
);

withAws(
  program
    .command('redrive')
    .description(
      'Redrive an execution that ended unsuccessfully, where that is safe (docs/redrive.md); exit 1 if refused',
    )
    .argument('<execution-arn>')
    .option('--json', 'print the outcome as JSON'),
).action(aws(async (arn: string, opts: AwsOptions & { json?: boolean }) => redriveCommand(sfnClient(opts), arn, opts)));

const minutesOption = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of minutes');
  return n;
};
const dr = program.command('dr').description('Disaster recovery: the dr-promotion workflow (DR region)');
withAws(
  dr
    .command('start')
    .description('Start a DR promotion (validated locally first; the same request never starts twice)')
    .option('--mirror-set <name>', 'the mirror set')
    .option('--member <instance-id>', 'the DR member to promote')
    .option('--reason <text>', 'why (10-500 characters; shown to the approvers)')
    .option('--requested-by <name>', 'who asks for it', process.env.USER)
    .option('--practice', 'a practice run: every check and the approval, then nothing changes')
    .option('--approval-timeout <minutes>', 'how long to wait for an approval (default 60)', minutesOption)
    .option('--allow-unfenced', 'promote even when the old site cannot be confirmed fenced')
    .option('--force', 'promote although the old primary answers SUCCESS or a promotion is recorded')
    .option('--input <file>', 'the request as a JSON file (flags override its fields)')
    .option('--state-machine <arn>', 'the dr-promotion state machine')
    .option('--stack <name>', 'the DR stack (its DrPromotionStateMachineArn output), e.g. ha-workflows-eu-central-1')
    .option('--json', 'print the result as JSON'),
).action(
  async (
    opts: AwsOptions & Parameters<typeof buildDrRequest>[0] & { stateMachine?: string; stack?: string; json?: boolean },
  ) => {
    let request;
    try {
      request = buildDrRequest(opts);
    } catch (e) {
      if (!(e instanceof InvalidDrRequest)) throw e;
      console.error(e.message);
      process.exitCode = 1;
      return;
    }
    await aws(async () => {
      const client = sfnClient(opts);
      const arn = await drStateMachine(client, opts, opts);
      const result = await startDrPromotion(client, arn, request);
      if (opts.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(
        result.started
          ? `Started ${result.executionArn}`
          : `Already started by the same request (${result.status}): ${result.executionArn}`,
      );
      console.log(`Console: ${result.consoleUrl}`);
      console.log(`Follow it: ha-workflows watch ${result.executionArn}`);
    })();
  },
);

withAws(
  dr
    .command('unlock')
    .description(
      'Clear a stale mirror set lock (through the dr-promotion-release state machine: audited and notified); ' +
        'refused while the holding execution still runs, unless --force',
    )
    .option('--mirror-set <name>', 'the mirror set whose lock to clear')
    .option('--by <name>', 'who clears it (required; recorded in the audit item)')
    .option('--reason <text>', 'why (recorded in the audit item)')
    .option('--force', 'release even when the holding execution is still RUNNING (or cannot be described)')
    .option('--state-machine <arn>', 'the dr-promotion-release state machine')
    .option('--stack <name>', 'the DR stack (its DrPromotionReleaseStateMachineArn output)')
    .option('--json', 'print the result as JSON'),
).action(
  aws(
    async (
      opts: AwsOptions & {
        mirrorSet?: string;
        by?: string;
        reason?: string;
        force?: boolean;
        stateMachine?: string;
        stack?: string;
        json?: boolean;
      },
    ) => {
      const request = buildUnlockRequest(opts);
      const client = sfnClient(opts);
      const result = await unlockMirrorSet(client, await drReleaseStateMachine(client, opts, opts), request);
      if (opts.json) console.log(JSON.stringify(result, null, 2));
      else if (result.outcome === 'released') console.log(`Released the lock of ${request.unlock.mirrorSet}.`);
      else if (result.outcome === 'not locked')
        console.log(`${request.unlock.mirrorSet} is not locked; nothing to do.`);
      else if (result.outcome === 'changed') console.log('The lock changed meanwhile; nothing was released.');
      else console.error(`Not released (${result.error ?? result.status}): ${result.cause ?? ''}`);
      if (!opts.json) console.log(`Execution: ${result.executionArn}`);
      process.exitCode = ['released', 'not locked'].includes(result.outcome) ? 0 : 1;
    },
  ),
);

const local = program.command('local').description('The local Step Functions endpoint');
local
  .command('serve')
  .description('Serve the synthesized workflows on 127.0.0.1 (Step Functions JSON protocol) over the simulated region')
  .option('--port <port>', 'port', seedOption, 8083)
  .option('--config <file>', 'app configuration', DEFAULT_CONFIG)
  .option('--site <site>', 'primary or dr', 'primary')
  .option('--scenario <file>', 'start from a scenario: its configuration, environment, latency and faults')
  .option('--time-scale <n>', 'modeled seconds per wall-clock second', Number, 1)
  .action(
    async (opts: { port: number; config: string; site: 'primary' | 'dr'; scenario?: string; timeScale: number }) => {
      const { endpoint, machines } = await serve(opts);
      console.log(`Step Functions endpoint on ${endpoint.url} — state machines:`);
      for (const m of machines) console.log(`  ${m}`);
      console.log(`Try: npx tsx cli/bin.ts status --endpoint ${endpoint.url}   (Ctrl-C stops)`);
    },
  );

program.parseAsync().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(2);
});
