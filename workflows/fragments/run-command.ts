import type { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { States } from '../../contracts/errors';
import { INVOCATION_VISIBLE_RETRY } from './retry';
import { AwsCall } from './tasks';

/** Statuses of an invocation that has not ended (GetCommandInvocation `Status`). */
export const RUNNING_COMMAND_STATUSES = ['Pending', 'InProgress', 'Delayed'] as const;

/** SendCommand's delivery timeout (`TimeoutSeconds`): the API's minimum. */
export const SEND_COMMAND_DELIVERY_TIMEOUT_SECONDS = 30;

/** A Choice condition: the invocation's status (at `path`) says it has not ended. */
export function commandStillRunning(path: string): sfn.Condition {
  return sfn.Condition.or(...RUNNING_COMMAND_STATUSES.map((s) => sfn.Condition.stringEquals(path, s)));
}

/** What GetCommandInvocation answers, by the name the fragment keeps it under in `resultPath`. */
export const INVOCATION_FIELDS = {
  status: '$.Status',
  details: '$.StatusDetails',
  code: '$.ResponseCode',
  output: '$.StandardOutputContent',
  errors: '$.StandardErrorContent',
  endedAt: '$.ExecutionEndDateTime',
} as const;
export type InvocationField = keyof typeof INVOCATION_FIELDS;

/** The states of one command: SendCommand, the poll loop around GetCommandInvocation, and its decision. */
export interface RunCommandNames {
  /** The SendCommand task, e.g. "Freeze the database". */
  readonly send: string;
  /** The GetCommandInvocation task, e.g. "Read the freeze result". */
  readonly read: string;
  /** The Pass that sets the poll counter to 1. */
  readonly start: string;
  /** The Wait between two reads. */
  readonly wait: string;
  /** The Pass that counts a read. */
  readonly count: string;
  /** The Choice after each read. */
  readonly decide: string;
}

/**
 * Names from a few words for the command ("the freeze"): "Send the freeze", "Read the result of the freeze",
 * "Start checking the freeze", "Wait for the freeze", "Count check of the freeze", "Has the freeze ended?"; any of
 * them can be named otherwise.
 */
export function runCommandNames(what: string, overrides: Partial<RunCommandNames> = {}): RunCommandNames {
  return {
    send: `Send ${what}`,
    read: `Read the result of ${what}`,
    start: `Start checking ${what}`,
    wait: `Wait for ${what}`,
    count: `Count check of ${what}`,
    decide: `Has ${what} ended?`,
    ...overrides,
  };
}

/** The names `pollUntil` gives its loop for a label ("the promotion finished" → "Is the promotion finished?", …). */
export function pollUntilNames(label: string): Pick<RunCommandNames, 'start' | 'wait' | 'count' | 'decide'> {
  return {
    start: `Start checking ${label}`,
    wait: `Wait before checking ${label}`,
    count: `Count check of ${label}`,
    decide: `Is ${label}?`,
  };
}

/** Where an error of the SendCommand or GetCommandInvocation task goes (after the task's own Retry). */
export interface CommandCatch {
  /** @default [States.ALL] */
  readonly errors?: readonly string[];
  readonly next: sfn.IChainable;
  readonly resultPath: string;
}

/**
 * Poll until the command ends, whatever its status, then go to `ended` (which reads `<resultPath>.status`). The
 * loop is `pollUntil`'s, waiting first: start → wait → count → read → ended? / polls used up? / wait.
 */
export interface UntilEnded {
  readonly ended: sfn.IChainable;
  /** After the last poll, when the command still runs. */
  readonly stillRunning: sfn.IChainable;
}

/**
 * Classify the command as it ends: start → wait → read → Success? / still running with polls left → count →
 * wait / timed out? / failed.
 */
export interface ByStatus {
  /** Status `Success`. */
  readonly succeeded: sfn.IChainable;
  /** Any other end (and, without `timedOut`, still running after the last poll). */
  readonly failed: sfn.IChainable;
  /**
   * Still running after the last poll, or status `TimedOut`.
   * @default - `failed`, through the same branch as any other end
   */
  readonly timedOut?: sfn.IChainable;
  /**
   * Changes only the order in which the states are listed in the rendered definition, not what they do: link the
   * counter back to the wait before the first pass reaches it (CDK lists states in the order it finds their links).
   * Lets a definition that predates this fragment render byte for byte as before.
   * @default false
   */
  readonly countWiredFirst?: boolean;
}

export interface RunCommandProps {
  /** JSONPath of the SSM document's name. */
  readonly documentPath: string;
  /** JSONPath of the one instance the command runs on. */
  readonly instanceIdPath: string;
  /** JSONPath (or intrinsic) giving SendCommand's `Parameters`. */
  readonly parameters: string;
  /** SendCommand's `Comment`: a literal, or a JsonPath token (`formatted(…)`). */
  readonly comment: string;
  /** @default SEND_COMMAND_DELIVERY_TIMEOUT_SECONDS */
  readonly deliveryTimeoutSeconds?: number;
  /** The statements that allow this SendCommand (document and instances). */
  readonly sendPolicy: readonly iam.PolicyStatement[];
  /** The statements that allow GetCommandInvocation. */
  readonly readPolicy: readonly iam.PolicyStatement[];
  /** Where SendCommand's answer is kept, as `{ commandId }`. */
  readonly commandPath: string;
  /** Where each read is kept: the fields of `keep`, in that order. */
  readonly resultPath: string;
  /** What to keep of GetCommandInvocation's answer (`status` at least: the decision reads it). */
  readonly keep: readonly InvocationField[];
  /** @default throttlingRetry (AwsCall's default) */
  readonly sendRetry?: sfn.RetryProps;
  /**
   * Added after AwsCall's own (throttling, and a read's States.Timeout).
   * @default [INVOCATION_VISIBLE_RETRY]: the invocation may not be visible yet right after SendCommand
   */
  readonly readRetries?: readonly sfn.RetryProps[];
  /** Errors of SendCommand, in order. @default - none: an error fails the execution */
  readonly catchSend?: readonly CommandCatch[];
  /** Errors of GetCommandInvocation, in order. @default - none: an error fails the execution */
  readonly catchRead?: readonly CommandCatch[];
  /** Pause before each read. */
  readonly interval: Duration;
  /** Reads at most this many; a string is a JSONPath to that number. */
  readonly maxPolls: number | string;
  /** Where the poll counter lives (`{ attempts }`). */
  readonly counterPath: string;
  /** Where to go when the command ends, or does not end in time. */
  readonly outcome: UntilEnded | ByStatus;
}

/**
 * Run Command on one instance: SendCommand, then wait and read its invocation (GetCommandInvocation, retried while
 * the invocation is not visible yet) until it ends or the polls are used up, then go where the outcome says. Every
 * loop passes a Choice that reads the poll counter, so it always ends. Returns the SendCommand task (the chain's
 * first state).
 */
export function runCommand(
  scope: Construct,
  idPrefixOrNames: string | RunCommandNames,
  props: RunCommandProps,
): sfn.TaskStateBase {
  const names = typeof idPrefixOrNames === 'string' ? runCommandNames(idPrefixOrNames) : idPrefixOrNames;
  const status = `${props.resultPath}.status`;
  const attempts = `${props.counterPath}.attempts`;

  const send = new AwsCall(scope, names.send, {
    service: 'ssm',
    action: 'sendCommand',
    parameters: {
      'DocumentName.$': props.documentPath,
      'InstanceIds.$': `States.Array(${props.instanceIdPath})`,
      'Parameters.$': props.parameters,
      TimeoutSeconds: props.deliveryTimeoutSeconds ?? SEND_COMMAND_DELIVERY_TIMEOUT_SECONDS,
      Comment: props.comment,
    },
    policy: props.sendPolicy,
    resultSelector: { 'commandId.$': '$.Command.CommandId' },
    resultPath: props.commandPath,
    retry: props.sendRetry,
  });
  addCatches(send, props.catchSend);

  const read = new AwsCall(scope, names.read, {
    service: 'ssm',
    action: 'getCommandInvocation',
    parameters: { 'CommandId.$': `${props.commandPath}.commandId`, 'InstanceId.$': props.instanceIdPath },
    policy: props.readPolicy,
    resultSelector: Object.fromEntries(props.keep.map((f) => [`${f}.$`, INVOCATION_FIELDS[f]])),
    resultPath: props.resultPath,
  });
  for (const retry of props.readRetries ?? [INVOCATION_VISIBLE_RETRY]) read.addRetry(retry);
  addCatches(read, props.catchRead);

  const start = new sfn.Pass(scope, names.start, {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: props.counterPath,
  });
  const wait = new sfn.Wait(scope, names.wait, { time: sfn.WaitTime.duration(props.interval) });
  const count = new sfn.Pass(scope, names.count, {
    parameters: { 'attempts.$': `States.MathAdd(${attempts}, 1)` },
    resultPath: props.counterPath,
  });

  if ('ended' in props.outcome) {
    const decide = new sfn.Choice(scope, names.decide)
      .when(sfn.Condition.not(commandStillRunning(status)), props.outcome.ended)
      .when(
        typeof props.maxPolls === 'number'
          ? sfn.Condition.numberGreaterThanEquals(attempts, props.maxPolls)
          : sfn.Condition.numberGreaterThanEqualsJsonPath(attempts, props.maxPolls),
        props.outcome.stillRunning,
      )
      .otherwise(wait);
    wait.next(count).next(read).next(decide);
    send.next(start.next(wait));
  } else {
    const decide = new sfn.Choice(scope, names.decide)
      .when(sfn.Condition.stringEquals(status, 'Success'), props.outcome.succeeded)
      .when(
        sfn.Condition.and(
          commandStillRunning(status),
          typeof props.maxPolls === 'number'
            ? sfn.Condition.numberLessThan(attempts, props.maxPolls)
            : sfn.Condition.numberLessThanJsonPath(attempts, props.maxPolls),
        ),
        count,
      );
    if (props.outcome.timedOut) {
      decide.when(
        sfn.Condition.or(commandStillRunning(status), sfn.Condition.stringEquals(status, 'TimedOut')),
        props.outcome.timedOut,
      );
    }
    decide.otherwise(props.outcome.failed);
    if (props.outcome.countWiredFirst) count.next(wait);
    send.next(start).next(wait).next(read).next(decide);
    if (!props.outcome.countWiredFirst) count.next(wait);
  }
  return send;
}

function addCatches(task: sfn.TaskStateBase, catches: readonly CommandCatch[] = []): void {
  for (const c of catches) {
    task.addCatch(c.next, { errors: [...(c.errors ?? [States.ALL])], resultPath: c.resultPath });
  }
}
