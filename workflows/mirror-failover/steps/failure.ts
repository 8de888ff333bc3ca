import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  formatted,
  IDEMPOTENT_WRITE_RETRY,
  notifyThenFail,
  type OutcomeStep,
  outcomeSteps,
  recordThenNotify,
  releaseLock,
  stringAt,
  TRIGGERED_AT,
  updateItem,
} from '../../fragments';
import type { MirrorFailoverDeps } from '../definition';
import { SET } from './paths';

export interface FailureRecords {
  /** Once the lock is held: record NEEDS_ATTENTION, release, notify, fail with the error's own name. */
  readonly recordNeedsAttention: sfn.IChainable;
  /** Before the lock is held: record NEEDS_ATTENTION (lock untouched), notify, fail. */
  readonly recordNotStarted: sfn.IChainable;
}

/** The failover's outcome steps (contracts/outcomes.ts): the set's FailoverSwitchTime or Failed, from the trigger. */
export function failoverOutcome(scope: Construct, deps: MirrorFailoverDeps): OutcomeStep {
  return outcomeSteps(scope, deps, 'mirror-failover', `${SET}.name`, TRIGGERED_AT);
}

/** Failure handling: record, release (when held), notify, fail with the error's own name. */
export function failureRecords(scope: Construct, deps: MirrorFailoverDeps, setKey: string): FailureRecords {
  const notifyFailed = notifyThenFail(scope, 'Notify mirror failover failed', {
    failStateId: 'Mirror failover failed',
    topic: deps.topic,
    subject: 'ha-workflows: mirror failover NEEDS ATTENTION',
    message: formatted(
      `Mirror set {${SET}.name} ({$.trigger}): failover failed with {$.failure.Error}. {$.failure.Cause}`,
    ),
  });
  const names = { '#state': 'state', '#lastError': 'lastError', '#failedBy': 'failedBy' };
  const values = () => ({
    ':state': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
    ':error': stringAt('$.failure.Error'),
    ':execution': stringAt('$$.Execution.Name'),
  });
  const set = ['#state = :state', '#lastError = :error', '#failedBy = :execution'];
  const recordNeedsAttention = releaseLock(scope, 'Record needs attention', {
    table: deps.table,
    key: setKey,
    set,
    names,
    values: values(),
  });
  // Before this execution holds the lock (the first probe, the lock or the hand-off failed): the set still needs a
  // person, since the event that started the run was not acted on. The record leaves the lock and its lease alone: a
  // holder, if any, writes its own state when it releases.
  const recordNotStarted = updateItem(scope, 'Record needs attention before the lock', {
    table: deps.table,
    key: setKey,
    update: `SET ${set.join(', ')}`,
    names: { ...names },
    values: values(),
    // The same three values again: idempotent.
    retry: IDEMPOTENT_WRITE_RETRY,
  });
  // Failed: 1 for the set (the event was not acted on, or the switch did not complete), recorded or not.
  const outcome = failoverOutcome(scope, deps)('Record the failed failover', 'FAILED', notifyFailed);
  return {
    recordNeedsAttention: recordThenNotify(recordNeedsAttention, outcome),
    recordNotStarted: recordThenNotify(recordNotStarted, outcome),
  };
}
