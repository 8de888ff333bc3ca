import { EC2Client } from '@aws-sdk/client-ec2';
import { sdkClientConfig } from '../shared/clients';
import { taskHandler } from '../shared/handler';
import type { Ec2ForRegion } from '../shared/regional-clients';
import { inputSchema } from './contract';
import { fenceOldSite } from './logic';

export const TASK = 'fence-old-site';

/** The "Fence the old site" Lambda handler; `ec2ForRegion` gives a client for the primary region. */
export const makeHandler = taskHandler(TASK, inputSchema, fenceOldSite, (logger, input, output) =>
  logger.info('Fenced the old site', { mode: input.mode, region: input.region, members: output.members }),
);

/**
 * EC2 clients for the primary region, bounded: a region that does not answer must not hold the fence for long, so
 * each attempt gives up after 5 s (3 s to connect), with the task's attempts per call (`sdkClientConfig(TASK)`: 3, as
 * the task records its errors instead of throwing them, see contracts/task-retries.ts). Worst case per call
 * ≈ 3 × 5 s plus backoff; the calls for the members run in parallel, within the function's 60 s.
 */
export function boundedEc2ForRegion(): Ec2ForRegion {
  const clients = new Map<string, EC2Client>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = new EC2Client({
        region,
        maxAttempts: sdkClientConfig(TASK).maxAttempts,
        requestHandler: { requestTimeout: 5000, connectionTimeout: 3000 },
      });
      clients.set(region, client);
    }
    return client;
  };
}

/** The deployed handler: an EC2 client for the primary region (the function runs in the DR region). */
export const handler = makeHandler(boundedEc2ForRegion());
