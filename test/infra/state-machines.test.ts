/**
 * Issue #2: every state machine of the app passes every check of test/harness. State machines are discovered in
 * the synthesized example app, so a workflow added to the stacks is checked without touching this file.
 */
import { buildGoodWorkflowApp } from '../fixtures/good-workflow';
import {
  type SynthesizedExampleApp,
  type SynthesizedStateMachine,
  checkErrorNames,
  checkDestructiveEc2Grants,
  checkIamGrants,
  checkIntrinsics,
  checkSdkParameters,
  checkStateMachine,
  formatFinding,
  synthesize,
  synthExampleApp,
  validateAsl,
} from '../harness';

// Built while jest collects the tests (describe.each needs the list); a build error fails the first test below.
let example: SynthesizedExampleApp | undefined;
let buildError: unknown;
try {
  example = synthExampleApp();
} catch (e) {
  buildError = e;
}

function describeChecks(machines: readonly SynthesizedStateMachine[]): void {
  describe.each(machines.map((m) => [m.label, m] as const))('state machine %s', (_label, machine) => {
    const options = { name: machine.label };

    it('follows the ASL rules (JSONPath, timeouts, bounded retries, catches, heartbeats, loops with increasing counters that fit the timeout)', () => {
      expect(checkStateMachine(machine.definition, options).map(formatFinding)).toEqual([]);
    });

    it('is valid Amazon States Language (asl-validator)', () => {
      expect(validateAsl(machine.definition, options).map(formatFinding)).toEqual([]);
    });

    it('escapes every intrinsic-function literal and gives States.Format one argument per placeholder', () => {
      expect(checkIntrinsics(machine.definition, options).map(formatFinding)).toEqual([]);
    });

    it("passes only parameters the SDK's service model knows, and every required one", () => {
      expect(checkSdkParameters(machine.definition, options).map(formatFinding)).toEqual([]);
    });

    it('retries and catches only error names its states can produce (issue #13 item 6)', () => {
      expect(checkErrorNames(machine.definition, options).map(formatFinding)).toEqual([]);
    });

    it('is granted each service action it calls, and no wildcard action', () => {
      expect(
        checkIamGrants(machine.template, machine.logicalId, machine.definition, options).map(formatFinding),
      ).toEqual([]);
    });
  });
}

describe('the example app', () => {
  it('is synthesized with its primary and DR stacks, and every state machine in them is checked', () => {
    if (example === undefined) throw buildError;
    expect(example.stacks.map((s) => s.stackName)).toEqual(['ha-workflows-eu-west-1', 'ha-workflows-eu-central-1']);
    const inTemplates = example.stacks.flatMap((s) =>
      Object.keys(s.assertions.findResources('AWS::StepFunctions::StateMachine')).map((id) => `${s.stackName}/${id}`),
    );
    expect(example.stateMachines.map((m) => `${m.stackName}/${m.logicalId}`)).toEqual(inTemplates);
  });

  describe.each((example?.stacks ?? []).map((s) => [s.stackName, s] as const))('stack %s', (_name, stack) => {
    it('grants no destructive EC2 action on a wildcard resource without a tag or VPC condition, in any policy', () => {
      expect(checkDestructiveEc2Grants(stack.template, { name: stack.stackName }).map(formatFinding)).toEqual([]);
    });
  });

  // jest refuses an empty table; with no workflows yet, the test above is the harness's proof of having run.
  if (example !== undefined && example.stateMachines.length > 0) describeChecks(example.stateMachines);
});

describe('a good workflow built with HaStateMachine (fixture)', () => {
  const fixture = synthesize(buildGoodWorkflowApp().app);

  it('is found in its stack and resolved to plain ASL', () => {
    expect(fixture.stateMachines.map((m) => m.label)).toEqual(['GoodWorkflowTest/GoodWorkflow']);
    expect(fixture.stateMachines[0].definition).toMatchObject({ StartAt: 'Start the attempt counter' });
  });

  describeChecks(fixture.stateMachines);
});
