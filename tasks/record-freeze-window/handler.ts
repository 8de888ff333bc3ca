import type { Logger } from '@aws-lambda-powertools/logger';
import { type Clients, realClients } from '../shared/clients';
import { cloudwatch } from '../shared/sdk/cloudwatch';
import { ec2 } from '../shared/sdk/ec2';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { inputSchema, type RecordFreezeWindowOutput } from './contract';
import { recordFreezeWindow } from './logic';

export const TASK = 'record-freeze-window';

/** The "Record the freeze window" Lambda handler over the given clients (the engine passes simulated ones). */
export function makeHandler(clients: Pick<Clients, 'cloudwatch' | 'ec2'>, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<RecordFreezeWindowOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await recordFreezeWindow(clients, input);
    logger.info('Recorded the freeze window', { instanceId: input.instanceId, policy: input.policy, ...output });
    return output;
  });
}

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { cloudwatch, ec2 }));
