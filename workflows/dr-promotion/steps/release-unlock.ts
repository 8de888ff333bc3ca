import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { STATE_TABLE_KEYS } from '../../base/foundation';
import {
  API_CALL_TIMEOUT,
  AwsCall,
  formatted,
  LOCK_ATTRIBUTES,
  notify,
  readItem,
  releaseLock,
  throttlingRetry,
} from '../../fragments';
import { Aws, Errors, States } from '../../../contracts/errors';
import { auditThen } from './audit';
import { DR_RELEASED_STATUSES, type ReleaseSteps } from './release-context';

const UNLOCK = '$.unlock';
const HOLDER = '$.holder.Item';

/**
 * An operator clears a stale lock (`ha-workflows dr unlock`): read who holds it, refuse while that execution is
 * still RUNNING (or cannot be described) unless forced, then release it (conditional on the same owner), write an
 * audit item and notify. Returns the first state.
 */
export function operatorUnlock(release: ReleaseSteps): sfn.Pass {
  const { scope, deps, onFailure, setKey, str, releaseFailed } = release;
  const notLocked = new sfn.Succeed(scope, 'The mirror set is not locked');
  const changed = new sfn.Succeed(scope, 'The lock changed meanwhile: nothing released', {
    comment: 'Another execution took or released the lock between the read and the release',
  });
  const notifyUnlocked = notify(scope, 'Notify the stale lock was released', {
    topic: deps.topic,
    subject: 'ha-workflows: DR promotion lock cleared by an operator',
    message: formatted(
      `The DR promotion lock of mirror set {${UNLOCK}.mirrorSet} held by {${HOLDER}.${LOCK_ATTRIBUTES.owner}.S} ` +
        `(status {$.holderStatus}) was released by {${UNLOCK}.by} (forced: {${UNLOCK}.force}). Reason: ` +
        `{${UNLOCK}.reason}`,
    ),
    then: new sfn.Succeed(scope, 'The stale lock was released'),
  });
  const auditUnlock = new tasks.DynamoPutItem(scope, 'Write the audit item of the unlock', {
    table: deps.table,
    item: {
      [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(
        formatted('DR-UNLOCK#{$$.Execution.Name}'),
      ),
      mirrorSet: str(`${UNLOCK}.mirrorSet`),
      holder: str(`${HOLDER}.${LOCK_ATTRIBUTES.owner}.S`),
      holderStatus: str('$.holderStatus'),
      by: str(`${UNLOCK}.by`),
      reason: str(`${UNLOCK}.reason`),
      forced: tasks.DynamoAttributeValue.booleanFromJsonPath(sfn.JsonPath.stringAt(`${UNLOCK}.force`)),
      execution: str('$$.Execution.Id'),
      at: str('$$.Execution.StartTime'),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  auditUnlock.addRetry(throttlingRetry(auditUnlock));
  auditThen(auditUnlock, notifyUnlocked);
  // Only the holder just read and described: if the lock changed hands meanwhile, nothing is released.
  const releaseStale = releaseLock(scope, 'Release the stale lock', {
    table: deps.table,
    key: setKey(`${UNLOCK}.mirrorSet`),
    ownerPath: `${HOLDER}.${LOCK_ATTRIBUTES.owner}.S`,
    set: ['#lastUnlock = :unlock'],
    names: { '#lastUnlock': 'drLastUnlock' },
    values: {
      ':unlock': tasks.DynamoAttributeValue.fromString(
        formatted(`{$$.Execution.Id} by {${UNLOCK}.by}: {${UNLOCK}.reason}`),
      ),
    },
  });
  releaseStale.addCatch(changed, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  releaseStale.addCatch(releaseFailed, onFailure);
  releaseStale.next(auditUnlock);

  const holderRunning = new sfn.Fail(scope, 'The holding execution is still running', {
    error: Errors.LOCK_HOLDER_RUNNING,
    causePath: '$.refusal.cause',
  });
  const refuse = new sfn.Pass(scope, 'Explain why the lock stays', {
    parameters: {
      'cause.$':
        "States.Format('Execution {} holds the lock of mirror set {} and is {}; nothing was released. Stop it " +
        "first (aws stepfunctions stop-execution), or unlock with --force if you are sure it no longer acts.', " +
        `${HOLDER}.${LOCK_ATTRIBUTES.owner}.S, ${UNLOCK}.mirrorSet, $.holderStatus)`,
    },
    resultPath: '$.refusal',
  });
  refuse.next(holderRunning);
  const mayRelease = new sfn.Choice(scope, 'May the lock be released?')
    .when(sfn.Condition.booleanEquals(`${UNLOCK}.force`, true), releaseStale)
    .when(
      sfn.Condition.or(
        ...[...DR_RELEASED_STATUSES, 'SUCCEEDED'].map((s) => sfn.Condition.stringEquals('$.holderStatus', s)),
      ),
      releaseStale,
    )
    .otherwise(refuse);
  const holderUnknown = new sfn.Pass(scope, 'Note the holder could not be described', {
    parameters: { 'status.$': "States.Format('UNKNOWN ({})', $.describeError.Error)" },
    resultPath: '$.holderDescription',
  });
  const keepStatus = new sfn.Pass(scope, 'Keep the holder status', {
    inputPath: '$.holderDescription.status',
    resultPath: '$.holderStatus',
  });
  holderUnknown.next(keepStatus);
  keepStatus.next(mayRelease);
  const describeHolder = new AwsCall(scope, 'Describe the holding execution', {
    service: 'sfn',
    action: 'describeExecution',
    parameters: { 'ExecutionArn.$': `${HOLDER}.${LOCK_ATTRIBUTES.owner}.S` },
    policy: deps.describeExecutionPolicy,
    resultSelector: { 'status.$': '$.Status' },
    resultPath: '$.holderDescription',
  });
  describeHolder.addCatch(holderUnknown, { errors: [States.ALL], resultPath: '$.describeError' });
  describeHolder.next(keepStatus);
  const readLock = readItem(scope, 'Read the mirror set lock', {
    table: deps.table,
    key: setKey(`${UNLOCK}.mirrorSet`),
    resultPath: '$.holder',
  });
  readLock.addCatch(releaseFailed, onFailure);
  readLock.next(
    new sfn.Choice(scope, 'Is the mirror set locked?')
      .when(sfn.Condition.isPresent(`${HOLDER}.${LOCK_ATTRIBUTES.owner}.S`), describeHolder)
      .otherwise(notLocked),
  );
  const takeUnlock = new sfn.Pass(scope, 'Take the unlock request', {
    parameters: {
      'input.$': '$',
      unlock: {
        'mirrorSet.$': `${UNLOCK}.mirrorSet`,
        'by.$': `${UNLOCK}.by`,
        'reason.$': `${UNLOCK}.reason`,
        'force.$': `${UNLOCK}.force`,
      },
    },
  });
  takeUnlock.next(readLock);
  return takeUnlock;
}
