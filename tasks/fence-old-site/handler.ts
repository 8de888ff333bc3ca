import type { Logger } from '@aws-lambda-powertools/logger';
import { parseTaskInput } from '../shared/errors';
import { taskLogger } from '../shared/logger';
import { type Ec2ForRegion, realEc2ForRegion } from '../shared/regional-clients';
import { type FenceOldSiteOutput, inputSchema } from './contract';
import { fenceOldSite } from './logic';

export const TASK = 'fence-old-site';

/** The "Fence the old site" Lambda handler; `ec2ForRegion` gives a client for the primary region. */
export function makeHandler(ec2ForRegion: Ec2ForRegion, logger: Logger = taskLogger(TASK)) {
  return async (event: unknown): Promise<FenceOldSiteOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await fenceOldSite(ec2ForRegion, input);
    logger.info('Fenced the old site', { mode: input.mode, region: input.region, members: output.members });
    return output;
  };
}

/** The deployed handler: an EC2 client for the primary region (the function runs in the DR region). */
export const handler = makeHandler(realEc2ForRegion());
