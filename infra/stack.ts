import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Duration } from 'aws-cdk-lib';
import { HaFoundation } from '../workflows/base';
import { InstanceRecoveryWorkflow } from '../workflows/instance-recovery';
import type { HaConfig } from './config/schema';
import { acknowledgeKnownFindings } from './nag-acknowledgements';

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

  constructor(scope: Construct, id: string, props: HaWorkflowsStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.foundation = new HaFoundation(this, 'Foundation', {
      notificationEmails: config.notifications.emails,
      logRetention: config.logs.retentionDays as logs.RetentionDays,
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
      });
    }
    Tags.of(this).add('ha-workflows:site', props.site);
    for (const [k, v] of Object.entries(config.tags)) Tags.of(this).add(k, v);
    acknowledgeKnownFindings(this);
  }
}
