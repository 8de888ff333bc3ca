import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { lambdaTask, LOCK_ATTRIBUTES, readItem, takeLock } from '../../fragments';
import { Aws, Errors, States } from '../../../contracts/errors';
import { SET } from './constants';
import type { DrSteps } from './context';

/** The request as the workflow receives it, validated; and, once it is valid, the mirror set's lock. */
export interface RequestSteps {
  /** The first state of the workflow: keep the request, validate it, decide. */
  readonly start: sfn.Chain;
  /** After a valid request: the mirror set's lock (then `lock.next(…)`). A refused lock names its holder and fails. */
  readonly lock: tasks.DynamoUpdateItem;
}

/**
 * 1. Validate the request (the validate function picks the set and computes the lock's lease), then take the mirror
 * set's lock. Nothing changes before the lock is held; a refused lock fails naming the execution that holds it.
 */
export function validateAndLock(steps: DrSteps): RequestSteps {
  const { scope, deps, setKey, str, onFailure, notifyFailed } = steps;
  const keep = new sfn.Pass(scope, 'Keep the request', { parameters: { 'request.$': '$' } });
  const validate = lambdaTask(scope, 'Validate the request', {
    fn: deps.validateFunction,
    task: 'validate-dr-request',
    payload: {
      'request.$': '$.request',
      sets: deps.sets.map((s) => ({
        ...s,
        drMembers: s.drMembers.map((m) => ({ ...m })),
      })),
      'executionStartTime.$': '$$.Execution.StartTime',
      lockTtlSeconds: deps.lockTtl.toSeconds(),
    },
    resultPath: '$.validation',
  });
  const validationBroken = new sfn.Fail(scope, 'The request could not be validated', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  validate.addCatch(validationBroken, onFailure);
  const invalid = new sfn.Fail(scope, 'The request is invalid', {
    error: Errors.INVALID_INPUT,
    causePath: '$.validation.value.cause',
  });
  const useRequest = new sfn.Pass(scope, 'Use the validated request', {
    parameters: {
      'request.$': '$.validation.value.request',
      'set.$': '$.validation.value.set',
      lock: { 'nowEpoch.$': '$.validation.value.nowEpoch', 'expiresAt.$': '$.validation.value.lockExpiresAt' },
      'requestedAt.$': '$$.Execution.StartTime',
    },
  });
  const isValid = new sfn.Choice(scope, 'Is the request valid?')
    .when(sfn.Condition.booleanEquals('$.validation.value.valid', true), useRequest)
    .otherwise(invalid);

  // Refused: name the holder (read from the lock item) and how to clear a lock its holder left behind.
  const refused = new sfn.Fail(scope, 'Another promotion of the set is running', {
    error: Errors.PROMOTION_IN_PROGRESS,
    causePath: '$.refusal.cause',
  });
  const HOLDER = `$.holder.Item.${LOCK_ATTRIBUTES.owner}.S`;
  const unlockHint =
    'If that execution has ended (ABORTED, TIMED_OUT, FAILED) and the lock is stale, clear it with: ' +
    'ha-workflows dr unlock --mirror-set {} --by <your name> --reason <why>';
  const nameHolder = new sfn.Pass(scope, 'Name the execution holding the lock', {
    parameters: {
      'cause.$':
        "States.Format('Execution {} holds the mirror set lock (a promotion or a practice run); this start changed " +
        `nothing. ${unlockHint}', ${HOLDER}, ${SET}.name)`,
    },
    resultPath: '$.refusal',
  }).next(refused);
  const holderUnknown = new sfn.Pass(scope, 'Note the lock holder could not be read', {
    parameters: {
      'cause.$':
        "States.Format('Another execution holds the mirror set lock (a promotion or a practice run); this start " +
        `changed nothing. ${unlockHint}', ${SET}.name)`,
    },
    resultPath: '$.refusal',
  }).next(refused);
  const readHolder = readItem(scope, 'Read who holds the mirror set lock', {
    table: deps.table,
    key: setKey,
    resultPath: '$.holder',
  });
  readHolder.addCatch(holderUnknown, { errors: [States.ALL], resultPath: '$.holderError' });
  readHolder.next(
    new sfn.Choice(scope, 'Is the holder recorded?')
      .when(sfn.Condition.isPresent(HOLDER), nameHolder)
      .otherwise(holderUnknown),
  );
  const lock = takeLock(scope, 'Take the mirror set lock', {
    table: deps.table,
    key: setKey,
    nowEpochPath: '$.lock.nowEpoch',
    expiresAtPath: '$.lock.expiresAt',
    set: ['#requestedBy = :execution'],
    names: { '#requestedBy': 'drRequestedBy' },
    values: { ':execution': str('$$.Execution.Name') },
  });
  lock.addCatch(readHolder, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  // Nothing was changed and no lock is held; the operators are told like any failure (found by the fault campaign,
  // dr-promotion schedule 85597319: DynamoDB throttling outlasted the lock's retries and the run ended unannounced).
  lock.addCatch(notifyFailed, onFailure);
  useRequest.next(lock);
  return { start: sfn.Chain.start(keep).next(validate).next(isValid), lock };
}
