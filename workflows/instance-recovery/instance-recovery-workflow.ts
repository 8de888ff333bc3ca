import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { RECOVERY_GROUP_TAG } from '../../contracts/tags';
import { type HaFoundation, HaWorkflow, PropsError } from '../base';
import { acknowledgeRecoveryFindings } from './acknowledgements';
import { instanceRecoveryDefinition, LAUNCH_REPLACEMENT_TIMEOUT } from './definition';
import { ALARM_STATE_CHANGE, EC2_STATE_CHANGE } from './input';
import type { RecoveryGroupSettings } from '../../contracts/recovery-group';

export interface RecoveryGroup {
  /** Region-unique id; instances and subnets carry it as the value of `tagKey`. */
  readonly id: string;
  readonly vpcId: string;
  /**
   * Target groups the instance serves; the replacement is registered in each.
   * @default - none
   */
  readonly targetGroupArns?: readonly string[];
  /**
   * Subnet ids tried first, in this order; the group's other tagged subnets follow, by AZ name.
   * @default - by AZ name
   */
  readonly subnetPreference?: readonly string[];
  /**
   * AZs never used for a replacement.
   * @default - none
   */
  readonly impairedZones?: readonly string[];
  /**
   * Roles of the instance profiles the group's instances use (`iam:PassRole` is granted for these only).
   * @default - none: instances without a profile
   */
  readonly instanceRoleArns?: readonly string[];
}

export interface InstanceRecoveryWorkflowProps {
  readonly foundation: HaFoundation;
  readonly groups: readonly RecoveryGroup[];
  /**
   * Tag key that names an instance's and a subnet's recovery group.
   * @default 'ha-workflows:recovery-group'
   */
  readonly tagKey?: string;
  /**
   * Start on EC2 `stopped` state changes (an application fault script stops the instance to ask for recovery).
   * @default true
   */
  readonly triggerOnStopped?: boolean;
  /**
   * Start on CloudWatch alarms entering ALARM whose names start with this prefix (their metric must have an
   * `InstanceId` dimension). Empty string: every such alarm.
   * @default '' - every alarm on an instance metric; the workflow ignores unprotected instances
   */
  readonly alarmNamePrefix?: string;
  /**
   * How long a lock is held at most, if its execution dies without releasing it.
   * @default Duration.hours(1)
   */
  readonly lockTtl?: Duration;
  /** @default Duration.minutes(3) */
  readonly runningTimeout?: Duration;
  /** @default Duration.minutes(10) */
  readonly healthyTimeout?: Duration;
  /**
   * How long to wait for the failed instance to reach `terminated` (the fence's confirmation) before giving up
   * with FenceUnconfirmed; the replacement stays fenced until then. Virtualized types take about a minute;
   * bare-metal types can take more than 19 minutes (raise this and `timeout` for them).
   * @default Duration.minutes(5)
   */
  readonly terminatedTimeout?: Duration;
  /**
   * The state machine's TimeoutSeconds. Must cover the three waits (running, terminated, healthy) plus 15 minutes
   * for everything else, and must not exceed `lockTtl` (a lease shorter than a running execution would let a second
   * recovery of the same group take the lock over).
   * @default - the longer of 30 minutes and the three waits plus 15 minutes
   */
  readonly timeout?: Duration;
}

/** What a recovery needs besides its three waits: inspect, fence, checks, launch, alarms, notifications, retries. */
export const RECOVERY_WORK_MARGIN = Duration.minutes(15);

/** The waits and the state machine's timeout a recovery runs with (defaults filled in). */
export function recoveryTimings(props: InstanceRecoveryWorkflowProps): {
  runningTimeout: Duration;
  healthyTimeout: Duration;
  terminatedTimeout: Duration;
  lockTtl: Duration;
  /** The least TimeoutSeconds that covers the waits. */
  minimumTimeout: Duration;
  timeout: Duration;
} {
  const runningTimeout = props.runningTimeout ?? Duration.minutes(3);
  const healthyTimeout = props.healthyTimeout ?? Duration.minutes(10);
  const terminatedTimeout = props.terminatedTimeout ?? Duration.minutes(5);
  const minimumTimeout = Duration.seconds(
    runningTimeout.toSeconds() +
      healthyTimeout.toSeconds() +
      terminatedTimeout.toSeconds() +
      RECOVERY_WORK_MARGIN.toSeconds(),
  );
  const timeout =
    props.timeout ?? Duration.seconds(Math.max(Duration.minutes(30).toSeconds(), minimumTimeout.toSeconds()));
  return {
    runningTimeout,
    healthyTimeout,
    terminatedTimeout,
    lockTtl: props.lockTtl ?? Duration.hours(1),
    minimumTimeout,
    timeout,
  };
}

