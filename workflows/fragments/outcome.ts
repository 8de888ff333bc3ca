import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { OutcomeResult, OutcomeWorkflow } from '../../contracts/outcomes';
import { continueEitherWay } from './either-way';
import { lambdaTask } from './tasks';

/** Where an outcome step keeps what it recorded, and where its error goes when it could not record. */
export const OUTCOME_PATH = '$.outcome';
export const OUTCOME_ERROR_PATH = '$.outcomeError';
/** The outcome step writes one log line: it never needs the default Lambda task timeout. */
export const OUTCOME_TASK_TIMEOUT = Duration.seconds(10);

export interface RecordOutcomeProps {
  /** The workflow's record-outcome function (tasks/record-outcome). */
  readonly fn: lambda.IFunction;
  readonly workflow: OutcomeWorkflow;
  /**
   * JSONPath of the group / mirror set / policy name (the metric's dimension). It must be present on every path that
   * reaches the step (a missing path is `States.Runtime`, which no Catch takes): use the path the step's own
   * notification already formats.
   */
  readonly namePath: string;
  /** How the execution ends: what the step records (recovery, failover, promotion). */
  readonly result?: OutcomeResult;
  /** JSONPath of a backup run's children as its Map collected them (snapshot-backup, instead of `result`). */
  readonly instancesPath?: string;
  /** JSONPath of the ISO time the measured span starts: the triggering event, the approval, the run's start. */
  readonly startedAtPath: string;
  /** Where the path goes once the outcome is recorded, or could not be (its error at `$.outcomeError`). */
  readonly then: sfn.IChainable;
}

/**
 * Records the outcome metrics (contracts/outcomes.ts) of an execution that is about to end, then goes on to `then`
 * whether or not they could be recorded: a metric never changes how an execution ends, and its failure never hides a
 * notification. The span ends at this step's entry (`$$.State.EnteredTime`), so place it right after the step that
 * completes what it measures. Returns the step.
 */
export function recordOutcome(scope: Construct, id: string, props: RecordOutcomeProps): tasks.LambdaInvoke {
  if ((props.result === undefined) === (props.instancesPath === undefined)) {
    throw new Error(`recordOutcome "${id}": give exactly one of result and instancesPath`);
  }
  const task = lambdaTask(scope, id, {
    fn: props.fn,
    task: 'record-outcome',
    payload: {
      workflow: props.workflow,
      'name.$': props.namePath,
      ...(props.result ? { result: props.result } : { 'instances.$': props.instancesPath }),
      'startedAt.$': props.startedAtPath,
      'endedAt.$': '$$.State.EnteredTime',
      'executionId.$': '$$.Execution.Id',
    },
    resultSelector: { 'metrics.$': '$.Payload.metrics' },
    resultPath: OUTCOME_PATH,
    timeout: OUTCOME_TASK_TIMEOUT,
  });
  return continueEitherWay(task, props.then, OUTCOME_ERROR_PATH);
}

/** An outcome step of a workflow (outcomeSteps): records `result`, then goes on to `then`. */
export type OutcomeStep = (
  id: string,
  result: OutcomeResult,
  then: sfn.IChainable,
  startedAtPath?: string,
) => tasks.LambdaInvoke;

/**
 * The outcome steps of one workflow: recordOutcome with what all its steps share, the workflow's record-outcome
 * function (`deps.outcomeFunction`), its id, where the name is (`namePath`) and where the measured span starts
 * (`startedAtPath`, unless a step gives its own).
 */
export function outcomeSteps(
  scope: Construct,
  deps: { readonly outcomeFunction: lambda.IFunction },
  workflow: OutcomeWorkflow,
  namePath: string,
  startedAtPath: string,
): OutcomeStep {
  const fn = deps.outcomeFunction;
  return (id, result, then, startedAt = startedAtPath) =>
    recordOutcome(scope, id, { fn, workflow, namePath, result, startedAtPath: startedAt, then });
}

/** `sfn.JsonPath` of the execution's start: the span of a run an operator or a schedule starts. */
export const EXECUTION_START = '$$.Execution.StartTime';
