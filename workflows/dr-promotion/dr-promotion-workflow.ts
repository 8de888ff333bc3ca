import { CfnOutput, Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  DEFAULT_STATUS_PATH,
  DEFAULT_STATUS_PORT,
  type DrSetSettings,
  memberStatusPage,
  type MirrorMember,
} from '../../contracts/mirror-set';
import { type HaFoundation, HaWorkflow, PropsError, type TaskFunction } from '../base';
import {
  COMMAND_POLL_INTERVAL,
  drPromotionDefinition,
  FENCE_CHECK_INTERVAL,
  FENCE_CHECKS,
  FENCE_TASK_TIMEOUT,
  VERIFY_INTERVAL,
} from './definition';
import { acknowledgeDrFindings } from './acknowledgements';
import { PromotionDocuments } from './documents';
import { MAX_APPROVAL_TIMEOUT_MINUTES, type PromotionPreset } from './input';
import {
  DR_EXECUTION_STATUS_CHANGE,
  DR_PROMOTION_RELEASE,
  DR_RELEASED_STATUSES,
  drReleaseDefinition,
} from './release-definition';

/** A member of a mirror set: its instance id and private IPv4 address (its status page's host). */
export type DrMember = MirrorMember;

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
export class DrPromotionWorkflow extends HaWorkflow {
  readonly stateMachine: sfn.StateMachine;
  /**
   * Releases the mirror set lock of a promotion that ended ABORTED, TIMED_OUT or FAILED without releasing it (started
   * by the promotion's own status event), and clears a stale lock for an operator (`ha-workflows dr unlock`).
   */
  readonly releaseStateMachine: sfn.StateMachine;
  readonly documents: Partial<Record<PromotionPreset, PromotionDocuments>> = {};
  /** The preflight/probe functions' security group of each set: egress only to the status ports. */
  readonly securityGroups: Record<string, ec2.SecurityGroup> = {};
  /** The region of the old site, which the fence acts in. */
  readonly primaryRegion: string;

