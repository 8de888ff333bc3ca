import { taskHandler } from '../shared/handler';
import { realEc2ForRegion } from '../shared/regional-clients';
import { inputSchema } from './contract';
import { pruneSnapshots } from './logic';

export const TASK = 'prune-snapshots';

/** The "Prune expired sets" Lambda handler (the engine passes a simulated client for every region). */
export const makeHandler = taskHandler(TASK, inputSchema, pruneSnapshots, (logger, input, output) =>
  logger.info('Pruned expired sets', { instanceId: input.instanceId, policy: input.policy, regions: output.regions }),
);

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realEc2ForRegion(TASK));
