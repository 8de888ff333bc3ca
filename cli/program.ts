/**
 * The `ha-workflows` command line: every command, its options and its exit code (docs/cli.md). `runCli` runs one
 * command line in-process and returns its exit code, writing through a `CliIo`: `cli/bin.ts` passes the process's
 * streams, tests pass buffers.
 */
import * as path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { InputFileError } from '../lib/input-file';
import { packageVersion } from '../lib/package-version';
import type { LocalEndpoint } from '../local/server';
import { type AwsOptions, explainAwsError, sfnClient } from './aws';
import {
  CampaignUsageError,
  campaignSelfTest,
  checkWorkflow,
  defaultJobs,
  formatCampaign,
  formatSelfTest,
  runCampaignCli,
} from './campaign';
import { approve, NothingToApprove, reject } from './commands/approve';
import {
  awaitDecisionPoint,
  buildDrRequest,
  drStateMachine,
  InvalidDrRequest,
  startDrPromotion,
} from './commands/dr-start';
import { buildUnlockRequest, drReleaseStateMachine, unlockMirrorSet } from './commands/dr-unlock';
import { redriveCommand } from './commands/redrive';
import { formatStatus, recentExecutions, stateMachinesToReport } from './commands/status';
import { watch } from './commands/watch';
import {
  commonFolder,
  type DrillOutcome,
  drillFile,
  formatSummaryHeader,
  formatSummaryLine,
  formatTimeline,
  formatTotals,
  scenarioFiles,
} from './drill';
import { EXIT, UsageError } from './exit';
import { workflowDiagram, writeDiagram } from './graph';
import { scenarioJsonSchema } from './schema';
import { serve, validateServeOptions } from './serve';

/** Where a command writes, and what it knows of the terminal. */
export interface CliIo {
  /** Standard output (text as given: commands end their lines with "\n"). */
  readonly out: (text: string) => void;
  /** Standard error. */
  readonly err: (text: string) => void;
  /** Whether stdout / stderr is a terminal (spinners and progress only there). */
  readonly outIsTTY?: boolean;
  readonly errIsTTY?: boolean;
  /** The terminal's width; summaries stay within min(this, 80) columns. */
  readonly columns?: number;
  /** How a person runs this command, for the follow-up commands it prints ("ha-workflows", "npx tsx cli/bin.ts"). */
  readonly invokedAs?: string;
  /** Called with the endpoint `local serve` started (a test closes it). */
  readonly onServe?: (endpoint: LocalEndpoint) => void;
  /**
   * For a command (its path, e.g. "dr start"), whether to only check the command line (the command and its options
   * and arguments parse) and run nothing: exit code 0 when it parses. The docs test checks long-running commands so.
   */
  readonly checkOnly?: (command: string) => boolean;
}

/** Thrown before an action that `CliIo.checkOnly` asked not to run. */
class CheckedOnly extends Error {}

/** How a command line ended: its exit code and, for a usage error, what kind (Commander's code or our error's name). */
export interface CliOutcome {
  readonly exitCode: number;
  readonly usage?: string;
}

// The example configuration next to this module (infra/config/example.json here; dist/infra/… once installed).
const DEFAULT_CONFIG = path.relative(process.cwd(), path.join(__dirname, '..', 'infra', 'config', 'example.json'));

/** Commander's parser of an integer option no smaller than `min` ("must be a <what> integer" otherwise). */
const integerAtLeast = (min: number, what: string) => (v: string) => {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`must be a ${what} integer`);
  return n;
};
const nonNegative = integerAtLeast(0, 'non-negative');
const positiveInt = integerAtLeast(1, 'positive');
const minutesOption = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of minutes');
  return n;
};

/** A value quoted for a POSIX shell when it needs it, so that a printed command runs as printed. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The AWS options of this command line, as they must be repeated on a follow-up command. */
function awsFlags(opts: AwsOptions): string {
  return [
    ...(opts.endpoint ? ['--endpoint', opts.endpoint] : []),
    ...(opts.region ? ['--region', opts.region] : []),
    ...(opts.profile ? ['--profile', opts.profile] : []),
  ]
    .map(shellQuote)
    .join(' ');
}

