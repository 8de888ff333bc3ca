import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { AwsCall, pollUntil, type PollUntilProps } from '../../../workflows/fragments';
import { resolveStateMachines } from '../../../local/template';

const ENV = { account: '123456789012', region: 'eu-west-1' };

type State = Record<string, unknown>;
type States = Record<string, State>;

/** Builds a pollUntil loop (with a DescribeInstances check) in a throwaway state machine; returns its states. */
function render(props: (scope: Construct) => Partial<PollUntilProps>): { startAt: string; states: States } {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const check = new AwsCall(stack, 'Read the thing', {
    service: 'ec2',
    action: 'describeInstances',
    parameters: {},
    policy: [],
    resultSelector: { 'state.$': '$.Reservations[0].Instances[0].State.Name' },
    resultPath: '$.thing',
  });
  const chain = pollUntil(stack, {
    check,
    done: sfn.Condition.stringEquals('$.thing.state', 'running'),
    interval: Duration.seconds(10),
    maxAttempts: 5,
    counterPath: '$.polls.thing',
    label: 'the thing running',
    exhausted: new sfn.Fail(stack, 'Gave up'),
    then: new sfn.Succeed(stack, 'Done'),
    ...props(stack),
  });
  new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(chain),
    timeout: Duration.hours(1),
  });
  const [machine] = resolveStateMachines(Template.fromStack(stack).toJSON(), { ...ENV, partition: 'aws' });
  const definition = machine.definition as { StartAt: string; States: States };
  return { startAt: definition.StartAt, states: definition.States };
}

const choices = (state: State) => state.Choices as { Next: string }[];

describe('pollUntil', () => {
  it('checks, then stops when done or when the attempts are used up, else waits and counts', () => {
    // GIVEN / WHEN a loop of at most 5 checks
    const { startAt, states } = render(() => ({}));
    // THEN it sets the counter to 1 and checks at once
    expect(startAt).toBe('Start checking the thing running');
    expect(states['Start checking the thing running']).toMatchObject({
      Result: { attempts: 1 },
      ResultPath: '$.polls.thing',
      Next: 'Read the thing',
    });
    expect(states['Read the thing'].Next).toBe('Is the thing running?');
    // AND the Choice goes to `then`, to `exhausted` at 5 attempts, else to the wait
    const decide = states['Is the thing running?'];
    expect(choices(decide).map((c) => c.Next)).toEqual(['Done', 'Gave up']);
    expect(choices(decide)[1]).toMatchObject({ Variable: '$.polls.thing.attempts', NumericGreaterThanEquals: 5 });
    expect(decide.Default).toBe('Wait before checking the thing running');
    // AND the wait leads to the count, the count back to the check
    expect(states['Wait before checking the thing running']).toMatchObject({
      Seconds: 10,
      Next: 'Count check of the thing running',
    });
    expect(states['Count check of the thing running']).toMatchObject({
      Parameters: { 'attempts.$': 'States.MathAdd($.polls.thing.attempts, 1)' },
      Next: 'Read the thing',
    });
  });

  it('tries more rules after done and the limit, each leading back to the check', () => {
    // GIVEN a rule: while starting, a longer wait
    const { states } = render((scope) => ({
      moreRules: [
        {
          condition: sfn.Condition.stringEquals('$.thing.state', 'pending'),
          then: sfn.Chain.start(
            new sfn.Wait(scope, 'Wait while starting', { time: sfn.WaitTime.duration(Duration.minutes(1)) }),
          ),
        },
      ],
    }));
    // THEN the Choice tries it third, and its wait ends at the check
    const decide = states['Is the thing running?'];
    expect(choices(decide).map((c) => c.Next)).toEqual(['Done', 'Gave up', 'Wait while starting']);
    expect(states['Wait while starting'].Next).toBe('Read the thing');
    expect(decide.Default).toBe('Wait before checking the thing running');
  });

  it('runs the step before its wait, which may go to the wait or leave the loop', () => {
    // GIVEN a step that re-checks a flag before waiting
    const { states } = render((scope) => ({
      beforeWait: (wait) =>
        new sfn.Choice(scope, 'Still wanted?')
          .when(sfn.Condition.booleanEquals('$.wanted', true), wait)
          .otherwise(new sfn.Succeed(scope, 'Not wanted')),
    }));
    // THEN a check that is not done with attempts left goes to that step, and from there to the wait
    expect(states['Is the thing running?'].Default).toBe('Still wanted?');
    expect(choices(states['Still wanted?']).map((c) => c.Next)).toEqual(['Wait before checking the thing running']);
    expect(states['Still wanted?'].Default).toBe('Not wanted');
  });

  it('names its Choice decideId when given', () => {
    // GIVEN / WHEN a Choice name of its own
    const { states } = render(() => ({ decideId: 'Does the thing run?' }));
    // THEN the check goes there, and there is no "Is …?" state
    expect(states['Read the thing'].Next).toBe('Does the thing run?');
    expect(states['Is the thing running?']).toBeUndefined();
  });

  it('waits before the first check when asked', () => {
    // GIVEN / WHEN waitFirst
    const { states } = render(() => ({ waitFirst: true }));
    // THEN the start goes to the wait
    expect(states['Start checking the thing running'].Next).toBe('Wait before checking the thing running');
  });

  it('counts a tolerated error of the check as a not-yet', () => {
    // GIVEN / WHEN a tolerated error
    const { states } = render(() => ({ tolerateErrors: ['Ec2.RequestLimitExceeded'], maxAttempts: '$.limit' }));
    // THEN the check's Catch goes to a Choice that reads only the counter (the limit from the input)
    const caught = (states['Read the thing'].Catch as { ErrorEquals: string[]; Next: string; ResultPath: string }[])[0];
    expect(caught).toEqual({
      ErrorEquals: ['Ec2.RequestLimitExceeded'],
      Next: 'Can the thing running be checked again?',
      ResultPath: '$.polls.thing.lastError',
    });
    const again = states['Can the thing running be checked again?'];
    expect(choices(again)).toEqual([
      { Variable: '$.polls.thing.attempts', NumericGreaterThanEqualsPath: '$.limit', Next: 'Gave up' },
    ]);
    expect(again.Default).toBe('Wait before checking the thing running');
  });
});
