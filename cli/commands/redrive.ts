/**
 * `ha-workflows redrive <execution-arn>`: RedriveExecution, only where a redrive is safe for the workflow.
 *
 * What a redrive does (Step Functions Developer Guide, "Restarting state machine executions with redrive",
 * redrive-executions.html): the execution goes on from the state it failed, was stopped or timed out in, with the
 * input that state had; the states before it are not rerun; a Fail state "reenters the Fail state and fails again".
 * Every Task of this project's workflows catches States.ALL, so a FAILED execution normally ended in a Fail state
 * after its own cleanup: a redrive has nothing to retry. An ABORTED or TIMED_OUT one (or one that failed with an
 * error no Catch takes, such as States.Runtime) ran no cleanup of its own: its status-change event started the
 * cleanup machine (lock janitor, DR release, backup rescue), which releases its lock and thaws what it froze. A
 * redrive from a state after its first write would go on without the lock, on decisions made before it stopped.
 * docs/redrive.md has the rules per workflow; `redriveVerdict` applies them.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  DescribeStateMachineCommand,
  type HistoryEvent,
  RedriveExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { fullHistory } from './watch';

/** The states of a definition, as far as the verdict needs them. */
interface Definition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, { readonly Type: string }>>;
}

/** How one workflow may be redriven. */
interface WorkflowRule {
  /** The workflow id (`dr-promotion`, not the construct id). */
  readonly id: string;
  /** A state only this workflow's definition has: how the CLI knows which workflow a state machine runs. */
  readonly marker: string;
  /**
   * The top-level states a redrive may restart at: each reads the world again before anything acts on it (or is a
   * Pass or Choice before such a read). Omitted: every state (a cleanup machine whose every write is conditional on
   * the ended execution, and which re-reads before each).
   */
  readonly restartable?: Restartable;
  /** What its end's status event starts, for the explanation. */
  readonly cleanup?: string;
  /** Where the execution this cleanup machine cleans up after is named in its input (a status event). */
  readonly subject?: (input: unknown) => string | undefined;
  /** A refusal this workflow adds (checked after the general rules). */
  readonly refuse?: (point: string) => string | undefined;
  /** How to run it again instead. */
  readonly instead: string;
}

/** Where a redrive may restart: only these states (and those named with `prefix`), or every state but these. */
export type Restartable =
  { readonly only: readonly string[]; readonly prefix?: string } | { readonly except: readonly string[] };

const oneOf = (...only: string[]): Restartable => ({ only });

/** Whether a rule lets a redrive restart at `state`. */
export function mayRestartAt(rule: WorkflowRule, state: string): boolean {
  const r = rule.restartable;
  if (!r) return true;
  if ('except' in r) return !r.except.includes(state);
  return r.only.includes(state) || (r.prefix !== undefined && state.startsWith(r.prefix));
}

const detailExecution = (input: unknown): string | undefined => {
  const detail = (input as { detail?: { executionArn?: unknown } } | null)?.detail;
  return typeof detail?.executionArn === 'string' ? detail.executionArn : undefined;
};

const JANITOR = 'the lock janitor (it releases every lock the execution held and records NEEDS_ATTENTION)';

/** The workflows and their redrive rules: docs/redrive.md explains each. */
export const WORKFLOW_RULES: readonly WorkflowRule[] = [
  {
    id: 'instance-recovery',
    marker: 'Take the group lock',
    // Up to the inspection: the states after it act on what it found (the lock is taken on it, then the fence).
    restartable: oneOf(
      'Read the trigger',
      'Take instance from alarm',
      'Take instance from state change',
      'Take instance from input',
      'Inspect failed instance',
    ),
    cleanup: JANITOR,
    instead: 'start a new execution with the same input (a duplicate is a no-op under the group lock)',
  },
  {
    id: 'mirror-failover',
    marker: 'Probe the mirror members under the lock',
    // Up to taking the lock: the workflow probes again under the lock before it changes a target.
    restartable: {
      prefix: 'Use mirror set ',
      only: [
        'Read the trigger',
        'Take mirror set from hook event',
        'Which mirror set?',
        'Take mirror set from alarm',
        'Take mirror set from input',
        'Probe the mirror members',
        'Start counting lock attempts',
        'Take the mirror set lock',
      ],
    },
    cleanup: JANITOR,
    instead: 'start a new execution with the same input (a duplicate is a no-op under the mirror set lock)',
  },
  {
    id: 'dr-promotion',
    marker: 'Ask an operator to approve the promotion',
    // Up to taking the lock: the preflight and the approval come after it, and run again.
    restartable: oneOf(
      'Keep the request',
      'Validate the request',
      'Is the request valid?',
      'Use the validated request',
      'Take the mirror set lock',
    ),
    cleanup: 'the DR release machine (it releases the mirror set lock the promotion held)',
    instead: 'run `ha-workflows dr start` again: a new preflight and a new approval',
  },
  {
    id: 'snapshot-backup',
    marker: 'Back up each instance',
    restartable: oneOf('Select the instances to back up'),
    refuse: (point) =>
      point === 'Back up each instance'
        ? 'a redrive reruns the instance backups still running when it stopped, under the same child execution ' +
          'names: a child that was stopped or failed meanwhile answers ExecutionAlreadyExists, which this run counts ' +
          'as "Backup already done in this run", so the run would report a backup that was not taken'
        : undefined,
    instead: 'start a new backup run (a new execution name backs up every selected instance again)',
  },
  {
    id: 'snapshot-backup-instance',
    marker: 'Take the backup lock',
    restartable: oneOf('Plan the backup'),
    cleanup:
      'the backup rescue (it thaws the database if the execution left it frozen) and the lock janitor (it releases ' +
      'the backup lock)',
    instead: 'start a new backup run',
  },
  {
    id: 'snapshot-backup-rescue',
    marker: 'Did it leave the database frozen?',
    // It decides on the instance record: only from that read on (the thaw after it is not conditional).
    restartable: oneOf(
      'Read the event',
      'Take the stopped execution from the event',
      'Does the event name an instance?',
      'Read the instance record',
    ),
    subject: detailExecution,
    instead: 'start the rescue again with the same status event as input',
  },
  {
    id: 'lock-janitor',
    marker: 'Find the locks of the ended execution',
    subject: detailExecution,
    instead: 'start the lock janitor again with the same status event as input',
  },
  {
    id: 'dr-promotion-release',
    marker: 'Release the lock of the ended execution',
    // An unlock request decides on its DescribeExecution of the holder: not from that decision on.
    restartable: {
      except: [
        'May the lock be released?',
        'Release the stale lock',
        'Keep the holder status',
        'Note the holder could not be described',
      ],
    },
    subject: detailExecution,
    instead: 'start the release again with the same input (for an unlock: run `ha-workflows dr unlock` again)',
  },
];

