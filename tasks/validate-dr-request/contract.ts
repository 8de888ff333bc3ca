import { z } from 'zod';

/** Longest approval wait a request may ask for (the state machine's `HeartbeatSeconds` is the configured maximum). */
export const MAX_APPROVAL_TIMEOUT_MINUTES = 1440;
/** Approval wait when the request names none. */
export const DEFAULT_APPROVAL_TIMEOUT_MINUTES = 60;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/**
 * What a person types to start a DR promotion (Step Functions console input, or `ha-workflows dr start`). The
 * workflow's first task and the CLI parse it with this one schema (workflows/dr-promotion/input.ts re-exports it).
 */
export const drPromotionRequestSchema = z
  .object({
    /** The mirror set whose DR member is promoted. */
    mirrorSet: z
      .string({ error: "expected a mirror set name: 1-63 letters, digits, '.', '_' or '-'" })
      .regex(NAME, { error: "expected a mirror set name: 1-63 letters, digits, '.', '_' or '-'" }),
    /** The DR (async) member to promote: its instance id in the DR region. */
    member: z
      .string({ error: 'expected an instance id such as "i-0123456789abcdef0"' })
      .regex(INSTANCE_ID, { error: 'expected an instance id such as "i-0123456789abcdef0"' }),
    /** Why: recorded in the audit trail and shown to the approvers. */
    reason: z
      .string({ error: 'expected a text of 10 to 500 characters' })
      .trim()
      .min(10, { error: 'expected a text of 10 to 500 characters' })
      .max(500, { error: 'expected a text of 10 to 500 characters' }),
    /** Who asks for it (a name or an e-mail address). */
    requestedBy: z
      .string({ error: 'expected a name of 1 to 128 characters' })
      .trim()
      .min(1, { error: 'expected a name of 1 to 128 characters' })
      .max(128, { error: 'expected a name of 1 to 128 characters' }),
    /** A drill: every check and the approval, then the changes are only described ("would do"). */
    practice: z.boolean({ error: 'expected true or false' }).default(false),
    /** How long to wait for an approval, in minutes. */
    approvalTimeoutMinutes: z
      .int({ error: `expected a whole number of minutes from 1 to ${MAX_APPROVAL_TIMEOUT_MINUTES}` })
      .min(1, { error: `expected a whole number of minutes from 1 to ${MAX_APPROVAL_TIMEOUT_MINUTES}` })
      .max(MAX_APPROVAL_TIMEOUT_MINUTES, {
        error: `expected a whole number of minutes from 1 to ${MAX_APPROVAL_TIMEOUT_MINUTES}`,
      })
      .default(DEFAULT_APPROVAL_TIMEOUT_MINUTES),
    /** Promote even when no old member could be confirmed fenced (the primary region's API does not answer). */
    allowUnfenced: z.boolean({ error: 'expected true or false' }).default(false),
    /** Promote even when the old primary still answers SUCCESS, or a promotion is already recorded. */
    force: z.boolean({ error: 'expected true or false' }).default(false),
  })
  .strict();
export type DrPromotionRequest = z.output<typeof drPromotionRequestSchema>;
export type DrPromotionRequestInput = z.input<typeof drPromotionRequestSchema>;

/** What the workflow knows of each configured mirror set (from the stack's configuration). */
export const drSetSettingsSchema = z
  .object({
    name: z.string().min(1),
    drMembers: z.array(z.object({ instanceId: z.string(), url: z.string() }).loose()).min(1),
    maxApprovalTimeoutMinutes: z.int().min(1).max(MAX_APPROVAL_TIMEOUT_MINUTES),
  })
  .loose();
export type DrSetSettings = z.output<typeof drSetSettingsSchema>;

export const inputSchema = z.object({
  /** The execution's input, as the person typed it: parsed here, never trusted before. */
  request: z.unknown(),
  /** Every mirror set this workflow may promote, with its settings (passed through to the output). */
  sets: z.array(drSetSettingsSchema).min(1),
  /** `$$.Execution.StartTime`: the workflow's notion of now. */
  executionStartTime: z.iso.datetime({ offset: true }),
  lockTtlSeconds: z.int().min(60).max(31_622_400),
});
export type ValidateDrRequestInput = z.infer<typeof inputSchema>;

export type ValidateDrRequestOutput =
  | {
      readonly valid: false;
      /** Every problem, one line each: `$.field: got <value>; <what is allowed>`. */
      readonly problems: readonly string[];
      /** The problems as one text (the `InvalidInput` failure's cause). */
      readonly cause: string;
    }
  | {
      readonly valid: true;
      readonly request: DrPromotionRequest & { readonly approvalTimeoutSeconds: number };
      /** The selected set's settings, unchanged, plus the selected DR member's status page. */
      readonly set: DrSetSettings & { readonly drMember: { readonly instanceId: string; readonly url: string } };
      readonly nowEpoch: number;
      readonly lockExpiresAt: number;
    };
