import type { Logger } from '@aws-lambda-powertools/logger';
import { type Clients, realClients } from '../shared/clients';
import { ec2 } from '../shared/sdk/ec2';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { inputSchema, type PlanInstanceBackupOutput } from './contract';
import { planInstanceBackup } from './logic';

export const TASK = 'plan-instance-backup';

/** The "Plan the backup" Lambda handler over the given clients (the engine passes simulated ones). */
export function makeHandler(clients: Pick<Clients, 'ec2'>, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<PlanInstanceBackupOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await planInstanceBackup(clients, input);
    logger.info('Planned the backup', { instanceId: input.instanceId, state: output.state, freeze: output.freeze });
    return output;
  });
}

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { ec2 }));
