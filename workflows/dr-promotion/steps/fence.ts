import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { lambdaTask, pollUntil } from '../../fragments';
import { Errors, States } from '../../../contracts/errors';
import {
  FENCE,
  FENCE_CHECK_INTERVAL,
  FENCE_CHECKS,
  FENCE_TASK_TIMEOUT,
  FORCE_STOP_AFTER_CHECKS,
  REQ,
  SET,
} from './constants';
import type { DrSteps } from './context';

/**
 * 4. Fence the old site (primary region), best effort, bounded: fence, then check every FENCE_CHECK_INTERVAL until
 * every old member is stopped, then `promote`. Not confirmed in time: promote only when the request allows it
 * (`allowUnfenced`), else fail with nothing promoted.
 */
export function fenceOldSite(steps: DrSteps, promote: sfn.IChainable): sfn.TaskStateBase {
  const { scope, deps, failWith } = steps;
  const fencePayload = (mode: 'fence' | 'check') => ({
    mode,
    'region.$': `${SET}.primaryRegion`,
    'instanceIds.$': `${SET}.oldMemberIds`,
    'denyAllGroupId.$': `${SET}.denyAllGroupId`,
  });
  const fence = lambdaTask(scope, 'Fence the old site', {
    fn: deps.fenceFunction,
    task: 'fence-old-site',
    timeout: FENCE_TASK_TIMEOUT,
    payload: fencePayload('fence'),
    resultPath: '$.fence',
  });
  const checkFence = lambdaTask(scope, 'Check the old site is fenced', {
    fn: deps.fenceFunction,
    task: 'fence-old-site',
    timeout: FENCE_TASK_TIMEOUT,
    payload: {
      ...fencePayload('check'),
      'checkNumber.$': '$.polls.fence.attempts',
      forceStopAfterChecks: FORCE_STOP_AFTER_CHECKS,
    },
    resultPath: '$.fence',
  });

  const unfenced = new sfn.Choice(scope, 'Promote without a confirmed fence?')
    .when(sfn.Condition.booleanEquals(`${REQ}.allowUnfenced`, true), promote)
    .otherwise(
      failWith(
        'Note the old site could not be fenced',
        Errors.FENCE_UNCONFIRMED,
        `States.Format('Could not confirm that the old site is fenced (not confirmed: {}; confirmed: {}). Nothing was promoted and traffic is untouched. {} — start again with "allowUnfenced": true only if the old site cannot take writes', ${FENCE}.unconfirmed, ${FENCE}.confirmed, ${FENCE}.summary)`,
      ),
    );
  const fenceUnknown = new sfn.Pass(scope, 'Note the fence could not be checked', {
    parameters: {
      allConfirmed: false,
      confirmed: 'none',
      unconfirmed: 'all (the fence check failed)',
      'summary.$': "States.Format('{}: {}', $.fenceError.Error, $.fenceError.Cause)",
    },
    resultPath: '$.fence.value',
  }).next(unfenced);
  checkFence.addCatch(fenceUnknown, { errors: [States.ALL], resultPath: '$.fenceError' });
  const fenceLoop = pollUntil(scope, {
    check: checkFence,
    done: sfn.Condition.booleanEquals(`${FENCE}.allConfirmed`, true),
    interval: FENCE_CHECK_INTERVAL,
    maxAttempts: FENCE_CHECKS,
    counterPath: '$.polls.fence',
    label: 'the old site fenced',
    waitFirst: true,
    exhausted: unfenced,
    then: promote,
  });
  fence.addCatch(fenceLoop, { errors: [States.ALL], resultPath: '$.fenceError' });
  fence.next(fenceLoop);
  return fence;
}
