import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Errors } from '../../../contracts/errors';
import { SET, VERIFY_INTERVAL } from './constants';
import type { DrSteps } from './context';

/**
 * 6. Verify: the set's probe function reads the promoted member's status page until it answers SUCCESS (then
 * `verified`), at most `verifyChecks` times VERIFY_INTERVAL apart.
 */
export function verifyPromotedMember(steps: DrSteps, verified: sfn.IChainable): sfn.Chain {
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

  // The same bounded loop as pollUntil (whose check must be a TaskStateBase; this one is a CustomState).
  const startVerify = new sfn.Pass(scope, 'Start checking the promoted member', {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: '$.polls.verify',
  });
  const waitVerify = new sfn.Wait(scope, 'Wait before checking the promoted member', {
    time: sfn.WaitTime.duration(VERIFY_INTERVAL),
  });
  const countVerify = new sfn.Pass(scope, 'Count check of the promoted member', {
    parameters: { 'attempts.$': 'States.MathAdd($.polls.verify.attempts, 1)' },
    resultPath: '$.polls.verify',
  });
  const isVerified = new sfn.Choice(scope, 'Does the promoted member answer SUCCESS?')
    .when(sfn.Condition.numberEquals('$.verify.value.primaryCount', 1), verified)
    .when(
      sfn.Condition.numberGreaterThanEqualsJsonPath('$.polls.verify.attempts', `${SET}.verifyChecks`),
      failWith(
        'Note the promoted member never answered SUCCESS',
        Errors.PROMOTION_NOT_VERIFIED,
        `States.Format('The promotion command succeeded but {} did not answer SUCCESS on its status page in time (last: {}); traffic is untouched', ${SET}.drMember.instanceId, $.verify.value.summary)`,
      ),
    )
    .otherwise(waitVerify);
  waitVerify.next(countVerify).next(verify);
  verify.next(isVerified);
  const verifyLoop = startVerify.next(verify);
  return verifyLoop;
}
