import type { Logger } from '@aws-lambda-powertools/logger';
import { type Clients, realClients } from '../shared/clients';
import { ec2 } from '../shared/sdk/ec2';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { inputSchema, type SelectBackupTargetsOutput } from './contract';
import { selectBackupTargets } from './logic';

export const TASK = 'select-backup-targets';

/** The "Select the instances to back up" Lambda handler over the given clients (the engine passes simulated ones). */
export function makeHandler(clients: Pick<Clients, 'ec2'>, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<SelectBackupTargetsOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await selectBackupTargets(clients, input);
    logger.info('Selected backup targets', { runId: output.runId, policy: output.policy, count: output.count });
    return output;
  });
}

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { ec2 }));
