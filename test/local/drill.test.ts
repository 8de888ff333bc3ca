import * as path from 'node:path';
import { synthesize } from '../../cli/template';
import { VirtualClock } from '../../local/clock';
import { buildWorld, drill } from '../../local/drill';
import { ScriptedApprovals } from '../../local/engine/approvals';
import { SimulatedRegion } from '../../local/region/region';
import { loadScenario } from '../../local/scenario/load';
import { scenarioSchema } from '../../local/scenario/schema';
import type { CfnTemplate } from '../../local/template';

describe('buildWorld', () => {
  it("provisions the stack's SSM command documents with the parameters their content declares", async () => {
    // GIVEN a template with a named command document (parameters instanceName, executionTimeout) and a running instance
    const template: CfnTemplate = {
      Resources: {
        FreezeDoc: {
          Type: 'AWS::SSM::Document',
          Properties: {
            Name: 'stack-iris-freeze',
            DocumentType: 'Command',
            Content: {
              schemaVersion: '2.2',
              parameters: { instanceName: { type: 'String' }, executionTimeout: { type: 'String' } },
            },
          },
        },
      },
    };
    const region = new SimulatedRegion({ regionName: 'eu-west-1', clock: new VirtualClock() });
    const environment = scenarioSchema.shape.environment.parse({
      ec2: {
        subnets: [{ subnetId: 'subnet-1', vpcId: 'vpc-1', availabilityZone: 'eu-west-1a' }],
        instances: [
          { instanceId: 'i-0aaaaaaaaaaaaaaa1', imageId: 'ami-1', instanceType: 'm7i.large', subnetId: 'subnet-1' },
        ],
      },
    });
    // WHEN the world is built from it
    buildWorld(region, template, { account: '123456789012', region: 'eu-west-1' }, environment as never, {
      broker: new ScriptedApprovals(region, []),
    });
    const send = (parameters: Record<string, string[]>) =>
      region.call('ssm', 'SendCommand', {
        DocumentName: 'stack-iris-freeze',
        InstanceIds: ['i-0aaaaaaaaaaaaaaa1'],
        Parameters: parameters,
      });
    // THEN SSM runs the document with its declared parameters, and refuses others as AWS does
    await expect(send({ instanceName: ['IRIS'], executionTimeout: ['30'] })).resolves.toMatchObject({
      Command: { DocumentName: 'stack-iris-freeze' },
    });
    await expect(send({ commands: ['rm -rf /'] })).rejects.toMatchObject({ code: 'InvalidParameters' });
  });
});

describe('drill: a trigger at a given modeled second (atSeconds)', () => {
  // A workflow that only waits 10 s and echoes the event's time.
  const template: CfnTemplate = {
    Resources: {
      Waiter: {
        Type: 'AWS::StepFunctions::StateMachine',
        Metadata: { 'ha-workflows:workflow': 'waiter' },
        Properties: {
          DefinitionString: JSON.stringify({
            StartAt: 'Wait ten seconds',
            States: {
              'Wait ten seconds': { Type: 'Wait', Seconds: 10, Next: 'Done' },
              Done: { Type: 'Pass', Parameters: { 'time.$': '$.time' }, End: true },
            },
          }),
        },
      },
      OnTick: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventPattern: { source: ['test'], 'detail-type': ['Tick'] },
          Targets: [{ Id: 'Target0', Arn: { Ref: 'Waiter' } }],
        },
      },
    },
  };
  const event = { source: 'test', 'detail-type': 'Tick', detail: {} };

  it('starts the execution at that second, while the earlier one still runs', async () => {
    // GIVEN a first event at once and a second one 4 modeled seconds into the drill
    const scenario = scenarioSchema.parse({
      name: 'two events 4 s apart',
      workflow: 'waiter',
      triggers: [{ event }, { event, atSeconds: 4 }],
    });
    // WHEN the scenario is drilled
    const result = await drill(scenario, { template });
    // THEN the second execution started at 4 s (its event's time too) and ended at 14 s; the drill lasted 14 s
    const [first, second] = result.executions;
    const drillStart = Date.parse(first.startDate);
    expect((Date.parse(second.startDate) - drillStart) / 1000).toBe(4);
    expect((Date.parse(second.stopDate) - drillStart) / 1000).toBeCloseTo(14, 0);
    expect((second.output as { time: string }).time).toBe(
      new Date(drillStart + 4000).toISOString().replace('.000Z', 'Z'),
    );
    expect(result.modeledSeconds).toBeCloseTo(14, 0);
  });

  it('starts at that second even when every earlier execution has already ended', async () => {
    // GIVEN a second event at 30 s, after the first execution (10 s) has ended
    const scenario = scenarioSchema.parse({
      name: 'two events 30 s apart',
      workflow: 'waiter',
      triggers: [{ event }, { event, atSeconds: 30 }],
    });
    // WHEN the scenario is drilled
    const result = await drill(scenario, { template });
    // THEN the second started at 30 s, not when the first ended
    const [first, second] = result.executions;
    expect((Date.parse(second.startDate) - Date.parse(first.startDate)) / 1000).toBe(30);
  });

  it('refuses a trigger with both atSeconds and start "after-previous"', () => {
    // GIVEN / WHEN / THEN
    const parsed = scenarioSchema.safeParse({
      name: 'x',
      workflow: 'waiter',
      triggers: [{ event }, { event, atSeconds: 4, start: 'after-previous' }],
    });
    expect(parsed.success).toBe(false);
  });
});