/** What each group of commands is built with. */
interface CommandContext {
  readonly io: CliIo;
  /** Records the command's exit code. */
  readonly exit: (code: number) => void;
  /** Writes a line to standard output. */
  readonly print: (text: string) => void;
  /** Writes a line to standard error. */
  readonly printErr: (text: string) => void;
  /** How a person runs this command ("ha-workflows" unless `CliIo.invokedAs` says otherwise). */
  readonly invokedAs: string;
  /** A follow-up command as it must be typed: the same AWS options; the ARN's own Region needs no --region. */
  readonly followUp: (command: string, opts: AwsOptions) => string;
}

/** Builds the program; `exit(code)` records a command's exit code. */
function createProgram(io: CliIo, exit: (code: number) => void): Command {
  const invokedAs = io.invokedAs ?? 'ha-workflows';
  const context: CommandContext = {
    io,
    exit,
    print: (text) => io.out(`${text}\n`),
    printErr: (text) => io.err(`${text}\n`),
    invokedAs,
    followUp: (command, opts) => {
      const flags = awsFlags(opts);
      return `${invokedAs} ${command}${flags ? ` ${flags}` : ''}`;
    },
  };

  const program = new Command();
  program
    .name('ha-workflows')
    .description('Drill, start and watch the ha-workflows state machines')
    .version(packageVersion(__dirname), '-V, --version', 'print the version')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    // A bad option or argument is a usage error: exit code 2 (Commander's own default is 1, which means "failed").
    // Set before the commands are added, so that each inherits it; help and --version still exit 0.
    .exitOverride()
    .hook('preAction', (_program, action) => {
      const names: string[] = [];
      for (let c: Command | null = action; c && c !== program; c = c.parent) names.unshift(c.name());
      if (io.checkOnly?.(names.join(' '))) throw new CheckedOnly();
    });

  addDrillCommands(program, context);
  addDocsCommands(program, context);
  addExecutionCommands(program, context);
  addDrCommands(program, context);
  addLocalCommands(program, context);
  return program;
}

