import type { Logger } from '@aws-lambda-powertools/logger';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { type ValidateDrRequestOutput, inputSchema } from './contract';
import { validateDrRequest } from './logic';

export const TASK = 'validate-dr-request';

/** The "Validate the request" Lambda handler (no AWS clients: it only reads its input). */
export function makeHandler(logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<ValidateDrRequestOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = validateDrRequest(input);
    if (output.valid) logger.info('Valid DR promotion request', { request: output.request });
    else logger.warn('Invalid DR promotion request', { problems: output.problems });
    return output;
  });
}

export const handler = makeHandler();
