import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { STATE_TABLE_KEYS } from '../../base/foundation';
import { AwsCall, formatted, LOCK_ATTRIBUTES, releaseLock } from '../../fragments';
import { Aws, States } from '../../../contracts/errors';
import { LIVE_STATES } from '../../instance-recovery/constants';
import { REPLACES_TAG } from '../../../contracts/tags';
import { FAILED_INSTANCE_ATTRIBUTE, NEEDS_ATTENTION_PREFIXES, REPLACEMENT_SETTLE } from '../constants';
import type { LockJanitorDeps } from '../definition';
import { ENDED } from './paths';

/**
 * Releases each item the scan found (one at a time), each with a conditional UpdateItem (`#owner = :arn`): a lock
 * another execution holds is never touched. The outcomes go to `$.released`; an error there still goes to `next`.
 */
export function releaseEach(scope: Construct, deps: LockJanitorDeps, next: sfn.IChainable): sfn.IChainable {
  const map = new sfn.Map(scope, 'Release each lock of the ended execution', {
    itemsPath: '$.scan.Items',
    itemSelector: {
      'pk.$': `$$.Map.Item.Value.${STATE_TABLE_KEYS.partitionKey}.S`,
      'item.$': '$$.Map.Item.Value',
      'ended.$': ENDED,
    },
    maxConcurrency: 1,
    resultPath: '$.released',
  });
  map.itemProcessor(releaseOne(scope, deps));
  map.addCatch(next, { errors: [States.ALL], resultPath: '$.releaseError' });
  map.next(next);
  return map;
}

/**
 * One Map iteration: release one item's lock, conditional on the ended execution still owning it. A recovery group
 * or mirror set is left NEEDS_ATTENTION with the reason; other locks are just released.
 */
function releaseOne(scope: Construct, deps: LockJanitorDeps): sfn.IChainable {
  const outcome = (id: string, text: string) =>
    new sfn.Pass(scope, id, { parameters: { 'item.$': '$.pk', outcome: text } });
  const reason = formatted(
    'execution {$.ended.name} ended {$.ended.status} at {$.ended.at} while holding the lock ' +
      '(released by the lock janitor)',
  );
  const common = {
    table: deps.table,
    key: sfn.JsonPath.stringAt('$.pk'),
    ownerPath: '$.ended.executionArn',
  };
  const attention = releaseLock(scope, 'Release the lock and record needs attention', {
    ...common,
    set: ['#state = :state', '#lastError = :reason'],
    names: { '#state': LOCK_ATTRIBUTES.state, '#lastError': 'lastError' },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
      ':reason': tasks.DynamoAttributeValue.fromString(reason),
    },
  });
  const plain = releaseLock(scope, 'Release the lock', {
    ...common,
    set: ['#lastRelease = :reason'],
    names: { '#lastRelease': 'lastLockRelease' },
    values: { ':reason': tasks.DynamoAttributeValue.fromString(reason) },
  });
  const gone = outcome('The lock is no longer held by it', 'not held any more (released before, or taken over)');
  const error = new sfn.Pass(scope, 'The lock could not be released', {
    parameters: { 'item.$': '$.pk', 'outcome.$': "States.Format('NOT released: {}', $.error.Error)" },
  });
  for (const task of [attention, plain]) {
    task.addCatch(gone, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
    task.addCatch(error, { errors: [States.ALL], resultPath: '$.error' });
  }
  const released = outcome('Released, needs attention', 'released; NEEDS_ATTENTION recorded');
  attention.next(
    new sfn.Choice(scope, 'Did the run replace an instance?')
      .when(
        sfn.Condition.and(
          sfn.Condition.stringMatches('$.pk', 'GROUP#*'),
          sfn.Condition.isPresent(`$.item.${FAILED_INSTANCE_ATTRIBUTE}.S`),
        ),
        nameReplacements(scope, released),
      )
      .otherwise(released),
  );
  plain.next(outcome('Released', 'released'));
  return new sfn.Choice(scope, 'Does the item guard a group or a mirror set?')
    .when(
      sfn.Condition.or(...NEEDS_ATTENTION_PREFIXES.map((p) => sfn.Condition.stringMatches('$.pk', `${p}*`))),
      attention,
    )
    .otherwise(plain);
}

/**
 * A recovery stopped after it launched its replacement leaves that instance behind: name it for the operators
 * (found by the fault campaign, instance-recovery schedule 1943853408). The janitor never terminates it: it may be
 * the group's only instance now. Goes to `released` when it launched none.
 */
function nameReplacements(scope: Construct, released: sfn.IChainable): sfn.IChainable {
  const findReplacements = new AwsCall(scope, 'Find the replacements the ended run launched', {
    service: 'ec2',
    action: 'describeInstances',
    parameters: {
      Filters: [
        { Name: `tag:${REPLACES_TAG}`, 'Values.$': `States.Array($.item.${FAILED_INSTANCE_ATTRIBUTE}.S)` },
        { Name: 'instance-state-name', Values: [...LIVE_STATES] },
      ],
    },
    policy: [new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] })],
    resultSelector: { 'reservations.$': '$.Reservations' },
    resultPath: '$.replacements',
  });
  // `[*]` over an empty list matches nothing, which fails a Pass (States.Runtime): read the ids only when some exist.
  const namedReplacements = new sfn.Pass(scope, 'Released, needs attention, replacements named', {
    parameters: {
      'item.$': '$.pk',
      outcome: 'released; NEEDS_ATTENTION recorded',
      'replacementsLaunched.$': '$.replacements.reservations[*].Instances[*].InstanceId',
    },
  });
  const settle = new sfn.Wait(scope, 'Wait for a launch in flight to end', {
    time: sfn.WaitTime.duration(REPLACEMENT_SETTLE),
  });
  settle.next(findReplacements);
  findReplacements.addCatch(
    new sfn.Pass(scope, 'Released, needs attention, replacements not read', {
      parameters: {
        'item.$': '$.pk',
        'outcome.$':
          "States.Format('released; NEEDS_ATTENTION recorded; its replacement instances could not be read ({}): " +
          `look for instances tagged ${REPLACES_TAG}', $.replacementsError.Error)`,
      },
    }),
    { errors: [States.ALL], resultPath: '$.replacementsError' },
  );
  findReplacements.next(
    new sfn.Choice(scope, 'Did it launch any?')
      .when(sfn.Condition.isPresent('$.replacements.reservations[0]'), namedReplacements)
      .otherwise(released),
  );
  return settle;
}
