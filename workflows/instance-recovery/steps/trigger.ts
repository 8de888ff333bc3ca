import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { formatted, isEventOfType, notify } from '../../fragments';
import { Errors } from '../../../contracts/errors';
import { ALARM_STATE_CHANGE, EC2_STATE_CHANGE } from '../input';
import type { RecoveryContext } from './context';

/**
 * Trigger → instance id (`$.instanceId`, `$.trigger`): an alarm, an EC2 state change or an operator's input; a trigger
 * that names no instance is told to the operators and fails.
 */
export function readTrigger({ scope, deps }: RecoveryContext): sfn.Chain {
  const fromStateChange = new sfn.Pass(scope, 'Take instance from state change', {
    parameters: { 'instanceId.$': '$.detail.instance-id', trigger: EC2_STATE_CHANGE },
  });
  const fromAlarm = new sfn.Pass(scope, 'Take instance from alarm', {
    parameters: {
      'instanceId.$': '$.detail.configuration.metrics[0].metricStat.metric.dimensions.InstanceId',
      'trigger.$': "States.Format('alarm {}', $.detail.alarmName)",
    },
  });
  const fromOperator = new sfn.Pass(scope, 'Take instance from input', {
    parameters: { 'instanceId.$': '$.instanceId', trigger: 'operator' },
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
  return new sfn.Choice(scope, 'Read the trigger')
    .when(
      sfn.Condition.and(
        isEventOfType(ALARM_STATE_CHANGE),
        sfn.Condition.isPresent('$.detail.configuration.metrics[0].metricStat.metric.dimensions.InstanceId'),
      ),
      fromAlarm,
    )
    .when(
      sfn.Condition.and(isEventOfType(EC2_STATE_CHANGE), sfn.Condition.isPresent('$.detail.instance-id')),
      fromStateChange,
    )
    .when(sfn.Condition.isPresent('$.instanceId'), fromOperator)
    .otherwise(unrecognized)
    .afterwards({ includeOtherwise: false });
}
