import type { Logger } from '@aws-lambda-powertools/logger';
import { type Clients, realClients } from '../shared/clients';
import { elbv2 } from '../shared/sdk/elbv2';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { type PlanTargetSwitchOutput, inputSchema } from './contract';
import { planTargetSwitch } from './logic';

export const TASK = 'plan-target-switch';

/** The "Read the registered targets" Lambda handler over the given clients (the engine passes simulated ones). */
export function makeHandler(clients: Pick<Clients, 'elbv2'>, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<PlanTargetSwitchOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await planTargetSwitch(clients, input);
    if (output.otherTargets > 0) {
      logger.warn('Target groups hold targets that are not members of the mirror set; they are left alone', {
        targetGroupArns: input.targetGroupArns,
        otherTargets: output.otherTargets,
      });
    }
    logger.info('Planned the target switch', { primary: input.primary, ...output });
    return output;
  });
}

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { elbv2 }));
