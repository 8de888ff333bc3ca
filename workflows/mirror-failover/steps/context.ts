import { Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { formatted, lambdaTaskRetries } from '../../fragments';
import type { MirrorFailoverDeps } from '../definition';
import { failureRecords } from './failure';
import { PROBE, SET, SWITCH } from './paths';

/**
 * A step built in two phases: its function makes the step's states and their failure paths, `connect` its happy-path
 * transitions to the next steps. CDK renders a definition's states in an order that follows the order in which the
 * transitions into each state were made, so definition.ts builds every step first and connects them after, as the
 * single function did before the split (the ASL diff checks that order).
 */
export interface Step<Next> {
  readonly entry: sfn.IChainable;
  readonly connect: (next: Next) => void;
}

/** What every step of the failover shares. */
export interface MirrorContext {
  readonly scope: Construct;
  readonly deps: MirrorFailoverDeps;
  /** The mirror set's item in the state table: `MIRROR#<name>`. */
  readonly setKey: string;
  /** Every configured set's target groups: the IAM resources of the target changes. */
  readonly targetGroupArns: readonly string[];
  /** A probe of the set's members (read-only) into `$.probe`; the caller adds its Catch. */
  readonly probe: (id: string) => sfn.CustomState;
  /** True when the last probe found exactly one SUCCESS, and it is the member this round switches to. */
  readonly stillOnlyPrimary: sfn.Condition;
  /** Once the lock is held: record NEEDS_ATTENTION, release, notify, fail. */
  readonly recordNeedsAttention: sfn.IChainable;
  /** Before the lock is held: record NEEDS_ATTENTION (lock untouched), notify, fail. */
  readonly recordNotStarted: sfn.IChainable;
  /** A Pass that sets `$.failure` (the cause is an intrinsic) and goes to `recordNeedsAttention`. */
  readonly failWith: (id: string, error: string, cause: string) => sfn.IChainable;
  /**
   * Every "the primary is not the member just chosen" goes round again, up to MAX_SWITCH_ROUNDS rounds (it counts the
   * round; ./rounds wires where it goes).
   */
  readonly goRound: sfn.Pass;
}

export function mirrorContext(scope: Construct, deps: MirrorFailoverDeps): MirrorContext {
  const { partition } = Stack.of(scope);
  const setKey = formatted(`MIRROR#{${SET}.name}`);
  const { recordNeedsAttention, recordNotStarted } = failureRecords(scope, deps, setKey);
  return {
    scope,
    deps,
    setKey,
    targetGroupArns: [...new Set(deps.sets.flatMap((s) => s.targetGroupArns))],
    probe: (id) => probe(scope, deps, partition, id),
    stillOnlyPrimary: sfn.Condition.and(
      sfn.Condition.numberEquals(`${PROBE}.primaryCount`, 1),
      sfn.Condition.stringEqualsJsonPath(`${PROBE}.primary`, `${SWITCH}.primary`),
    ),
    recordNeedsAttention,
    recordNotStarted,
    failWith: (id, error, cause) =>
      new sfn.Pass(scope, id, {
        parameters: { Error: error, 'Cause.$': cause },
        resultPath: '$.failure',
      }).next(recordNeedsAttention),
    goRound: new sfn.Pass(scope, 'Count the round', {
      parameters: { 'attempts.$': 'States.MathAdd($.rounds.attempts, 1)' },
      resultPath: '$.rounds',
    }),
  };
}

function probe(scope: Construct, deps: MirrorFailoverDeps, partition: string, id: string): sfn.CustomState {
  // The function is the set's own (in the set's VPC), so its name comes from the set's settings (`$.set`, also
  // carried into the healthy wait's iterations).
  const task = new sfn.CustomState(scope, id, {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${partition}:states:::lambda:invoke`,
      Parameters: {
        'FunctionName.$': `${SET}.probeFunctionArn`,
        Payload: {
          'mirrorSet.$': `${SET}.name`,
          'members.$': `${SET}.members`,
          'timeoutSeconds.$': `${SET}.probeTimeoutSeconds`,
          'executionStartTime.$': '$$.Execution.StartTime',
          lockTtlSeconds: deps.lockTtl.toSeconds(),
        },
      },
      ResultSelector: { 'value.$': '$.Payload' },
      ResultPath: '$.probe',
      TimeoutSeconds: deps.probeTaskTimeout.toSeconds(),
    },
  });
  lambdaTaskRetries(task, 'probe-mirror-members');
  return task;
}
