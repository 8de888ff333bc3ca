import { CfnOutput, Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { createHaStateMachine, type HaFoundation, PropsError, TaskFunction } from '../base';
import { DEFAULT_STATUS_PATH, DEFAULT_STATUS_PORT } from '../mirror-failover/input';
import {
  COMMAND_POLL_INTERVAL,
  drPromotionDefinition,
  FENCE_CHECK_INTERVAL,
  FENCE_CHECKS,
  FENCE_TASK_TIMEOUT,
  VERIFY_INTERVAL,
} from './definition';
import { PromotionDocuments } from './documents';
import { type DrSetSettings, MAX_APPROVAL_TIMEOUT_MINUTES, type PromotionPreset } from './input';
import {
  DR_EXECUTION_STATUS_CHANGE,
  DR_PROMOTION_RELEASE,
  DR_RELEASED_STATUSES,
  drReleaseDefinition,
} from './release-definition';

/** A member of a mirror set: its instance id and private IPv4 address (its status page's host). */
export interface DrMember {
  readonly instanceId: string;
  readonly address: string;
}

/** How the DR member is promoted: the IRIS preset, or the operator's own executables. */
export interface PromotionSettings {
  readonly preset: PromotionPreset;
  /** `iris`: the IRIS instance name. */
  readonly instanceName?: string;
  /** `command`: absolute path of the promotion executable on the DR member. */
  readonly promoteCommand?: string;
  /** `command`: absolute path of a read-only executable that prints the mirror state. */
  readonly queryCommand?: string;
}

/** One mirror set whose DR member this workflow may promote. */
export interface DrMirrorSet {
  readonly name: string;
  /** The DR VPC: the preflight and probe functions run in it and must reach the status pages. */
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** The old site's members (primary region). */
  readonly oldMembers: readonly DrMember[];
  /** The DR members that may be promoted (this region). */
  readonly drMembers: readonly DrMember[];
  /**
   * Port of the members' mirror-status page.
   * @default 52773 - the private web server's port, which serves the default path (see mirror-failover's docs)
   */
  readonly statusPort?: number;
  /**
   * Path of the members' mirror-status page, as InterSystems documents it.
   * @default '/csp/bin/mirror_status.cxw'
   */
  readonly statusPath?: string;
  /** Target groups in this region that take the promoted member. */
  readonly drTargetGroupArns: readonly string[];
  /**
   * The old members' VPC (primary region). The fence may swap the deny-all group onto any network interface in it
   * (an old member's interfaces are not known before it reads them).
   */
  readonly primaryVpcId: string;
  /** The deny-all security group of the old members' VPC (primary region), swapped onto them as a fence. */
  readonly primaryDenyAllGroupId: string;
  readonly promotion: PromotionSettings;
  /** @default Duration.minutes(10) */
  readonly promotionTimeout?: Duration;
  /** @default Duration.minutes(5) */
  readonly verifyTimeout?: Duration;
  /** @default Duration.seconds(2) */
  readonly probeTimeout?: Duration;
  /** The longest approval wait a request may ask for. @default Duration.hours(4) */
  readonly maxApprovalTimeout?: Duration;
}

export interface DrPromotionWorkflowProps {
  readonly foundation: HaFoundation;
  /** The region of the old site (its EC2 API is called to fence it, when it answers). */
  readonly primaryRegion: string;
  readonly sets: readonly DrMirrorSet[];
  /**
   * Prefix of the SSM documents' names.
   * @default - the stack's name
   */
  readonly documentNamePrefix?: string;
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const SG_ID = /^sg-[0-9a-f]{8,17}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const TARGET_GROUP_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^/]+\/[0-9a-f]+$/;

/**
 * Promotes the asynchronous DR member of a mirror set after a person approved it: preflight, approval (task
 * token), fence the old site, promote with Run Command, verify, switch the DR target groups. Deployed in the DR
 * region only; it calls the primary region's EC2 API only to fence, and goes on (or fails closed) when that API
 * does not answer. Never started by an event.
 */
export class DrPromotionWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /**
   * Releases the mirror set lock of a promotion that ended ABORTED, TIMED_OUT or FAILED without releasing it (started
   * by the promotion's own status event), and clears a stale lock for an operator (`ha-workflows dr unlock`).
   */
  readonly releaseStateMachine: sfn.StateMachine;
  /** Dead-letter queue of the rule that starts the release. */
  readonly deadLetterQueue: sqs.Queue;
  readonly documents: Partial<Record<PromotionPreset, PromotionDocuments>> = {};
  /** The preflight/probe functions' security group of each set: egress only to the status ports. */
  readonly securityGroups: Record<string, ec2.SecurityGroup> = {};
  /** The region of the old site, which the fence acts in. */
  readonly primaryRegion: string;

  constructor(scope: Construct, id: string, props: DrPromotionWorkflowProps) {
    super(scope, id);
    validate(props);
    this.primaryRegion = props.primaryRegion;
    const { foundation } = props;
    const stack = Stack.of(this);
    const { partition, account, region } = stack;
    const retention = foundation.logRetention;
    const prefix = props.documentNamePrefix ?? stack.stackName;
    for (const preset of ['iris', 'command'] as const) {
      if (!props.sets.some((s) => s.promotion.preset === preset)) continue;
      this.documents[preset] = new PromotionDocuments(this, preset === 'iris' ? 'IrisDocuments' : 'CommandDocuments', {
        preset,
        namePrefix: prefix,
      });
    }

    const validateFn = new TaskFunction(this, 'ValidateRequest', {
      task: 'validate-dr-request',
      description: 'ha-workflows dr-promotion: validate the request (no AWS access)',
      policy: [],
      logRetention: retention,
      encryptionKey: foundation.key,
    });
    const primaryInstanceArns = props.sets.flatMap((s) =>
      s.oldMembers.map((m) => `arn:${partition}:ec2:${props.primaryRegion}:${account}:instance/${m.instanceId}`),
    );
    const denyAllArns = [...new Set(props.sets.map((s) => s.primaryDenyAllGroupId))].map(
      (g) => `arn:${partition}:ec2:${props.primaryRegion}:${account}:security-group/${g}`,
    );
    const fenceFn = new TaskFunction(this, 'FenceOldSite', {
      task: 'fence-old-site',
      description:
        "ha-workflows dr-promotion: stop the old site's members and swap in the deny-all group on each of their interfaces (primary region)",
      policy: [
        new iam.PolicyStatement({ actions: ['ec2:StopInstances'], resources: primaryInstanceArns }),
        // The deny-all group onto each interface of an old member (ModifyNetworkInterfaceAttribute), or onto the
        // instance when its interfaces could not be read (ModifyInstanceAttribute): only the old members, only the
        // deny-all groups, and only interfaces in the old members' VPCs.
        new iam.PolicyStatement({
          actions: ['ec2:ModifyInstanceAttribute', 'ec2:ModifyNetworkInterfaceAttribute'],
          resources: [...primaryInstanceArns, ...denyAllArns],
        }),
        new iam.PolicyStatement({
          actions: ['ec2:ModifyNetworkInterfaceAttribute'],
          resources: [`arn:${partition}:ec2:${props.primaryRegion}:${account}:network-interface/*`],
          conditions: {
            ArnEquals: {
              'ec2:Vpc': [...new Set(props.sets.map((s) => s.primaryVpcId))].map(
                (v) => `arn:${partition}:ec2:${props.primaryRegion}:${account}:vpc/${v}`,
              ),
            },
          },
        }),
        new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
      ],
      logRetention: retention,
      encryptionKey: foundation.key,
      timeout: Duration.seconds(60),
    });

    const settings: DrSetSettings[] = [];
    const functionArns: string[] = [];
    let longestPromotion = 0;
    let longestVerify = 0;
    let longestApproval = 0;
    for (const set of props.sets) {
      const port = set.statusPort ?? DEFAULT_STATUS_PORT;
      const path = set.statusPath ?? DEFAULT_STATUS_PATH;
      const url = (m: DrMember) => `http://${m.address}:${port}${path}`;
      const securityGroup = new ec2.SecurityGroup(this, `PreflightSecurityGroup-${set.name}`, {
        vpc: set.vpc,
        allowAllOutbound: false,
        description: `ha-workflows dr-promotion preflight of ${set.name}: egress to the status ports and HTTPS`,
      });
      for (const m of [...set.oldMembers, ...set.drMembers]) {
        securityGroup.addEgressRule(
          ec2.Peer.ipv4(`${m.address}/32`),
          ec2.Port.tcp(port),
          `status page of ${m.instanceId}`,
        );
      }
      // EC2 and DynamoDB API calls of the preflight (through VPC endpoints or a NAT gateway).
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs (EC2, DynamoDB)');
      this.securityGroups[set.name] = securityGroup;
      const probeTimeout = set.probeTimeout?.toSeconds() ?? 2;
      const network = { vpc: set.vpc, subnets: set.subnets, securityGroups: [securityGroup] };
      const preflightFn = new TaskFunction(this, `Preflight-${set.name}`, {
        task: 'dr-preflight',
        description: `ha-workflows dr-promotion: preflight checks of ${set.name}`,
        policy: [
          new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
          new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [foundation.table.tableArn] }),
          new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [foundation.key.keyArn] }),
        ],
        logRetention: retention,
        encryptionKey: foundation.key,
        timeout: Duration.seconds(Math.ceil(probeTimeout) + 20),
        network,
      });
      const probeFn = new TaskFunction(this, `Probe-${set.name}`, {
        task: 'probe-mirror-members',
        description: `ha-workflows dr-promotion: read the status page of the promoted member of ${set.name}`,
        policy: [],
        logRetention: retention,
        encryptionKey: foundation.key,
        timeout: Duration.seconds(Math.ceil(probeTimeout) + 10),
        network,
      });
      functionArns.push(preflightFn.fn.functionArn, probeFn.fn.functionArn);
      const docs = this.documents[set.promotion.preset]!;
      const p = set.promotion;
      const promotionSeconds = set.promotionTimeout?.toSeconds() ?? 600;
      const verifySeconds = set.verifyTimeout?.toSeconds() ?? 300;
      const approvalMinutes = set.maxApprovalTimeout?.toMinutes() ?? 240;
      longestPromotion = Math.max(longestPromotion, promotionSeconds);
      longestVerify = Math.max(longestVerify, verifySeconds);
      longestApproval = Math.max(longestApproval, approvalMinutes);
      const timeoutParameter = [String(promotionSeconds)];
      settings.push({
        name: set.name,
        drMembers: set.drMembers.map((m) => ({ instanceId: m.instanceId, url: url(m) })),
        oldMembers: set.oldMembers.map((m) => ({ instanceId: m.instanceId, url: url(m) })),
        oldMemberIds: set.oldMembers.map((m) => m.instanceId),
        primaryRegion: props.primaryRegion,
        denyAllGroupId: set.primaryDenyAllGroupId,
        drTargetGroupArns: [...set.drTargetGroupArns],
        preflightFunctionArn: preflightFn.fn.functionArn,
        probeFunctionArn: probeFn.fn.functionArn,
        probeTimeoutSeconds: probeTimeout,
        queryDocument: docs.queryName,
        queryParameters:
          p.preset === 'iris'
            ? { instanceName: [p.instanceName!], executionTimeout: ['60'] }
            : { command: [p.queryCommand!], executionTimeout: ['60'] },
        promoteDocument: docs.promoteName,
        promoteParameters:
          p.preset === 'iris'
            ? { instanceName: [p.instanceName!], executionTimeout: timeoutParameter }
            : { command: [p.promoteCommand!], executionTimeout: timeoutParameter },
        promotePolls: Math.max(1, Math.ceil(promotionSeconds / COMMAND_POLL_INTERVAL.toSeconds()) + 1),
        verifyChecks: Math.max(1, Math.ceil(verifySeconds / VERIFY_INTERVAL.toSeconds())),
        maxApprovalTimeoutMinutes: approvalMinutes,
      });
    }

    const documentArn = (name: string) => `arn:${partition}:ssm:${region}:${account}:document/${name}`;
    const documentNames = Object.values(this.documents).flatMap((d) => [d.queryName, d.promoteName]);
    const drInstanceArns = props.sets.flatMap((s) =>
      s.drMembers.map((m) => `arn:${partition}:ec2:${region}:${account}:instance/${m.instanceId}`),
    );
    const drTargetGroups = [...new Set(props.sets.flatMap((s) => s.drTargetGroupArns))];
    // Ends every execution: the longest approval, the fence checks, the promotion and the verification, plus 30 min.
    const timeout = Duration.seconds(
      longestApproval * 60 +
        (FENCE_CHECKS + 1) * (FENCE_CHECK_INTERVAL.toSeconds() + FENCE_TASK_TIMEOUT.toSeconds()) +
        longestPromotion +
        longestVerify * 2 +
        1800,
    );
    const machine = createHaStateMachine(this, {
      workflow: 'dr-promotion',
      comment: 'Promote the DR member of a mirror set after an operator approved it (never automatic)',
      logGroup: foundation.logGroup,
      timeout,
      definition: drPromotionDefinition(this, {
        table: foundation.table,
        topic: foundation.topic,
        validateFunction: validateFn.fn,
        fenceFunction: fenceFn.fn,
        sets: settings,
        maxApprovalTimeout: Duration.minutes(Math.min(longestApproval, MAX_APPROVAL_TIMEOUT_MINUTES)),
        lockTtl: Duration.seconds(timeout.toSeconds() + 60),
        setTaskTimeout: Duration.seconds(
          Math.max(...props.sets.map((s) => Math.ceil(s.probeTimeout?.toSeconds() ?? 2))) + 25,
        ),
        sendCommandPolicy: [
          new iam.PolicyStatement({
            actions: ['ssm:SendCommand'],
            resources: [...documentNames.map(documentArn), ...drInstanceArns],
          }),
        ],
        registerPolicy: [
          new iam.PolicyStatement({ actions: ['elasticloadbalancing:RegisterTargets'], resources: drTargetGroups }),
        ],
      }),
    });
    this.stateMachine = machine.stateMachine;
    machine.role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: functionArns }));
    // The approval is a CustomState (see the definition): grant its publish here.
    machine.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [foundation.topic.topicArn] }),
    );
    // The operators' topic and the state table are encrypted with the foundation's key (see instance-recovery).
    machine.role.addToPolicy(foundation.keyUseStatement());
    // ── Every end releases the lock: the release machine, on the promotion's own status changes ──────────────
    const releaseHolder = new Construct(this, 'Release');
    const release = createHaStateMachine(releaseHolder, {
      workflow: DR_PROMOTION_RELEASE,
      comment: 'Release the mirror set lock of a DR promotion that ended without releasing it, or clear a stale lock',
      logGroup: foundation.logGroup,
      timeout: Duration.minutes(30),
      definition: drReleaseDefinition(releaseHolder, {
        table: foundation.table,
        topic: foundation.topic,
        describeExecutionPolicy: [
          new iam.PolicyStatement({
            actions: ['states:DescribeExecution'],
            resources: [
              `arn:${partition}:states:${region}:${account}:execution:${this.stateMachine.stateMachineName}:*`,
            ],
          }),
        ],
      }),
    });
    this.releaseStateMachine = release.stateMachine;
    release.role.addToPolicy(foundation.keyUseStatement());
    this.deadLetterQueue = foundation.triggerDeadLetterQueue(this);
    new events.Rule(this, 'OnPromotionEnded', {
      description:
        'ha-workflows: a DR promotion ended ABORTED, TIMED_OUT or FAILED → release its mirror set lock if it still holds it',
      eventPattern: {
        source: ['aws.states'],
        detailType: [DR_EXECUTION_STATUS_CHANGE],
        detail: { status: [...DR_RELEASED_STATUSES], stateMachineArn: [this.stateMachine.stateMachineArn] },
      },
      targets: [
        new eventTargets.SfnStateMachine(this.releaseStateMachine, {
          deadLetterQueue: this.deadLetterQueue,
          maxEventAge: Duration.hours(2),
          retryAttempts: 8,
        }),
      ],
    });

    for (const [name, sg] of Object.entries(this.securityGroups)) {
      new CfnOutput(this, `PreflightSecurityGroupId-${name}`, {
        description: `Allow inbound TCP on the status port from this group on the members of ${name} (both regions)`,
        value: sg.securityGroupId,
      });
    }
  }
}

