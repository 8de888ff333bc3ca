import { realClients } from '../shared/clients';
import { taskHandler } from '../shared/handler';
import { cloudwatch } from '../shared/sdk/cloudwatch';
import { ec2 } from '../shared/sdk/ec2';
import { inputSchema } from './contract';
import { recordFreezeWindow } from './logic';

export const TASK = 'record-freeze-window';

/** The "Record the freeze window" Lambda handler over the given clients (the engine passes simulated ones). */
export const makeHandler = taskHandler(TASK, inputSchema, recordFreezeWindow, (logger, input, output) =>
  logger.info('Recorded the freeze window', { instanceId: input.instanceId, policy: input.policy, ...output }),
);

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { cloudwatch, ec2 }));
