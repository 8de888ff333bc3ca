import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

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
