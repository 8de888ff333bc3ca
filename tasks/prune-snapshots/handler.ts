import type { Logger } from '@aws-lambda-powertools/logger';
import { type Ec2ForRegion, realEc2ForRegion } from '../shared/regional-clients';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { inputSchema, type PruneSnapshotsOutput } from './contract';
import { pruneSnapshots } from './logic';

export const TASK = 'prune-snapshots';

/** The "Prune expired sets" Lambda handler (the engine passes a simulated client for every region). */
export function makeHandler(ec2For: Ec2ForRegion, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<PruneSnapshotsOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await pruneSnapshots(ec2For, input);
    logger.info('Pruned expired sets', { instanceId: input.instanceId, policy: input.policy, regions: output.regions });
    return output;
  });
}

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realEc2ForRegion(TASK));
