import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { throttlingRetry } from '../../fragments';
import { Errors, States } from '../../../contracts/errors';
import { APPROVED, PREFLIGHT, REQ, SET } from './constants';
import type { DrSteps } from './context';
import { preflightPayload } from './preflight';

/** The decision on the preflight, and the approval it asks for. */
export interface ApprovalSteps {
  /** After the preflight: refuse what it found, or ask for the approval. */
  readonly decide: sfn.Choice;
  /** The approval task (then `askApproval.next(…)`): waits for a task token, `$.approval` is its answer. */
  readonly askApproval: sfn.CustomState;
}

/**
 * 3. Refuse when the preflight found the old primary answering, a promotion recorded or the DR member not running;
 * else ask an operator to approve (SNS with a task token). No answer in time, or a rejection, fails (audited).
 */
export function askForApproval(steps: DrSteps): ApprovalSteps {
  const { scope, deps, partition, onFailure, auditFailed, failWith } = steps;
  // A CustomState: CDK's SnsPublish wants the token in the message; `ha-workflows approve` reads it from the
  // message attribute `TaskToken` of the waiting task's Parameters, and the message stays readable.
  const askApproval = new sfn.CustomState(scope, 'Ask an operator to approve the promotion', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${partition}:states:::sns:publish.waitForTaskToken`,
      Parameters: {
        TopicArn: deps.topic.topicArn,
        Subject: 'ha-workflows: APPROVE the DR promotion?',
        'Message.$':
          "States.Format('A DR promotion waits for your decision.\n\nMirror set: {}\nDR member to promote: {}\n" +
          'Requested by: {}\nReason: {}\nPractice run (nothing will change): {}\n\n' +
          'Preflight, as of this request (the data-loss window below is as of now; the old site is checked again ' +
          'right after your approval, before anything changes):\n{}\n\n' +
          'Promoting an asynchronous DR member loses every transaction it had not yet received when the old primary ' +
          'stopped (see the mirror state above). Once approved, the old site is fenced, the member promoted and ' +
          "traffic switched, without another question.\n\nApprove: {}\nReject:  {}\n\nExecution: {}', " +
          `${SET}.name, ${REQ}.member, ${REQ}.requestedBy, ${REQ}.reason, ${REQ}.practice, ${PREFLIGHT}.summary, ` +
          `${PREFLIGHT}.approveCommand, ${PREFLIGHT}.rejectCommand, $$.Execution.Id)`,
        MessageAttributes: { TaskToken: { DataType: 'String', 'StringValue.$': '$$.Task.Token' } },
      },
      // Approvers send no heartbeats, so the heartbeat is the request's approval timeout (≤ the configured maximum,
      // checked by the validation); TimeoutSeconds is the maximum plus a minute.
      HeartbeatSecondsPath: `${REQ}.approvalTimeoutSeconds`,
      TimeoutSeconds: deps.maxApprovalTimeout.toSeconds() + 60,
      ResultPath: '$.approval',
    },
  });
  askApproval.addRetry(throttlingRetry(askApproval));
  const timedOut = failWith(
    'Note nobody decided in time',
    Errors.APPROVAL_TIMED_OUT,
    `States.Format('Nobody approved or rejected the promotion within {} s; nothing was changed', ${REQ}.approvalTimeoutSeconds)`,
  );
  askApproval.addCatch(timedOut, { errors: [States.TIMEOUT, States.HEARTBEAT_TIMEOUT], resultPath: '$.failure' });
  // A rejection fails the task with `Rejected` (what `ha-workflows reject` sends): recorded as such.
  askApproval.addCatch(auditFailed, { errors: [Errors.REJECTED], resultPath: '$.failure' });
  askApproval.addCatch(auditFailed, onFailure);

  const decide = whenRefused(steps, new sfn.Choice(scope, 'What did the preflight find?'), PREFLIGHT, {
    [Errors.PRIMARY_STILL_ACTIVE]: 'Note the old primary still answers',
    [Errors.ALREADY_PROMOTED]: 'Note the promotion is already recorded',
    [Errors.DR_MEMBER_NOT_RUNNING]: 'Note the DR member is not running',
  }).otherwise(askApproval);
  return { decide, askApproval };
}

/**
 * 3b. Right after the approval, immediately before fencing: is it an approval (a named approver, `approved: true`),
 * and is the old site still down? The preflight function checks both again; then `proceed`.
 */
export function recheckApproval(steps: DrSteps, proceed: sfn.IChainable): sfn.CustomState {
  const { scope, onFailure, failWith, setLambda } = steps;
  const RECHECK = '$.recheck.value';
  const recheck = setLambda(
    'Check the approval and the old site again',
    `${SET}.preflightFunctionArn`,
    preflightPayload(steps, 'approved'),
    '$.recheck',
  );
  // A re-check that cannot run decides nothing: treated as a rejection (audited, released, notified).
  recheck.addCatch(
    failWith(
      'Note the approval could not be checked',
      Errors.APPROVAL_REJECTED,
      "States.Format('The approval and the old site could not be checked after the approval ({}: {}); treated as a rejection, nothing was changed. Start again.', $.failure.Error, $.failure.Cause)",
    ),
    onFailure,
  );
  const proceedOrRefuse = new sfn.Choice(scope, 'Is it an approval, with the old site still down?').when(
    sfn.Condition.stringEquals(`${RECHECK}.decision`, 'PROCEED'),
    noteApprovalTime(steps).next(proceed),
  );
  const afterApproval = whenRefused(steps, proceedOrRefuse, RECHECK, {
    [Errors.PRIMARY_STILL_ACTIVE]: 'Note the old primary answers again',
    [Errors.ALREADY_PROMOTED]: 'Note a promotion was recorded meanwhile',
    [Errors.DR_MEMBER_NOT_RUNNING]: 'Note the DR member stopped meanwhile',
  }).otherwise(failWith('Note the approval is not valid', Errors.APPROVAL_REJECTED, `${RECHECK}.cause`));
  recheck.next(afterApproval);
  return recheck;
}

/**
 * The moment the approval was confirmed (the re-check's decision): where the promotion time starts
 * (contracts/outcomes.ts). A Pass, so the time is the engine's and Step Functions' own (`$$.State.EnteredTime`), not
 * the approver's clock.
 */
function noteApprovalTime({ scope }: DrSteps): sfn.Pass {
  return new sfn.Pass(scope, 'Note the approval time', {
    parameters: { 'at.$': '$$.State.EnteredTime' },
    resultPath: APPROVED,
  });
}

/** What the preflight function refuses a promotion with (its `decision`), each failing the execution by that name. */
type Refusal =
  typeof Errors.PRIMARY_STILL_ACTIVE | typeof Errors.ALREADY_PROMOTED | typeof Errors.DR_MEMBER_NOT_RUNNING;

/**
 * Adds to `choice` one rule per refusal of the preflight decision at `at` (`<at>.decision`, before or after the
 * approval): fail with that refusal's name and the preflight's `<at>.cause`, through a Pass named `ids[refusal]`.
 */
function whenRefused(
  { failWith }: DrSteps,
  choice: sfn.Choice,
  at: string,
  ids: Readonly<Record<Refusal, string>>,
): sfn.Choice {
  for (const [refusal, id] of Object.entries(ids)) {
    choice.when(sfn.Condition.stringEquals(`${at}.decision`, refusal), failWith(id, refusal, `${at}.cause`));
  }
  return choice;
}
