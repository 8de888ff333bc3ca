import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SdkClientConfig } from '../clients';

/**
 * A real DynamoDB client (region and credentials from the Lambda environment), making the task's attempts per call
 * (`sdkClientConfig(task)`, from contracts/task-retries.ts).
 */
export const dynamodb = (config: SdkClientConfig): DynamoDBClient =>
  new DynamoDBClient({ maxAttempts: config.maxAttempts });
