import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { formatted, isEventOfType, notify, whenEvent } from '../../fragments';
import { Errors } from '../../../contracts/errors';
import { ALARM_STATE_CHANGE, EC2_STATE_CHANGE } from '../input';
import type { RecoveryContext } from './context';

/**
 * Trigger → instance id (`$.instanceId`, `$.trigger`, and `$.triggeredAt`: the event's time, or the start): an alarm, an EC2 state change or an operator's input; a trigger
 * that names no instance is told to the operators and fails.
 */
export function readTrigger({ scope, deps }: RecoveryContext): sfn.Chain {
  const fromOperator = new sfn.Pass(scope, 'Take instance from input', {
    parameters: { 'instanceId.$': '$.instanceId', trigger: 'operator', 'triggeredAt.$': '$$.Execution.StartTime' },
  });
  const unrecognizedFail = new sfn.Fail(scope, 'Trigger names no instance', {
    error: Errors.INVALID_INPUT,
    cause:
      'Expected an EC2 state-change event, a CloudWatch alarm event on an InstanceId metric, or {"instanceId": "i-…"}',
  });
  // Not silent either: an alarm wired to a metric without an InstanceId would otherwise never recover anything.
  const unrecognized = notify(scope, 'Notify trigger names no instance', {
    topic: deps.topic,
    subject: 'ha-workflows: instance recovery started without an instance',
    message: formatted(
      'Execution {$$.Execution.Id} was started by a trigger that names no instance: expected an EC2 ' +
        'state-change event, a CloudWatch alarm event on a metric with an InstanceId dimension, or an input with ' +
        'instanceId. Nothing was changed. Check the alarm, rule or input that started it.',
    ),
    then: unrecognizedFail,
  });

  // Every path a rule compares is tested with IsPresent first (isEventOfType; And stops at the first false rule).
  const read = new sfn.Choice(scope, 'Read the trigger');
  whenEvent(
    read,
    scope,
    'Take instance from alarm',
    sfn.Condition.and(
      isEventOfType(ALARM_STATE_CHANGE),
      sfn.Condition.isPresent('$.detail.configuration.metrics[0].metricStat.metric.dimensions.InstanceId'),
    ),
    {
      'instanceId.$': '$.detail.configuration.metrics[0].metricStat.metric.dimensions.InstanceId',
      'trigger.$': "States.Format('alarm {}', $.detail.alarmName)",
    },
  );
  whenEvent(
    read,
    scope,
    'Take instance from state change',
    sfn.Condition.and(isEventOfType(EC2_STATE_CHANGE), sfn.Condition.isPresent('$.detail.instance-id')),
    { 'instanceId.$': '$.detail.instance-id', trigger: EC2_STATE_CHANGE },
  );
  return read
    .when(sfn.Condition.isPresent('$.instanceId'), fromOperator)
    .otherwise(unrecognized)
    .afterwards({ includeOtherwise: false });
}
