import { describeIssues } from '../../lib/issues';
import { drPromotionRequestSchema, type ValidateDrRequestInput, type ValidateDrRequestOutput } from './contract';

/**
 * Checks a DR promotion request against the schema and against the configured sets: every problem is listed
 * (field, value, what is allowed), never only the first. Pure; never throws for a bad request.
 */
export function validateDrRequest(input: ValidateDrRequestInput): ValidateDrRequestOutput {
  const parsed = drPromotionRequestSchema.safeParse(input.request);
  const problems = parsed.success ? [] : describeIssues(input.request, parsed.error.issues);
  const raw = (input.request ?? {}) as Record<string, unknown>;
  const set = input.sets.find((s) => s.name === raw.mirrorSet);
  const names = input.sets.map((s) => JSON.stringify(s.name)).join(', ');
  if (typeof raw.mirrorSet === 'string' && !set && !problems.some((p) => p.startsWith('$.mirrorSet'))) {
    problems.push(
      `$.mirrorSet: got ${JSON.stringify(raw.mirrorSet)}; expected a mirror set with a DR member: ${names}`,
    );
  }
  const member = set?.drMembers.find((m) => m.instanceId === raw.member);
  if (set && typeof raw.member === 'string' && !member && !problems.some((p) => p.startsWith('$.member'))) {
    const ids = set.drMembers.map((m) => JSON.stringify(m.instanceId)).join(', ');
    problems.push(`$.member: got ${JSON.stringify(raw.member)}; expected a DR member of ${set.name}: ${ids}`);
  }
  if (set && parsed.success && parsed.data.approvalTimeoutMinutes > set.maxApprovalTimeoutMinutes) {
    problems.push(
      `$.approvalTimeoutMinutes: got ${parsed.data.approvalTimeoutMinutes}; expected at most ` +
        `${set.maxApprovalTimeoutMinutes} (the configured maximum for ${set.name})`,
    );
  }
  if (!parsed.success || !set || !member || problems.length > 0) {
    return {
      valid: false,
      problems,
      cause: `The DR promotion request is invalid; nothing was done. ${problems.length} problem(s): ${problems.join(' | ')}`,
    };
  }
  const nowEpoch = Math.floor(Date.parse(input.executionStartTime) / 1000);
  return {
    valid: true,
    request: { ...parsed.data, approvalTimeoutSeconds: parsed.data.approvalTimeoutMinutes * 60 },
    set: { ...set, drMember: { instanceId: member.instanceId, url: member.url } },
    nowEpoch,
    lockExpiresAt: nowEpoch + input.lockTtlSeconds,
  };
}
