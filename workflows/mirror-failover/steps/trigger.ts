import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { formatted, isEventOfType, notify, whenEvent } from '../../fragments';
import { Errors } from '../../../contracts/errors';
import { ALARM_STATE_CHANGE, BECAME_PRIMARY } from '../input';
import type { MirrorContext } from './context';
import { SET } from './paths';

/**
 * Trigger → mirror set: a become-primary hook event, a no-healthy-host alarm or an operator's input names the set;
 * its settings go to `$.set`, then `next`. A trigger that names no set, or one not configured, is told to the
 * operators and fails.
 */
export function readTrigger(ctx: MirrorContext, next: sfn.IChainable): sfn.Chain {
  const { scope } = ctx;
  const fromOperator = new sfn.Pass(scope, 'Take mirror set from input', {
    parameters: { 'mirrorSet.$': '$.mirrorSet', trigger: 'operator', 'triggeredAt.$': '$$.Execution.StartTime' },
  });
  const unrecognized = notifyThen(
    ctx,
    new sfn.Fail(scope, 'Trigger names no mirror set', {
      error: Errors.INVALID_INPUT,
      cause:
        `Expected a "${BECAME_PRIMARY}" event with detail.mirrorSet, a no-healthy-host alarm of a mirror set, ` +
        'or {"mirrorSet": "<name>"}',
    }),
    'Notify trigger names no mirror set',
    'names no mirror set',
  );

  // Every path a rule compares is tested with IsPresent first (isEventOfType; And stops at the first false rule).
  const read = new sfn.Choice(scope, 'Read the trigger');
  whenEvent(
    read,
    scope,
    'Take mirror set from hook event',
    sfn.Condition.and(
      isEventOfType(BECAME_PRIMARY),
      sfn.Condition.isPresent('$.detail.mirrorSet'),
      sfn.Condition.isString('$.detail.mirrorSet'),
    ),
    { 'mirrorSet.$': '$.detail.mirrorSet', trigger: 'become-primary hook' },
  );
  // The alarm's name is `<stack>/mirror-failover/<mirror set>/no-healthy-host-<n>` (names hold no "/").
  whenEvent(
    read,
    scope,
    'Take mirror set from alarm',
    sfn.Condition.and(
      isEventOfType(ALARM_STATE_CHANGE),
      sfn.Condition.isPresent('$.detail.alarmName'),
      sfn.Condition.stringMatches('$.detail.alarmName', '*/mirror-failover/*/*'),
    ),
    {
      'mirrorSet.$': "States.ArrayGetItem(States.StringSplit($.detail.alarmName, '/'), 2)",
      'trigger.$': "States.Format('alarm {}', $.detail.alarmName)",
    },
  );
  return read
    .when(
      sfn.Condition.and(sfn.Condition.isPresent('$.mirrorSet'), sfn.Condition.isString('$.mirrorSet')),
      fromOperator,
    )
    .otherwise(unrecognized)
    .afterwards({ includeOtherwise: false })
    .next(whichSet(ctx, next));
}

/** Which mirror set? One rule per configured set; its Pass holds the set's settings. */
function whichSet(ctx: MirrorContext, next: sfn.IChainable): sfn.Choice {
  const { scope, deps } = ctx;
  const configured = deps.sets.map((s) => s.name).join(', ');
  const unknownSet = notifyThen(
    ctx,
    new sfn.Fail(scope, 'Mirror set is not configured', {
      error: Errors.UNKNOWN_MIRROR_SET,
      cause: `The trigger names a mirror set this workflow does not know (configured: ${configured})`,
    }),
    'Notify mirror set is not configured',
    `names a mirror set this workflow does not know (configured: ${configured})`,
  );
  const choice = new sfn.Choice(scope, 'Which mirror set?');
  for (const set of deps.sets) {
    choice.when(
      sfn.Condition.stringEquals('$.mirrorSet', set.name),
      new sfn.Pass(scope, `Use mirror set ${set.name}`, {
        result: sfn.Result.fromObject({ ...set }),
        resultPath: SET,
      }).next(next),
    );
  }
  return choice.otherwise(unknownSet);
}

/** Neither ends silently: a hook or alarm wired to a wrong name would otherwise never move traffic. */
function notifyThen({ scope, deps }: MirrorContext, fail: sfn.Fail, id: string, what: string): sfn.IChainable {
  return notify(scope, id, {
    topic: deps.topic,
    subject: 'ha-workflows: mirror failover started for no known mirror set',
    message: formatted(
      `Execution {$$.Execution.Id} was started by a trigger that ${what}. Nothing was probed or changed. ` +
        'Check the become-primary hook, alarm or input that started it.',
    ),
    then: fail,
  });
}
