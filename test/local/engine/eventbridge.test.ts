import {
  EXECUTION_STATUS_CHANGE,
  eventRules,
  executionStatusEvent,
  matchesEventPattern,
  statusChangeRules,
} from '../../../local/engine/eventbridge';
import type { ExecutionRecord } from '../../../local/engine/stepfunctions';
import { SimulatedRegion } from '../../../local/region/region';
import { type CfnTemplate, TemplateResolver } from '../../../local/template';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const MACHINE = `arn:aws:states:eu-west-1:123456789012:stateMachine:Backup`;
const PATTERN = {
  source: ['aws.states'],
  'detail-type': [EXECUTION_STATUS_CHANGE],
  detail: { status: ['ABORTED', 'TIMED_OUT', 'FAILED'], stateMachineArn: [MACHINE] },
};

function event(status: string, stateMachineArn = MACHINE) {
  return { source: 'aws.states', 'detail-type': EXECUTION_STATUS_CHANGE, detail: { status, stateMachineArn } };
}

describe('matchesEventPattern', () => {
  it('matches every named field against its allowed values, nested objects included', () => {
    expect(matchesEventPattern(event('ABORTED'), PATTERN)).toBe(true);
    expect(matchesEventPattern(event('TIMED_OUT'), PATTERN)).toBe(true);
  });

  it('does not match another status, another state machine, or an event missing a named field', () => {
    expect(matchesEventPattern(event('SUCCEEDED'), PATTERN)).toBe(false);
    expect(matchesEventPattern(event('FAILED', `${MACHINE}Other`), PATTERN)).toBe(false);
    expect(matchesEventPattern({ source: 'aws.states', 'detail-type': EXECUTION_STATUS_CHANGE }, PATTERN)).toBe(false);
  });

  it('matches an array field when any element is allowed (resources)', () => {
    expect(matchesEventPattern({ resources: ['a', 'b'] }, { resources: ['b'] })).toBe(true);
  });

  it('matches content filters (anything-but) instead of refusing them', () => {
    expect(matchesEventPattern(event('FAILED'), { detail: { status: [{ 'anything-but': 'SUCCEEDED' }] } })).toBe(true);
    expect(matchesEventPattern(event('SUCCEEDED'), { detail: { status: [{ 'anything-but': 'SUCCEEDED' }] } })).toBe(
      false,
    );
  });
});

describe('statusChangeRules', () => {
  const template: CfnTemplate = {
    Resources: {
      Backup: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} },
      Rescue: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} },
      OnStopped: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventPattern: { ...PATTERN, detail: { ...PATTERN.detail, stateMachineArn: [{ Ref: 'Backup' }] } },
          Targets: [{ Id: 'Target0', Arn: { Ref: 'Rescue' } }],
        },
      },
      Schedule: {
        Type: 'AWS::Events::Rule',
        Properties: { ScheduleExpression: 'rate(1 day)', Targets: [{ Id: 'T', Arn: { Ref: 'Backup' } }] },
      },
    },
  } as unknown as CfnTemplate;

  it("reads the rules on Step Functions' own events and the state machines they start, references resolved", () => {
    const rules = statusChangeRules(template, new TemplateResolver(template, ENV));
    expect(rules).toEqual([
      {
        logicalId: 'OnStopped',
        pattern: expect.objectContaining({ detail: expect.objectContaining({ stateMachineArn: [MACHINE] }) }),
        stateMachineArns: ['arn:aws:states:eu-west-1:123456789012:stateMachine:Rescue'],
      },
    ]);
  });

  it('refuses a rule whose pattern EventBridge would refuse, naming the rule', () => {
    const bad = structuredClone(template) as unknown as {
      Resources: { OnStopped: { Properties: { EventPattern: Record<string, unknown> } } };
    };
    bad.Resources.OnStopped.Properties.EventPattern.detail = { status: [{ 'anything-but-not': 'SUCCEEDED' }] };
    expect(() => eventRules(bad as unknown as CfnTemplate, new TemplateResolver(bad as never, ENV))).toThrow(
      /rule OnStopped: event pattern field "detail.status": unknown filter "anything-but-not"/,
    );
  });

  it('refuses a target that reshapes the event (InputTransformer), which it does not simulate', () => {
    const reshaped = structuredClone(template) as unknown as {
      Resources: { OnStopped: { Properties: { Targets: Record<string, unknown>[] } } };
    };
    reshaped.Resources.OnStopped.Properties.Targets[0].InputTransformer = { InputTemplate: '{}' };
    expect(() =>
      statusChangeRules(reshaped as unknown as CfnTemplate, new TemplateResolver(reshaped as never, ENV)),
    ).toThrow(/sets InputTransformer/);
  });
});

describe('executionStatusEvent', () => {
  it('has the shape Step Functions sends: epoch-millisecond dates, the input as a string, the error and cause', () => {
    const region = new SimulatedRegion({ seed: 1, regionName: 'eu-west-1', accountId: '123456789012' });
    const record = {
      executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:run-1`,
      stateMachineArn: MACHINE,
      name: 'run-1',
      input: '{"instanceId":"i-0123456789abcdef0"}',
      status: 'FAILED',
      startDate: Date.parse('2026-01-05T02:30:00Z'),
      result: {
        status: 'FAILED',
        error: 'ThawFailed',
        cause: 'every thaw failed',
        stopDate: '2026-01-05T02:31:00.000Z',
      },
    } as unknown as ExecutionRecord;
    expect(executionStatusEvent(record, region)).toMatchObject({
      version: '0',
      source: 'aws.states',
      'detail-type': EXECUTION_STATUS_CHANGE,
      account: '123456789012',
      region: 'eu-west-1',
      time: '2026-01-05T02:31:00Z',
      resources: [record.executionArn],
      detail: {
        executionArn: record.executionArn,
        stateMachineArn: MACHINE,
        name: 'run-1',
        status: 'FAILED',
        startDate: Date.parse('2026-01-05T02:30:00Z'),
        stopDate: Date.parse('2026-01-05T02:31:00Z'),
        input: record.input,
        output: null,
        error: 'ThawFailed',
        cause: 'every thaw failed',
      },
    });
  });
});
