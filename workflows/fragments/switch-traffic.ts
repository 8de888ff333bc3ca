import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { pollUntil } from './poll-until';
import { AwsCall, failIterationOnError, forEachItem } from './tasks';

/*
 * Moving traffic between EC2 targets of ELBv2 target groups: register a target, deregister one, wait until one is
 * healthy. Every task works on one target of one target group, named by its input (a Map iteration's item):
 * `$.targetGroupArn`, `$.instanceId` and, with `withPort`, `$.port`. The caller names every state, and catches the
 * Map's error: a target that cannot be registered, read or made healthy ends the iteration with that error (fail
 * closed: nothing is assumed to have worked).
 */

/** The two ELBv2 actions that change a target group's members. */
export type TargetChange = 'registerTargets' | 'deregisterTargets';

const IAM_ACTIONS: Readonly<Record<TargetChange, string>> = {
  registerTargets: 'elasticloadbalancing:RegisterTargets',
  deregisterTargets: 'elasticloadbalancing:DeregisterTargets',
};

export interface TargetTaskProps {
  readonly change: TargetChange;
  /** The target groups the task may change: the IAM statement's resources. */
  readonly targetGroupArns: readonly string[];
  /**
   * Name the target's port too (`$.port`), as a registered target is named by instance and port.
   * @default false - the instance only (the target group's own port)
   */
  readonly withPort?: boolean;
}

/** One RegisterTargets or DeregisterTargets call for the target `$.instanceId` of the group `$.targetGroupArn`. */
export function targetTask(scope: Construct, id: string, props: TargetTaskProps): AwsCall {
  return new AwsCall(scope, id, {
    service: 'elasticloadbalancingv2',
    action: props.change,
    parameters: {
      'TargetGroupArn.$': '$.targetGroupArn',
      Targets: [props.withPort ? { 'Id.$': '$.instanceId', 'Port.$': '$.port' } : { 'Id.$': '$.instanceId' }],
    },
    policy: [new iam.PolicyStatement({ actions: [IAM_ACTIONS[props.change]], resources: [...props.targetGroupArns] })],
    resultPath: sfn.JsonPath.DISCARD,
  });
}

export interface ForEachTargetProps extends TargetTaskProps {
  /** The targets, e.g. `$.plan.value.deregister` (items `{ targetGroupArn, instanceId[, port] }`). */
  readonly itemsPath: string;
  /** @default - the item itself */
  readonly itemSelector?: Record<string, unknown>;
  /** Id of the call made per target. */
  readonly taskId: string;
  /** Id of the Fail state an iteration ends in when its call fails (with the call's own error). */
  readonly failStateId: string;
}

/** Registers or deregisters each target of a list (four at a time); the state's input passes through unchanged. */
export function forEachTarget(scope: Construct, id: string, props: ForEachTargetProps): sfn.Map {
  return forEachItem(scope, id, {
    itemsPath: props.itemsPath,
    itemSelector: props.itemSelector,
    task: targetTask(scope, props.taskId, props),
    failStateId: props.failStateId,
  });
}

export interface ForEachTargetGroupProps {
  /** The target groups, e.g. `$.plan.value.targetGroupArns`. */
  readonly itemsPath: string;
  /** Each iteration's input: at least `targetGroupArn` and `instanceId`. */
  readonly itemSelector: Record<string, unknown>;
  /** What runs in each target group, e.g. `targetTask(…)` then `waitTargetHealthy(…)`. */
  readonly iteration: sfn.IChainable;
}

/** Runs the same steps in each target group (four at a time); the state's input passes through unchanged. */
export function forEachTargetGroup(scope: Construct, id: string, props: ForEachTargetGroupProps): sfn.Map {
  const map = new sfn.Map(scope, id, {
    itemsPath: props.itemsPath,
    itemSelector: props.itemSelector,
    maxConcurrency: 4,
    resultPath: sfn.JsonPath.DISCARD,
  });
  map.itemProcessor(props.iteration);
  return map;
}

/** While the load balancer registers a target it does not check its health yet (`Elb.RegistrationInProgress`). */
export interface WhileRegisteringProps {
  /** Pause while registering: a multiple of the loop's interval, counted as that many checks. */
  readonly interval: Duration;
  /** Id of that Wait state. */
  readonly waitId: string;
  /** Id of the Pass state that counts it. */
  readonly countId: string;
}

