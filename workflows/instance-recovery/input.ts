/**
 * What starts an instance recovery: an EventBridge event (CloudWatch alarm → ALARM, or EC2 instance
 * stopped), or an operator's input naming the instance.
 */

/** `detail-type` of the EC2 state-change event (source `aws.ec2`). */
export const EC2_STATE_CHANGE = 'EC2 Instance State-change Notification';
/** `detail-type` of the CloudWatch alarm state-change event (source `aws.cloudwatch`). */
export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

export interface Ec2StateChangeEvent {
  readonly 'detail-type': typeof EC2_STATE_CHANGE;
  readonly source: 'aws.ec2';
  readonly detail: { readonly 'instance-id': string; readonly state: string };
}

export interface AlarmStateChangeEvent {
  readonly 'detail-type': typeof ALARM_STATE_CHANGE;
  readonly source: 'aws.cloudwatch';
  readonly detail: {
    readonly alarmName: string;
    readonly state: { readonly value: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' };
    readonly configuration: {
      readonly metrics: readonly {
        readonly metricStat?: { readonly metric: { readonly dimensions: { readonly InstanceId?: string } } };
      }[];
    };
  };
}

/** An operator's start: `{ "instanceId": "i-…" }`. */
export interface ManualRecoveryInput {
  readonly instanceId: string;
}

export type InstanceRecoveryInput = Ec2StateChangeEvent | AlarmStateChangeEvent | ManualRecoveryInput;
