import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsCall, forEachItem } from '../../fragments';
import { SET } from './constants';
import type { DrSteps } from './context';

/** 7. Switch traffic in the DR region: register the promoted member in each DR target group, then `then`. */
export function registerPromotedMember(steps: DrSteps, then: sfn.IChainable): sfn.Map {
  const { scope, deps, onFailure, auditFailed } = steps;
  const registerTarget = new AwsCall(scope, 'Register the promoted member', {
    service: 'elasticloadbalancingv2',
    action: 'registerTargets',
    parameters: { 'TargetGroupArn.$': '$.targetGroupArn', Targets: [{ 'Id.$': '$.instanceId' }] },
    policy: deps.registerPolicy,
    resultPath: sfn.JsonPath.DISCARD,
  });
  const register = forEachItem(scope, 'Register the promoted member in each DR target group', {
    itemsPath: `${SET}.drTargetGroupArns`,
    itemSelector: { 'targetGroupArn.$': '$$.Map.Item.Value', 'instanceId.$': `${SET}.drMember.instanceId` },
    task: registerTarget,
    failStateId: 'Promoted member not registered',
  });
  register.addCatch(auditFailed, onFailure);
  register.next(then);
  return register;
}
