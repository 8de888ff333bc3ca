import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SdkClientConfig } from '../clients';

/**
 * A real Elastic Load Balancing v2 client (region and credentials from the Lambda environment), making the task's attempts per call
 * (`sdkClientConfig(task)`, from contracts/task-retries.ts).
 */
export const elbv2 = (config: SdkClientConfig): ElasticLoadBalancingV2Client =>
  new ElasticLoadBalancingV2Client({ maxAttempts: config.maxAttempts });
