import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FROZEN_CALL_RETRY, runCommand, runCommandNames } from '../../fragments';
import { Errors } from '../../../contracts/errors';
import { COMMAND_POLL_INTERVAL, thawChain } from '../thaw';
import { PLAN } from './constants';
import type { BackupSteps } from './context';
import { type CrashSetSteps, createSnapshots } from './snapshot-set';

/**
 * How consistent a set: freeze the database (Run Command) → CreateSnapshots → thaw at once, when the plan says the
 * instance can be frozen; a crash-consistent set when no freeze is configured; else (the database cannot be
 * frozen) the policy's fallback. Once a freeze may have happened, every path goes through the thaw, and between a
 * confirmed freeze and the thaw there is nothing but the CreateSnapshots call. `thawed` follows a confirmed thaw.
 */
export function freezeSnapshotThaw(steps: BackupSteps, crash: CrashSetSteps, thawed: sfn.IChainable): sfn.Choice {
  const { takeCrashSet, fallBack } = crash;
  const { scope, deps, onFailure, notifyFrozen } = steps;
  const thaw = thawChain(scope, {
    sendCommandPolicy: deps.sendCommandPolicy,
    readCommandPolicy: deps.readCommandPolicy,
    instanceIdPath: '$.instanceId',
    documentPath: '$.settings.thawDocument',
    parameters: '$.settings.thawParameters',
    maxPollsPath: '$.settings.thawPolls',
    attemptsPath: '$.thawAttempts',
    thawed,
    failed: notifyFrozen,
  });

  const takeSet = createSnapshots(steps, 'Take the snapshot set', 'application', FROZEN_CALL_RETRY);
  // A CreateSnapshots error goes straight to the thaw; what happened is sorted out after it.
  takeSet.addCatch(thaw, onFailure);
  takeSet.next(thaw);

  const freezeFailure = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, {
      parameters: { Error: error, 'Cause.$': cause, freeze: true },
      resultPath: '$.failure',
    });
  const freezeFailed = freezeFailure(
    'Note the freeze failed',
    Errors.FREEZE_FAILED,
    "States.Format('The freeze command on {} ended {} ({}, exit code {}); no application-consistent set was taken and a thaw was sent', " +
      '$.instanceId, $.freezeResult.status, $.freezeResult.details, $.freezeResult.code)',
  ).next(thaw);
  const freezeTimedOut = freezeFailure(
    'Note the freeze timed out',
    Errors.FREEZE_TIMED_OUT,
    "States.Format('The freeze command on {} did not finish within {} checks (status {}); no application-consistent set was taken and a thaw was sent', " +
      '$.instanceId, $.settings.freezePolls, $.freezeResult.status)',
  ).next(thaw);
  const freezeBroken = freezeFailure(
    'Note the freeze went wrong',
    Errors.FREEZE_FAILED,
    "States.Format('The freeze of {} could not be sent or read ({}: {}); a thaw was sent', $.instanceId, $.failure.Error, $.failure.Cause)",
  ).next(thaw);
  const freezeNotSent = freezeFailure(
    'Note the freeze was not sent',
    Errors.FREEZE_FAILED,
    "States.Format('Run Command refused the freeze of {} ({}: {}); nothing was frozen', $.instanceId, $.failure.Error, $.failure.Cause)",
  ).next(fallBack);
  const notRunning = freezeFailure(
    'Note the database cannot be frozen',
    Errors.FREEZE_FAILED,
    "States.Format('Instance {} is {}: its database cannot be frozen through Run Command', $.instanceId, $.plan.value.state)",
  ).next(fallBack);

  const freeze = runCommand(
    scope,
    runCommandNames('the freeze', {
      send: 'Freeze the database',
      read: 'Read the freeze result',
      count: 'Count freeze check',
      decide: 'Is the database frozen?',
    }),
    {
      documentPath: '$.settings.freezeDocument',
      instanceIdPath: '$.instanceId',
      parameters: '$.settings.freezeParameters',
      comment: 'ha-workflows snapshot-backup: freeze',
      sendPolicy: deps.sendCommandPolicy,
      readPolicy: [deps.readCommandPolicy],
      commandPath: '$.freeze',
      resultPath: '$.freezeResult',
      keep: ['status', 'details', 'code', 'endedAt'],
      catchSend: [
        // Refused (the instance is not managed by SSM, or its agent is offline): no command exists, nothing to thaw.
        { errors: ['Ssm.InvalidInstanceIdException'], next: freezeNotSent, resultPath: '$.failure' },
        { next: freezeBroken, resultPath: '$.failure' },
      ],
      catchRead: [{ next: freezeBroken, resultPath: '$.failure' }],
      interval: COMMAND_POLL_INTERVAL,
      maxPolls: '$.settings.freezePolls',
      counterPath: '$.polls.freeze',
      // Success: "Take the snapshot set" is the only state between a confirmed freeze and CreateSnapshots.
      outcome: { succeeded: takeSet, timedOut: freezeTimedOut, failed: freezeFailed, countWiredFirst: true },
    },
  );

  const prepare = new sfn.Pass(scope, 'Prepare the freeze', {
    result: sfn.Result.fromObject({ attempts: 0 }),
    resultPath: '$.thawAttempts',
  });
  prepare.next(freeze);

  const noFreeze = new sfn.Pass(scope, 'Note no freeze is configured', {
    result: sfn.Result.fromObject({ text: 'no-freeze-configured' }),
    resultPath: '$.consistencyNote',
  }).next(takeCrashSet);

  const howConsistent = new sfn.Choice(scope, 'Freeze the database first?')
    .when(sfn.Condition.booleanEquals(`${PLAN}.freeze`, true), prepare)
    .when(sfn.Condition.stringEquals('$.settings.method', 'none'), noFreeze)
    .otherwise(notRunning);
  return howConsistent;
}
