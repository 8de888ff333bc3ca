import { realClients } from '../shared/clients';
import { taskHandler } from '../shared/handler';
import { ec2 } from '../shared/sdk/ec2';
import { elbv2 } from '../shared/sdk/elbv2';
import { inputSchema } from './contract';
import { inspectInstance } from './logic';

export const TASK = 'inspect-instance';

/** The "Inspect failed instance" Lambda handler over the given clients (the engine passes simulated ones). */
export const makeHandler = taskHandler(TASK, inputSchema, inspectInstance, (logger, input, output) => {
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
});

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { ec2, elbv2 }));