/** `drill` (scenario files) and `campaign` (randomized fault schedules): the offline rehearsals. */
function addDrillCommands(program: Command, { io, exit, print, printErr }: CommandContext): void {
  program
    .command('drill')
    .description('Run scenario files against the synthesized workflows on the embedded simulated region')
    .argument('<scenario...>', 'scenario JSON files, or folders: every .json file below them (docs/scenarios.md)')
    .option('--json', 'print the result as JSON: an object for one file, an array for several')
    .option('--seed <n>', 'override the scenario seed', nonNegative)
    .option('--quiet', 'print only a summary line per scenario, as each finishes')
    .action(async (args: string[], opts: { json?: boolean; seed?: number; quiet?: boolean }) => {
      const started = Date.now();
      const files = scenarioFiles(args);
      if (files.length === 0) throw new UsageError(`no scenario files (*.json) in ${args.join(', ')}`);
      // An object for one file named as such; an array for several, or for a folder (whatever it holds).
      const single = files.length === 1 && args.length === 1 && files[0] === args[0];
      const outcomes: DrillOutcome[] = [];
      const base = commonFolder(files);
      const summary = !opts.json && (opts.quiet || files.length > 1);
      if (summary && opts.quiet) print(formatSummaryHeader(base, io.columns));
      for (const file of files) {
        let outcome: DrillOutcome;
        try {
          const result = await drillFile(file, opts.seed);
          outcome = { file, result };
          if (!opts.json && !opts.quiet) print(`${formatTimeline(result)}\n`);
        } catch (e) {
          const input = e instanceof InputFileError;
          const problems = input ? [...e.problems] : [(e as Error).message];
          const error = (e as Error).message.split('\n')[0];
          outcome = { file, error, problems, inputError: input };
          if (!opts.json && !opts.quiet) printErr((e as Error).message);
        }
        outcomes.push(outcome);
        if (summary && opts.quiet) print(formatSummaryLine(outcome, base, io.columns));
      }
      if (opts.json) {
        const out = outcomes.map(({ file, result, error, problems }) =>
          result ? { file, ...result } : { file, ok: false, error, problems },
        );
        print(JSON.stringify(single ? out[0] : out, null, 2));
      } else if (summary) {
        if (!opts.quiet) {
          print(formatSummaryHeader(base, io.columns));
          for (const o of outcomes) print(formatSummaryLine(o, base, io.columns));
        }
        print(formatTotals(outcomes, (Date.now() - started) / 1000));
      }
      exit(
        outcomes.some((o) => o.inputError) ? EXIT.usage : outcomes.every((o) => o.result?.ok) ? EXIT.ok : EXIT.failed,
      );
    });

  program
    .command('campaign')
    .description(
      'Drill seeded, randomized fault schedules of a workflow and check the safety invariants on every drill ' +
        '(docs/campaigns.md); exit code 0 only when nothing is violated',
    )
    .argument('[workflow]', 'instance-recovery, mirror-failover, dr-promotion or snapshot-backup')
    .option('--schedules <n>', 'how many schedules', positiveInt, 100)
    .option('--seed <n>', 'campaign seed (each schedule derives its own)', nonNegative, 1)
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
        if (opts.selfTest) {
          const report = await campaignSelfTest();
          print(opts.json ? JSON.stringify(report, null, 2) : formatSelfTest(report));
          exit(report.allFired ? EXIT.ok : EXIT.failed);
          return;
        }
        if (!workflow) throw new CampaignUsageError('name a workflow, or give --self-test');
        const wf = checkWorkflow(workflow);
        const tty = !opts.json && io.errIsTTY === true;
        const started = Date.now();
        const report = await runCampaignCli(
          wf,
          { schedules: opts.schedules, seed: opts.seed, jobs: opts.jobs, outDir: opts.out, maxFaults: opts.maxFaults },
          tty
            ? (done, violations) => {
                const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
                io.err(`\r${done}/${opts.schedules} schedules, ${violations} violation(s), ${rate.toFixed(1)}/s   `);
              }
            : undefined,
        );
        if (tty) io.err('\n');
        print(opts.json ? JSON.stringify(report, null, 2) : formatCampaign(report));
        exit(report.violations === 0 && report.errors === 0 ? EXIT.ok : EXIT.failed);
      },
    );
}

/** `graph` (a workflow's diagram) and `schema` (the scenario format's JSON Schema). */
function addDocsCommands(program: Command, { io, print }: CommandContext): void {
  program
    .command('graph')
    .description('Render a workflow as a Mermaid flowchart from its synthesized ASL')
    .argument('<workflow>', 'workflow id, e.g. instance-recovery')
    .option('--config <file>', 'app configuration', DEFAULT_CONFIG)
    .addOption(new Option('--format <format>', 'mermaid or svg').choices(['mermaid', 'svg']).default('mermaid'))
    .option('--write <page>', 'replace the diagram block of a Markdown page instead of printing')
    .action((workflow: string, opts: { config: string; format: 'mermaid' | 'svg'; write?: string }) => {
      try {
        if (opts.write) writeDiagram(workflow, opts.config, opts.write);
        else io.out(workflowDiagram(workflow, opts.config, opts.format));
      } catch (e) {
        if (e instanceof InputFileError) throw e;
        throw new UsageError((e as Error).message);
      }
    });

  program
    .command('schema')
    .description('Print the JSON Schema of the scenario format (docs/scenario.schema.json)')
    .action(() => print(JSON.stringify(scenarioJsonSchema(), null, 2)));
}