  constructor(scope: Construct, id: string, props: DrPromotionWorkflowProps) {
    super(scope, id, props.foundation, {
      workflow: 'dr-promotion',
      deadLettersOf: 'the rule that starts the dr-promotion release',
    });
    validate(props);
    this.primaryRegion = props.primaryRegion;
    const { foundation } = props;
    const stack = Stack.of(this);
    const { partition, account, region } = stack;
    const prefix = props.documentNamePrefix ?? stack.stackName;
    for (const preset of ['iris', 'command'] as const) {
      if (!props.sets.some((s) => s.promotion.preset === preset)) continue;
      this.documents[preset] = new PromotionDocuments(this, preset === 'iris' ? 'IrisDocuments' : 'CommandDocuments', {
        preset,
        namePrefix: prefix,
      });
    }

    const validateFn = this.addTaskFunction('ValidateRequest', {
      task: 'validate-dr-request',
      description: 'validate the request (no AWS access)',
      policy: [],
    });
    const fenceFn = this.createFenceFunction(props);
    const outcomeFn = this.addOutcomeFunction(
      'dr-promotion',
      props.sets.map((s) => s.name),
    );
    const sets = props.sets.map((set) => this.addSet(set, props.primaryRegion));
    const longestPromotion = Math.max(0, ...props.sets.map((s) => s.promotionTimeout?.toSeconds() ?? 600));
    const longestVerify = Math.max(0, ...props.sets.map((s) => s.verifyTimeout?.toSeconds() ?? 300));
    const longestApproval = Math.max(0, ...sets.map((s) => s.settings.maxApprovalTimeoutMinutes));

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
    // The operators' topic and the state table are encrypted with the foundation's key: addStateMachine grants its use.
    const machine = this.addStateMachine({
      comment: 'Promote the DR member of a mirror set after an operator approved it (never automatic)',
      timeout,
      definition: (scope) =>
        drPromotionDefinition(scope, {
          table: foundation.table,
          topic: foundation.topic,
          validateFunction: validateFn.fn,
          fenceFunction: fenceFn.fn,
          outcomeFunction: outcomeFn.fn,
          sets: sets.map((s) => s.settings),
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
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: sets.flatMap((s) => [s.preflight.fn.functionArn, s.probe.fn.functionArn]),
        }),
        // The approval is a CustomState (see the definition): grant its publish here.
        new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [foundation.topic.topicArn] }),
      ],
    });
    this.stateMachine = machine.stateMachine;
    // ── Every end releases the lock: the release machine, on the promotion's own status changes ──────────────
    const release = this.addStateMachine({
      id: 'Release',
      workflow: DR_PROMOTION_RELEASE,
      comment: 'Release the mirror set lock of a DR promotion that ended without releasing it, or clear a stale lock',
      timeout: Duration.minutes(30),
      definition: (scope) =>
        drReleaseDefinition(scope, {
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
    this.addTrigger('OnPromotionEnded', {
      description:
        'ha-workflows: a DR promotion ended ABORTED, TIMED_OUT or FAILED → release its mirror set lock if it still holds it',
      eventPattern: {
        source: ['aws.states'],
        detailType: [DR_EXECUTION_STATUS_CHANGE],
        detail: { status: [...DR_RELEASED_STATUSES], stateMachineArn: [this.stateMachine.stateMachineArn] },
      },
      target: this.releaseStateMachine,
      maxEventAge: Duration.hours(2),
    });

    for (const [name, sg] of Object.entries(this.securityGroups)) {
      new CfnOutput(this, `PreflightSecurityGroupId-${name}`, {
        description: `Allow inbound TCP on the status port from this group on the members of ${name} (both regions)`,
        value: sg.securityGroupId,
      });
    }
    acknowledgeDrFindings({
      workflow: this,
      stateMachine: this.stateMachine,
      role: machine.role,
      releaseRole: release.role,
      validate: validateFn,
      fence: fenceFn,
      setFunctions: sets.flatMap((s) => [s.preflight, s.probe]),
      primaryRegion: props.primaryRegion,
    });
  }

  /** The fence of the old site: stop its members and swap in the deny-all group (primary region). */
  private createFenceFunction(props: DrPromotionWorkflowProps): TaskFunction {
    const { partition, account } = Stack.of(this);
    const primaryInstanceArns = props.sets.flatMap((s) =>
      s.oldMembers.map((m) => `arn:${partition}:ec2:${props.primaryRegion}:${account}:instance/${m.instanceId}`),
    );
    const denyAllArns = [...new Set(props.sets.map((s) => s.primaryDenyAllGroupId))].map(
      (g) => `arn:${partition}:ec2:${props.primaryRegion}:${account}:security-group/${g}`,
    );
    return this.addTaskFunction('FenceOldSite', {
      task: 'fence-old-site',
      description:
        "stop the old site's members and swap in the deny-all group on each of their interfaces (primary region)",
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
      timeout: Duration.seconds(60),
    });
  }

  /** One mirror set: its preflight security group, preflight and probe functions, and its settings. */
  private addSet(
    set: DrMirrorSet,
    primaryRegion: string,
  ): { settings: DrSetSettings; preflight: TaskFunction; probe: TaskFunction } {
    const { foundation } = this;
    const port = set.statusPort ?? DEFAULT_STATUS_PORT;
    const path = set.statusPath ?? DEFAULT_STATUS_PATH;
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
    const preflight = this.addTaskFunction(`Preflight-${set.name}`, {
      task: 'dr-preflight',
      description: `preflight checks of ${set.name}`,
      policy: [
        new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [foundation.table.tableArn] }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [foundation.key.keyArn] }),
      ],
      timeout: Duration.seconds(Math.ceil(probeTimeout) + 20),
      network,
    });
    const probe = this.addTaskFunction(`Probe-${set.name}`, {
      task: 'probe-mirror-members',
      description: `read the status page of the promoted member of ${set.name}`,
      policy: [],
      timeout: Duration.seconds(Math.ceil(probeTimeout) + 10),
      network,
    });
    const docs = this.documents[set.promotion.preset]!;
    const p = set.promotion;
    const promotionSeconds = set.promotionTimeout?.toSeconds() ?? 600;
    const verifySeconds = set.verifyTimeout?.toSeconds() ?? 300;
    const timeoutParameter = [String(promotionSeconds)];
    const settings: DrSetSettings = {
      name: set.name,
      drMembers: set.drMembers.map((m) => memberStatusPage(m, port, path)),
      oldMembers: set.oldMembers.map((m) => memberStatusPage(m, port, path)),
      oldMemberIds: set.oldMembers.map((m) => m.instanceId),
      primaryRegion,
      denyAllGroupId: set.primaryDenyAllGroupId,
      drTargetGroupArns: [...set.drTargetGroupArns],
      preflightFunctionArn: preflight.fn.functionArn,
      probeFunctionArn: probe.fn.functionArn,
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
      maxApprovalTimeoutMinutes: set.maxApprovalTimeout?.toMinutes() ?? 240,
    };
    return { settings, preflight, probe };
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
