import { type Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  AwsCall,
  type AwsCallProps,
  formatted,
  lambdaTask,
  LOST_RESPONSE_RETRY,
  type OutcomeStep,
  outcomeSteps,
  RECOVERY_EC2_RETRY,
  TRIGGERED_AT,
} from '../../fragments';
import type { TaskName } from '../../../contracts/task-retries';
import { States } from '../../../contracts/errors';
import type { InstanceRecoveryDeps } from '../definition';

/** The inspect task's plan: the group, its lock's times, the candidate subnets, the failed instance's settings. */
export const PLAN = '$.inspection.value';
/** What the replacement carries over from the failed instance. */
export const SOURCE = `${PLAN}.source`;
/** The replacement's id: "none" until it is known. */
export const NEW_ID = '$.launch.value.instanceId';
/** The Catch of every step once the group lock is held (and of the steps before it): keep the error. */
export const ON_FAILURE = { errors: [States.ALL], resultPath: '$.failure' };

/** What every step of the recovery shares: where it builds, its dependencies, and the IAM scopes. */
export interface RecoveryScope {
  readonly scope: Construct;
  readonly deps: InstanceRecoveryDeps;
  /** The group item's key in the state table: `GROUP#<group id>`. */
  readonly groupKey: string;
  readonly ec2Arn: (resource: string) => string;
  /** The VPCs of the configured groups. */
  readonly vpcArns: readonly string[];
  /** The configured target groups (a placeholder when there are none: IAM needs a resource). */
  readonly targetGroupResources: readonly string[];
  /** An EC2 action on the instances tagged with a configured group only. */
  readonly protectedInstances: (actions: string[]) => iam.PolicyStatement;
  /** A Describe* action (on every resource: they take no resource-level permissions). */
  readonly describe: (action: string) => iam.PolicyStatement;
}

/** The failure paths every step ends in (built by ./failure). */
export interface RecoveryContext extends RecoveryScope {
  /** Before the group lock is held: record on the instance's own item, notify, fail. */
  readonly recordNotStarted: sfn.IChainable;
  /** Once the group lock is held: name the replacement, record NEEDS_ATTENTION, release, notify, fail. */
  readonly needsAttention: sfn.IChainable;
  /** A Pass that sets `$.failure` to this error and goes to `needsAttention`. */
  readonly failWith: (id: string, error: string, cause: string) => sfn.IChainable;
}

export function recoveryScope(scope: Construct, deps: InstanceRecoveryDeps): RecoveryScope {
  const { partition, region, account } = Stack.of(scope);
  const ec2Arn = (resource: string) => `arn:${partition}:ec2:${region}:${account}:${resource}`;
  const groupIds = deps.groups.map((g) => g.id);
  const targetGroupArns = [...new Set(deps.groups.flatMap((g) => g.targetGroupArns))];
  return {
    scope,
    deps,
    groupKey: formatted(`GROUP#{${PLAN}.groupId}`),
    ec2Arn,
    vpcArns: [...new Set(deps.groups.map((g) => ec2Arn(`vpc/${g.vpcId}`)))],
    // With no target group configured the Maps iterate over nothing; IAM still needs a resource, so name none.
    targetGroupResources: targetGroupArns.length
      ? targetGroupArns
      : [`arn:${partition}:elasticloadbalancing:${region}:${account}:targetgroup/no-target-group-configured/0`],
    protectedInstances: (actions) =>
      new iam.PolicyStatement({
        actions,
        resources: [ec2Arn('instance/*')],
        conditions: { StringEquals: { [`aws:ResourceTag/${deps.tagKey}`]: groupIds } },
      }),
    describe: (action) => new iam.PolicyStatement({ actions: [action], resources: ['*'] }),
  };
}

export interface RecoveryLambdaProps {
  readonly fn: lambda.IFunction;
  /** The task `fn` runs: its declaration (contracts/task-retries.ts) gives the Task's retries. */
  readonly task: TaskName;
  readonly payload: Record<string, unknown>;
  readonly resultPath: string;
  readonly timeout?: Duration;
}

/**
 * A Lambda task of the recovery (lambdaTask: the Lambda service's own errors, and the retries its declaration
 * gives), and, when it is idempotent, a lost response.
 */
export function recoveryLambda(
  scope: Construct,
  id: string,
  props: RecoveryLambdaProps,
  idempotent: boolean,
): tasks.LambdaInvoke {
  const task = lambdaTask(scope, id, props);
  if (idempotent) task.addRetry(LOST_RESPONSE_RETRY);
  return task;
}

/**
 * An EC2 call of the recovery once the group lock is held: RECOVERY_EC2_RETRY, then any error needs an operator
 * (`needsAttention`).
 */
export function recoveryEc2Call(
  ctx: RecoveryContext,
  id: string,
  props: Omit<AwsCallProps, 'service' | 'retry'>,
): AwsCall {
  const call = new AwsCall(ctx.scope, id, { service: 'ec2', ...props, retry: RECOVERY_EC2_RETRY });
  call.addCatch(ctx.needsAttention, ON_FAILURE);
  return call;
}

/** The recovery's outcome steps (contracts/outcomes.ts): the group's RecoveryTime or Failed, from the trigger. */
export function recoveryOutcome({ scope, deps }: RecoveryScope): OutcomeStep {
  return outcomeSteps(scope, deps, 'instance-recovery', `${PLAN}.groupId`, TRIGGERED_AT);
}