describe("drill: an operator's StopExecution (stops)", () => {
  // A workflow that waits 10 s, then 20 s more, then ends.
  const template: CfnTemplate = {
    Resources: {
      Waiter: {
        Type: 'AWS::StepFunctions::StateMachine',
        Metadata: { 'ha-workflows:workflow': 'waiter' },
        Properties: {
          DefinitionString: JSON.stringify({
            StartAt: 'Wait ten seconds',
            States: {
              'Wait ten seconds': { Type: 'Wait', Seconds: 10, Next: 'Wait twenty seconds' },
              'Wait twenty seconds': { Type: 'Wait', Seconds: 20, Next: 'Done' },
              Done: { Type: 'Pass', End: true },
            },
          }),
        },
      },
    },
  };
  const base = { workflow: 'waiter', triggers: [{ input: {} }, { input: {} }] };

  it('stops the named execution when it enters the state, with the operator’s error and cause', async () => {
    // GIVEN two executions, and an operator who stops the second one as it enters "Wait twenty seconds"
    const scenario = scenarioSchema.parse({
      ...base,
      name: 'stop at a state',
      stops: [{ execution: 2, atState: 'Wait twenty seconds', error: 'Operator', cause: 'drill' }],
    });
    // WHEN the scenario is drilled
    const result = await drill(scenario, { template });
    // THEN the first execution succeeds, the second is ABORTED at 10 s (it does not wait) with the given error
    const [first, second] = result.executions;
    expect(first.status).toBe('SUCCEEDED');
    expect(second).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'drill' });
    expect((Date.parse(second.stopDate) - Date.parse(second.startDate)) / 1000).toBeCloseTo(10, 0);
  });

  it('stops an execution at its first step at or after the given second, the same way every time', async () => {
    // GIVEN an operator who stops the first execution 5 s into the drill (while it waits ten seconds)
    const scenario = scenarioSchema.parse({ ...base, name: 'stop at a second', stops: [{ atSeconds: 5 }] });
    // WHEN it is drilled twice
    const a = await drill(scenario, { template });
    const b = await drill(scenario, { template });
    // THEN the first execution is ABORTED at its next step (10 s, the end of the wait), the second one is not touched
    expect(a.executions.map((e) => e.status)).toEqual(['ABORTED', 'SUCCEEDED']);
    expect((Date.parse(a.executions[0].stopDate) - Date.parse(a.executions[0].startDate)) / 1000).toBeCloseTo(10, 0);
    expect(b.timeline).toEqual(a.timeline);
  });

  it('refuses a stop that says neither when nor where', () => {
    // GIVEN / WHEN a stop without atSeconds or atState / THEN the scenario is invalid
    expect(scenarioSchema.safeParse({ ...base, name: 'x', stops: [{ execution: 1 }] }).success).toBe(false);
  });
});

describe("drill: an operator's stop while an execution waits for its approval", () => {
  it('ends the wait at the stop, not when the approval would have come', async () => {
    // GIVEN the approved DR promotion (the approval comes after 300 s), and an operator who stops it at 100 s
    const file = path.join(__dirname, '..', 'scenarios', 'dr-promotion.json');
    const scenario = loadScenario(file);
    scenario.stops = [{ execution: 1, atSeconds: 100, error: 'Operator', cause: 'changed my mind' }];
    const site = synthesize(path.resolve(path.dirname(file), scenario.config as string)).dr!;
    // WHEN it is drilled
    const result = await drill(scenario, { template: site.template, env: site.env });
    // THEN the execution is ABORTED at 100 s of the drill, with the operator's error, and promoted nothing
    const [execution] = result.executions;
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'changed my mind' });
    expect((Date.parse(execution.stopDate) - Date.parse(execution.startDate)) / 1000).toBeCloseTo(100, 0);
    expect(result.calls.some((c) => c.action === 'StopInstances')).toBe(false);
  });
});
