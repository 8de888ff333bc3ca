import { CfnOutput, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import {
  DEFAULT_STATUS_PATH,
  DEFAULT_STATUS_PORT,
  memberStatusPage,
  type MirrorMember,
  type MirrorSetSettings,
  STATUS_PATH,
} from '../../contracts/mirror-set';
import { type HaFoundation, HaWorkflow, PropsError, type TaskFunction } from '../base';
import { acknowledgeMirrorFindings } from './acknowledgements';
import { HEALTHY_POLL_INTERVAL, MAX_LOCK_ATTEMPTS, MAX_SWITCH_ROUNDS, mirrorFailoverDefinition } from './definition';
import { ALARM_STATE_CHANGE, BECAME_PRIMARY, MIRROR_EVENT_SOURCE, probeWaits } from './input';

export type { MirrorMember } from '../../contracts/mirror-set';

export interface MirrorSet {
  /** Region-unique name, e.g. `db-1`; the hook event and the state table name the set by it. */
  readonly name: string;
  /** The VPC of the members; the set's probe function runs in it. */
  readonly vpc: ec2.IVpc;
  /** Subnets of `vpc` (private, with a route to the members) for the probe function. */
  readonly probeSubnets: ec2.SubnetSelection;
  /** The failover members (two or more): each one answers the mirror-status page. */
  readonly members: readonly MirrorMember[];
  /**
   * Port of the web server that serves the mirror-status page on every member (probe and target group health check).
   * @default 52773 - the IRIS private web server (Caché: 57772); where none is installed (IRIS 2023.2 and later), the
   * web server in front of the Web Gateway: 80
   */
  readonly statusPort?: number;
  /**
   * Path of the mirror-status page, served by the Web Gateway (through the private web server or a web server).
   * @default '/csp/bin/mirror_status.cxw'
   */
  readonly statusPath?: string;
  /** Target groups (instance targets) that must send traffic to the primary only. */
  readonly targetGroupArns: readonly string[];
  /**
   * The load balancer in front of the target groups: a no-healthy-host alarm per target group starts the
   * workflow as a second trigger (CloudWatch needs the load balancer's dimension).
   * @default - no alarm; only the become-primary hook (and operators) start the workflow
   */
  readonly loadBalancerArn?: string;
  /**
   * Point each target group's health check at the mirror-status page (HTTP, matcher 200, every 5 s, 2 checks
   * to change state), so the load balancer itself never routes to a member that is not primary.
   * @default true
   */
  readonly configureHealthCheck?: boolean;
  /**
   * How long one member may take to answer the probe (the members are probed in parallel).
   * @default Duration.seconds(2)
   */
  readonly probeTimeout?: Duration;
  /**
   * How long to keep probing (with backoff) for exactly one member answering SUCCESS before failing with
   * `AmbiguousPrimary` or `NoPrimary`.
   * @default Duration.seconds(60)
   */
  readonly primaryWait?: Duration;
  /**
   * How long to wait for the primary to be healthy in each target group after the switch.
   * @default Duration.minutes(5)
   */
  readonly healthyTimeout?: Duration;
}

export interface MirrorFailoverWorkflowProps {
  readonly foundation: HaFoundation;
  readonly sets: readonly MirrorSet[];
}

/** The target groups' health check when `configureHealthCheck` is on: a failover shows within ~10 s. */
export const MIRROR_HEALTH_CHECK = {
  protocol: 'HTTP',
  /** Seconds between checks (the smallest ALB and NLB allow). */
  intervalSeconds: 5,
  /** Seconds one check may take (below the interval). */
  timeoutSeconds: 2,
  /** Consecutive successes before a target is healthy / failures before it is unhealthy: 2 × 5 s = 10 s. */
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 2,
  /** Only the primary's status page answers 200. */
  matcher: '200',
} as const;

/** Prefix of every no-healthy-host alarm name of the stack: `<stack>/mirror-failover/<set>/no-healthy-host-<n>`. */
export function mirrorAlarmPrefix(stackName: string): string {
  return `${stackName}/mirror-failover/`;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const TARGET_GROUP_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^/]+\/[0-9a-f]+$/;
const LOAD_BALANCER_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/(app|net)\/[^/]+\/[0-9a-f]+$/;

/**
 * Points a mirror set's load balancer at the one member whose mirror-status page answers `200 SUCCESS`, and
 * at nothing else; with zero or several such members it changes nothing and fails (fail closed). Started by the
 * database's become-primary hook (a custom EventBridge event), by the target groups' no-healthy-host alarms, or
 * by an operator with `{ "mirrorSet": "<name>" }`. Also configures the target groups' own health check on the
 * mirror-status page, so both mechanisms act together.
 */
export class MirrorFailoverWorkflow extends HaWorkflow {
  readonly stateMachine: sfn.StateMachine;
  /** The probe function of each set, by set name (each in its set's VPC). */
  readonly probeFunctions: Record<string, TaskFunction> = {};
  /** The probe's security group of each set: egress only to the members' status port. */
  readonly probeSecurityGroups: Record<string, ec2.SecurityGroup> = {};
  /** The no-healthy-host alarms, by set name. */
  readonly noHealthyHostAlarms: Record<string, cloudwatch.Alarm[]> = {};
  /** Attach to the members' instance role: lets the become-primary hook put the event, and nothing else. */
  readonly hookPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: MirrorFailoverWorkflowProps) {
    super(scope, id, props.foundation, { workflow: 'mirror-failover' });
    validate(props);
    const { foundation } = props;
    const stack = Stack.of(this);

    const plan = this.addTaskFunction('PlanTargetSwitch', {
      task: 'plan-target-switch',
      description: 'read the registered targets and plan the switch to the primary',
      policy: [new iam.PolicyStatement({ actions: ['elasticloadbalancing:DescribeTargetHealth'], resources: ['*'] })],
    });

    const settings: MirrorSetSettings[] = [];
    let longestProbe = 0;
    let longestRun = 0;
    for (const set of props.sets) {
      const port = set.statusPort ?? DEFAULT_STATUS_PORT;
      const path = set.statusPath ?? DEFAULT_STATUS_PATH;
      const probeTimeout = set.probeTimeout?.toSeconds() ?? 2;
      const primaryWait = set.primaryWait?.toSeconds() ?? 60;
      const healthyTimeout = set.healthyTimeout?.toSeconds() ?? 300;

      const securityGroup = new ec2.SecurityGroup(this, `ProbeSecurityGroup-${set.name}`, {
        vpc: set.vpc,
        allowAllOutbound: false,
        description: `ha-workflows mirror-failover probe of ${set.name}: egress only to the members status port`,
      });
      for (const m of set.members) {
        securityGroup.addEgressRule(
          ec2.Peer.ipv4(`${m.address}/32`),
          ec2.Port.tcp(port),
          `mirror-status page of ${m.instanceId}`,
        );
      }
      this.probeSecurityGroups[set.name] = securityGroup;
      const functionTimeout = Math.ceil(probeTimeout) + 10;
      const probe = this.addTaskFunction(`ProbeMembers-${set.name}`, {
        task: 'probe-mirror-members',
        description: `read the mirror-status page of every member of ${set.name}`,
        policy: [],
        timeout: Duration.seconds(functionTimeout),
        network: { vpc: set.vpc, subnets: set.probeSubnets, securityGroups: [securityGroup] },
      });
      this.probeFunctions[set.name] = probe;
      longestProbe = Math.max(longestProbe, functionTimeout);

      const waits = probeWaits(primaryWait);
      const healthyChecks = Math.max(1, Math.ceil(healthyTimeout / HEALTHY_POLL_INTERVAL.toSeconds()));
      settings.push({
        name: set.name,
        members: set.members.map((m) => memberStatusPage(m, port, path)),
        memberIds: set.members.map((m) => m.instanceId),
        targetGroupArns: [...set.targetGroupArns],
        probeFunctionArn: probe.fn.functionArn,
        probeTimeoutSeconds: probeTimeout,
        probeWaits: waits,
        maxProbes: waits.length + 1,
        healthyChecks,
      });
      // One round: probing until one primary, three probes around the changes and before the release, and the
      // healthy wait (twice its length: it probes while the load balancer finds the member unhealthy).
      const round = primaryWait + (waits.length + 4) * (functionTimeout + 5) + 2 * healthyTimeout;
      // Every round the workflow may go, plus taking the lock (or handing the event over) and giving up.
      longestRun = Math.max(longestRun, MAX_SWITCH_ROUNDS * round + (MAX_LOCK_ATTEMPTS + 2) * (functionTimeout + 5));

      if (set.configureHealthCheck ?? true) this.configureHealthChecks(set, port, path);
    }

    // Ends every execution: the longest probing and healthy wait of any set, plus 5 minutes for the rest.
    const timeout = Duration.seconds(longestRun + 300);
    const outcome = this.addOutcomeFunction(
      'mirror-failover',
      settings.map((s) => s.name),
    );
    const machine = this.addStateMachine({
      comment: 'Point the load balancer at the one mirror member that answers SUCCESS, and at nothing else',
      timeout,
      definition: (scope) =>
        mirrorFailoverDefinition(scope, {
          table: foundation.table,
          topic: foundation.topic,
          planFunction: plan.fn,
          outcomeFunction: outcome.fn,
          sets: settings,
          // The lease outlives the longest execution: a lock is only ever taken over from a dead execution.
          lockTtl: Duration.seconds(timeout.toSeconds() + 60),
          probeTaskTimeout: Duration.seconds(longestProbe + 5),
        }),
      // The probe task names its function from the set's settings, so nothing grants the invocation by itself.
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: Object.values(this.probeFunctions).map((p) => p.fn.functionArn),
        }),
      ],
    });
    this.stateMachine = machine.stateMachine;

    // ── Triggers ─────────────────────────────────────────────────────────────────────────────────────
    this.addTrigger('OnBecamePrimary', {
      description: 'ha-workflows: a mirror member became primary (its hook put the event) → mirror failover',
      eventPattern: {
        source: [MIRROR_EVENT_SOURCE],
        detailType: [BECAME_PRIMARY],
        detail: { mirrorSet: props.sets.map((s) => s.name) },
      },
      target: this.stateMachine,
    });

    for (const set of props.sets) {
      if (set.loadBalancerArn === undefined) continue;
      this.noHealthyHostAlarms[set.name] = set.targetGroupArns.map((tg, i) =>
        noHealthyHostAlarm(this, stack.stackName, set.name, i, tg, set.loadBalancerArn!),
      );
    }
    if (Object.keys(this.noHealthyHostAlarms).length > 0) {
      this.addTrigger('OnNoHealthyHost', {
        description: 'ha-workflows: a mirror set target group has no healthy host → mirror failover',
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: [ALARM_STATE_CHANGE],
          detail: { alarmName: [{ prefix: mirrorAlarmPrefix(stack.stackName) }], state: { value: ['ALARM'] } },
        },
        target: this.stateMachine,
      });
    }

    this.hookPolicy = this.createMemberAccess(stack);
    acknowledgeMirrorFindings({
      workflow: this,
      role: machine.role,
      plan,
      probes: Object.values(this.probeFunctions),
    });
  }

  /** What the members need: the hook's permission, and the probe's security group to let in (as outputs). */
  private createMemberAccess(stack: Stack): iam.ManagedPolicy {
    const hookPolicy = new iam.ManagedPolicy(this, 'HookPolicy', {
      description: `Lets a mirror member's become-primary hook put the "${BECAME_PRIMARY}" event, and nothing else`,
      statements: [
        new iam.PolicyStatement({
          actions: ['events:PutEvents'],
          resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
          conditions: { StringEquals: { 'events:source': MIRROR_EVENT_SOURCE, 'events:detail-type': BECAME_PRIMARY } },
        }),
      ],
    });
    new CfnOutput(this, 'HookPolicyArn', {
      description: "Attach to the mirror members' instance role (become-primary hook)",
      value: hookPolicy.managedPolicyArn,
    });
    for (const [name, sg] of Object.entries(this.probeSecurityGroups)) {
      new CfnOutput(this, `ProbeSecurityGroupId-${name}`, {
        description: `Allow inbound TCP on the status port from this group on the members of ${name}`,
        value: sg.securityGroupId,
      });
    }
    return hookPolicy;
  }

  /**
   * The target group is imported by ARN (CloudFormation cannot modify a resource it does not own), so one
   * ModifyTargetGroup call at deploy time sets its health check; nothing is undone on delete (see the docs).
   */
  private configureHealthChecks(set: MirrorSet, port: number, path: string): void {
    set.targetGroupArns.forEach((targetGroupArn, i) => {
      const call: cr.AwsSdkCall = {
        service: 'ElasticLoadBalancingV2',
        action: 'ModifyTargetGroup',
        parameters: {
          TargetGroupArn: targetGroupArn,
          HealthCheckEnabled: true,
          HealthCheckProtocol: MIRROR_HEALTH_CHECK.protocol,
          HealthCheckPort: String(port),
          HealthCheckPath: path,
          HealthCheckIntervalSeconds: MIRROR_HEALTH_CHECK.intervalSeconds,
          HealthCheckTimeoutSeconds: MIRROR_HEALTH_CHECK.timeoutSeconds,
          HealthyThresholdCount: MIRROR_HEALTH_CHECK.healthyThresholdCount,
          UnhealthyThresholdCount: MIRROR_HEALTH_CHECK.unhealthyThresholdCount,
          Matcher: { HttpCode: MIRROR_HEALTH_CHECK.matcher },
        },
        physicalResourceId: cr.PhysicalResourceId.of(`${targetGroupArn}#mirror-health-check`),
      };
      new cr.AwsCustomResource(this, `HealthCheck-${set.name}-${i + 1}`, {
        onCreate: call,
        onUpdate: call,
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({ actions: ['elasticloadbalancing:ModifyTargetGroup'], resources: [targetGroupArn] }),
        ]),
        installLatestAwsSdk: false,
        timeout: Duration.minutes(2),
        memorySize: 256,
      });
    });
  }
}

