/**
 * What starts a mirror failover: the database's become-primary hook (a custom EventBridge event), the
 * no-healthy-host alarm of one of the set's target groups, or an operator naming the mirror set.
 */

/** `source` of the custom event the become-primary hook puts. */
export const MIRROR_EVENT_SOURCE = 'ha-workflows.mirror';
/** `detail-type` of that event. */
export const BECAME_PRIMARY = 'Mirror Member Became Primary';
/** `detail-type` of the CloudWatch alarm state-change event (source `aws.cloudwatch`). */
export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

/** The mirror set's shape (configured, carried by the state machine, parsed by the probe) has one home. */
export {
  DEFAULT_STATUS_PATH,
  DEFAULT_STATUS_PORT,
  type MirrorMemberSettings,
  type MirrorSetSettings,
} from '../../contracts/mirror-set';

/**
 * The event the become-primary hook puts (`aws events put-events`). Only `mirrorSet` is read; the instance id
 * is informational (the workflow believes the status pages, not the event).
 */
export interface BecamePrimaryEvent {
  readonly source: typeof MIRROR_EVENT_SOURCE;
  readonly 'detail-type': typeof BECAME_PRIMARY;
  readonly detail: { readonly mirrorSet: string; readonly instanceId?: string };
}

/** The no-healthy-host alarm of one of the set's target groups entered ALARM. */
export interface NoHealthyHostAlarmEvent {
  readonly source: 'aws.cloudwatch';
  readonly 'detail-type': typeof ALARM_STATE_CHANGE;
  /** `<stack>/mirror-failover/<mirror set>/no-healthy-host-<n>`: the set is the third segment. */
  readonly detail: { readonly alarmName: string; readonly state: { readonly value: 'ALARM' } };
}

/** An operator's start: `{ "mirrorSet": "db-1" }` (re-check and repair the targets of one set). */
export interface ManualMirrorFailoverInput {
  readonly mirrorSet: string;
}

export type MirrorFailoverInput = BecamePrimaryEvent | NoHealthyHostAlarmEvent | ManualMirrorFailoverInput;

/**
 * The waits between probes: doubling from 1 s up to 8 s, until they add up to `primaryWaitSeconds`
 * (the last wait is cut to fit). 60 s → 1, 2, 4, 8, 8, 8, 8, 8, 8, 5 (11 probes).
 */
export function probeWaits(primaryWaitSeconds: number): number[] {
  const waits: number[] = [];
  let total = 0;
  let next = 1;
  while (total < primaryWaitSeconds) {
    const wait = Math.min(next, primaryWaitSeconds - total);
    waits.push(wait);
    total += wait;
    next = Math.min(next * 2, MAX_PROBE_WAIT_SECONDS);
  }
  return waits;
}

/** The longest pause between two probes. */
export const MAX_PROBE_WAIT_SECONDS = 8;
