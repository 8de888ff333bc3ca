import type { Logger } from '@aws-lambda-powertools/logger';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { type Ec2ForRegion, realEc2ForRegion } from '../shared/regional-clients';
import { type CopySnapshotsOutput, inputSchema } from './contract';
import { copySnapshots } from './logic';

export const TASK = 'copy-snapshots';

/** The "Copy the set to the other region" Lambda handler (the engine passes a simulated client for every region). */
export function makeHandler(ec2For: Ec2ForRegion, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<CopySnapshotsOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await copySnapshots(ec2For, input);
    logger.info('Started the cross-region copies', { ...input, ...output });
    return output;
  });
}

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realEc2ForRegion(TASK));