function validate(props: DrPromotionWorkflowProps): void {
  const problems: string[] = [];
  if (props.sets.length === 0) problems.push('sets: got []; at least one mirror set with a DR member is required');
  props.sets.forEach((set, i) => {
    const at = `sets[${i}]`;
    if (set.oldMembers.length === 0) problems.push(`${at}.oldMembers: got []; at least one old member to fence`);
    if (set.drMembers.length === 0) problems.push(`${at}.drMembers: got []; at least one DR member`);
    [...set.oldMembers, ...set.drMembers].forEach((m) => {
      if (!INSTANCE_ID.test(m.instanceId))
        problems.push(`${at}: member ${JSON.stringify(m.instanceId)}; an instance id`);
      if (!IPV4.test(m.address)) problems.push(`${at}: address ${JSON.stringify(m.address)}; a private IPv4 address`);
    });
    if (!VPC_ID.test(set.primaryVpcId)) {
      problems.push(`${at}.primaryVpcId: got ${JSON.stringify(set.primaryVpcId)}; a VPC id (vpc-…)`);
    }
    if (!SG_ID.test(set.primaryDenyAllGroupId)) {
      problems.push(
        `${at}.primaryDenyAllGroupId: got ${JSON.stringify(set.primaryDenyAllGroupId)}; a security group id`,
      );
    }
    if (set.drTargetGroupArns.length === 0) problems.push(`${at}.drTargetGroupArns: got []; at least one target group`);
    set.drTargetGroupArns.forEach((t, j) => {
      if (!Token.isUnresolved(t) && !TARGET_GROUP_ARN.test(t)) {
        problems.push(`${at}.drTargetGroupArns[${j}]: got ${JSON.stringify(t)}; a target group ARN`);
      }
    });
    const p = set.promotion;
    if (p.preset === 'iris' && !p.instanceName)
      problems.push(`${at}.promotion.instanceName: missing; required with preset "iris"`);
    if (p.preset === 'command' && (!p.promoteCommand || !p.queryCommand)) {
      problems.push(`${at}.promotion: promoteCommand and queryCommand are required with preset "command"`);
    }
    const approval = set.maxApprovalTimeout?.toMinutes();
    if (approval !== undefined && !(approval >= 1 && approval <= MAX_APPROVAL_TIMEOUT_MINUTES)) {
      problems.push(`${at}.maxApprovalTimeout: got ${approval} min; 1 to ${MAX_APPROVAL_TIMEOUT_MINUTES} minutes`);
    }
  });
  PropsError.throwIfAny('DrPromotionWorkflow', problems);
}
