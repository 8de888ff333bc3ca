import type { Logger } from '@aws-lambda-powertools/logger';
import { type Clients, realClients } from '../shared/clients';
import { HttpClient } from '../shared/http';
import { ec2 } from '../shared/sdk/ec2';
import { dynamodb } from '../shared/sdk/dynamodb';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { type DrPreflightOutput, inputSchema } from './contract';
import { drPreflight } from './logic';

export const TASK = 'dr-preflight';

/** The "Run the preflight checks" Lambda handler over the given clients (the engine passes simulated ones). */
export function makeHandler(clients: Pick<Clients, 'http' | 'ec2' | 'dynamodb'>, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<DrPreflightOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await drPreflight(clients, input);
    logger.info('DR preflight', { mirrorSet: input.mirrorSet, decision: output.decision, summary: output.summary });
    return output;
  });
}

/** The deployed handler: clients of the DR region (the function's own), created on first use. */
export const handler = makeHandler(realClients(TASK, { http: () => new HttpClient(), ec2, dynamodb }));
