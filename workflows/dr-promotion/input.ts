/**
 * What starts a DR promotion: a person, from the Step Functions console (this JSON as the execution's input) or
 * with `ha-workflows dr start`. Never an event. The schema lives with the task that parses it (a task never
 * imports a workflow), so the workflow, its validation task and the CLI share one definition.
 *
 * ```json
 * { "mirrorSet": "db-1", "member": "i-0ccccccccccccccc3", "reason": "eu-west-1 is down (AWS Health event …)",
 *   "requestedBy": "jane@example.com", "practice": false, "approvalTimeoutMinutes": 60,
 *   "allowUnfenced": false, "force": false }
 * ```
 */
export {
  DEFAULT_APPROVAL_TIMEOUT_MINUTES,
  MAX_APPROVAL_TIMEOUT_MINUTES,
  type DrPromotionRequest,
  type DrPromotionRequestInput,
  drPromotionRequestSchema,
} from '../../tasks/validate-dr-request/contract';

/** The promotion presets: IRIS (the stack's IRIS documents) or the operator's own executables. */
export type PromotionPreset = 'iris' | 'command';

/** One mirror set as the state machine carries it (the validation task returns the selected one as `$.set`). */
export interface DrSetSettings {
  readonly name: string;
  /** The DR members that may be promoted (DR region), with their status pages. */
  readonly drMembers: readonly { readonly instanceId: string; readonly url: string }[];
  /** The old site's members (primary region), with their status pages. */
  readonly oldMembers: readonly { readonly instanceId: string; readonly url: string }[];
  readonly oldMemberIds: readonly string[];
  readonly primaryRegion: string;
  /** The deny-all group swapped onto the old members (primary region). */
  readonly denyAllGroupId: string;
  readonly drTargetGroupArns: readonly string[];
  readonly preflightFunctionArn: string;
  readonly probeFunctionArn: string;
  readonly probeTimeoutSeconds: number;
  readonly queryDocument: string;
  readonly queryParameters: Record<string, string[]>;
  readonly promoteDocument: string;
  readonly promoteParameters: Record<string, string[]>;
  /** Reads of the promotion's result, 5 s apart (its timeout / 5). */
  readonly promotePolls: number;
  /** Checks of the promoted member's status page, 5 s apart. */
  readonly verifyChecks: number;
  readonly maxApprovalTimeoutMinutes: number;
}
