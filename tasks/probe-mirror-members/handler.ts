import { realClients } from '../shared/clients';
import { taskHandler } from '../shared/handler';
import { HttpClient } from '../shared/http';
import { inputSchema } from './contract';
import { probeMirrorMembers } from './logic';

export const TASK = 'probe-mirror-members';

/** The "Probe the mirror members" Lambda handler over the given clients (the engine passes simulated ones). */
export const makeHandler = taskHandler(TASK, inputSchema, probeMirrorMembers, (logger, input, output) =>
  logger.info('Probed the mirror members', {
    mirrorSet: input.mirrorSet,
    primaryCount: output.primaryCount,
    primary: output.primary,
    members: output.members,
  }),
);

/** The deployed handler: a fetch-based HTTP client, created on first invocation. */
export const handler = makeHandler(realClients(TASK, { http: () => new HttpClient() }));
