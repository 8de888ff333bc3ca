/**
 * What a user would pick instead, modeled with the same latencies (local/latency.ts, docs/latency-model.md).
 * Each figure is a sum of named latencies, written out so a reader can check it.
 */
import { DEFAULT_LATENCY as L } from '../local/latency';
import { TARGET_GROUP_DEFAULTS as TG } from '../local/region/elbv2';

/** An ALB target group with AWS's default check: a new target is healthy at its first passing check (≤ 30 s), a failing one unhealthy after 2 × 30 s. */
const ALB_INITIAL_TO_HEALTHY = TG.intervalSeconds;
const ALB_HEALTHY_TO_UNHEALTHY = TG.unhealthyThreshold * TG.intervalSeconds;

export interface Baseline {
  readonly name: string;
  /** What it answers to, and what it does not. */
  readonly covers: string;
  /** Modeled seconds from the failure to a healthy replacement (undefined: not covered). */
  readonly failureToHealthySeconds?: number;
  readonly composition: string;
}

/** Host/OS failure → status-check alarm in ALARM (2 of 2 × 60 s periods; latency-model §5). */
export const STATUS_CHECK_ALARM_SECONDS = 180;
/** CloudWatch alarm state change → EventBridge delivery (§5). */
export const ALARM_TO_EVENT_SECONDS = 1;
/** An Auto Scaling health-check cycle noticing an unhealthy ELB target (inferred: ASG checks every ~10 s). */
export const ASG_HEALTH_CYCLE_SECONDS = 10;

const launchToHealthy =
  L['ec2.RunInstances'] + L['ec2.pendingToRunning'] + L['ec2.runningToSsmOnline'] + ALB_INITIAL_TO_HEALTHY;

/** The workflow's own figure, from a drill: failure → alarm → event → workflow (event → healthy). */
export function instanceRecoveryFromFailure(eventToHealthy: number): Baseline {
  return {
    name: 'ha-workflows instance-recovery',
    covers:
      'status-check or application alarm, or a stopped instance; another AZ (an AZ outage is covered); carries tags, profile, alarms, targets; fences first',
    failureToHealthySeconds: STATUS_CHECK_ALARM_SECONDS + ALARM_TO_EVENT_SECONDS + eventToHealthy,
    composition: `status-check alarm ${STATUS_CHECK_ALARM_SECONDS} + event ${ALARM_TO_EVENT_SECONDS} + drilled event→healthy ${eventToHealthy.toFixed(1)}`,
  };
}

export function baselines(): Baseline[] {
  const asgElb = ALB_HEALTHY_TO_UNHEALTHY + ASG_HEALTH_CYCLE_SECONDS + L['ec2.api'] + launchToHealthy;
  const ec2Recover =
    STATUS_CHECK_ALARM_SECONDS +
    L['ec2.stoppingToStopped'] +
    L['ec2.startToRunning'] +
    L['ec2.runningToSsmOnline'] +
    ALB_INITIAL_TO_HEALTHY;
  return [
    {
      name: 'Auto Scaling group, min = max = 1, ELB health checks (grace period 0 s via API; 300 s in the console)',
      covers:
        "an instance that fails ELB or EC2 health checks, in any of the group's AZs; launches from a launch template (no tags, alarms or fencing carried over; custom alarms need SetInstanceHealth)",
      failureToHealthySeconds: asgElb,
      composition: `ELB unhealthy ${ALB_HEALTHY_TO_UNHEALTHY} + ASG health cycle ${ASG_HEALTH_CYCLE_SECONDS} (inferred) + terminate call ${L['ec2.api']} + launch→healthy ${launchToHealthy}; a grace period delays only the new instance's own checks`,
    },
    {
      name: 'EC2 automatic recovery (CloudWatch `recover` action)',
      covers:
        'system status-check failures only, same AZ only (keeps ID, IPs, EBS): an AZ outage or an application fault is NOT covered; ≤ 3 recoveries a day',
      failureToHealthySeconds: ec2Recover,
      composition: `StatusCheckFailed_System alarm ${STATUS_CHECK_ALARM_SECONDS} + stop ${L['ec2.stoppingToStopped']} + start ${L['ec2.startToRunning']} + boot→app ${L['ec2.runningToSsmOnline']} + ELB healthy ${ALB_INITIAL_TO_HEALTHY}`,
    },
    {
      name: 'EC2 automatic recovery during an AZ outage',
      covers: 'not covered: recovery happens on another host in the same AZ',
      composition: 'no replacement until the AZ returns',
    },
  ];
}

/** Data Lifecycle Manager with pre/post scripts, next to snapshot-backup (latency-model §3). */
export const DLM_LIMITS = {
  scriptTimeoutSecondsMax: 120,
  minimumScheduleIntervalHours: 1,
  onFreezeFailureDefault: 'continue: the snapshot is taken crash-consistent (ExecuteOperationOnScriptFailure = true)',
  source:
    'docs.aws.amazon.com/dlm/latest/APIReference/API_Script.html; DLM schedule intervals 1, 2, 3, 4, 6, 8, 12, 24 h',
};