/** --region, --profile, --endpoint on the commands that call Step Functions. */
function withAws(cmd: Command): Command {
  return cmd
    .option('--region <region>', "AWS Region (default: the execution ARN's, else AWS_REGION or the profile's)")
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE or default)')
    .option('--endpoint <url>', 'Step Functions endpoint, e.g. http://127.0.0.1:8083 for `local serve`');
}

/** `watch`, `approve`, `reject`, `status`, `redrive`: the commands on executions and state machines (Step Functions). */
function addExecutionCommands(program: Command, { io, exit, print, followUp }: CommandContext): void {
  withAws(
    program
      .command('watch')
      .description('Follow an execution live; exit code 0 when it succeeds, 1 otherwise')
      .argument('<execution-arn>')
      .option('--json', 'print only the outcome, as JSON (status, error, cause, times)'),
  ).action(async (arn: string, opts: AwsOptions & { json?: boolean }) => {
    const result = await watch(sfnClient(opts, arn), arn, {
      write: opts.json ? () => undefined : io.out,
      spinner: !opts.json && io.outIsTTY === true,
    });
    if (opts.json) print(JSON.stringify(result, null, 2));
    exit(result.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed);
  });

  withAws(
    program
      .command('approve')
      .description('Approve the task an execution waits on (SendTaskSuccess with who approved)')
      .argument('<execution-arn>')
      .option('--by <name>', 'who approves (required; recorded in the audit trail, never taken from $USER)')
      .option('--json', 'print the result as JSON'),
  ).action(async (arn: string, opts: AwsOptions & { by?: string; json?: boolean }) => {
    const p = await approve(sfnClient(opts, arn), arn, opts.by as string);
    if (opts.json) print(JSON.stringify({ executionArn: arn, approved: true, state: p.state, by: opts.by }, null, 2));
    else {
      print(`Approved "${p.state}" as ${opts.by}.`);
      print(`Follow it: ${followUp(`watch ${shellQuote(arn)}`, opts)}`);
    }
  });

  withAws(
    program
      .command('reject')
      .description('Reject the task an execution waits on (SendTaskFailure, error "Rejected")')
      .argument('<execution-arn>')
      .requiredOption('--reason <text>', 'why it is rejected (recorded in the execution)')
      .option('--by <name>', 'who rejects (required; recorded in the execution, never taken from $USER)')
      .option('--json', 'print the result as JSON'),
  ).action(async (arn: string, opts: AwsOptions & { by?: string; reason: string; json?: boolean }) => {
    const p = await reject(sfnClient(opts, arn), arn, opts.by as string, opts.reason);
    if (opts.json) {
      print(
        JSON.stringify(
          { executionArn: arn, approved: false, state: p.state, by: opts.by, reason: opts.reason },
          null,
          2,
        ),
      );
    } else print(`Rejected "${p.state}" as ${opts.by}: ${opts.reason}`);
  });

  withAws(
    program
      .command('status')
      .description("The last executions of each workflow (from the stack's outputs, --state-machine, or all listed)")
      .option('--stack <name>', 'the ha-workflows stack, e.g. ha-workflows-eu-west-1')
      .option('--state-machine <arn...>', 'state machine ARNs instead of a stack')
      .option('--limit <n>', 'executions per workflow (1-1000)', positiveInt, 5)
      .option('--json', 'print the rows as JSON'),
  ).action(async (opts: AwsOptions & { stack?: string; stateMachine?: string[]; limit: number; json?: boolean }) => {
    if (opts.limit > 1000) throw new UsageError(`--limit ${opts.limit}: at most 1000 (ListExecutions' page size)`);
    const client = sfnClient(opts, opts.stateMachine?.[0]);
    const machines = await stateMachinesToReport(client, opts, { stack: opts.stack, stateMachines: opts.stateMachine });
    const rows = await recentExecutions(client, machines, opts.limit);
    print(opts.json ? JSON.stringify(rows, null, 2) : formatStatus(rows));
  });

  withAws(
    program
      .command('redrive')
      .description(
        'Redrive an execution that ended unsuccessfully, where that is safe (docs/redrive.md); exit 1 if refused',
      )
      .argument('<execution-arn>')
      .option('--json', 'print the outcome as JSON'),
  ).action(async (arn: string, opts: AwsOptions & { json?: boolean }) => {
    const redriven = await redriveCommand(sfnClient(opts, arn), arn, opts, print);
    exit(redriven ? EXIT.ok : EXIT.failed);
  });
}

