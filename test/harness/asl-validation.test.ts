import { statePathOf, validateAsl } from './asl-validation';

const GOOD = {
  StartAt: 'Describe instances',
  TimeoutSeconds: 60,
  States: {
    'Describe instances': {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:ec2:describeInstances',
      Parameters: { 'InstanceIds.$': '$.instanceIds' },
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

describe('validateAsl (asl-validator)', () => {
  it('accepts valid ASL and leaves the definition untouched', () => {
    const definition = structuredClone(GOOD);
    expect(validateAsl(definition, { name: 'M' })).toEqual([]);
    expect(definition).toEqual(GOOD);
  });

  it('rejects a transition to a state that does not exist', () => {
    const definition = structuredClone(GOOD);
    definition.States['Describe instances'].Next = 'Dnoe';
    expect(validateAsl(definition, { name: 'M' })).toContainEqual(
      expect.objectContaining({
        stateMachine: 'M',
        rule: 'asl-validator',
        message: expect.stringContaining("MISSING_TRANSITION_TARGET: Missing 'StartAt'|'Next'|'Default' target: Dnoe"),
      }),
    );
  });

  it('rejects a field a state type does not have, naming the state', () => {
    const definition = { ...GOOD, States: { ...GOOD.States, Done: { Type: 'Succeed', Next: 'Describe instances' } } };
    const findings = validateAsl(definition, { name: 'M' });
    expect(findings[0]).toMatchObject({ path: 'Succeed "Done"', message: expect.stringContaining('/States/Done') });
  });

  it('turns JSON pointers into state paths', () => {
    const definition = {
      States: {
        'Back up': { Type: 'Map', ItemProcessor: { States: { Snap: { Type: 'Task' } } } },
        Both: { Type: 'Parallel', Branches: [{ States: { Left: { Type: 'Pass' } } }] },
      },
    };
    expect(statePathOf(definition, '/States/Back up/ItemProcessor/States/Snap/Retry/0')).toBe(
      'Map "Back up" > Task "Snap"',
    );
    expect(statePathOf(definition, '/States/Both/Branches/0/States/Left')).toBe(
      'Parallel "Both" > branch 1 > Pass "Left"',
    );
  });
});
