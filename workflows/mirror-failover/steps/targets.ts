import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { forEachTarget, lambdaTask, LOST_RESPONSE_RETRY } from '../../fragments';
import type { MirrorContext } from './context';
import { ON_FAILURE, PLAN, SET } from './paths';

/**
 * Reads the targets registered in the set's target groups and plans the switch to the member at `primaryPath`
 * (`$.plan`: which members to deregister, whether to register the primary). Reading changes nothing: a slow or lost
 * answer is tried again before the run escalates (otherwise one slow DescribeTargetHealth leaves traffic on a member
 * that is no longer primary; found by the fault campaign).
 */
export function planTargets(ctx: MirrorContext, id: string, primaryPath: string): tasks.LambdaInvoke {
  const plan = lambdaTask(ctx.scope, id, {
    fn: ctx.deps.planFunction,
    task: 'plan-target-switch',
    payload: {
      'primary.$': primaryPath,
      'members.$': `${SET}.memberIds`,
      'targetGroupArns.$': `${SET}.targetGroupArns`,
    },
    resultPath: '$.plan',
  });
  plan.addRetry(LOST_RESPONSE_RETRY);
  plan.addCatch(ctx.recordNeedsAttention, ON_FAILURE);
  return plan;
}

/** The state names of one deregistration of the members that are not primary. */
export interface DeregisterNames {
  /** The Map over the plan's targets to deregister. */
  readonly id: string;
  /** The DeregisterTargets call of one target. */
  readonly taskId: string;
  /** Where a target that could not be deregistered ends its iteration. */
  readonly failStateId: string;
}

/** Deregisters, from each target group, every member the plan names (`${PLAN}.deregister`: the non-primaries). */
export function deregisterNonPrimaries(ctx: MirrorContext, names: DeregisterNames): sfn.Map {
  const deregister = forEachTarget(ctx.scope, names.id, {
    change: 'deregisterTargets',
    targetGroupArns: ctx.targetGroupArns,
    withPort: true,
    itemsPath: `${PLAN}.deregister`,
    taskId: names.taskId,
    failStateId: names.failStateId,
  });
  deregister.addCatch(ctx.recordNeedsAttention, ON_FAILURE);
  return deregister;
}