/** `dr start` and `dr unlock`: the dr-promotion workflow, in the DR region. */
function addDrCommands(program: Command, { exit, print, printErr, followUp }: CommandContext): void {
  const dr = program.command('dr').description('Disaster recovery: the dr-promotion workflow (DR region)');
  withAws(
    dr
      .command('start')
      .description(
        'Start a DR promotion (validated locally first; the same request never starts twice), then wait until the ' +
          'workflow has checked it against the deployed configuration: it waits for approval (exit 0) or failed (exit 1)',
      )
      .option('--mirror-set <name>', 'the mirror set')
      .option('--member <instance-id>', 'the DR member to promote')
      .option('--reason <text>', 'why (10-500 characters; shown to the approvers)')
      .option('--requested-by <name>', 'who asks for it (default: $USER)')
      .option('--practice', 'a practice run: every check and the approval, then nothing changes')
      .option('--approval-timeout <minutes>', 'how long to wait for an approval (default 60)', minutesOption)
      .option('--allow-unfenced', 'promote even when the old site cannot be confirmed fenced')
      .option('--force', 'promote although the old primary answers SUCCESS or a promotion is recorded')
      .option('--input <file>', 'the request as a JSON file (flags override its fields)')
      .option('--state-machine <arn>', 'the dr-promotion state machine')
      .option('--stack <name>', 'the DR stack (its DrPromotionStateMachineArn output), e.g. ha-workflows-eu-central-1')
      .option(
        '--wait <seconds>',
        'wait at most this long for the validation and preflight (0: do not wait)',
        nonNegative,
        300,
      )
      .option('--json', 'print the result as JSON'),
  ).action(
    async (
      opts: AwsOptions &
        Parameters<typeof buildDrRequest>[0] & { stateMachine?: string; stack?: string; wait: number; json?: boolean },
    ) => {
      const request = buildDrRequest({ ...opts, requestedBy: opts.requestedBy ?? process.env.USER });
      const client = sfnClient(opts, opts.stateMachine);
      const arn = await drStateMachine(client, opts, opts);
      const started = await startDrPromotion(client, arn, request);
      const point =
        started.status !== undefined && started.status !== 'RUNNING'
          ? { status: started.status, error: started.error, cause: started.cause }
          : opts.wait > 0
            ? await awaitDecisionPoint(client, started.executionArn, { maxWaitMs: opts.wait * 1000 })
            : { status: 'RUNNING' };
      const failed = point.status !== 'RUNNING' && point.status !== 'SUCCEEDED';
      const arnFlags: AwsOptions = opts;
      const follow = followUp(`watch ${shellQuote(started.executionArn)}`, arnFlags);
      if (opts.json) {
        print(JSON.stringify({ ...started, ...point, ok: !failed, follow }, null, 2));
      } else {
        print(
          started.started
            ? `Started ${started.executionArn}`
            : `Already started by the same request (${started.status}): ${started.executionArn}`,
        );
        print(`Console: ${started.consoleUrl}`);
        if (failed) {
          printErr(`The DR promotion ${point.status}${point.error ? `: ${point.error}` : ''}`);
          if (point.cause) printErr(point.cause);
        } else if ('waitingFor' in point && point.waitingFor) {
          print(`It waits for an approval ("${point.waitingFor}"):`);
          print(`  ${followUp(`approve ${shellQuote(started.executionArn)} --by <your name>`, arnFlags)}`);
          print(
            `  ${followUp(`reject ${shellQuote(started.executionArn)} --by <your name> --reason <why>`, arnFlags)}`,
          );
        } else if (point.status === 'SUCCEEDED') {
          print('It has already ended: SUCCEEDED.');
        }
        print(`Follow it: ${follow}`);
      }
      exit(failed ? EXIT.failed : EXIT.ok);
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
      const client = sfnClient(opts, opts.stateMachine);
      const result = await unlockMirrorSet(client, await drReleaseStateMachine(client, opts, opts), request);
      if (opts.json) print(JSON.stringify(result, null, 2));
      else if (result.outcome === 'released') print(`Released the lock of ${request.unlock.mirrorSet}.`);
      else if (result.outcome === 'not locked') print(`${request.unlock.mirrorSet} is not locked; nothing to do.`);
      else if (result.outcome === 'changed') print('The lock changed meanwhile; nothing was released.');
      else printErr(`Not released (${result.error ?? result.status}): ${result.cause ?? ''}`);
      if (!opts.json) print(`Execution: ${result.executionArn}`);
      exit(['released', 'not locked'].includes(result.outcome) ? EXIT.ok : EXIT.failed);
    },
  );
}

