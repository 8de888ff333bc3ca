import { createHash } from 'node:crypto';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListStateMachinesCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { describeIssues } from '../../lib/issues';
import { readJsonFile } from '../../lib/json-file';
import { type DrPromotionRequest, drPromotionRequestSchema } from '../../workflows/dr-promotion/input';
import { ALIAS_OUTPUT_SUFFIX, LIVE_ALIAS, STATE_MACHINE_OUTPUT_SUFFIX } from '../../workflows/base/ha-state-machine';
import { type AwsOptions, cloudFormationClient } from '../aws';
import { pendingApproval } from './approve';
import { historySince } from './watch';

/** The stack output naming the DR promotion state machine. */
export const DR_PROMOTION_OUTPUT = `DrPromotion${STATE_MACHINE_OUTPUT_SUFFIX}`;

/** What `dr start` was given: flags, and optionally a request file whose fields the flags override. */
export interface DrStartFlags {
  readonly mirrorSet?: string;
  readonly member?: string;
  readonly reason?: string;
  readonly requestedBy?: string;
  readonly practice?: boolean;
  readonly approvalTimeout?: number;
  readonly allowUnfenced?: boolean;
  readonly force?: boolean;
  readonly input?: string;
}

/** The request was refused before any call; `problems` has one line per problem. */
export class InvalidDrRequest extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The DR promotion request is invalid; nothing was started:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidDrRequest';
  }
}

/**
 * The request the flags (over the file's fields) describe, validated with the workflow's own schema. Throws
 * InvalidDrRequest listing every problem; makes no AWS call.
 */
export function buildDrRequest(flags: DrStartFlags): DrPromotionRequest {
  let base: Record<string, unknown> = {};
  if (flags.input !== undefined) {
    const read = readJsonFile(flags.input);
    if ('problem' in read) throw new InvalidDrRequest([`--input ${flags.input}: ${read.problem}`]);
    if (read.data === null || typeof read.data !== 'object' || Array.isArray(read.data)) {
      throw new InvalidDrRequest([`--input ${flags.input}: expected a JSON object`]);
    }
    base = read.data as Record<string, unknown>;
  }
  const fromFlags: Record<string, unknown> = {
    mirrorSet: flags.mirrorSet,
    member: flags.member,
    reason: flags.reason,
    requestedBy: flags.requestedBy,
    practice: flags.practice,
    approvalTimeoutMinutes: flags.approvalTimeout,
    allowUnfenced: flags.allowUnfenced,
    force: flags.force,
  };
  const request = { ...base, ...Object.fromEntries(Object.entries(fromFlags).filter(([, v]) => v !== undefined)) };
  const parsed = drPromotionRequestSchema.safeParse(request);
  if (!parsed.success) throw new InvalidDrRequest(describeIssues(request, parsed.error.issues));
  return parsed.data;
}

/**
 * The execution's name: derived from the whole request (defaults filled in, keys sorted), so the same command run
 * twice names the same execution, and Step Functions' name idempotency keeps it to one. ≤ 80 characters.
 */
export function drExecutionName(request: DrPromotionRequest): string {
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(request).sort(([a], [b]) => a.localeCompare(b))));
  const hash = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  const set = request.mirrorSet.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  return `dr-${request.practice ? 'practice-' : ''}${set}-${hash}`;
}

/** The console page of an execution. */
export function consoleLink(executionArn: string): string {
  const region = executionArn.split(':')[3];
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** How to find one of the DR stack's state machines when the caller does not name it. */
export interface StateMachineLookup {
  /** The DR stack's output that holds its ARN. */
  readonly output: string;
  /** What it is, for the error: "DR promotion state machines". */
  readonly what: string;
  /** Whether a listed state machine's name is this one. */
  readonly nameMatches: (name: string) => boolean;
}

/**
 * What to start of a DR stack's state machine: its live alias (`<state machine ARN>:live`), so a deploy never changes
 * the definition under a running execution. From the stack's alias output; from `--state-machine` (an unqualified
 * ARN is qualified with the live alias, a version or alias ARN is kept); or the listed state machine whose name says
 * so, qualified with the live alias.
 */
export async function findStateMachine(
  client: SFNClient,
  aws: AwsOptions,
  opts: { readonly stateMachine?: string; readonly stack?: string },
  lookup: StateMachineLookup,
): Promise<string> {
  const live = (arn: string) => (/:stateMachine:[^:]+$/.test(arn) ? `${arn}:${LIVE_ALIAS}` : arn);
  if (opts.stateMachine) return live(opts.stateMachine);
  if (opts.stack) {
    const output = lookup.output.replace(new RegExp(`${STATE_MACHINE_OUTPUT_SUFFIX}$`), ALIAS_OUTPUT_SUFFIX);
    const out = await cloudFormationClient(aws).send(new DescribeStacksCommand({ StackName: opts.stack }));
    const arn = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === output)?.OutputValue;
    if (!arn) throw new Error(`Stack ${opts.stack} has no output ${output}: is it the DR stack?`);
    return arn;
  }
  const listed = await client.send(new ListStateMachinesCommand({}));
  const found = (listed.stateMachines ?? []).filter((m) => lookup.nameMatches(m.name ?? ''));
  if (found.length !== 1) {
    throw new Error(`Found ${found.length} ${lookup.what}; pass --state-machine <arn> or --stack <DR stack name>.`);
  }
  return live(found[0].stateMachineArn!);
}

