import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { notify, releaseLock } from '../../fragments';
import { audit, auditThen } from './audit';
import { FENCE, REQ, SET } from './constants';
import type { DrSteps } from './context';

/** 8. Audit, record the promotion on the set's item (and release its lock), notify, succeed. */
export function recordPromotion(steps: DrSteps): tasks.DynamoPutItem {
  const { scope, deps, setKey, str, onFailure, auditFailed } = steps;
  const notifyPromoted = notify(scope, 'Notify the promotion is complete', {
    topic: deps.topic,
    subject: 'ha-workflows: DR promotion complete',
    message: sfn.JsonPath.format(
      'Mirror set {}: DR member {} is now primary and registered in the DR target groups {}. Requested by {} ({}); ' +
        'approval: {}. Fence: {}. Route 53: not changed by this workflow (its health checks follow the status page).',
      sfn.JsonPath.stringAt(`${SET}.name`),
      sfn.JsonPath.stringAt(`${REQ}.member`),
      sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt(`${SET}.drTargetGroupArns`)),
      sfn.JsonPath.stringAt(`${REQ}.requestedBy`),
      sfn.JsonPath.stringAt(`${REQ}.reason`),
      sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.approval')),
      sfn.JsonPath.stringAt(`${FENCE}.summary`),
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
  record.next(notifyPromoted);
  return auditThen(audit(scope, deps, 'Write the audit trail of the promotion', 'PROMOTED'), record);
}