export const DEFAULT_RECOVERY_TAG_KEY = RECOVERY_GROUP_TAG;

/**
 * Relaunches a failed single-node workload in a subnet of another AZ: fence, terminate, launch an
 * equivalent instance, carry over its alarms, move the load balancer targets. Started by CloudWatch alarms
 * and EC2 state changes through EventBridge, or by an operator with `{ "instanceId": "i-…" }`.
 */
export class InstanceRecoveryWorkflow extends HaWorkflow {
  readonly stateMachine: sfn.StateMachine;
  /** The deny-all security group of each VPC, by VPC id. */
  readonly denyAllGroups: Record<string, ec2.CfnSecurityGroup> = {};
  /**
   * The boot security group of each VPC, by VPC id: a replacement's only group until the failed instance is confirmed
   * gone. No ingress (no client reaches it, it takes no writes) and HTTPS egress only, which is what boot needs (SSM
   * agent registration, S3 and package repositories); with the deny-all group alone its agent never comes online.
   */
  readonly bootGroups: Record<string, ec2.CfnSecurityGroup> = {};

  constructor(scope: Construct, id: string, props: InstanceRecoveryWorkflowProps) {
    super(scope, id, props.foundation, { workflow: 'instance-recovery' });
    validate(props);
    const { foundation } = props;
    const tagKey = props.tagKey ?? DEFAULT_RECOVERY_TAG_KEY;

    this.createSecurityGroups(props);
    const { inspect, launch, alarms } = this.createTaskFunctions(props, tagKey);

    const groups: RecoveryGroupSettings[] = props.groups.map((g) => ({
      id: g.id,
      vpcId: g.vpcId,
      targetGroupArns: g.targetGroupArns ?? [],
      subnetPreference: g.subnetPreference ?? [],
      impairedZones: g.impairedZones ?? [],
    }));
    const timings = recoveryTimings(props);
    const outcome = this.addOutcomeFunction(
      'instance-recovery',
      groups.map((g) => g.id),
    );
    // The operators' topic and the state table are encrypted with the foundation's key: addStateMachine grants its
    // use (publishing needs GenerateDataKey + Decrypt, reading and writing the table Encrypt + Decrypt).
    const machine = this.addStateMachine({
      comment: 'Relaunch a failed single-node instance in another Availability Zone',
      timeout: timings.timeout,
      definition: (scope) =>
        instanceRecoveryDefinition(scope, {
          table: foundation.table,
          topic: foundation.topic,
          inspectFunction: inspect.fn,
          launchFunction: launch.fn,
          alarmsFunction: alarms.fn,
          outcomeFunction: outcome.fn,
          tagKey,
          lockTtl: timings.lockTtl,
          groups,
          denyAllGroups: Object.fromEntries(Object.entries(this.denyAllGroups).map(([v, sg]) => [v, sg.attrGroupId])),
          bootGroups: Object.fromEntries(Object.entries(this.bootGroups).map(([v, sg]) => [v, sg.attrGroupId])),
          runningTimeout: timings.runningTimeout,
          healthyTimeout: timings.healthyTimeout,
          terminatedTimeout: timings.terminatedTimeout,
        }),
    });
    this.stateMachine = machine.stateMachine;

    // ── Triggers ─────────────────────────────────────────────────────────────────────────────────────
    const alarmDetail: Record<string, unknown> = {
      state: { value: ['ALARM'] },
      configuration: { metrics: { metricStat: { metric: { dimensions: { InstanceId: [{ exists: true }] } } } } },
    };
    if (props.alarmNamePrefix) alarmDetail.alarmName = [{ prefix: props.alarmNamePrefix }];
    this.addTrigger('OnAlarm', {
      description: 'ha-workflows: an instance alarm entered ALARM → instance recovery',
      eventPattern: { source: ['aws.cloudwatch'], detailType: [ALARM_STATE_CHANGE], detail: alarmDetail },
      target: this.stateMachine,
    });
    if (props.triggerOnStopped ?? true) {
      this.addTrigger('OnStopped', {
        description: 'ha-workflows: an instance stopped → instance recovery (unprotected instances are ignored)',
        eventPattern: { source: ['aws.ec2'], detailType: [EC2_STATE_CHANGE], detail: { state: ['stopped'] } },
        target: this.stateMachine,
      });
    }
    acknowledgeRecoveryFindings({ workflow: this, role: machine.role, inspect, launch, alarms });
  }