/** What the verdict is decided on: DescribeExecution, the state machine's definition and the full history. */
export interface RedriveFacts {
  readonly execution: Pick<DescribeExecutionOutput, 'status' | 'redriveStatus' | 'redriveStatusReason' | 'input'>;
  readonly definition: Definition;
  readonly history: readonly Pick<HistoryEvent, 'type' | 'stateEnteredEventDetails'>[];
  /**
   * For a cleanup machine: the execution it cleans up after, now (DescribeExecution), or undefined if it no longer
   * exists.
   */
  readonly subject?: Pick<DescribeExecutionOutput, 'status' | 'redriveDate'>;
}

export type RedriveVerdict =
  | { readonly redrivable: true; readonly workflow: string; readonly point: string }
  | { readonly redrivable: false; readonly workflow?: string; readonly point?: string; readonly reason: string };

/** The workflow a definition runs, by its marker state, or undefined for a state machine that is not ours. */
export function workflowOf(definition: Definition): WorkflowRule | undefined {
  return WORKFLOW_RULES.find((r) => Object.prototype.hasOwnProperty.call(definition.States, r.marker));
}

/**
 * Where a redrive restarts: the last top-level state the execution entered (as Step Functions: the failed,
 * aborted or timed-out state), and the top-level states entered before it.
 */
export function redrivePoint(
  definition: Definition,
  history: RedriveFacts['history'],
): { point: string; before: string[] } {
  const entered: string[] = [];
  for (const e of history) {
    const name = e.stateEnteredEventDetails?.name;
    if (name !== undefined && String(e.type).endsWith('StateEntered') && name in definition.States) entered.push(name);
  }
  if (entered.length === 0) return { point: definition.StartAt, before: [] };
  return { point: entered[entered.length - 1], before: entered.slice(0, -1) };
}

