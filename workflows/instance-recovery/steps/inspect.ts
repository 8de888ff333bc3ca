import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { groupPlacement } from '../../../contracts/recovery-group';
import { PLAN, ON_FAILURE, type RecoveryContext, recoveryLambda } from './context';

/** Reads the failed instance, its group and the candidate subnets into `$.inspection` (changes nothing). */
export function inspectFailedInstance({ scope, deps, recordNotStarted }: RecoveryContext): sfn.IChainable {
  const inspect = recoveryLambda(
    scope,
    'Inspect failed instance',
    {
      fn: deps.inspectFunction,
      task: 'inspect-instance',
      payload: {
        'instanceId.$': '$.instanceId',
        'executionStartTime.$': '$$.Execution.StartTime',
        tagKey: deps.tagKey,
        lockTtlSeconds: deps.lockTtl.toSeconds(),
        groups: Object.fromEntries(deps.groups.map((g) => [g.id, groupPlacement(g)])),
        denyAllGroups: deps.denyAllGroups,
      },
      resultPath: '$.inspection',
    },
    true,
  );
  inspect.addCatch(recordNotStarted, ON_FAILURE);
  return inspect;
}

/** Recovers only an instance of a configured group; any other ends quietly. */
export function ifProtected({ scope }: RecoveryContext, recover: sfn.IChainable): sfn.IChainable {
  return new sfn.Choice(scope, 'Is the instance protected?')
    .when(sfn.Condition.booleanEquals(`${PLAN}.protected`, true), recover)
    .otherwise(new sfn.Succeed(scope, 'Instance is not protected'));
}