/** `HealthyHostCount < 1` for one minute, on one target group behind the set's load balancer. */
function noHealthyHostAlarm(
  scope: Construct,
  stackName: string,
  setName: string,
  index: number,
  targetGroupArn: string,
  loadBalancerArn: string,
): cloudwatch.Alarm {
  const lbSuffix = loadBalancerArn.split(':loadbalancer/')[1];
  const tgSuffix = `targetgroup/${targetGroupArn.split(':targetgroup/')[1]}`;
  const namespace = lbSuffix.startsWith('net/') ? 'AWS/NetworkELB' : 'AWS/ApplicationELB';
  return new cloudwatch.Alarm(scope, `NoHealthyHost-${setName}-${index + 1}`, {
    alarmName: `${mirrorAlarmPrefix(stackName)}${setName}/no-healthy-host-${index + 1}`,
    alarmDescription: `Mirror set ${setName}: no healthy host in ${tgSuffix} → ha-workflows mirror failover`,
    metric: new cloudwatch.Metric({
      namespace,
      metricName: 'HealthyHostCount',
      dimensionsMap: { LoadBalancer: lbSuffix, TargetGroup: tgSuffix },
      statistic: cloudwatch.Stats.MINIMUM,
      period: Duration.minutes(1),
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 1,
    // No data (the metric stopped, or the dimensions are wrong) counts as no healthy host: loud, not silent.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
}

function validate(props: MirrorFailoverWorkflowProps): void {
  const problems: string[] = [];
  if (props.sets.length === 0) problems.push('sets: got []; at least one mirror set is required');
  const names = new Set<string>();
  props.sets.forEach((set, i) => {
    const at = `sets[${i}]`;
    if (!NAME.test(set.name)) {
      problems.push(`${at}.name: got ${JSON.stringify(set.name)}; 1-63 letters, digits, '.', '_' or '-'`);
    }
    if (names.has(set.name)) problems.push(`${at}.name: got ${JSON.stringify(set.name)}; names must be unique`);
    names.add(set.name);
    if (set.members.length < 2) {
      problems.push(`${at}.members: got ${set.members.length}; a mirror set has at least two failover members`);
    }
    const ids = new Set<string>();
    const addresses = new Set<string>();
    set.members.forEach((m, j) => {
      if (!INSTANCE_ID.test(m.instanceId)) {
        problems.push(`${at}.members[${j}].instanceId: got ${JSON.stringify(m.instanceId)}; an instance id`);
      } else if (ids.has(m.instanceId)) {
        problems.push(`${at}.members[${j}].instanceId: got ${JSON.stringify(m.instanceId)}; members must differ`);
      }
      ids.add(m.instanceId);
      if (!IPV4.test(m.address)) {
        problems.push(`${at}.members[${j}].address: got ${JSON.stringify(m.address)}; a private IPv4 address`);
      } else if (addresses.has(m.address)) {
        problems.push(`${at}.members[${j}].address: got ${JSON.stringify(m.address)}; members must differ`);
      }
      addresses.add(m.address);
    });
    const port = set.statusPort;
    if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
      problems.push(`${at}.statusPort: got ${port}; an integer from 1 to 65535`);
    }
    const path = set.statusPath;
    if (path !== undefined && !STATUS_PATH.test(path)) {
      problems.push(`${at}.statusPath: got ${JSON.stringify(path)}; a URL path starting with "/"`);
    }
    if (set.targetGroupArns.length === 0) problems.push(`${at}.targetGroupArns: got []; at least one target group`);
    set.targetGroupArns.forEach((t, j) => {
      if (!Token.isUnresolved(t) && !TARGET_GROUP_ARN.test(t)) {
        problems.push(`${at}.targetGroupArns[${j}]: got ${JSON.stringify(t)}; a target group ARN`);
      }
    });
    const lb = set.loadBalancerArn;
    if (lb !== undefined && !LOAD_BALANCER_ARN.test(lb)) {
      problems.push(`${at}.loadBalancerArn: got ${JSON.stringify(lb)}; an Application or Network Load Balancer ARN`);
    }
    const range = (prop: string, d: Duration | undefined, min: number, max: number) => {
      const s = d?.toSeconds();
      if (s !== undefined && !(Number.isInteger(s) && s >= min && s <= max)) {
        problems.push(`${at}.${prop}: got ${s} s; whole seconds from ${min} to ${max}`);
      }
    };
    range('probeTimeout', set.probeTimeout, 1, 10);
    range('primaryWait', set.primaryWait, 5, 900);
    range('healthyTimeout', set.healthyTimeout, 30, 1800);
  });
  PropsError.throwIfAny('MirrorFailoverWorkflow', problems);
}
