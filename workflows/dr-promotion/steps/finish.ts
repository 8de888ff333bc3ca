import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { formatted, notify, releaseLock } from '../../fragments';
import { audit, auditThen } from './audit';
import { APPROVED_AT, FENCE, REQ, SET } from './constants';
import { type DrSteps, promotionOutcome } from './context';

/** 8. Audit, record the promotion on the set's item (and release its lock), its outcome metrics, notify, succeed. */
export function recordPromotion(steps: DrSteps): tasks.DynamoPutItem {
  const { scope, deps, setKey, str, onFailure, auditFailed } = steps;
  const notifyPromoted = notify(scope, 'Notify the promotion is complete', {
    topic: deps.topic,
    subject: 'ha-workflows: DR promotion complete',
    message: formatted(
      `Mirror set {${SET}.name}: DR member {${REQ}.member} is now primary and registered in the DR target groups ` +
        `{States.JsonToString(${SET}.drTargetGroupArns)}. Requested by {${REQ}.requestedBy} ({${REQ}.reason}); ` +
        `approval: {States.JsonToString($.approval)}. Fence: {${FENCE}.summary}. Route 53: not changed by this ` +
        `workflow (its health checks follow the status page).`,
    ),
    then: new sfn.Succeed(scope, 'The DR member is primary and takes traffic'),
  });
  const record = releaseLock(scope, 'Record the promotion', {
    table: deps.table,
    key: setKey,
    set: [
      '#drState = :promoted',
      '#member = :member',
      '#by = :execution',
      '#at = :at',
      '#approval = :approval',
      '#lastExecution = :execution',
      '#lastError = :none',
    ],
    names: {
      '#drState': 'drState',
      '#member': 'promotedMember',
      '#by': 'promotedBy',
      '#at': 'promotedAt',
      '#approval': 'approval',
      '#lastExecution': 'drLastExecution',
      '#lastError': 'drLastError',
    },
    values: {
      ':promoted': tasks.DynamoAttributeValue.fromString('PROMOTED'),
      ':member': str(`${REQ}.member`),
      ':execution': str('$$.Execution.Name'),
      ':at': str('$.promoteResult.endedAt'),
      ':approval': tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.approval')),
      ),
      ':none': tasks.DynamoAttributeValue.fromString('none'),
    },
  });
  record.addCatch(auditFailed, onFailure);
  // PromotionTime: the approval (APPROVED_AT, noted right after it) → primary, registered and recorded PROMOTED.
  record.next(promotionOutcome(scope, deps)('Record the promotion time', 'SUCCEEDED', notifyPromoted, APPROVED_AT));
  return auditThen(audit(scope, deps, 'Write the audit trail of the promotion', 'PROMOTED'), record);
}
