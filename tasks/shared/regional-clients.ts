import { EC2Client } from '@aws-sdk/client-ec2';
import type { TaskName } from '../../contracts/task-retries';
import { type AwsClient, sdkClientConfig } from './clients';

/** An EC2 client for a region (cross-region copies and their retention are handled by that region's EC2). */
export type Ec2ForRegion = (region: string) => AwsClient;

/**
 * Real EC2 clients of `task`, one per region, each created on first use (importing this creates none), making the
 * task's attempts per call (`sdkClientConfig(task)`).
 */
export function realEc2ForRegion(task: TaskName): Ec2ForRegion {
  const config = sdkClientConfig(task);
  const clients = new Map<string, EC2Client>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = new EC2Client({ maxAttempts: config.maxAttempts, region });
      clients.set(region, client);
    }
    return client;
  };
}