/** Whether `redrive` may redrive the execution, and why not. Pure: the facts are read by `readFacts`. */
export function redriveVerdict(facts: RedriveFacts): RedriveVerdict {
  const { execution, definition } = facts;
  // AWS's own refusal first (DescribeExecution says NOT_REDRIVABLE when RedriveExecution would refuse).
  if (execution.redriveStatus !== 'REDRIVABLE') {
    return {
      redrivable: false,
      reason: `Step Functions would refuse it: ${execution.redriveStatusReason ?? `status ${execution.status}`}`,
    };
  }
  const rule = workflowOf(definition);
  if (!rule) {
    return {
      redrivable: false,
      reason: 'its state machine runs none of the ha-workflows workflows, so this command has no rule for it',
    };
  }
  const workflow = rule.id;
  const { point, before } = redrivePoint(definition, facts.history);
  const type = definition.States[point]?.Type;
  if (type === 'Fail') {
    return {
      redrivable: false,
      workflow,
      point,
      reason:
        `it ended in the Fail state "${point}" after its own failure path: a redrive re-enters ` +
        'that Fail state and fails again, retrying nothing, and its second FAILED status event only runs the ' +
        `cleanup again. Instead, ${rule.instead}`,
    };
  }
  const restartable = (state: string) => mayRestartAt(rule, state);
  const ended = `It ended ${execution.status}${rule.cleanup ? `; its status event started ${rule.cleanup}` : ''}`;
  // A Task entered before the redrive point that is not one of the re-reading states may have written (a lock, a
  // fence, a freeze): the cleanup has undone it, and the states after it rely on it.
  const wrote = before.find(
    (s) => definition.States[s]?.Type !== 'Pass' && definition.States[s]?.Type !== 'Choice' && !restartable(s),
  );
  if (wrote !== undefined) {
    return {
      redrivable: false,
      workflow,
      point,
      reason:
        `a redrive would go on from "${point}", after "${wrote}" had run. ${ended}, so the execution no longer ` +
        'holds what it took (another execution may hold the lock by now), and the states from the redrive point on ' +
        `act on what it read before it stopped. Instead, ${rule.instead}`,
    };
  }
  const special = rule.refuse?.(point);
  if (special) return { redrivable: false, workflow, point, reason: `${special}. Instead, ${rule.instead}` };
  if (!restartable(point)) {
    return {
      redrivable: false,
      workflow,
      point,
      reason:
        `a redrive would restart at "${point}", which acts on what the execution read before it stopped (stale ` +
        `now). ${ended}. Instead, ${rule.instead}`,
    };
  }
  if (rule.subject && facts.subject) {
    const subject = facts.subject;
    const subjectArn = rule.subject(parseInput(execution.input)) ?? '?';
    // The ended execution was redriven meanwhile: it may hold a lock again, legitimately; a cleanup run now would
    // release it from under it.
    if (subject.status === 'RUNNING') {
      return {
        redrivable: false,
        workflow,
        point,
        reason: `the execution it cleans up after (${subjectArn}) is RUNNING again (redriven${
          subject.redriveDate ? ` at ${subject.redriveDate.toISOString()}` : ''
        }): a cleanup run now could release what it holds. Wait until it has ended; its own end starts a new cleanup`,
      };
    }
  }
  return { redrivable: true, workflow, point };
}

function parseInput(input: string | undefined): unknown {
  try {
    return JSON.parse(input ?? '{}') as unknown;
  } catch {
    return undefined;
  }
}

/** Reads what the verdict needs: DescribeExecution, DescribeStateMachine, the whole history (and the subject). */
export async function readFacts(client: SFNClient, executionArn: string): Promise<RedriveFacts> {
  const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
  const machine = await client.send(new DescribeStateMachineCommand({ stateMachineArn: execution.stateMachineArn }));
  const definition = JSON.parse(machine.definition ?? '{}') as Definition;
  const history = await fullHistory(client, executionArn);
  const rule = workflowOf(definition);
  const subjectArn = rule?.subject?.(parseInput(execution.input));
  let subject: RedriveFacts['subject'];
  if (subjectArn) {
    try {
      subject = await client.send(new DescribeExecutionCommand({ executionArn: subjectArn }));
    } catch (e) {
      if ((e as Error).name !== 'ExecutionDoesNotExist') throw e;
    }
  }
  return { execution, definition, history, subject };
}

export interface RedriveOutcome {
  readonly verdict: RedriveVerdict;
  /** Set when the execution was redriven. */
  readonly redriveDate?: Date;
}

/** Checks the execution and redrives it if the verdict allows. */
export async function redrive(client: SFNClient, executionArn: string): Promise<RedriveOutcome> {
  const verdict = redriveVerdict(await readFacts(client, executionArn));
  if (!verdict.redrivable) return { verdict };
  const out = await client.send(new RedriveExecutionCommand({ executionArn }));
  return { verdict, redriveDate: out.redriveDate };
}

/** The lines `redrive` prints. */
export function formatRedrive(executionArn: string, outcome: RedriveOutcome): string {
  const { verdict } = outcome;
  if (verdict.redrivable) {
    return (
      `Redriven (${verdict.workflow}) from "${verdict.point}" at ${outcome.redriveDate?.toISOString() ?? '?'}: ` +
      `${executionArn}`
    );
  }
  return `Not redriven${verdict.workflow ? ` (${verdict.workflow})` : ''}: ${verdict.reason}.`;
}

/**
 * The command's action: prints the outcome and sets the exit code (0 redriven, 1 refused here or by Step Functions
 * with ExecutionNotRedrivable). Any other error propagates (the CLI prints it and exits 2: an unknown or malformed
 * ARN is an input error).
 */
export async function redriveCommand(
  client: SFNClient,
  executionArn: string,
  opts: { json?: boolean },
  print: (line: string) => void = (line) => console.log(line),
): Promise<boolean> {
  let outcome: RedriveOutcome;
  try {
    outcome = await redrive(client, executionArn);
  } catch (e) {
    // Refused by Step Functions between the check and the call (e.g. it was redriven meanwhile).
    if ((e as Error).name !== 'ExecutionNotRedrivable') throw e;
    outcome = { verdict: { redrivable: false, reason: `Step Functions refused it: ${(e as Error).message}` } };
  }
  const { verdict } = outcome;
  print(
    opts.json
      ? JSON.stringify(
          {
            executionArn,
            redriven: verdict.redrivable,
            workflow: verdict.workflow,
            point: verdict.point,
            ...(verdict.redrivable ? { redriveDate: outcome.redriveDate?.toISOString() } : { reason: verdict.reason }),
          },
          null,
          2,
        )
      : formatRedrive(executionArn, outcome),
  );
  return verdict.redrivable;
}
