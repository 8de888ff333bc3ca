import type { Logger } from '@aws-lambda-powertools/logger';
import { type Clients, realClients } from '../shared/clients';
import { HttpClient } from '../shared/http';
import { parseTaskInput } from '../shared/errors';
import { taskLogger, withLambdaContext } from '../shared/logger';
import { type ProbeMirrorMembersOutput, inputSchema } from './contract';
import { probeMirrorMembers } from './logic';

export const TASK = 'probe-mirror-members';

/** The "Probe the mirror members" Lambda handler over the given clients (the engine passes simulated ones). */
export function makeHandler(clients: Pick<Clients, 'http'>, logger: Logger = taskLogger(TASK)) {
  return withLambdaContext(logger, async (event: unknown): Promise<ProbeMirrorMembersOutput> => {
    const input = parseTaskInput(TASK, inputSchema, event);
    const output = await probeMirrorMembers(clients, input);
    logger.info('Probed the mirror members', {
      mirrorSet: input.mirrorSet,
      primaryCount: output.primaryCount,
      primary: output.primary,
      members: output.members,
    });
    return output;
  });
}

/** The deployed handler: a fetch-based HTTP client, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { http: () => new HttpClient() }));
