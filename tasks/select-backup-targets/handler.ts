import { realClients } from '../shared/clients';
import { taskHandler } from '../shared/handler';
import { ec2 } from '../shared/sdk/ec2';
import { inputSchema } from './contract';
import { selectBackupTargets } from './logic';

export const TASK = 'select-backup-targets';

/** The "Select the instances to back up" Lambda handler over the given clients (the engine passes simulated ones). */
export const makeHandler = taskHandler(TASK, inputSchema, selectBackupTargets, (logger, _input, output) =>
  logger.info('Selected backup targets', { runId: output.runId, policy: output.policy, count: output.count }),
);

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { ec2 }));
