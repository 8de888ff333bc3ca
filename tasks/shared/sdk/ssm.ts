import { SSMClient } from '@aws-sdk/client-ssm';
import type { SdkClientConfig } from '../clients';

/**
 * A real SSM client (region and credentials from the Lambda environment), making the task's attempts per call
 * (`sdkClientConfig(task)`, from contracts/task-retries.ts).
 */
export const ssm = (config: SdkClientConfig): SSMClient => new SSMClient({ maxAttempts: config.maxAttempts });
