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

/**
 * The default path of the mirror-status page: the Web Gateway's `mirror_status.cxw` (answers `200 SUCCESS` on the
 * primary, `503 FAILED` on every other member). `.cxw` is the extension the Web Gateway reserves for its own pages, so
 * the page is served wherever a Web Gateway is: by the private web server, or by a production web server (Apache,
 * IIS, Nginx) in front of the Web Gateway. Sources in docs/workflows/mirror-failover.md ("The mirror-status page").
 */
export const DEFAULT_STATUS_PATH = '/csp/bin/mirror_status.cxw';
/**
 * The default port, paired with the default path: the private web server of IRIS (52773; Caché: 57772), which serves
 * the Web Gateway's pages on every member of versions that still install it. Versions without it (IRIS 2023.2 and
 * later, new installs) serve the page on the web server in front of the Web Gateway: set `statusPort` to 80.
 */
export const DEFAULT_STATUS_PORT = 52773;

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

/** One member of a mirror set, as the probe sees it. */
export interface MirrorMemberSettings {
  readonly instanceId: string;
  /** The member's mirror-status page, e.g. `http://10.0.1.10:52773/csp/bin/mirror_status.cxw`. */
  readonly url: string;
}

/** One mirror set, as the state machine carries it (the data of "Use mirror set <name>"). */
export interface MirrorSetSettings {
  readonly name: string;
  readonly members: readonly MirrorMemberSettings[];
  readonly memberIds: readonly string[];
  readonly targetGroupArns: readonly string[];
  /** The set's probe function (it runs in the set's VPC). */
  readonly probeFunctionArn: string;
  readonly probeTimeoutSeconds: number;
  /** `probeWaits[k]`: seconds to wait after the (k+1)-th probe before the next one. */
  readonly probeWaits: readonly number[];
  /** `probeWaits.length + 1`. */
  readonly maxProbes: number;
  /** How many times the primary's health is read (every 5 s) in each target group before giving up. */
  readonly healthyChecks: number;
}

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
