import { taskHandler } from '../shared/handler';
import { realEc2ForRegion } from '../shared/regional-clients';
import { inputSchema } from './contract';
import { copySnapshots } from './logic';

export const TASK = 'copy-snapshots';

/** The "Copy the set to the other region" Lambda handler (the engine passes a simulated client for every region). */
export const makeHandler = taskHandler(TASK, inputSchema, copySnapshots, (logger, input, output) =>
  logger.info('Started the cross-region copies', { ...input, ...output }),
);

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realEc2ForRegion(TASK));
