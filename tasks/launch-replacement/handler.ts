import type { Logger } from '@aws-lambda-powertools/logger';
import { type Clients, realClients } from '../shared/clients';
import { ec2 } from '../shared/sdk/ec2';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { type LaunchCheckOutput, type LaunchReplacementOutput, inputSchema } from './contract';
import { checkLaunchable, launchReplacement } from './logic';

export const TASK = 'launch-replacement';

/** The "Launch replacement" Lambda handler over the given clients (the engine passes simulated ones). */
export function makeHandler(clients: Pick<Clients, 'ec2'>, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<LaunchReplacementOutput | LaunchCheckOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    if (input.mode === 'check') {
      const checked = await checkLaunchable(clients, input);
      logger.info('A replacement can be launched', {
        replaces: input.source.instanceId,
        imageId: checked.imageId,
        offeredSubnets: checked.offeredSubnets,
        dryRunSubnetId: checked.dryRunSubnetId,
      });
      return checked;
    }
    const output = await launchReplacement(clients, input);
    logger.info('Launched replacement', {
      replaces: input.source.instanceId,
      instanceId: output.instanceId,
      subnetId: output.subnetId,
      availabilityZone: output.availabilityZone,
      attempts: output.attempts,
    });
    return output;
  });
}

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { ec2 }));
