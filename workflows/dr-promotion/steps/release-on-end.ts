import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { formatted, notify, releaseLock, updateItem } from '../../fragments';
import { Aws } from '../../../contracts/errors';
import { auditThen } from './audit';
import type { ReleaseSteps } from './release-context';

const ENDED = '$.ended';

/**
 * A dr-promotion execution ended (its own ABORTED / TIMED_OUT / FAILED status event): release the mirror set lock
 * if, and only if, that very execution still owns it, record the release in its audit item and notify; an execution
 * stopped without holding the lock is reported once. Returns the first state.
 */
export function releaseOnEnd(release: ReleaseSteps): sfn.Pass {
  const { scope, deps, onFailure, setKey, str, releaseFailed } = release;
  const nothingHeld = new sfn.Succeed(scope, 'The ended execution held no lock', {
    comment:
      'It failed (its failure path released the lock and notified), or this event was delivered before (idempotent)',
  });
  const notifyReleased = notifyEnded(
    release,
    'Notify the lock of the ended execution was released',
    'ha-workflows: DR promotion ended without cleaning up - lock released',
    'while holding the mirror set lock; the lock is released. Nothing else was undone.',
    new sfn.Succeed(scope, 'The ended execution released its lock'),
  );
  const auditEnded = auditEnd(
    release,
    nothingHeld,
    'Record the release in the audit item',
    formatted('release on the status event ({$$.Execution.Id})'),
    notifyReleased,
  );
  // Only the ended execution's own lock: another promotion may hold the set by now.
  const releaseEnded = releaseLock(scope, 'Release the lock of the ended execution', {
    table: deps.table,
    key: setKey(`${ENDED}.request.mirrorSet`),
    ownerPath: `${ENDED}.executionArn`,
    set: ['#lastError = :status', '#lastExecution = :name'],
    names: { '#lastError': 'drLastError', '#lastExecution': 'drLastExecution' },
    values: {
      ':status': tasks.DynamoAttributeValue.fromString(formatted(`execution {${ENDED}.status}`)),
      ':name': str(`${ENDED}.name`),
    },
  });
  // A promotion stopped or timed out without holding the lock (before it took it, or after it released it) ran no
  // failure path of its own, so nobody was told it ended (found by the fault campaign, dr-promotion schedule
  // 1534095835: stopped at its first second). Tell the operators once: the audit item is written only if this
  // execution's end is not recorded yet, so a duplicate delivery stays quiet.
  const auditEndedUnlocked = auditEnd(
    release,
    nothingHeld,
    'Record the end in the audit item',
    'nothing: it held no lock when it ended',
    notifyEnded(
      release,
      'Notify the execution ended holding no lock',
      'ha-workflows: DR promotion ended without finishing',
      'without finishing; it held no mirror set lock then (it never took it, or had released it).',
      new sfn.Succeed(scope, 'The ended execution held no lock and is reported'),
    ),
    true,
  );
  releaseEnded.addCatch(
    new sfn.Choice(scope, 'Did it end without a failure path of its own?')
      .when(
        sfn.Condition.or(
          sfn.Condition.stringEquals(`${ENDED}.status`, 'ABORTED'),
          sfn.Condition.stringEquals(`${ENDED}.status`, 'TIMED_OUT'),
        ),
        auditEndedUnlocked,
      )
      .otherwise(nothingHeld),
    { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD },
  );
  releaseEnded.addCatch(releaseFailed, onFailure);
  releaseEnded.next(auditEnded);

  const noSet = new sfn.Succeed(scope, 'The ended execution named no mirror set', {
    comment: 'Its input had no mirror set name, so it could not have taken a lock',
  });
  const takeEnded = new sfn.Pass(scope, 'Take the ended execution from the event', {
    parameters: {
      'input.$': '$',
      ended: {
        'executionArn.$': '$.detail.executionArn',
        'name.$': '$.detail.name',
        'status.$': '$.detail.status',
        'request.$': 'States.StringToJson($.detail.input)',
      },
    },
  });
  takeEnded.next(
    new sfn.Choice(scope, 'Does the ended execution name a mirror set?')
      .when(
        sfn.Condition.and(
          sfn.Condition.isPresent(`${ENDED}.request.mirrorSet`),
          sfn.Condition.isString(`${ENDED}.request.mirrorSet`),
        ),
        releaseEnded,
      )
      .otherwise(noSet),
  );
  return takeEnded;
}

/** Notifies the operators of the ended execution (what happened to its lock in `what`), then ends in `done`. */
function notifyEnded(release: ReleaseSteps, id: string, subject: string, what: string, done: sfn.Succeed) {
  const { scope, deps } = release;
  return notify(scope, id, {
    topic: deps.topic,
    subject,
    message: formatted(
      `DR promotion execution {${ENDED}.executionArn} of mirror set {${ENDED}.request.mirrorSet} ended ` +
        `{${ENDED}.status} ${what} Look at the execution history for the last ` +
        'step it reached (fence, promotion, traffic) before starting again.',
    ),
    then: done,
  });
}

/**
 * Records the execution's end in its `DR-PROMOTION#<name>` audit item; `onlyOnce`: only if its end is not recorded
 * yet (DynamoDB.ConditionalCheckFailedException otherwise). Whatever the write does, `then` comes next.
 */
function auditEnd(
  release: ReleaseSteps,
  nothingHeld: sfn.Succeed,
  id: string,
  released: string,
  then: sfn.IChainable,
  onlyOnce = false,
) {
  const { scope, deps, str } = release;
  const task = updateItem(scope, id, {
    table: deps.table,
    key: formatted(`DR-PROMOTION#{${ENDED}.name}`),
    update: 'SET #mirrorSet = :set, #execution = :execution, #ended = :status, #released = :released',
    condition: onlyOnce ? 'attribute_not_exists(#ended)' : undefined,
    names: {
      '#mirrorSet': 'mirrorSet',
      '#execution': 'execution',
      '#ended': 'endedWith',
      '#released': 'lockReleasedBy',
    },
    values: {
      ':set': str(`${ENDED}.request.mirrorSet`),
      ':execution': str(`${ENDED}.executionArn`),
      ':status': str(`${ENDED}.status`),
      ':released': tasks.DynamoAttributeValue.fromString(released),
    },
  });
  if (onlyOnce)
    task.addCatch(nothingHeld, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  // The notification still goes out (better a second one than none).
  return auditThen(task, then);
}