  /** The task functions: inspect the failed instance, launch its replacement, carry over its alarms. */
  private createTaskFunctions(props: InstanceRecoveryWorkflowProps, tagKey: string) {
    const { partition, region, account } = Stack.of(this);
    const ec2Arn = (resource: string) => `arn:${partition}:ec2:${region}:${account}:${resource}`;
    const groupIds = props.groups.map((g) => g.id);
    const describe = (actions: string[]) => new iam.PolicyStatement({ actions, resources: ['*'] });
    const inspect = this.addTaskFunction('InspectInstance', {
      task: 'inspect-instance',
      description: 'describe the failed instance and plan its replacement',
      // The target groups' load balancers and their zones: a replacement goes only where they take traffic.
      policy: [
        describe(['ec2:DescribeInstances', 'ec2:DescribeSubnets']),
        new iam.PolicyStatement({
          actions: ['elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeLoadBalancers'],
          resources: ['*'],
        }),
      ],
    });
    const vpcConditions = { ArnEquals: { 'ec2:Vpc': [...new Set(props.groups.map((g) => ec2Arn(`vpc/${g.vpcId}`)))] } };
    const roleArns = [...new Set(props.groups.flatMap((g) => g.instanceRoleArns ?? []))];
    const launch = this.addTaskFunction('LaunchReplacement', {
      task: 'launch-replacement',
      description: 'check that a replacement can be launched, then launch it, trying each candidate AZ',
      timeout: LAUNCH_REPLACEMENT_TIMEOUT,
      policy: [
        // Finds a replacement an earlier attempt of the same execution already launched; the check mode reads the
        // AMI and where the instance type is offered (its DryRun launch needs the RunInstances grants below).
        describe(['ec2:DescribeInstances', 'ec2:DescribeImages', 'ec2:DescribeInstanceTypeOfferings']),
        new iam.PolicyStatement({
          actions: ['ec2:RunInstances'],
          resources: [ec2Arn('instance/*')],
          conditions: { StringEquals: { [`aws:RequestTag/${tagKey}`]: groupIds } },
        }),
        new iam.PolicyStatement({
          actions: ['ec2:RunInstances'],
          resources: [ec2Arn('subnet/*'), ec2Arn('security-group/*'), ec2Arn('network-interface/*')],
          conditions: vpcConditions,
        }),
        new iam.PolicyStatement({
          actions: ['ec2:RunInstances'],
          resources: [ec2Arn('volume/*'), `arn:${partition}:ec2:${region}::image/*`, ec2Arn('key-pair/*')],
        }),
        new iam.PolicyStatement({
          actions: ['ec2:CreateTags'],
          resources: [ec2Arn('instance/*'), ec2Arn('volume/*')],
          conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
        }),
        ...(roleArns.length
          ? [
              new iam.PolicyStatement({
                actions: ['iam:PassRole'],
                resources: roleArns,
                conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
              }),
            ]
          : []),
      ],
    });
    const alarms = this.addTaskFunction('CarryOverAlarms', {
      task: 'carry-over-alarms',
      description: 'recreate the failed instance alarms for its replacement',
      policy: [
        describe(['cloudwatch:DescribeAlarms']),
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
          resources: [`arn:${partition}:cloudwatch:${region}:${account}:alarm:*`],
        }),
      ],
    });
    return { inspect, launch, alarms };
  }

  /** The deny-all (fence) and boot security groups of each VPC of the groups. */
  private createSecurityGroups(props: InstanceRecoveryWorkflowProps): void {
    for (const vpcId of new Set(props.groups.map((g) => g.vpcId))) {
      // No ingress rule, and one egress rule that matches nothing: without any egress rule EC2 would add
      // "allow all outbound". The same rule aws-ec2's SecurityGroup writes for allowAllOutbound: false.
      this.denyAllGroups[vpcId] = new ec2.CfnSecurityGroup(this, `DenyAll-${vpcId}`, {
        vpcId,
        groupDescription: 'ha-workflows fence: no inbound and no outbound traffic',
        securityGroupEgress: [
          {
            cidrIp: '255.255.255.255/32',
            description: 'Disallow all traffic',
            ipProtocol: 'icmp',
            fromPort: 252,
            toPort: 86,
          },
        ],
        tags: [{ key: 'ha-workflows:role', value: 'deny-all' }],
      });
      this.bootGroups[vpcId] = new ec2.CfnSecurityGroup(this, `Boot-${vpcId}`, {
        vpcId,
        groupDescription: 'ha-workflows replacement during boot: no inbound, HTTPS outbound only',
        securityGroupEgress: [
          { cidrIp: '0.0.0.0/0', description: 'HTTPS to AWS endpoints', ipProtocol: 'tcp', fromPort: 443, toPort: 443 },
        ],
        tags: [{ key: 'ha-workflows:role', value: 'boot' }],
      });
    }
  }
}