export interface WaitTargetHealthyProps {
  /** Id of the DescribeTargetHealth task (it writes `$.health.state`). */
  readonly readId: string;
  /** Id of the Fail state an iteration ends in when the health cannot be read (with the call's own error). */
  readonly unreadableId: string;
  /** A few words for the loop's states, as pollUntil's: "replacement healthy" → "Is replacement healthy?". */
  readonly label: string;
  /** Pause between two reads. */
  readonly interval: Duration;
  /** Reads at most this many times, then goes to `exhausted`; a string is a JSONPath to that number. */
  readonly maxChecks: number | string;
  /** Where the check counter lives, e.g. `$.polls.healthy` (holds `{ attempts }`). */
  readonly counterPath: string;
  /** Where to go once the target is healthy. */
  readonly healthy: sfn.IChainable;
  /** Where to go when the last check is still not healthy: fail closed. */
  readonly exhausted: sfn.IChainable;
  /**
   * Wait one interval before the first read (a target just registered is not healthy yet).
   * @default false
   */
  readonly waitFirst?: boolean;
  /**
   * Tell registration apart: the read keeps the whole TargetHealth (`$.health.target`), and while its Reason is
   * `Elb.RegistrationInProgress` the loop waits this longer pause, without `beforeNextCheck`.
   * @default - every not-healthy read is handled alike
   */
  readonly whileRegistering?: WhileRegisteringProps;
  /**
   * Runs when the target is not healthy yet and checks remain: it is handed the loop's Wait, goes there to keep
   * waiting, or elsewhere to leave the loop (e.g. a re-check that the target should still get traffic).
   * @default - wait at once
   */
  readonly beforeNextCheck?: (wait: sfn.Wait) => sfn.IChainable;
}

/**
 * pollUntil's bounded loop, reading one target's health until it is `healthy`: read → healthy? → `healthy`; checks
 * used up? → `exhausted`; registering? → long wait → read; else → [beforeNextCheck →] wait → count → read.
 */
export function waitTargetHealthy(scope: Construct, props: WaitTargetHealthyProps): sfn.IChainable {
  const read = new AwsCall(scope, props.readId, {
    service: 'elasticloadbalancingv2',
    action: 'describeTargetHealth',
    parameters: { 'TargetGroupArn.$': '$.targetGroupArn', Targets: [{ 'Id.$': '$.instanceId' }] },
    policy: [new iam.PolicyStatement({ actions: ['elasticloadbalancing:DescribeTargetHealth'], resources: ['*'] })],
    // With the whole TargetHealth (State, and Reason unless healthy): a few dozen bytes.
    resultSelector: props.whileRegistering
      ? {
          'state.$': '$.TargetHealthDescriptions[0].TargetHealth.State',
          'target.$': '$.TargetHealthDescriptions[0].TargetHealth',
        }
      : { 'state.$': '$.TargetHealthDescriptions[0].TargetHealth.State' },
    resultPath: '$.health',
  });
  failIterationOnError(scope, read, props.unreadableId);
  const registering = props.whileRegistering && registrationWait(scope, props, props.whileRegistering);
  return pollUntil(scope, {
    check: read,
    done: sfn.Condition.stringEquals('$.health.state', 'healthy'),
    interval: props.interval,
    maxAttempts: props.maxChecks,
    counterPath: props.counterPath,
    label: props.label,
    exhausted: props.exhausted,
    then: props.healthy,
    waitFirst: props.waitFirst,
    moreRules: registering
      ? [
          {
            condition: sfn.Condition.and(
              sfn.Condition.isPresent('$.health.target.Reason'),
              sfn.Condition.stringEquals('$.health.target.Reason', 'Elb.RegistrationInProgress'),
            ),
            then: registering,
          },
        ]
      : [],
    beforeWait: props.beforeNextCheck,
  });
}

/** The longer wait while registering, counted as the number of checks it replaces (pollUntil links its end to the read). */
function registrationWait(
  scope: Construct,
  props: WaitTargetHealthyProps,
  registering: WhileRegisteringProps,
): sfn.Chain {
  const checks = registering.interval.toSeconds() / props.interval.toSeconds();
  if (!Number.isInteger(checks) || checks < 1) {
    throw new Error(
      `whileRegistering.interval (${registering.interval.toSeconds()} s) must be a multiple of interval (${props.interval.toSeconds()} s)`,
    );
  }
  const wait = new sfn.Wait(scope, registering.waitId, { time: sfn.WaitTime.duration(registering.interval) });
  return wait.next(
    new sfn.Pass(scope, registering.countId, {
      parameters: { 'attempts.$': `States.MathAdd(${props.counterPath}.attempts, ${checks})` },
      resultPath: props.counterPath,
    }),
  );
}
