/**
 * The checks every ha-workflows state machine must pass (issue #2):
 * 1. ASL rules (asl-rules.ts): JSONPath only, timeouts, bounded retries with jitter, catches, heartbeats, loops
 *    with attempt counters;
 * 2. asl-validator (asl-validation.ts): valid Amazon States Language;
 * 3. SDK model (sdk-model.ts): service-call parameters against the SDK's own model at every nesting level, and the
 *    role grants each call without wildcard actions;
 * 4. intrinsic functions (intrinsics.ts): every intrinsic call parses, escapes its literals, fits States.Format's arity;
 * 5. IAM (iam.ts): no destructive EC2 action on a wildcard resource without a tag or VPC condition, in any policy of
 *    the template;
 * 6. error names (error-names.ts): every Retry/Catch name is one its state can produce (issue #13 item 6).
 */
import { checkStateMachine } from './asl-rules';
import { validateAsl } from './asl-validation';
import { checkErrorNames } from './error-names';
import type { Finding } from './findings';
import { checkIntrinsics } from './intrinsics';
import { checkIamGrants, checkSdkParameters } from './sdk-model';
import type { SynthesizedStateMachine } from './synth';

export { checkErrorNames } from './error-names';
export * from './findings';
export { checkStateMachine } from './asl-rules';
export { validateAsl } from './asl-validation';
export { checkDestructiveEc2Grants } from './iam';
export { checkIntrinsics } from './intrinsics';
export { checkIamGrants, checkSdkParameters } from './sdk-model';
export * from './synth';

/** Every finding of every check for one synthesized state machine. */
export function checkEverything(machine: SynthesizedStateMachine): Finding[] {
  const options = { name: machine.label };
  return [
    ...checkStateMachine(machine.definition, options),
    ...validateAsl(machine.definition, options),
    ...checkSdkParameters(machine.definition, options),
    ...checkIntrinsics(machine.definition, options),
    ...checkIamGrants(machine.template, machine.logicalId, machine.definition, options),
    ...checkErrorNames(machine.definition, options),
  ];
}