function validate(props: InstanceRecoveryWorkflowProps): void {
  const problems: string[] = [];
  if (props.groups.length === 0) problems.push('groups: got []; at least one recovery group is required');
  const seen = new Set<string>();
  props.groups.forEach((g, i) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(g.id)) {
      problems.push(`groups[${i}].id: got ${JSON.stringify(g.id)}; 1-63 letters, digits, '.', '_' or '-'`);
    }
    if (seen.has(g.id)) problems.push(`groups[${i}].id: got ${JSON.stringify(g.id)}; ids must be unique`);
    seen.add(g.id);
    if (!/^vpc-[0-9a-f]{8,17}$/.test(g.vpcId))
      problems.push(`groups[${i}].vpcId: got ${JSON.stringify(g.vpcId)}; a VPC id such as vpc-0abc1234`);
    (g.subnetPreference ?? []).forEach((s, j) => {
      if (!/^subnet-[0-9a-f]{8,17}$/.test(s))
        problems.push(`groups[${i}].subnetPreference[${j}]: got ${JSON.stringify(s)}; a subnet id`);
    });
    (g.targetGroupArns ?? []).forEach((t, j) => {
      if (!/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/.+/.test(t)) {
        problems.push(`groups[${i}].targetGroupArns[${j}]: got ${JSON.stringify(t)}; a target group ARN`);
      }
    });
  });
  const lockTtl = props.lockTtl?.toSeconds();
  if (lockTtl !== undefined && (lockTtl < 60 || lockTtl > 86400)) {
    problems.push(`lockTtl: got ${lockTtl} s; between 60 s and 86400 s`);
  }
  const timings = recoveryTimings(props);
  if (props.timeout !== undefined && timings.timeout.toSeconds() < timings.minimumTimeout.toSeconds()) {
    problems.push(
      `timeout: got ${timings.timeout.toSeconds()} s; must be at least runningTimeout + terminatedTimeout + ` +
        `healthyTimeout + ${RECOVERY_WORK_MARGIN.toMinutes()} min = ${timings.minimumTimeout.toSeconds()} s`,
    );
  }
  if (timings.lockTtl.toSeconds() < timings.timeout.toSeconds()) {
    problems.push(
      `lockTtl: got ${timings.lockTtl.toSeconds()} s; must be at least the state machine's timeout ` +
        `(${timings.timeout.toSeconds()} s), or a second recovery of the group could take over the lock of a running one`,
    );
  }
  PropsError.throwIfAny('InstanceRecoveryWorkflow', problems);
}
