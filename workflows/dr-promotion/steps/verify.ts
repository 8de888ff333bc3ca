import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Errors } from '../../../contracts/errors';
import { pollUntil } from '../../fragments';
import { SET, VERIFY_INTERVAL } from './constants';
import type { DrSteps } from './context';

/**
 * 6. Verify: the set's probe function reads the promoted member's status page until it answers SUCCESS (then
 * `verified`), at most `verifyChecks` times VERIFY_INTERVAL apart.
 */
export function verifyPromotedMember(steps: DrSteps, verified: sfn.IChainable): sfn.IChainable {
  const { scope, onFailure, auditFailed, failWith, setLambda } = steps;
  const verify = setLambda(
    'Check the promoted member answers SUCCESS',
    `${SET}.probeFunctionArn`,
    {
      'mirrorSet.$': `${SET}.name`,
      'members.$': `States.Array(${SET}.drMember)`,
      'timeoutSeconds.$': `${SET}.probeTimeoutSeconds`,
      'executionStartTime.$': '$$.Execution.StartTime',
      lockTtlSeconds: 60,
    },
    '$.verify',
  );
  verify.addCatch(auditFailed, onFailure);

  return pollUntil(scope, {
    check: verify,
    done: sfn.Condition.numberEquals('$.verify.value.primaryCount', 1),
    interval: VERIFY_INTERVAL,
    maxAttempts: `${SET}.verifyChecks`,
    counterPath: '$.polls.verify',
    label: 'the promoted member',
    decideId: 'Does the promoted member answer SUCCESS?',
    then: verified,
    exhausted: failWith(
      'Note the promoted member never answered SUCCESS',
      Errors.PROMOTION_NOT_VERIFIED,
      `States.Format('The promotion command succeeded but {} did not answer SUCCESS on its status page in time (last: {}); traffic is untouched', ${SET}.drMember.instanceId, $.verify.value.summary)`,
    ),
  });
}
