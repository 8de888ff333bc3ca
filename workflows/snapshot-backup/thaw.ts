import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { API_CALL_TIMEOUT, notify, runCommand, runCommandNames } from '../fragments';
import { BUDGETS } from '../fragments/retry';
import { Errors } from '../../contracts/errors';

/**
 * How often a freeze or thaw command's result is read (SendCommand's delivery timeout is the fragment's,
 * SEND_COMMAND_DELIVERY_TIMEOUT_SECONDS).
 */
export const COMMAND_POLL_INTERVAL = Duration.seconds(1);

/**
 * Every thaw failed (the backup's or the rescue's): the highest-severity notification, then the execution fails with
 * THAW_FAILED and `cause` (what is left for whom). Returns the notification, the thaw's `failed`.
 */
export function notifyMayStillBeFrozen(scope: Construct, topic: sns.ITopic, cause: string, message: string) {
  return notify(scope, 'Notify the database may still be frozen', {
    topic,
    subject: 'ha-workflows: CRITICAL - database may still be FROZEN',
    message,
    then: new sfn.Fail(scope, 'Database may still be frozen', { error: Errors.THAW_FAILED, cause }),
  });
}

/** Thaw attempts of a backup before the highest-severity notification, and the pause between two. */
export const THAW_ATTEMPTS = 5;
export const THAW_RETRY_PAUSE = Duration.seconds(5);

/**
 * Thaw attempts of the rescue, and the pause between two. The rescue is the last thing that thaws a database a
 * backup left frozen (nothing rescues the rescue), so it keeps trying far longer than the backup: at least
 * 19 × 30 s = 9.5 min of pauses besides the attempts themselves. Found by the fault campaign: a thaw failing ten
 * times in a row, or SSM failing half of its SendCommands for two minutes, outlasted a rescue of 5 attempts 5 s
 * apart and left the database frozen. A thaw of a database already thawed does nothing (it prints
 * WRITES_RESUMED_BEFORE_THAW), so trying again is always safe.
 */
export const RESCUE_THAW_ATTEMPTS = 20;
export const RESCUE_THAW_PAUSE = Duration.seconds(30);

/**
 * The longest a whole thaw (every attempt) can take, in seconds, when every call takes as long as it may:
 * per attempt, SendCommand with its throttling retries (6 × 30 s timeout + 31 s of backoff), then `maxPolls` rounds
 * of one poll interval plus a GetCommandInvocation that answers just before its 30 s timeout, then the pause.
 * With the default 70 polls, a backup's thaw: 5 × (211 + 70 × 31 + 5) = 11,930 s; the rescue's:
 * 20 × (211 + 70 × 31 + 30) = 48,220 s. A machine that must reach the end of its thaw (the rescue: nothing rescues
 * it) takes at least this as its TimeoutSeconds.
 */
export function thawWorstCaseSeconds(
  maxPolls: number,
  attempts: number = THAW_ATTEMPTS,
  pause: Duration = THAW_RETRY_PAUSE,
): number {
  const call = API_CALL_TIMEOUT.toSeconds();
  // SendCommand under throttlingRetry: every attempt may time out, plus the budget's worst backoff (31 s).
  const send = (BUDGETS.THROTTLING.retries + 1) * call + BUDGETS.THROTTLING.worstWaitSeconds;
  const perAttempt = send + maxPolls * (COMMAND_POLL_INTERVAL.toSeconds() + call) + pause.toSeconds();
  return attempts * perAttempt;
}

export interface ThawChainProps {
  /** The statements that allow SendCommand of the thaw documents on the backed-up instances. */
  readonly sendCommandPolicy: readonly iam.PolicyStatement[];
  /** The statement that allows GetCommandInvocation. */
  readonly readCommandPolicy: iam.PolicyStatement;
  readonly instanceIdPath: string;
  /** The thaw document's name. */
  readonly documentPath: string;
  /** A JSONPath (or intrinsic) giving SendCommand's `Parameters`. */
  readonly parameters: string;
  /** Where the number of 1-s polls one thaw may take is. */
  readonly maxPollsPath: string;
  /** Where the thaw attempt counter is (`{ attempts }`, set to 0 before the freeze). */
  readonly attemptsPath: string;
  /** After a thaw confirmed on the instance (`$.thawResult` holds status, endedAt, output). */
  readonly thawed: sfn.IChainable;
  /** After every attempt failed: the database may still be frozen. */
  readonly failed: sfn.IChainable;
  /** Attempts before `failed` (default THAW_ATTEMPTS). */
  readonly attempts?: number;
  /** The pause between two attempts (default THAW_RETRY_PAUSE). */
  readonly pause?: Duration;
}

/**
 * The thaw: SendCommand of the thaw document, then its result read every second, and the whole again up to
 * `attempts` times (`pause` apart; THAW_ATTEMPTS, 5 s by default) when it fails, cannot be sent, or does not end within its polls. Both loops
 * pass a Choice on an attempt counter. Returns the first state (the SendCommand), which nothing precedes on the
 * frozen path but the CreateSnapshots call.
 */
export function thawChain(scope: Construct, props: ThawChainProps): sfn.TaskStateBase {
  const countAttempt = new sfn.Pass(scope, 'Count the failed thaw attempt', {
    parameters: { 'attempts.$': `States.MathAdd(${props.attemptsPath}.attempts, 1)` },
    resultPath: props.attemptsPath,
  });
  const pause = new sfn.Wait(scope, 'Wait before thawing again', {
    time: sfn.WaitTime.duration(props.pause ?? THAW_RETRY_PAUSE),
  });
  const again = new sfn.Choice(scope, 'Try the thaw again?')
    .when(sfn.Condition.numberLessThan(`${props.attemptsPath}.attempts`, props.attempts ?? THAW_ATTEMPTS), pause)
    .otherwise(props.failed);
  countAttempt.next(again);

  const failedAttempt = { next: countAttempt, resultPath: '$.thawError' };
  const thaw = runCommand(
    scope,
    runCommandNames('the thaw', {
      send: 'Thaw the database',
      read: 'Read the thaw result',
      count: 'Count thaw check',
      decide: 'Is the database thawed?',
    }),
    {
      documentPath: props.documentPath,
      instanceIdPath: props.instanceIdPath,
      parameters: props.parameters,
      comment: 'ha-workflows snapshot-backup: thaw',
      sendPolicy: props.sendCommandPolicy,
      readPolicy: [props.readCommandPolicy],
      commandPath: '$.thaw',
      resultPath: '$.thawResult',
      keep: ['status', 'details', 'code', 'endedAt', 'output'],
      catchSend: [failedAttempt],
      catchRead: [failedAttempt],
      interval: COMMAND_POLL_INTERVAL,
      maxPolls: props.maxPollsPath,
      counterPath: '$.polls.thaw',
      // A thaw that fails, or does not end within its polls, is tried again.
      outcome: { succeeded: props.thawed, failed: countAttempt },
    },
  );
  pause.next(thaw);
  return thaw;
}
