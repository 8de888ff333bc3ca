import { realClients } from '../shared/clients';
import { taskHandler } from '../shared/handler';
import { HttpClient } from '../shared/http';
import { ec2 } from '../shared/sdk/ec2';
import { dynamodb } from '../shared/sdk/dynamodb';
import { inputSchema } from './contract';
import { drPreflight } from './logic';

export const TASK = 'dr-preflight';

/** The "Run the preflight checks" Lambda handler over the given clients (the engine passes simulated ones). */
export const makeHandler = taskHandler(TASK, inputSchema, drPreflight, (logger, input, output) =>
  logger.info('DR preflight', { mirrorSet: input.mirrorSet, decision: output.decision, summary: output.summary }),
);

/** The deployed handler: clients of the DR region (the function's own), created on first use. */
export const handler = makeHandler(realClients(TASK, { http: () => new HttpClient(), ec2, dynamodb }));
