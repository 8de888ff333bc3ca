import type { Logger } from '@aws-lambda-powertools/logger';
import { type Clients, realClients } from '../shared/clients';
import { cloudwatch } from '../shared/sdk/cloudwatch';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { type CarryOverAlarmsOutput, inputSchema } from './contract';
import { carryOverAlarms } from './logic';

export const TASK = 'carry-over-alarms';

/** The "Carry over alarms" Lambda handler over the given clients (the engine passes simulated ones). */
export function makeHandler(clients: Pick<Clients, 'cloudwatch'>, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<CarryOverAlarmsOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await carryOverAlarms(clients, input);
    logger.info('Carried over alarms', { ...input, created: output.created, deleted: output.deleted });
    return output;
  });
}

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { cloudwatch }));
