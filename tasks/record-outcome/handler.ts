import type { Logger } from '@aws-lambda-powertools/logger';
import { type MetricsSink, stdoutMetrics } from '../shared/emf';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { inputSchema, type RecordOutcomeOutput } from './contract';
import { recordOutcome } from './logic';

export const TASK = 'record-outcome';

/**
 * The "Record the outcome" Lambda handler: no AWS client, its metrics go to `metrics` (standard output when deployed,
 * the simulated CloudWatch in the engine).
 */
export function makeHandler(metrics: MetricsSink = stdoutMetrics, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<RecordOutcomeOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await recordOutcome(metrics, input);
    logger.info('Recorded the outcome', { workflow: input.workflow, ...output });
    return output;
  });
}

export const handler = makeHandler();
