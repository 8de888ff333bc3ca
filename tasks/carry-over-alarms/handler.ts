import { realClients } from '../shared/clients';
import { taskHandler } from '../shared/handler';
import { cloudwatch } from '../shared/sdk/cloudwatch';
import { inputSchema } from './contract';
import { carryOverAlarms } from './logic';

export const TASK = 'carry-over-alarms';

/** The "Carry over alarms" Lambda handler over the given clients (the engine passes simulated ones). */
export const makeHandler = taskHandler(TASK, inputSchema, carryOverAlarms, (logger, input, output) =>
  logger.info('Carried over alarms', { ...input, created: output.created, deleted: output.deleted }),
);

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { cloudwatch }));
