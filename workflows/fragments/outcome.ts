import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { OutcomeResult, OutcomeWorkflow } from '../../contracts/outcomes';
import { OUTCOME_FUNCTION_TIMEOUT } from '../base/ha-workflow';
import { continueEitherWay } from './either-way';
import { lambdaTask } from './tasks';

/** Where an outcome step keeps what it recorded, and where its error goes when it could not record. */
export const OUTCOME_PATH = '$.outcome';
export const OUTCOME_ERROR_PATH = '$.outcomeError';
/** The outcome step waits as long as its function may run (it writes one log line): not the default Lambda timeout. */
export const OUTCOME_TASK_TIMEOUT = OUTCOME_FUNCTION_TIMEOUT;

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
  /**
   * A backup run's tally (snapshot-backup, instead of `result`): how many instances it backed up in all, how many
   * failed and how many were skipped, each a JSONPath or an intrinsic that gives a whole number (countBooleans).
   * Counts, never the list: a run of thousands of instances keeps the step's input small.
   */
  readonly tally?: { readonly total: string; readonly failed: string; readonly skipped: string };
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
  if ((props.result === undefined) === (props.tally === undefined)) {
    throw new Error(`recordOutcome "${id}": give exactly one of result and tally`);
  }
  const task = lambdaTask(scope, id, {
    fn: props.fn,
    task: 'record-outcome',
    payload: {
      workflow: props.workflow,
      'name.$': props.namePath,
      ...(props.tally
        ? {
            instances: {
              'total.$': props.tally.total,
              'failed.$': props.tally.failed,
              'skipped.$': props.tally.skipped,
            },
          }
        : { result: props.result }),
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

/**
 * An intrinsic that counts the `value`s in the array of booleans at `path` (e.g. `$.outcomes[*].ok`): the array's JSON
 * text holds the letter `f` once per `false` and `t` once per `true` (and no other letter), so splitting it at that
 * letter gives one piece more than there are of them. (JSONPath has no count, and a filter that matches nothing,
 * `[?(@.ok == false)]`, is refused by the engine.)
 */
export function countBooleans(path: string, value: boolean): string {
  const letter = value ? 't' : 'f';
  return `States.MathAdd(States.ArrayLength(States.StringSplit(States.JsonToString(${path}), '${letter}')), -1)`;
}
