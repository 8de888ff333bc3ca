import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { takeLock } from '../../fragments';
import { Aws } from '../../../contracts/errors';
import { ON_FAILURE, PLAN, type RecoveryContext } from './context';

/**
 * Takes the group lock (state RECOVERING) for the failed instance; a duplicate or late event, or a group left
 * NEEDS_ATTENTION, ends quietly. Then notes that no replacement is known yet.
 */
export function takeGroupLock({ scope, deps, groupKey, recordNotStarted }: RecoveryContext): sfn.Chain {
  const alreadyHandled = new sfn.Succeed(scope, 'Recovery already handled', {
    comment: 'Another execution holds the group, or the group already moved past this instance',
  });
  const lock = takeLock(scope, 'Take the group lock', {
    table: deps.table,
    key: groupKey,
    nowEpochPath: `${PLAN}.nowEpoch`,
    expiresAtPath: `${PLAN}.lockExpiresAt`,
    set: ['#state = :recovering', '#failedInstance = :failed', '#startedAt = :startedAt'],
    // The group's current instance must be the failed one (a late duplicate of an old event is ignored),
    // and a group left NEEDS_ATTENTION waits for an operator.
    condition:
      '(attribute_not_exists(#instanceId) OR #instanceId = :failed) AND (attribute_not_exists(#state) OR #state <> :needsAttention)',
    names: {
      '#state': 'state',
      '#failedInstance': 'failedInstanceId',
      '#instanceId': 'instanceId',
      '#startedAt': 'startedAt',
    },
    values: {
      ':recovering': tasks.DynamoAttributeValue.fromString('RECOVERING'),
      ':needsAttention': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
      ':failed': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.instanceId')),
      ':startedAt': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.StartTime')),
    },
  });
  lock.addCatch(alreadyHandled, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  lock.addCatch(recordNotStarted, ON_FAILURE);
  const noReplacementYet = new sfn.Pass(scope, 'Note no replacement yet', {
    result: sfn.Result.fromObject({ value: { instanceId: 'none', availabilityZone: 'none' } }),
    resultPath: '$.launch',
  });
  return sfn.Chain.start(lock).next(noReplacementYet);
}
