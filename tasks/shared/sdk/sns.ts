import { SNSClient } from '@aws-sdk/client-sns';
import type { SdkClientConfig } from '../clients';

/**
 * A real SNS client (region and credentials from the Lambda environment), making the task's attempts per call
 * (`sdkClientConfig(task)`, from contracts/task-retries.ts).
 */
export const sns = (config: SdkClientConfig): SNSClient => new SNSClient({ maxAttempts: config.maxAttempts });
