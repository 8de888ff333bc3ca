import { Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  continueEitherWay,
  EXECUTION_START,
  formatted,
  lambdaTaskRetries,
  notify,
  type OutcomeStep,
  outcomeSteps,
  releaseLock,
  stringAt,
} from '../../fragments';
import type { TaskName } from '../../../contracts/task-retries';
import { States } from '../../../contracts/errors';
import type { DrPromotionDeps } from '../definition';
import { audit, auditThen } from './audit';
import { REQ, SET } from './constants';

/** The task behind each function ARN of the mirror set's DR settings (DrMirrorSet in ../input.ts). */
const TASK_AT: Readonly<Record<string, TaskName>> = {
  [`${SET}.preflightFunctionArn`]: 'dr-preflight',
  [`${SET}.probeFunctionArn`]: 'probe-mirror-members',
};

function taskAt(functionArnPath: string): TaskName {
  const task = TASK_AT[functionArnPath];
  if (!task) throw new Error(`setLambda: no task is known behind ${functionArnPath} (TASK_AT)`);
  return task;
}

/** Catches every error into `$.failure`. */
export interface FailureCatch {
  readonly errors: string[];
  readonly resultPath: string;
}

/** What every step of dr-promotion shares: its scope and dependencies, and the ways to fail. */
export interface DrSteps {
  readonly scope: Construct;
  readonly deps: DrPromotionDeps;
  readonly partition: string;
  readonly region: string;
  /** The state table item of the mirror set: its lock and its DR state. */
  readonly setKey: string;
  /** A DynamoDB string attribute read from a JSONPath. */
  readonly str: (path: string) => tasks.DynamoAttributeValue;
  /** Catch every error into `$.failure`. */
  readonly onFailure: FailureCatch;
  /** Before the lock is held: notify, then fail with `$.failure`. */
  readonly notifyFailed: tasks.SnsPublish;
  /** After the lock: audit, release, notify, then fail with `$.failure`. */
  readonly auditFailed: tasks.DynamoPutItem;
  /** A Pass that sets `$.failure` (`error`, and `cause` read from a JSONPath or intrinsic), then `auditFailed`. */
  readonly failWith: (id: string, error: string, cause: string) => sfn.Chain;
  /** A Lambda task of a function the selected set names (its preflight and probe run in the set's DR VPC). */
  readonly setLambda: (
    id: string,
    functionArnPath: string,
    payload: Record<string, unknown>,
    resultPath: string,
  ) => sfn.CustomState;
}

/**
 * The promotion's outcome steps (contracts/outcomes.ts): the set's Failed from the execution's start, or its
 * PromotionTime (from the approval: the step gives that start).
 */
export function promotionOutcome(scope: Construct, deps: DrPromotionDeps): OutcomeStep {
  return outcomeSteps(scope, deps, 'dr-promotion', `${SET}.name`, EXECUTION_START);
}

/**
 * The shared part of dr-promotion, and its failure path (after the lock): audit, release, notify, fail with the
 * error's own name.
 */
export function drSteps(scope: Construct, deps: DrPromotionDeps): DrSteps {
  const { partition, region } = Stack.of(scope);
  const setKey = formatted(`MIRROR#{${SET}.name}`);
  const str = stringAt;

  const failed = new sfn.Fail(scope, 'DR promotion failed', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  const notifyFailed = notify(scope, 'Notify the DR promotion failed', {
    topic: deps.topic,
    subject: 'ha-workflows: DR promotion did NOT complete',
    message: formatted(
      `DR promotion of mirror set {${SET}.name} (member {${REQ}.member}, requested by {${REQ}.requestedBy}) ended ` +
        `with {$.failure.Error}: {$.failure.Cause}`,
    ),
    then: failed,
  });
  const releaseFailed = releaseLock(scope, 'Release the lock after the failure', {
    table: deps.table,
    key: setKey,
    set: ['#lastError = :error', '#lastExecution = :execution'],
    names: { '#lastError': 'drLastError', '#lastExecution': 'drLastExecution' },
    values: { ':error': str('$.failure.Error'), ':execution': str('$$.Execution.Name') },
  });
  // Failed: 1 for the set (refused, rejected, timed out or failed after the lock), released or not.
  const outcomeFailed = promotionOutcome(scope, deps)('Record the promotion did not complete', 'FAILED', notifyFailed);
  continueEitherWay(releaseFailed, outcomeFailed, '$.releaseError');
  const auditFailed = auditThen(audit(scope, deps, 'Write the audit trail of the failure', 'FAILED'), releaseFailed);
  const failWith = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, { parameters: { Error: error, 'Cause.$': cause }, resultPath: '$.failure' }).next(
      auditFailed,
    );

  const setLambda = (id: string, functionArnPath: string, payload: Record<string, unknown>, resultPath: string) => {
    const task = new sfn.CustomState(scope, id, {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${partition}:states:::lambda:invoke`,
        Parameters: { 'FunctionName.$': functionArnPath, Payload: payload },
        ResultSelector: { 'value.$': '$.Payload' },
        ResultPath: resultPath,
        TimeoutSeconds: deps.setTaskTimeout.toSeconds(),
      },
    });
    lambdaTaskRetries(task, taskAt(functionArnPath));
    return task;
  };

  return {
    scope,
    deps,
    partition,
    region,
    setKey,
    str,
    onFailure: { errors: [States.ALL], resultPath: '$.failure' },
    notifyFailed,
    auditFailed,
    failWith,
    setLambda,
  };
}
