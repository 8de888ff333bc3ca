import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  EXECUTION_STATUS_CHANGE,
  isEventOfType,
  isExecutionStatusEvent,
  whenEvent,
} from '../../../workflows/fragments';
import { renderChain, runChain } from '../../harness/chain';

/** A Choice on the condition: 'yes' when it holds, 'no' otherwise. */
const definition = (condition: sfn.Condition) =>
  renderChain((scope) =>
    new sfn.Choice(scope, 'Decide')
      .when(condition, new sfn.Pass(scope, 'Yes', { result: sfn.Result.fromString('yes') }))
      .otherwise(new sfn.Pass(scope, 'No', { result: sfn.Result.fromString('no') })),
  );

const event = {
  'detail-type': EXECUTION_STATUS_CHANGE,
  detail: { executionArn: 'arn:aws:states:eu-west-1:1:execution:m:e', name: 'e', status: 'FAILED', input: '{}' },
};

describe('isExecutionStatusEvent', () => {
  it('holds for a status event with the fields and the input as a string, and for nothing else', async () => {
    // GIVEN a condition on executionArn and status
    const choice = definition(isExecutionStatusEvent(['executionArn', 'status']));
    const decide = async (input: unknown) => (await runChain(choice, input, {})).output;
    // WHEN run on the event, and on inputs that lack a part / THEN only the whole event holds, and none fails
    await expect(decide(event)).resolves.toBe('yes');
    await expect(decide({ ...event, detail: { ...event.detail, status: undefined } })).resolves.toBe('no');
    await expect(decide({ ...event, detail: { ...event.detail, input: { parsed: true } } })).resolves.toBe('no');
    await expect(decide({ unlock: { mirrorSet: 'm' } })).resolves.toBe('no');
  });

  it('tests each path with IsPresent before it is read', () => {
    // GIVEN / WHEN rendered / THEN the rules are IsPresent of each field and of the input, then IsString of the input
    const rule = (
      definition(isExecutionStatusEvent(['executionArn', 'name'])).States.Decide.Choices as { And: [] }[]
    )[0];
    expect(rule.And).toEqual([
      { Variable: '$.detail.executionArn', IsPresent: true },
      { Variable: '$.detail.name', IsPresent: true },
      { Variable: '$.detail.input', IsPresent: true },
      { Variable: '$.detail.input', IsString: true },
    ]);
  });
});

describe('isEventOfType', () => {
  it('holds for an event of the type only, and reads no absent detail-type', async () => {
    // GIVEN a condition on the status-change type
    const choice = definition(isEventOfType(EXECUTION_STATUS_CHANGE));
    const decide = async (input: unknown) => (await runChain(choice, input, {})).output;
    // WHEN run / THEN the event holds, another type and an operator's input do not
    await expect(decide(event)).resolves.toBe('yes');
    await expect(decide({ ...event, 'detail-type': 'EC2 Instance State-change Notification' })).resolves.toBe('no');
    await expect(decide({ instanceId: 'i-1' })).resolves.toBe('no');
  });
});

describe('whenEvent', () => {
  // aws-local-stepfunctions sets $$.Execution.StartTime to its own start (the engine's runner models it).
  const START = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const read = () =>
    renderChain((scope) => {
      const choice = new sfn.Choice(scope, 'Read the trigger');
      whenEvent(
        choice,
        scope,
        'Take instance from state change',
        isEventOfType('EC2 Instance State-change Notification'),
        {
          'instanceId.$': '$.detail.instance-id',
        },
      );
      return choice.otherwise(new sfn.Pass(scope, 'Unrecognized', { result: sfn.Result.fromString('none') }));
    });
  const stateChange = { 'detail-type': 'EC2 Instance State-change Notification', detail: { 'instance-id': 'i-1' } };
  const run = (input: unknown) => runChain(read(), input, {});

  it("GIVEN an event with its envelope's time WHEN read THEN the time the span starts is the event's", async () => {
    const out = await run({ ...stateChange, time: '2026-12-03T10:00:00Z' });
    expect(out.output).toEqual({ instanceId: 'i-1', triggeredAt: '2026-12-03T10:00:00Z' });
  });

  it("GIVEN the same event without a time (started by hand) WHEN read THEN it still takes the rule, from the execution's start", async () => {
    const out = await run(stateChange);
    expect(out.status).toBe('succeeded');
    expect(out.output).toEqual({ instanceId: 'i-1', triggeredAt: START });
  });

  it('GIVEN a time that is not a timestamp WHEN read THEN the execution start is used, never the text', async () => {
    const out = await run({ ...stateChange, time: 'yesterday' });
    expect(out.output).toEqual({ instanceId: 'i-1', triggeredAt: START });
  });

  it('GIVEN another input WHEN read THEN neither Pass takes it', async () => {
    expect((await run({ instanceId: 'i-1' })).output).toBe('none');
  });
});
