import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HaFoundation } from '../workflows/base';
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

  constructor(scope: Construct, id: string, props: HaWorkflowsStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.foundation = new HaFoundation(this, 'Foundation', {
      notificationEmails: config.notifications.emails,
      logRetention: config.logs.retentionDays as logs.RetentionDays,
    });
    Tags.of(this).add('ha-workflows:site', props.site);
    for (const [k, v] of Object.entries(config.tags)) Tags.of(this).add(k, v);
    acknowledgeKnownFindings(this);
  }
}
