import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { IDEMPOTENT_WRITE_RETRY, LOCK_ATTRIBUTES, numberAt, stringAt, takeLock, updateItem } from '../../fragments';
import { Aws, Errors } from '../../../contracts/errors';
import { HAND_OFF_ATTRIBUTE, MAX_LOCK_ATTEMPTS } from '../constants';
import type { MirrorContext } from './context';
import { ON_FAILURE, PROBE } from './paths';

/**
 * Probes (read-only), then takes the mirror set's lock; an execution that finds the lock held hands its event to the
 * holder and ends. The chain ends holding the lock.
 */
export function probeAndLock(ctx: MirrorContext): sfn.Chain {
  const { scope, deps, setKey, recordNotStarted } = ctx;
  const firstProbe = ctx.probe('Probe the mirror members');
  // Before the lock there is nothing to release: record that the set needs a person, tell the operators and fail.
  firstProbe.addCatch(recordNotStarted, ON_FAILURE);

  const alreadySwitching = new sfn.Succeed(scope, 'Mirror set is already being switched', {
    comment:
      'Another execution holds the mirror set and carries this event: it cannot release the lock without ' +
      're-probing after the hand-off mark this execution wrote',
  });
  const startCountingLockAttempts = new sfn.Pass(scope, 'Start counting lock attempts', {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: '$.lockAttempts',
  });
  const lock = takeLock(scope, 'Take the mirror set lock', {
    table: deps.table,
    key: setKey,
    nowEpochPath: `${PROBE}.nowEpoch`,
    expiresAtPath: `${PROBE}.lockExpiresAt`,
    set: ['#state = :switching', '#startedBy = :execution'],
    names: { '#state': 'state', '#startedBy': 'startedBy' },
    values: {
      ':switching': tasks.DynamoAttributeValue.fromString('SWITCHING'),
      ':execution': stringAt('$$.Execution.Name'),
    },
  });
  // One conditional write on the lock's item, true only while another execution holds a live lease (the exact
  // opposite of takeLock's condition at the same "now"): the holder's release is conditional on this mark's
  // absence, so the holder re-probes after it (see "Clear the hand-off mark").
  const handOff = updateItem(scope, 'Hand the event to the lock holder', {
    table: deps.table,
    key: setKey,
    update: 'SET #handOff = :execution',
    condition: 'attribute_exists(#owner) AND #expiresAt >= :now',
    names: {
      '#handOff': HAND_OFF_ATTRIBUTE,
      '#owner': LOCK_ATTRIBUTES.owner,
      '#expiresAt': LOCK_ATTRIBUTES.expiresAt,
    },
    values: { ':execution': stringAt('$$.Execution.Name'), ':now': numberAt(`${PROBE}.nowEpoch`) },
    // Setting the same mark again finds it set: safe to retry after a lost response.
    retry: IDEMPOTENT_WRITE_RETRY,
  });
  const countLockAttempt = new sfn.Pass(scope, 'Count the lock attempts', {
    parameters: { 'attempts.$': 'States.MathAdd($.lockAttempts.attempts, 1)' },
    resultPath: '$.lockAttempts',
  });
  const busy = new sfn.Pass(scope, 'Mirror set lock keeps changing hands', {
    parameters: {
      Error: Errors.MIRROR_SET_BUSY,
      Cause: `The mirror set lock was released or taken between each of ${MAX_LOCK_ATTEMPTS} attempts to take it or to hand this event to its holder; nothing was changed`,
    },
    resultPath: '$.failure',
  }).next(recordNotStarted);
  lock.addCatch(handOff, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  lock.addCatch(recordNotStarted, ON_FAILURE);
  handOff.addCatch(countLockAttempt, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  handOff.addCatch(recordNotStarted, ON_FAILURE);
  handOff.next(alreadySwitching);
  countLockAttempt.next(
    new sfn.Choice(scope, 'May the lock be tried again?')
      .when(sfn.Condition.numberGreaterThan('$.lockAttempts.attempts', MAX_LOCK_ATTEMPTS), busy)
      .otherwise(lock),
  );
  return sfn.Chain.start(firstProbe).next(startCountingLockAttempts).next(lock);
}
