import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { StateMachine } from 'aws-local-stepfunctions';
import { forEachTarget, forEachTargetGroup, targetTask, waitTargetHealthy } from '../../../workflows/fragments';
import { resolveStateMachines } from '../../../local/template';
import { validateAsl } from '../../harness/asl-validation';

const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef';
const ENV = { account: '123456789012', region: 'eu-west-1' };

/** A rendered state (or any ASL object), read by its field names. */
type State = Record<string, unknown>;
interface Processor {
  readonly StartAt: string;
  readonly States: Record<string, State>;
}
interface Rendered {
  readonly definition: { StartAt: string; States: Record<string, State> };
  /** The statements the graph granted to the state machine's role. */
  readonly statements: { Action: string | string[]; Resource: unknown }[];
}

/** Builds the chain in a throwaway stack's state machine and returns its resolved ASL and role policy. */
function render(build: (scope: Construct) => sfn.IChainable): Rendered {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(build(stack)),
    timeout: Duration.hours(1),
  });
  const template = Template.fromStack(stack).toJSON();
  const [machine] = resolveStateMachines(template, { ...ENV, partition: 'aws' });
  const policies = Object.values(
    template.Resources as Record<string, { Type: string; Properties: { PolicyDocument: { Statement: [] } } }>,
  ).filter((r) => r.Type === 'AWS::IAM::Policy');
  return {
    definition: machine.definition as Rendered['definition'],
    statements: policies.flatMap((p) => p.Properties.PolicyDocument.Statement),
  };
}

const processor = (map: State) => map.ItemProcessor as Processor;
const iteration = (map: State) => processor(map).States;

describe('targetTask', () => {
  it('registers the target named by the iteration, granted only on the given target groups', () => {
    // GIVEN / WHEN a register task on one target group
    const { definition, statements } = render((scope) =>
      targetTask(scope, 'Register', { change: 'registerTargets', targetGroupArns: [TG] }),
    );
    // THEN it calls RegisterTargets for $.instanceId in $.targetGroupArn and keeps its input
    const task = definition.States.Register;
    expect(task.Resource).toBe('arn:aws:states:::aws-sdk:elasticloadbalancingv2:registerTargets');
    expect(task.Parameters).toEqual({ 'TargetGroupArn.$': '$.targetGroupArn', Targets: [{ 'Id.$': '$.instanceId' }] });
    expect(task.ResultPath).toBeNull();
    expect(task.TimeoutSeconds).toBeGreaterThan(0);
    expect(task.Retry).toEqual(expect.arrayContaining([expect.anything()]));
    // AND the role may register targets in that target group only
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'elasticloadbalancing:RegisterTargets', Resource: TG }),
    );
  });

  it('names the port too with withPort (a target registered on its own port)', () => {
    // GIVEN / WHEN a deregister task with withPort
    const { definition, statements } = render((scope) =>
      targetTask(scope, 'Deregister', { change: 'deregisterTargets', targetGroupArns: [TG], withPort: true }),
    );
    // THEN the target is named by instance and port
    const task = definition.States.Deregister;
    expect(task.Resource).toBe('arn:aws:states:::aws-sdk:elasticloadbalancingv2:deregisterTargets');
    expect((task.Parameters as State).Targets).toEqual([{ 'Id.$': '$.instanceId', 'Port.$': '$.port' }]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'elasticloadbalancing:DeregisterTargets', Resource: TG }),
    );
  });
});

describe('forEachTarget', () => {
  it('changes each target four at a time, and an iteration fails with the call’s own error', () => {
    // GIVEN / WHEN a deregistration of each target of a list
    const { definition } = render((scope) =>
      forEachTarget(scope, 'Deregister each', {
        change: 'deregisterTargets',
        targetGroupArns: [TG],
        itemsPath: '$.plan.deregister',
        taskId: 'Deregister one',
        failStateId: 'One not deregistered',
      }),
    );
    // THEN the Map keeps its input, and its one task fails the iteration with the caught error
    const map = definition.States['Deregister each'];
    expect(map).toMatchObject({ Type: 'Map', ItemsPath: '$.plan.deregister', MaxConcurrency: 4, ResultPath: null });
    const states = iteration(map);
    expect(processor(map).StartAt).toBe('Deregister one');
    expect(states['Deregister one'].Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'One not deregistered' },
    ]);
    expect(states['One not deregistered']).toEqual({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    });
  });
});

