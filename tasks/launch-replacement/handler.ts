import type { Logger } from '@aws-lambda-powertools/logger';
import { type Clients, realClients } from '../shared/clients';
import { parseTaskInput } from '../shared/errors';
import { taskLogger } from '../shared/logger';
import { type LaunchReplacementOutput, inputSchema } from './contract';
import { launchReplacement } from './logic';

export const TASK = 'launch-replacement';

/** The "Launch replacement" Lambda handler over the given clients (the engine passes simulated ones). */
export function makeHandler(clients: Pick<Clients, 'ec2'>, logger: Logger = taskLogger(TASK)) {
  return async (event: unknown): Promise<LaunchReplacementOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await launchReplacement(clients, input);
    logger.info('Launched replacement', {
      replaces: input.source.instanceId,
      instanceId: output.instanceId,
      subnetId: output.subnetId,
      availabilityZone: output.availabilityZone,
      attempts: output.attempts,
    });
    return output;
  };
}

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients());
