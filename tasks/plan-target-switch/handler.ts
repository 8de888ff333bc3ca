import { realClients } from '../shared/clients';
import { taskHandler } from '../shared/handler';
import { elbv2 } from '../shared/sdk/elbv2';
import { inputSchema } from './contract';
import { planTargetSwitch } from './logic';

export const TASK = 'plan-target-switch';

/** The "Read the registered targets" Lambda handler over the given clients (the engine passes simulated ones). */
export const makeHandler = taskHandler(TASK, inputSchema, planTargetSwitch, (logger, input, output) => {
  if (output.otherTargets > 0) {
    logger.warn('Target groups hold targets that are not members of the mirror set; they are left alone', {
      targetGroupArns: input.targetGroupArns,
      otherTargets: output.otherTargets,
    });
  }
  logger.info('Planned the target switch', { primary: input.primary, ...output });
});

/** The deployed handler: real SDK clients, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { elbv2 }));
