import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ALIAS_OUTPUT_SUFFIX, HaDashboard, HaFoundation, STATE_MACHINE_OUTPUT_SUFFIX } from '../workflows/base';
import { WORKFLOW_METADATA_KEY } from '../contracts/metadata';
import { DrPromotionWorkflow } from '../workflows/dr-promotion';
import { InstanceRecoveryWorkflow } from '../workflows/instance-recovery';
import { LockJanitor } from '../workflows/lock-janitor';
import { MirrorFailoverWorkflow } from '../workflows/mirror-failover';
import { SnapshotBackupWorkflow } from '../workflows/snapshot-backup';
import { snapshotBackupFromConfig } from './backup-policies';
import type { HaConfig } from './config/schema';
import { drSetsFromConfig, mirrorSetsFromConfig } from './mirror-sets';
import { acknowledgeStackFindings } from './nag-acknowledgements';

export type SiteRole = 'primary' | 'dr';

export interface HaWorkflowsStackProps extends StackProps {
  readonly config: HaConfig;
  /** `primary` holds the workflows of the primary region; `dr` the ones that must run when it is down. */
  readonly site: SiteRole;
}

/** One region's ha-workflows: the shared foundation and the workflows that belong to that site. */
export class HaWorkflowsStack extends Stack {
  readonly foundation: HaFoundation;
  readonly instanceRecovery?: InstanceRecoveryWorkflow;
  readonly mirrorFailover?: MirrorFailoverWorkflow;
  readonly snapshotBackup?: SnapshotBackupWorkflow;
  readonly drPromotion?: DrPromotionWorkflow;
  /** Cleans up after a stopped or timed-out execution of the workflows above (absent when none is deployed). */
  readonly lockJanitor?: LockJanitor;
  /** The site's CloudWatch dashboard (docs/operations.md). */
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: HaWorkflowsStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.foundation = new HaFoundation(this, 'Foundation', {
      notificationEmails: config.notifications.emails,
      logRetention: config.logs.retentionDays as logs.RetentionDays,
      stateMachineLogs: { level: config.logs.level, includeExecutionData: config.logs.includeExecutionData },
      alarms: config.alarms,
    });
    const recovery = config.instanceRecovery;
    if (props.site === 'primary' && recovery) {
      this.instanceRecovery = new InstanceRecoveryWorkflow(this, 'InstanceRecovery', {
        foundation: this.foundation,
        groups: recovery.groups,
        tagKey: recovery.tagKey,
        triggerOnStopped: recovery.triggerOnStopped,
        alarmNamePrefix: recovery.alarmNamePrefix,
        lockTtl: Duration.minutes(recovery.lockTtlMinutes),
        runningTimeout: Duration.minutes(recovery.runningTimeoutMinutes),
        healthyTimeout: Duration.minutes(recovery.healthyTimeoutMinutes),
        terminatedTimeout: Duration.minutes(recovery.terminatedTimeoutMinutes),
      });
    }
    if (props.site === 'primary' && config.mirrorSets) {
      this.mirrorFailover = new MirrorFailoverWorkflow(this, 'MirrorFailover', {
        foundation: this.foundation,
        sets: mirrorSetsFromConfig(this, config.mirrorSets),
      });
    }
    if (props.site === 'primary' && config.snapshotBackup) {
      this.snapshotBackup = new SnapshotBackupWorkflow(this, 'SnapshotBackup', {
        foundation: this.foundation,
        ...snapshotBackupFromConfig(config.snapshotBackup),
      });
    }
    const drSets = props.site === 'dr' && config.mirrorSets ? drSetsFromConfig(this, config.mirrorSets) : [];
    if (drSets.length > 0) {
      // DR stack only: it needs nothing of the primary region's stack, and calls that region's API only to fence.
      this.drPromotion = new DrPromotionWorkflow(this, 'DrPromotion', {
        foundation: this.foundation,
        primaryRegion: config.primaryRegion,
        sets: drSets,
      });
    }
    // Every end releases what it holds: one janitor for the stack's workflows that cannot clean up after a stop.
    // dr-promotion has its own release machine and snapshot-backup's instance machine its rescue.
    const watched = [this.instanceRecovery, this.mirrorFailover, this.snapshotBackup].flatMap((w) =>
      w ? [w.stateMachine] : [],
    );
    if (watched.length > 0) {
      this.lockJanitor = new LockJanitor(this, 'LockJanitor', { foundation: this.foundation, stateMachines: watched });
    }
    // One dashboard per site: alarms, each workflow's outcome metrics per group / set / policy, every state machine's
    // executions.
    const workflows = [
      this.instanceRecovery,
      this.mirrorFailover,
      this.snapshotBackup,
      this.drPromotion,
      this.lockJanitor,
    ];
    this.dashboard = new HaDashboard(this, 'Dashboard', {
      workflows: workflows.flatMap((w) => (w ? [w] : [])),
    }).dashboard;
    Tags.of(this).add('ha-workflows:site', props.site);
    for (const [k, v] of Object.entries(config.tags)) Tags.of(this).add(k, v);
    addWorkflowOutputs(this);
    acknowledgeStackFindings(this);
  }
}

/**
 * Two stack outputs per workflow state machine (found by its workflow metadata), named after the workflow: its ARN
 * (`…StateMachineArn`, what `status` lists executions of) and its live alias's ARN (`…AliasArn`, what the CLI starts).
 */
function addWorkflowOutputs(stack: Stack): void {
  const pascal = (workflow: string) => workflow.replace(/(^|-)([a-z])/g, (_m, _d, ch: string) => ch.toUpperCase());
  for (const c of stack.node.findAll()) {
    if (c instanceof sfn.CfnStateMachine) {
      const workflow = c.getMetadata(WORKFLOW_METADATA_KEY);
      if (typeof workflow !== 'string') continue;
      new CfnOutput(stack, pascal(workflow) + STATE_MACHINE_OUTPUT_SUFFIX, {
        value: c.attrArn,
        description: `ARN of the ${workflow} state machine`,
      });
    } else if (c instanceof sfn.CfnStateMachineAlias) {
      const workflow = c.getMetadata(WORKFLOW_METADATA_KEY);
      if (typeof workflow !== 'string') continue;
      new CfnOutput(stack, pascal(workflow) + ALIAS_OUTPUT_SUFFIX, {
        value: c.ref,
        description: `ARN of the ${workflow} live alias: start executions through it`,
      });
    }
  }
}
