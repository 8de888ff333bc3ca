import type { Clients } from '../shared/clients';
import { errorName } from '../shared/errors';
import { GetCommand, type GetCommandOutput } from '../shared/http';
import type { MemberProbe, ProbeMirrorMembersInput, ProbeMirrorMembersOutput } from './contract';

/** What the IRIS/Caché mirror-status page answers on the primary, and on every other member. */
export const PRIMARY_ANSWER = { statusCode: 200, body: 'SUCCESS' } as const;
export const NOT_PRIMARY_ANSWER = { statusCode: 503, body: 'FAILED' } as const;

/** Longest body quoted in a detail line. */
const QUOTED_BODY = 40;

/**
 * Probes every member's mirror-status page at once (one GET each, in parallel, no retries: the workflow
 * decides whether to probe again) and counts the members that answer `200 SUCCESS`. A member that cannot be
 * reached, or answers anything else, is not counted as primary. Never throws for a member's answer.
 */
export async function probeMirrorMembers(
  clients: Pick<Clients, 'http'>,
  input: ProbeMirrorMembersInput,
): Promise<ProbeMirrorMembersOutput> {
  const members = await Promise.all(input.members.map((m) => probeOne(clients, m, input.timeoutSeconds)));
  const primaries = members.filter((m) => m.answer === 'SUCCESS').map((m) => m.instanceId);
  const nowEpoch = Math.floor(Date.parse(input.executionStartTime) / 1000);
  return {
    nowEpoch,
    lockExpiresAt: nowEpoch + input.lockTtlSeconds,
    primaryCount: primaries.length,
    primary: primaries.length === 1 ? primaries[0] : 'none',
    primaries: primaries.length > 0 ? primaries.join(', ') : 'none',
    summary: members.map((m) => `${m.instanceId} ${m.answer} (${m.detail})`).join('; '),
    members,
  };
}

async function probeOne(
  clients: Pick<Clients, 'http'>,
  member: { readonly instanceId: string; readonly url: string },
  timeoutSeconds: number,
): Promise<MemberProbe> {
  let response: GetCommandOutput;
  try {
    response = (await clients.http.send(
      new GetCommand({ Url: member.url, TimeoutSeconds: timeoutSeconds }),
    )) as GetCommandOutput;
  } catch (e) {
    return { instanceId: member.instanceId, answer: 'UNREACHABLE', detail: errorName(e) ?? 'unknown error' };
  }
  return { instanceId: member.instanceId, ...classify(response) };
}

/** Reads one answer, strictly: only the exact words (surrounding white space ignored) with their status count. */
export function classify(response: GetCommandOutput): Omit<MemberProbe, 'instanceId'> {
  const statusCode = response.StatusCode;
  const body = typeof response.Body === 'string' ? response.Body.trim() : '';
  if (statusCode === PRIMARY_ANSWER.statusCode && body === PRIMARY_ANSWER.body) {
    return { answer: 'SUCCESS', statusCode, detail: `HTTP ${statusCode}` };
  }
  if (statusCode === NOT_PRIMARY_ANSWER.statusCode && body === NOT_PRIMARY_ANSWER.body) {
    return { answer: 'FAILED', statusCode, detail: `HTTP ${statusCode}` };
  }
  const quoted = body.length > QUOTED_BODY ? `${body.slice(0, QUOTED_BODY)}…` : body;
  return { answer: 'UNEXPECTED', statusCode, detail: `HTTP ${statusCode} with body ${JSON.stringify(quoted)}` };
}
