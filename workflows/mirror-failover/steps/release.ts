import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  formatted,
  IDEMPOTENT_WRITE_RETRY,
  LOCK_ATTRIBUTES,
  notify,
  numberAt,
  releaseLock,
  stringAt,
  type ReleaseProps,
  updateItem,
} from '../../fragments';
import { Aws } from '../../../contracts/errors';
import { HAND_OFF_ATTRIBUTE } from '../constants';
import type { MirrorContext, Step } from './context';
import { failoverOutcome } from './failure';
import { ON_FAILURE, SET, SWITCH } from './paths';

/**
 * Before releasing: clear the hand-off mark, probe once more, and release only if nothing moved (and no event was
 * handed over meanwhile); record the switch (and notify) or that the targets were already correct.
 */
export function releaseIfStillPrimary(ctx: MirrorContext): Step<void> {
  const { scope, deps, setKey, recordNeedsAttention, goRound } = ctx;
  const clearHandOff = updateItem(scope, 'Clear the hand-off mark', {
    table: deps.table,
    key: setKey,
    update: 'REMOVE #handOff',
    condition: '#owner = :me',
    names: { '#handOff': HAND_OFF_ATTRIBUTE, '#owner': LOCK_ATTRIBUTES.owner },
    values: { ':me': stringAt('$$.Execution.Id') },
    retry: IDEMPOTENT_WRITE_RETRY,
  });
  clearHandOff.addCatch(recordNeedsAttention, ON_FAILURE);
  const probeBeforeReleasing = ctx.probe('Probe before releasing the lock');
  probeBeforeReleasing.addCatch(recordNeedsAttention, ON_FAILURE);

  const recordSwitch = releaseUnlessHandedOff(scope, 'Record the switch', {
    table: deps.table,
    key: setKey,
    set: [
      '#state = :state',
      '#primary = :primary',
      '#previous = :previous',
      '#switchedBy = :execution',
      '#trigger = :trigger',
      '#switchStartedAt = :startedAt',
      '#rounds = :rounds',
      '#lastError = :none',
    ],
    names: {
      '#state': 'state',
      '#primary': 'primaryInstanceId',
      '#previous': 'previousInstanceIds',
      '#switchedBy': 'switchedBy',
      '#trigger': 'trigger',
      '#switchStartedAt': 'switchStartedAt',
      '#rounds': 'rounds',
      '#lastError': 'lastError',
    },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('ACTIVE'),
      ':primary': stringAt(`${SWITCH}.primary`),
      ':previous': stringAt('$.changed.previous'),
      ':execution': stringAt('$$.Execution.Name'),
      ':trigger': stringAt('$.trigger'),
      ':startedAt': stringAt('$$.Execution.StartTime'),
      ':rounds': numberAt('$.rounds.attempts'),
      ':none': tasks.DynamoAttributeValue.fromString('none'),
    },
  });
  recordSwitch.addCatch(goRound, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: '$.failure' });
  recordSwitch.addCatch(recordNeedsAttention, ON_FAILURE);
  const notifySwitched = notify(scope, 'Notify mirror failover complete', {
    topic: deps.topic,
    subject: 'ha-workflows: mirror failover complete',
    message: formatted(
      `Mirror set {${SET}.name} ({$.trigger}): the load balancer now sends traffic to the primary ` +
        `{${SWITCH}.primary} only (before: {$.changed.previous}).`,
    ),
    then: new sfn.Succeed(scope, 'Traffic follows the new primary'),
  });

  const recordChecked = releaseUnlessHandedOff(scope, 'Record targets already correct', {
    table: deps.table,
    key: setKey,
    set: ['#state = :state', '#primary = :primary', '#checkedBy = :execution', '#lastError = :none'],
    names: {
      '#state': 'state',
      '#primary': 'primaryInstanceId',
      '#checkedBy': 'lastCheckedBy',
      '#lastError': 'lastError',
    },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('ACTIVE'),
      ':primary': stringAt(`${SWITCH}.primary`),
      ':execution': stringAt('$$.Execution.Name'),
      ':none': tasks.DynamoAttributeValue.fromString('none'),
    },
  });
  recordChecked.addCatch(goRound, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: '$.failure' });
  recordChecked.addCatch(recordNeedsAttention, ON_FAILURE);
  recordChecked.next(new sfn.Succeed(scope, 'Targets already point at the primary'));

  const connect = () => {
    clearHandOff.next(probeBeforeReleasing);
    probeBeforeReleasing.next(
      new sfn.Choice(scope, 'Is the chosen member still the only primary before releasing?')
        .when(
          ctx.stillOnlyPrimary,
          new sfn.Choice(scope, 'Did this execution change the targets?')
            .when(sfn.Condition.isPresent('$.changed'), recordSwitch)
            .otherwise(recordChecked),
        )
        .otherwise(goRound),
    );
    // FailoverSwitchTime: the triggering event → the new primary the only healthy target, recorded ACTIVE.
    recordSwitch.next(failoverOutcome(scope, deps)('Record the failover switch time', 'SUCCEEDED', notifySwitched));
  };
  return { entry: clearHandOff, connect };
}

/**
 * Records the set's state and releases the lock, only if this execution still holds it AND no other execution handed
 * an event over since the last "Clear the hand-off mark": one conditional write, so an event handed over after the
 * last probe makes it fail with `DynamoDB.ConditionalCheckFailedException` (go round).
 */
function releaseUnlessHandedOff(scope: Construct, id: string, props: ReleaseProps): tasks.DynamoUpdateItem {
  return releaseLock(scope, id, {
    ...props,
    condition: 'attribute_not_exists(#handOff)',
    names: { '#handOff': HAND_OFF_ATTRIBUTE, ...props.names },
  });
}
