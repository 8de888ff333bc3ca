import type { Logger } from '@aws-lambda-powertools/logger';
import { type Clients, realClients } from '../shared/clients';
import { ec2 } from '../shared/sdk/ec2';
import { elbv2 } from '../shared/sdk/elbv2';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { type InspectInstanceOutput, inputSchema } from './contract';
import { inspectInstance } from './logic';

export const TASK = 'inspect-instance';

/** The "Inspect failed instance" Lambda handler over the given clients (the engine passes simulated ones). */
export function makeHandler(clients: Pick<Clients, 'ec2' | 'elbv2'>, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<InspectInstanceOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await inspectInstance(clients, input);
    if (output.protected) {
      logger.info('Instance is protected', {
        instanceId: output.instanceId,
        groupId: output.groupId,
        state: output.source.state,
        candidateSubnets: output.candidateSubnets,
      });
    } else {
      logger.info('Instance is not protected', { instanceId: input.instanceId, reason: output.reason });
    }
    return output;
  });
}

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { ec2, elbv2 }));
