import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { formatted, notify, releaseLock } from '../../fragments';
import { audit, auditThen } from './audit';
import { FORCE_STOP_AFTER_CHECKS, PREFLIGHT, REQ, SET } from './constants';
import type { DrSteps } from './context';

/**
 * A practice run stops after the approval: it describes steps 4-7 with their exact API calls, changes nothing,
 * writes its audit trail, releases the lock and notifies. Returns its first state.
 */
export function practiceRun(steps: DrSteps): sfn.Pass {
  const { scope, deps, setKey, str, onFailure, auditFailed } = steps;
  const wouldDo = new sfn.Pass(scope, 'Describe what the promotion would do', {
    parameters: {
      'fence.$': `States.Format('in {}: ec2:DescribeInstances of {}, then ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=<each interface of each> Groups=["{}"]; ec2:StopInstances InstanceIds={}; then ec2:DescribeInstances until each is stopped, with ec2:StopInstances Force=true from check ${FORCE_STOP_AFTER_CHECKS} on', ${SET}.primaryRegion, States.JsonToString(${SET}.oldMemberIds), ${SET}.denyAllGroupId, States.JsonToString(${SET}.oldMemberIds))`,
      'promote.$': `States.Format('ssm:SendCommand DocumentName={} InstanceIds=["{}"] Parameters={}; then ssm:GetCommandInvocation until it ends', ${SET}.promoteDocument, ${SET}.drMember.instanceId, States.JsonToString(${SET}.promoteParameters))`,
      'verify.$': `States.Format('GET {} until it answers 200 SUCCESS', ${SET}.drMember.url)`,
      'switchTraffic.$': `States.Format('elasticloadbalancing:RegisterTargets TargetGroupArn=<each of {}> Targets=[\\{"Id": "{}"\\}]', States.JsonToString(${SET}.drTargetGroupArns), ${SET}.drMember.instanceId)`,
    },
    resultPath: '$.wouldDo',
  });
  const notifyPractice = notify(scope, 'Notify the practice run is complete', {
    topic: deps.topic,
    subject: 'ha-workflows: DR promotion practice run complete',
    message: formatted(
      `Practice DR promotion of mirror set {${SET}.name} (member {${REQ}.member}) was approved; nothing was changed. ` +
        'It would have done:\n' +
        '4. fence: {$.wouldDo.fence}\n5. promote: {$.wouldDo.promote}\n6. verify: {$.wouldDo.verify}\n' +
        `7. switch traffic: {$.wouldDo.switchTraffic}\n\nPreflight:\n{${PREFLIGHT}.summary}`,
    ),
    then: new sfn.Succeed(scope, 'Practice run complete: nothing was changed'),
  });
  const releasePractice = releaseLock(scope, 'Release the lock after the practice run', {
    table: deps.table,
    key: setKey,
    set: ['#lastPractice = :execution', '#lastExecution = :execution'],
    names: { '#lastPractice': 'drLastPractice', '#lastExecution': 'drLastExecution' },
    values: { ':execution': str('$$.Execution.Name') },
  });
  releasePractice.addCatch(auditFailed, onFailure);
  releasePractice.next(notifyPractice);
  wouldDo.next(auditThen(audit(scope, deps, 'Write the audit trail of the practice run', 'PRACTICE'), releasePractice));
  return wouldDo;
}

/** After the approval: a practice run goes to `practice`, a real one to `realRun`. */
export function practiceOrReal(steps: DrSteps, practice: sfn.IChainable, realRun: sfn.IChainable): sfn.Choice {
  return new sfn.Choice(steps.scope, 'Is this a practice run?')
    .when(sfn.Condition.booleanEquals(`${REQ}.practice`, true), practice)
    .otherwise(realRun);
}
