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

/** One mirror set as the state machine carries it: its shape has one home, with the other views of a mirror set. */
export type { DrSetSettings } from '../../contracts/mirror-set';