describe('waitTargetHealthy', () => {
  /** A register-then-wait iteration as instance-recovery builds it (a fixed number of checks, wait first). */
  const registerAndWait = (scope: Construct) =>
    forEachTargetGroup(scope, 'In each target group', {
      itemsPath: '$.targetGroupArns',
      itemSelector: { 'targetGroupArn.$': '$$.Map.Item.Value', 'instanceId.$': '$.instanceId' },
      iteration: waitTargetHealthy(scope, {
        readId: 'Read health',
        unreadableId: 'Health not readable',
        label: 'target healthy',
        interval: Duration.seconds(5),
        maxChecks: 12,
        counterPath: '$.polls.healthy',
        waitFirst: true,
        healthy: new sfn.Succeed(scope, 'Target is healthy'),
        exhausted: new sfn.Fail(scope, 'Target never became healthy', { error: 'NotHealthy', cause: 'timeout' }),
      }),
    });

  it('reads the health with a bounded counter, and fails closed when the checks are used up', () => {
    // GIVEN / WHEN
    const { definition, statements } = render(registerAndWait);
    // THEN the Map keeps its input
    const map = definition.States['In each target group'];
    expect(map).toMatchObject({ Type: 'Map', MaxConcurrency: 4, ResultPath: null });
    const states = iteration(map);
    // AND the loop waits first, then reads, and decides: healthy, checks used up, or wait and count
    expect(processor(map).StartAt).toBe('Start checking target healthy');
    expect(states['Start checking target healthy']).toMatchObject({
      Type: 'Pass',
      Result: { attempts: 1 },
      ResultPath: '$.polls.healthy',
      Next: 'Wait before checking target healthy',
    });
    expect(states['Wait before checking target healthy']).toMatchObject({
      Seconds: 5,
      Next: 'Count check of target healthy',
    });
    expect(states['Count check of target healthy']).toMatchObject({
      Parameters: { 'attempts.$': 'States.MathAdd($.polls.healthy.attempts, 1)' },
      Next: 'Read health',
    });
    expect(states['Is target healthy?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.health.state', StringEquals: 'healthy', Next: 'Target is healthy' },
        { Variable: '$.polls.healthy.attempts', NumericGreaterThanEquals: 12, Next: 'Target never became healthy' },
      ],
      Default: 'Wait before checking target healthy',
    });
    // AND the read keeps the state only, and an unreadable health fails the iteration with the read's error
    const read = states['Read health'];
    expect(read.Resource).toBe('arn:aws:states:::aws-sdk:elasticloadbalancingv2:describeTargetHealth');
    expect(read.ResultSelector).toEqual({ 'state.$': '$.TargetHealthDescriptions[0].TargetHealth.State' });
    expect(read.ResultPath).toBe('$.health');
    expect(read.Next).toBe('Is target healthy?');
    expect(read.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Health not readable' }]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'elasticloadbalancing:DescribeTargetHealth', Resource: '*' }),
    );
    // AND it is valid ASL
    expect(validateAsl(definition, { name: 'fragment' })).toEqual([]);
  });

  /** A wait as mirror-failover builds it: checks from the item, registration told apart, a re-check before waiting. */
  const waitWithRegistration = (scope: Construct) =>
    forEachTargetGroup(scope, 'In each target group', {
      itemsPath: '$.targetGroupArns',
      itemSelector: {
        'targetGroupArn.$': '$$.Map.Item.Value',
        'instanceId.$': '$.instanceId',
        'maxChecks.$': '$.n',
        'wanted.$': '$.wanted',
      },
      iteration: waitTargetHealthy(scope, {
        readId: 'Read health',
        unreadableId: 'Health not readable',
        label: 'target healthy',
        interval: Duration.seconds(5),
        maxChecks: '$.maxChecks',
        counterPath: '$.polls.healthy',
        healthy: new sfn.Succeed(scope, 'Target is healthy'),
        exhausted: new sfn.Fail(scope, 'Target never became healthy', { error: 'NotHealthy', cause: 'timeout' }),
        whileRegistering: { interval: Duration.seconds(30), waitId: 'Wait while registering', countId: 'Count it' },
        beforeNextCheck: (wait) =>
          new sfn.Pass(scope, 'Re-check', { resultPath: sfn.JsonPath.DISCARD }).next(
            new sfn.Choice(scope, 'Still wanted?')
              .when(sfn.Condition.booleanEquals('$.wanted', true), wait)
              .otherwise(new sfn.Fail(scope, 'Not wanted any more', { error: 'Moved' })),
          ),
      }),
    });

  it('waits longer while the load balancer registers the target, counted as that many checks', () => {
    // GIVEN / WHEN
    const { definition } = render(waitWithRegistration);
    const states = iteration(definition.States['In each target group']);
    // THEN the first read comes at once, and keeps the whole TargetHealth (for its Reason)
    expect(states['Start checking target healthy'].Next).toBe('Read health');
    expect(states['Read health'].ResultSelector).toEqual({
      'state.$': '$.TargetHealthDescriptions[0].TargetHealth.State',
      'target.$': '$.TargetHealthDescriptions[0].TargetHealth',
    });
    // AND the decision reads the limit from the item, tells registration apart, and re-checks before waiting
    expect(states['Is target healthy?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.health.state', StringEquals: 'healthy', Next: 'Target is healthy' },
        {
          Variable: '$.polls.healthy.attempts',
          NumericGreaterThanEqualsPath: '$.maxChecks',
          Next: 'Target never became healthy',
        },
        {
          And: [
            { Variable: '$.health.target.Reason', IsPresent: true },
            { Variable: '$.health.target.Reason', StringEquals: 'Elb.RegistrationInProgress' },
          ],
          Next: 'Wait while registering',
        },
      ],
      Default: 'Re-check',
    });
    expect((states['Still wanted?'].Choices as State[])[0].Next).toBe('Wait before checking target healthy');
    // AND the registration wait (30 s) counts as 6 checks of 5 s, then reads again
    expect(states['Wait while registering']).toMatchObject({ Seconds: 30, Next: 'Count it' });
    expect(states['Count it']).toMatchObject({
      Parameters: { 'attempts.$': 'States.MathAdd($.polls.healthy.attempts, 6)' },
      ResultPath: '$.polls.healthy',
      Next: 'Read health',
    });
    expect(validateAsl(definition, { name: 'fragment' })).toEqual([]);
  });

  it('refuses a registration wait that is not a whole number of checks', () => {
    // GIVEN a 12 s registration wait for 5 s checks / WHEN built / THEN it throws, naming both
    expect(() =>
      render((scope) =>
        waitTargetHealthy(scope, {
          readId: 'Read health',
          unreadableId: 'Health not readable',
          label: 'target healthy',
          interval: Duration.seconds(5),
          maxChecks: 3,
          counterPath: '$.polls.healthy',
          healthy: new sfn.Succeed(scope, 'Healthy'),
          exhausted: new sfn.Fail(scope, 'Not healthy'),
          whileRegistering: { interval: Duration.seconds(12), waitId: 'Wait', countId: 'Count' },
        }),
      ),
    ).toThrow(/12 s.*5 s/);
  });

  describe('when run', () => {
    let machine: StateMachine;
    beforeAll(() => {
      // GIVEN the mirror-failover shape, run offline with the health read answered by a script
      machine = new StateMachine(structuredClone(render(waitWithRegistration).definition) as never);
    });
    const noWaits = {
      'Wait before checking target healthy': 0,
      'Wait while registering': 0,
    };
    const run = async (answers: { State: string; Reason?: string }[], wanted = true) => {
      const reads: number[] = [];
      const execution = machine.run(
        { targetGroupArns: [TG], instanceId: 'i-1', n: 12, wanted },
        {
          overrides: {
            waitTimeOverrides: noWaits,
            taskResourceLocalHandlers: {
              'Read health': async () => {
                const health = answers[Math.min(reads.length, answers.length - 1)];
                reads.push(reads.length);
                return { TargetHealthDescriptions: [{ TargetHealth: health }] };
              },
            },
          },
        },
      );
      const result = await execution.result.then(
        () => 'succeeded',
        () => 'failed',
      );
      return { result, reads: reads.length };
    };

    it('ends healthy once the target is healthy', async () => {
      // WHEN the target is unhealthy twice, then healthy / THEN it succeeds after three reads
      await expect(run([{ State: 'unhealthy' }, { State: 'unhealthy' }, { State: 'healthy' }])).resolves.toEqual({
        result: 'succeeded',
        reads: 3,
      });
    });

    it('fails closed after the checks are used up, counting a registration wait as six', async () => {
      // WHEN the load balancer registers the target on every read (12 checks, 6 per registration wait)
      const { result, reads } = await run([{ State: 'initial', Reason: 'Elb.RegistrationInProgress' }]);
      // THEN it reads 1 + 12 / 6 = 3 times (the third at 13 ≥ 12 checks) and fails
      expect(result).toBe('failed');
      expect(reads).toBe(3);
    });

    it('leaves the loop when the re-check says the target is not wanted any more', async () => {
      // WHEN the target is unhealthy and no longer wanted / THEN it fails after one read
      const { result, reads } = await run([{ State: 'unhealthy' }], false);
      expect(result).toBe('failed');
      expect(reads).toBe(1);
    });
  });
});
