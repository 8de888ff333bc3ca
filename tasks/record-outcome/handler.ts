import { stdoutMetrics } from '../shared/emf';
import { taskHandler } from '../shared/handler';
import { inputSchema } from './contract';
import { recordOutcome } from './logic';

export const TASK = 'record-outcome';

/**
 * The "Record the outcome" Lambda handler: no AWS client, its metrics go to the sink it is made with (standard output
 * when deployed, the simulated CloudWatch in the engine).
 */
export const makeHandler = taskHandler(TASK, inputSchema, recordOutcome, (logger, input, output) =>
  logger.info('Recorded the outcome', { workflow: input.workflow, ...output }),
);

/** The deployed handler: its EMF lines go to standard output. */
export const handler = makeHandler(stdoutMetrics);
