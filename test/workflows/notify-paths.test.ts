/**
 * Safety issue #12, item 6 as a class: no failure is silent. For the workflows that triggers start on their own
 * (alarms, EC2 state changes, become-primary hooks), every path from the start of the state machine to one of its
 * Fail states passes a notification to the operators first — the input checks included, since a trigger wired to a
 * wrong metric or name would otherwise never act, and nobody would know.
 */
import { synthExampleApp } from '../harness/synth';
import { silentFails, type WalkedState } from './silent-fails';

const WORKFLOWS = ['instance-recovery', 'mirror-failover'];

describe.each(WORKFLOWS)('%s', (workflow) => {
  it('reaches no Fail state from its start without notifying the operators first', () => {
    // GIVEN the synthesized state machine of the example app
    const machine = synthExampleApp().stateMachines.find(
      (m) => m.resource.Metadata?.['ha-workflows:workflow'] === workflow,
    );
    expect(machine).toBeDefined();
    const definition = machine!.definition as { StartAt: string; States: Record<string, WalkedState> };
    // WHEN every path from its StartAt is followed
    const silent = silentFails(definition.States, definition.StartAt).map((p) => p.join(' → '));
    // THEN every Fail state is reached only after publishing to the operators' topic
    expect(silent).toEqual([]);
  });
});
