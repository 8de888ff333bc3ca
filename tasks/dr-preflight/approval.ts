import { z } from 'zod';

/** Longest approver name kept (an ARN from STS GetCallerIdentity is well below it). */
export const MAX_APPROVER_CHARACTERS = 256;

/**
 * Characters that show nothing: Unicode white space, control and format characters (zero-width space, joiners,
 * word joiner, BOM, bidi marks …), unassigned/private/surrogate code points, and the letters that render blank
 * (Hangul fillers, Braille blank, Khmer inherent vowels).
 */
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\u115F\u1160\u2800\u3164\uFFA0]|\u17B4|\u17B5/gu;
const CONTROL = /\p{Cc}/u;

/** A name a person can read: at least one visible character, no control characters (no forged audit lines). */
export function isVisibleName(name: string): boolean {
  return name.replace(INVISIBLE, '').length > 0 && !CONTROL.test(name);
}

/**
 * The only output of the approval task that approves: `approved` is the boolean `true` and `approvedBy` names a
 * person (what `ha-workflows approve` sends). Anything else — `approved: false`, `"true"`, a missing, blank or
 * invisible approver, a non-object — is a rejection.
 */
export const approvalSchema = z.object({
  approved: z.literal(true, { error: 'expected the boolean true' }),
  approvedBy: z
    .string({ error: 'expected the approver as a string' })
    .max(MAX_APPROVER_CHARACTERS, { error: `expected at most ${MAX_APPROVER_CHARACTERS} characters` })
    .refine(isVisibleName, { error: 'expected a visible name (not blank, zero-width or with control characters)' }),
});

export type ApprovalCheck =
  { readonly approved: true; readonly approvedBy: string } | { readonly approved: false; readonly why: string };

/** Reads the task output an approver sent (SendTaskSuccess) and says whether it approves, and why not. */
export function checkApproval(output: unknown): ApprovalCheck {
  const parsed = approvalSchema.safeParse(output);
  if (parsed.success) return { approved: true, approvedBy: parsed.data.approvedBy.trim() };
  if (output === null || typeof output !== 'object' || Array.isArray(output)) {
    return { approved: false, why: `the approval output is ${describe(output)}, not an object` };
  }
  const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'output'}: ${i.message}`).join('; ');
  const o = output as Record<string, unknown>;
  return { approved: false, why: `approved=${describe(o.approved)}, approvedBy=${describe(o.approvedBy)} (${why})` };
}

/** A value as the cause shows it: JSON, with invisible characters written as \u escapes and long values cut. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const json = JSON.stringify(value) ?? String(value);
  const shown = json.replace(INVISIBLE, (c) =>
    c === ' ' ? c : `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0').toUpperCase()}`,
  );
  return shown.length > 80 ? `${shown.slice(0, 80)}…` : shown;
}
