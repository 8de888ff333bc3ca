import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SdkClientConfig } from '../clients';

/**
 * A real CloudWatch client (region and credentials from the Lambda environment), making the task's attempts per call
 * (`sdkClientConfig(task)`, from contracts/task-retries.ts).
 */
export const cloudwatch = (config: SdkClientConfig): CloudWatchClient =>
  new CloudWatchClient({ maxAttempts: config.maxAttempts });
