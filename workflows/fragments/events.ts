import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * `detail-type` of the status-change events Step Functions sends to EventBridge (source `aws.states`) when an
 * execution ends (Step Functions Developer Guide, "Automating Step Functions event delivery with EventBridge"). The
 * snapshot-backup rescue, the dr-promotion release and the lock janitor are started by it.
 */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/**
 * A Choice condition: the input is an execution status-change event (EXECUTION_STATUS_CHANGE) that carries each of
 * `fields` of its `detail` (e.g. `executionArn`, `status`) and the ended execution's input (`detail.input`, a JSON
 * string). Every path is tested with IsPresent before it is read (And stops at the first false rule), so an
 * operator's input or another event is told apart without a States.Runtime error.
 */
export function isExecutionStatusEvent(fields: readonly string[]): sfn.Condition {
  return sfn.Condition.and(
    ...[...fields, 'input'].map((field) => sfn.Condition.isPresent(`$.detail.${field}`)),
    sfn.Condition.isString('$.detail.input'),
  );
}

/**
 * A Choice condition: the input is an EventBridge event of this `detail-type`. A comparison on a path that is absent
 * fails the execution with States.Runtime, so the path is tested with IsPresent first (And stops at the first false
 * rule): an operator's input has no `detail-type`.
 */
export function isEventOfType(detailType: string): sfn.Condition {
  return sfn.Condition.and(
    sfn.Condition.isPresent('$.detail-type'),
    sfn.Condition.stringEquals('$.detail-type', detailType),
  );
}

/** Where a trigger's Pass keeps the time the measured span starts (contracts/outcomes.ts): the event's own time. */
export const TRIGGERED_AT = '$.triggeredAt';

/**
 * Adds to `choice` the rule `condition` → a Pass `id` that keeps `parameters` and the event's time as `triggeredAt`
 * (the start of the span the outcome metrics measure). Every EventBridge event carries `time` in its envelope; an
 * input shaped like an event but without it (started by hand) still takes the rule, with the execution's start as
 * its time (a second Pass, `<id> (no event time)`), so reading the time never fails the execution. Returns `choice`.
 */
export function whenEvent(
  choice: sfn.Choice,
  scope: Construct,
  id: string,
  condition: sfn.Condition,
  parameters: Record<string, unknown>,
): sfn.Choice {
  const timed = sfn.Condition.and(condition, sfn.Condition.isPresent('$.time'), sfn.Condition.isTimestamp('$.time'));
  return choice.when(timed, new sfn.Pass(scope, id, { parameters: { ...parameters, 'triggeredAt.$': '$.time' } })).when(
    condition,
    new sfn.Pass(scope, `${id} (no event time)`, {
      parameters: { ...parameters, 'triggeredAt.$': '$$.Execution.StartTime' },
    }),
  );
}
