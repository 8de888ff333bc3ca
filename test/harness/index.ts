/**
 * The checks every ha-workflows state machine must pass (issue #2):
 * 1. ASL rules (asl-rules.ts): JSONPath only, timeouts, bounded retries with jitter, catches, heartbeats, loops
 *    with attempt counters;
 * 2. asl-validator (asl-validation.ts): valid Amazon States Language;
 * 3. SDK model (sdk-model.ts): service-call parameters against the SDK's own model, and the role grants each call
 *    without wildcard actions.
 */
import { checkStateMachine } from './asl-rules';
import { validateAsl } from './asl-validation';
import type { Finding } from './findings';
import { checkIamGrants, checkSdkParameters } from './sdk-model';
import type { SynthesizedStateMachine } from './synth';

export * from './findings';
export { checkStateMachine } from './asl-rules';
export { validateAsl } from './asl-validation';
export { checkIamGrants, checkSdkParameters } from './sdk-model';
export * from './synth';

/** Every finding of every check for one synthesized state machine. */
export function checkEverything(machine: SynthesizedStateMachine): Finding[] {
  const options = { name: machine.label };
  return [
    ...checkStateMachine(machine.definition, options),
    ...validateAsl(machine.definition, options),
    ...checkSdkParameters(machine.definition, options),
    ...checkIamGrants(machine.template, machine.logicalId, machine.definition, options),
  ];
}
