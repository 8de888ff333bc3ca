import { EC2Client } from '@aws-sdk/client-ec2';
import type { SdkClientConfig } from '../clients';

/**
 * A real EC2 client (region and credentials from the Lambda environment), making the task's attempts per call
 * (`sdkClientConfig(task)`, from contracts/task-retries.ts).
 */
export const ec2 = (config: SdkClientConfig): EC2Client => new EC2Client({ maxAttempts: config.maxAttempts });