/** `local serve`: the local Step Functions endpoint. */
function addLocalCommands(program: Command, { io, print, invokedAs }: CommandContext): void {
  const local = program.command('local').description('The local Step Functions endpoint');
  local
    .command('serve')
    .description(
      'Serve the synthesized workflows on 127.0.0.1 (Step Functions JSON protocol) over the simulated region',
    )
    .option('--port <port>', 'port (0: any free port)', nonNegative, 8083)
    .option('--config <file>', `app configuration (default: ${DEFAULT_CONFIG})`)
    .option('--site <site>', "primary or dr (default: the scenario's site, else primary)")
    .option('--scenario <file>', 'start from a scenario: its configuration, environment, latency and faults')
    .option('--time-scale <n>', 'modeled seconds per wall-clock second (> 0)', Number, 1)
    .action(async (opts: { port: number; config?: string; site?: string; scenario?: string; timeScale: number }) => {
      const checked = validateServeOptions(opts);
      const { endpoint, machines } = await serve(checked);
      io.onServe?.(endpoint);
      print(`Step Functions endpoint on ${endpoint.url} — state machines:`);
      for (const m of machines) print(`  ${m}`);
      print(`Try: ${invokedAs} status --endpoint ${endpoint.url}   (Ctrl-C stops)`);
    });
}

/** The message and exit code of an error a command threw. */
function explain(e: unknown): { message: string; code: number; usage?: string } {
  if (e instanceof UsageError || e instanceof CampaignUsageError || e instanceof InvalidDrRequest) {
    return { message: e.message, code: EXIT.usage, usage: e.name };
  }
  if (e instanceof InputFileError || e instanceof NothingToApprove) return { message: e.message, code: EXIT.usage };
  if (e instanceof InvalidArgumentError) return { message: e.message, code: EXIT.usage, usage: e.code };
  // Anything else comes from the AWS call (no region, credentials or endpoint; an unknown execution or state machine).
  return { message: explainAwsError(e), code: EXIT.usage };
}

/**
 * Runs one command line (`argv` without node and the script) and returns how it ended: exit code 0 success, 1 the
 * workflow or drill failed, 2 usage or input error. Help and --version exit 0.
 */
export async function runCliOutcome(argv: readonly string[], io: CliIo): Promise<CliOutcome> {
  let exitCode: number = EXIT.ok;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return { exitCode };
  } catch (e) {
    if (e instanceof CheckedOnly) return { exitCode: EXIT.ok };
    if (e instanceof CommanderError && !(e instanceof InvalidArgumentError)) {
      // Commander has printed its message (and the help) already.
      return e.exitCode === 0 ? { exitCode: EXIT.ok } : { exitCode: EXIT.usage, usage: e.code };
    }
    const { message, code, usage } = explain(e);
    io.err(`${message}\n`);
    return { exitCode: code, ...(usage ? { usage } : {}) };
  }
}

/** `runCliOutcome`, returning the exit code only. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  return (await runCliOutcome(argv, io)).exitCode;
}