/**
 * The ARN of the execution `name` of a state machine, started through an alias or a version or not: built from the
 * state machine's name (`arn:…:execution:<state machine name>:<name>`), never from the qualifier.
 */
export function executionArnOf(stateMachineArn: string, name: string): string {
  const unqualified = stateMachineArn.replace(/^(.*:stateMachine:[^:]+):[^:]+$/, '$1');
  return `${unqualified.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Finds one of the DR stack's state machines (see `findStateMachine`): from `opts`, else its output, else its name. */
export type StateMachineFinder = (
  client: SFNClient,
  aws: AwsOptions,
  opts: { readonly stateMachine?: string; readonly stack?: string },
) => Promise<string>;

/** The finder of the state machine `lookup` describes. */
export function stateMachineFinder(lookup: StateMachineLookup): StateMachineFinder {
  return (client, aws, opts) => findStateMachine(client, aws, opts, lookup);
}

/** The DR promotion state machine: given, from the stack's output, or the one listed whose name says so. */
export const drStateMachine = stateMachineFinder({
  output: DR_PROMOTION_OUTPUT,
  what: 'DR promotion state machines',
  // (the release machine, DrPromotionRelease…, is not the promotion)
  nameMatches: (name) => /DrPromotion/.test(name) && !/DrPromotion.*Release/.test(name),
});

export interface DrStarted {
  readonly executionArn: string;
  /** False when the same request had already started it (a retried command). */
  readonly started: boolean;
  /** The execution's status when it already existed. */
  readonly status?: string;
  /** Why an execution that already existed did not succeed (DescribeExecution's error and cause). */
  readonly error?: string;
  readonly cause?: string;
  readonly consoleUrl: string;
}

/**
 * Starts the execution named after the request, unless it exists: a retried command reports the existing execution
 * and its status. Between the look and the start, Step Functions' name idempotency still keeps it to one (the same
 * name and input while it runs returns the same execution; after it closed, ExecutionAlreadyExists).
 */
export async function startDrPromotion(
  client: SFNClient,
  stateMachineArn: string,
  request: DrPromotionRequest,
): Promise<DrStarted> {
  const name = drExecutionName(request);
  const executionArn = executionArnOf(stateMachineArn, name);
  const existing = async (): Promise<DrStarted> => {
    const found = await client.send(new DescribeExecutionCommand({ executionArn }));
    return {
      executionArn,
      started: false,
      status: found.status,
      ...(found.error ? { error: found.error } : {}),
      ...(found.cause ? { cause: found.cause } : {}),
      consoleUrl: consoleLink(executionArn),
    };
  };
  try {
    return await existing();
  } catch (e) {
    if (!(e instanceof ExecutionDoesNotExist)) throw e;
  }
  try {
    const out = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(request) }));
    return { executionArn: out.executionArn!, started: true, consoleUrl: consoleLink(out.executionArn!) };
  } catch (e) {
    if (!(e instanceof ExecutionAlreadyExists)) throw e;
    return existing();
  }
}

/** Where a DR promotion stands once the workflow has checked the request (or the wait is over). */
export interface DrDecisionPoint {
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED. */
  readonly status: string;
  /** The approval task it waits on (it passed validation and preflight). */
  readonly waitingFor?: string;
  readonly error?: string;
  readonly cause?: string;
}

/**
 * Waits until the workflow has validated the request against the deployed configuration and run its preflight: until
 * the execution waits for its approval, or has ended (an invalid mirror set or member ends it FAILED with
 * `InvalidInput` and every problem in the cause). Bounded by `maxWaitMs`: then it reports RUNNING.
 */
export async function awaitDecisionPoint(
  client: SFNClient,
  executionArn: string,
  options: { readonly pollMs?: number; readonly maxWaitMs: number; readonly now?: () => number },
): Promise<DrDecisionPoint> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.maxWaitMs;
  const events: Awaited<ReturnType<typeof historySince>> = [];
  for (let poll = 0; ; poll++) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    const status = d.status ?? 'UNKNOWN';
    if (status !== 'RUNNING') {
      return { status, ...(d.error ? { error: d.error } : {}), ...(d.cause ? { cause: d.cause } : {}) };
    }
    // With the execution data: the approval task's parameters carry its token (pendingApproval reads it).
    const after = events.at(-1)?.id ?? 0;
    events.push(...(await historySince(client, executionArn, after, { includeExecutionData: true })));
    const pending = pendingApproval(events);
    if (pending) return { status, waitingFor: pending.state };
    if (now() >= deadline) return { status };
    // 0.1 s, 0.2 s, 0.4 s, … up to 1 s: a quick answer comes quickly, a long preflight costs one call a second.
    await new Promise((r) => setTimeout(r, options.pollMs ?? Math.min(1000, 100 * 2 ** poll)));
  }
}
