import { realClients } from '../shared/clients';
import { taskHandler } from '../shared/handler';
import { ec2 } from '../shared/sdk/ec2';
import { inputSchema } from './contract';
import { planInstanceBackup } from './logic';

export const TASK = 'plan-instance-backup';

/** The "Plan the backup" Lambda handler over the given clients (the engine passes simulated ones). */
export const makeHandler = taskHandler(TASK, inputSchema, planInstanceBackup, (logger, input, output) =>
  logger.info('Planned the backup', { instanceId: input.instanceId, state: output.state, freeze: output.freeze }),
);

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { ec2 }));
