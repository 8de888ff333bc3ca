import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { EXECUTION_STATUS_CHANGE, isEventOfType, isExecutionStatusEvent } from '../../../workflows/fragments';
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
