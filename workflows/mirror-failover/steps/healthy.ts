import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { forEachTargetGroup, waitTargetHealthy } from '../../fragments';
import { Errors, States } from '../../../contracts/errors';
import { HEALTHY_POLL_INTERVAL, REGISTRATION_POLL_INTERVAL } from '../constants';
import type { MirrorContext } from './context';
import { ON_FAILURE, PROBE, SET, SWITCH } from './paths';

/**
 * Waits until the primary is healthy in each target group; while it is not (yet), re-probes before each next check,
 * and leaves with PrimaryMoved when it is no longer the only primary. A wait that gives up re-probes: the round goes
 * round again if the primary moved, and escalates only if it did not.
 */
export function waitUntilPrimaryHealthy(ctx: MirrorContext): sfn.IChainable {
  const { scope, recordNeedsAttention, stillOnlyPrimary, goRound } = ctx;
  const probeWhileUnhealthy = ctx.probe('Probe while the primary is not healthy yet');
  probeWhileUnhealthy.addCatch(
    new sfn.Fail(scope, 'Members not probed while waiting', { errorPath: '$.error.Error', causePath: '$.error.Cause' }),
    { errors: [States.ALL], resultPath: '$.error' },
  );
  const primaryMoved = new sfn.Fail(scope, 'The primary moved while waiting', {
    error: Errors.PRIMARY_MOVED,
    cause: 'The member registered as primary no longer is the only one answering SUCCESS',
  });
  const waitHealthy = forEachTargetGroup(scope, 'Wait until the primary is healthy in each target group', {
    itemsPath: `${SET}.targetGroupArns`,
    itemSelector: {
      'targetGroupArn.$': '$$.Map.Item.Value',
      'instanceId.$': `${SWITCH}.primary`,
      'maxChecks.$': `${SET}.healthyChecks`,
      // What the probe reads (as `$.set`, like the main path): the set's probe function and members.
      set: {
        'name.$': `${SET}.name`,
        'members.$': `${SET}.members`,
        'probeFunctionArn.$': `${SET}.probeFunctionArn`,
        'probeTimeoutSeconds.$': `${SET}.probeTimeoutSeconds`,
      },
    },
    iteration: waitTargetHealthy(scope, {
      readId: 'Read the primary health',
      unreadableId: 'Primary health not readable',
      label: 'primary healthy',
      interval: HEALTHY_POLL_INTERVAL,
      maxChecks: '$.maxChecks',
      counterPath: '$.polls.healthy',
      healthy: new sfn.Succeed(scope, 'Primary is healthy'),
      exhausted: new sfn.Fail(scope, 'Primary never became healthy', {
        error: Errors.PRIMARY_NOT_HEALTHY,
        cause: 'The primary was registered but not healthy in its target group within the healthy timeout',
      }),
      // While the load balancer registers the member (minutes on an NLB) it sends it nothing: wait longer, without
      // probing; the probes resume with its first health checks, and the release re-probes in any case.
      whileRegistering: {
        interval: REGISTRATION_POLL_INTERVAL,
        waitId: 'Wait while the load balancer registers the primary',
        countId: 'Count the registration wait as checks of primary healthy',
      },
      beforeNextCheck: (wait) =>
        probeWhileUnhealthy.next(
          new sfn.Choice(scope, 'Is the registered member still the only primary?')
            .when(
              sfn.Condition.and(
                sfn.Condition.numberEquals(`${PROBE}.primaryCount`, 1),
                sfn.Condition.stringEqualsJsonPath(`${PROBE}.primary`, '$.instanceId'),
              ),
              wait,
            )
            .otherwise(primaryMoved),
        ),
    }),
  });

  // The healthy wait gave up: re-probe, and go round if the primary moved; escalate only if it did not.
  const probeAfterHealthWait = ctx.probe('Probe after the healthy wait failed');
  probeAfterHealthWait.addCatch(recordNeedsAttention, ON_FAILURE);
  waitHealthy.addCatch(goRound, { errors: [Errors.PRIMARY_MOVED], resultPath: '$.failure' });
  waitHealthy.addCatch(probeAfterHealthWait, { errors: [Errors.PRIMARY_NOT_HEALTHY], resultPath: '$.failure' });
  waitHealthy.addCatch(recordNeedsAttention, ON_FAILURE);
  probeAfterHealthWait.next(
    new sfn.Choice(scope, 'Is the chosen member still the only primary after the healthy wait?')
      .when(stillOnlyPrimary, recordNeedsAttention)
      .otherwise(goRound),
  );
  return waitHealthy;
}
