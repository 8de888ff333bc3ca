import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { TASK_METADATA_KEY } from '../../../contracts/metadata';
import { LocalStateMachine } from '../../../local/engine/runner';
import { SimulatedRegion } from '../../../local/region/region';
import {
  countBooleans,
  LAMBDA_SERVICE_RETRY,
  OUTCOME_ERROR_PATH,
  OUTCOME_PATH,
  outcomeSteps,
  recordOutcome,
  type RecordOutcomeProps,
} from '../../../workflows/fragments';
import { renderChain, runChain, taskError } from '../../harness/chain';
import { allStates } from '../../harness/findings';
import { synthExampleApp } from '../../harness';
import { OUTCOME_WORKFLOWS } from '../../../contracts/outcomes';

type OutcomePayload = { readonly Payload?: { readonly workflow?: string } } | undefined;

const FN = 'arn:aws:lambda:eu-west-1:123456789012:function:record-outcome';
const ENTERED = '2026-12-03T10:01:41.250Z';

const definition = (props: Partial<RecordOutcomeProps> = {}) =>
  renderChain((scope) =>
    recordOutcome(scope, 'Record the recovery time', {
      fn: lambda.Function.fromFunctionArn(scope, 'Fn', FN),
      workflow: 'instance-recovery',
      namePath: '$.plan.groupId',
      result: 'SUCCEEDED',
      startedAtPath: '$.triggeredAt',
      then: new sfn.Pass(scope, 'Notify', { result: sfn.Result.fromString('reached'), resultPath: '$.next' }),
      ...props,
    }),
  );
const INPUT = { plan: { groupId: 'app-1' }, triggeredAt: '2026-12-03T10:00:00Z' };
const CONTEXT = { State: { EnteredTime: ENTERED } };

describe('recordOutcome', () => {
  it('GIVEN a step WHEN rendered THEN its payload names the workflow, the dimension, the result and the span, and any error goes on', () => {
    const { States } = definition();
    expect(States['Record the recovery time']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      TimeoutSeconds: 10,
      Parameters: {
        FunctionName: FN,
        Payload: {
          workflow: 'instance-recovery',
          'name.$': '$.plan.groupId',
          result: 'SUCCEEDED',
          'startedAt.$': '$.triggeredAt',
          'endedAt.$': '$$.State.EnteredTime',
          'executionId.$': '$$.Execution.Id',
        },
      },
      ResultSelector: { 'metrics.$': '$.Payload.metrics' },
      ResultPath: '$.outcome',
      Next: 'Notify',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.outcomeError', Next: 'Notify' }],
    });
  });

  it('GIVEN the function answers WHEN run THEN the metrics are kept at $.outcome and the path goes on', async () => {
    const run = await runChain(
      definition(),
      INPUT,
      { 'Record the recovery time': () => ({ Payload: { metrics: { RecoveryTime: 101.25 } } }) },
      CONTEXT,
    );
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ ...INPUT, outcome: { metrics: { RecoveryTime: 101.25 } }, next: 'reached' });
  });

  it('GIVEN the function fails WHEN run THEN the execution still goes where it was going, the error kept aside', async () => {
    const run = await runChain(
      definition(),
      INPUT,
      {
        'Record the recovery time': () => {
          throw taskError('InvalidTaskInput', '$.name: got "" ...');
        },
      },
      CONTEXT,
    );
    expect(run.status).toBe('succeeded');
    expect(run.output).toMatchObject({ next: 'reached', outcomeError: { Error: 'InvalidTaskInput' } });
  });

  it('GIVEN a backup run WHEN rendered THEN it sends its tally instead of a result', () => {
    const tally = { total: 'States.ArrayLength($.outcomes)', failed: '$.f', skipped: '$.s' };
    const { States } = definition({ workflow: 'snapshot-backup', result: undefined, tally });
    const payload = (States['Record the recovery time'].Parameters as { Payload: Record<string, unknown> }).Payload;
    expect(payload.instances).toEqual({ 'total.$': tally.total, 'failed.$': '$.f', 'skipped.$': '$.s' });
    expect(payload).not.toHaveProperty('result');
  });

  it.each([
    [[true, false, true, true], 3, 1],
    [[false, false], 0, 2],
    [[true], 1, 0],
  ])('GIVEN the booleans %j WHEN counted in the engine THEN %i true and %i false', async (flags, trues, falses) => {
    const machine = new LocalStateMachine('arn:aws:states:eu-west-1:123456789012:stateMachine:count', {
      StartAt: 'Count',
      States: {
        Count: {
          Type: 'Pass',
          Parameters: {
            'trues.$': countBooleans('$.items[*].ok', true),
            'falses.$': countBooleans('$.items[*].ok', false),
          },
          End: true,
        },
      },
    } as never);
    const run = await machine.run({ items: flags.map((ok) => ({ ok })) }, { region: new SimulatedRegion() });
    expect(run.output).toEqual({ trues, falses });
  });

  it.each([
    ['both a result and a tally', { tally: { total: '$.t', failed: '$.f', skipped: '$.s' } }],
    ['neither', { result: undefined }],
  ])('GIVEN %s WHEN built THEN it refuses, naming the step', (_what, props) => {
    expect(() => definition(props)).toThrow(
      /recordOutcome "Record the recovery time": give exactly one of result and tally/,
    );
  });
});

/** The record-outcome function, carrying its task metadata as every TaskFunction's does. */
function outcomeFunction(scope: Construct): lambda.IFunction {
  const fn = new lambda.Function(scope, 'RecordOutcome', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  (fn.node.defaultChild as lambda.CfnFunction).addMetadata(TASK_METADATA_KEY, 'record-outcome');
  return fn;
}

/** The rendered states of `build`'s outcome step (its id is 'Record'), followed by a Succeed 'Done'. */
function rendered(build: (scope: Construct, fn: lambda.IFunction, done: sfn.Succeed) => sfn.IChainable) {
  return renderChain((scope) => build(scope, outcomeFunction(scope), new sfn.Succeed(scope, 'Done'))).States;
}

describe('outcomeSteps: the outcome steps of one workflow', () => {
  it('records exactly what recordOutcome records with the same props, and goes on either way', () => {
    // GIVEN a workflow's outcome steps, and the same step written with recordOutcome
    const viaSteps = rendered((scope, fn, done) =>
      outcomeSteps(
        scope,
        { outcomeFunction: fn },
        'mirror-failover',
        '$.set.name',
        '$.triggeredAt',
      )('Record', 'FAILED', done),
    );
    const direct = rendered((scope, fn, done) =>
      recordOutcome(scope, 'Record', {
        fn,
        workflow: 'mirror-failover',
        namePath: '$.set.name',
        result: 'FAILED',
        startedAtPath: '$.triggeredAt',
        then: done,
      }),
    );
    // THEN the two render the same states: the payload names the workflow, the set, the result and the span
    expect(viaSteps).toEqual(direct);
    expect(viaSteps.Record).toMatchObject({
      Parameters: {
        Payload: {
          workflow: 'mirror-failover',
          'name.$': '$.set.name',
          result: 'FAILED',
          'startedAt.$': '$.triggeredAt',
          'endedAt.$': '$$.State.EnteredTime',
        },
      },
      ResultPath: OUTCOME_PATH,
      Next: 'Done',
      Catch: [expect.objectContaining({ ResultPath: OUTCOME_ERROR_PATH, Next: 'Done' })],
    });
  });

  it("lets one step start its span elsewhere (dr-promotion's promotion time starts at the approval)", () => {
    const states = rendered((scope, fn, done) =>
      outcomeSteps(
        scope,
        { outcomeFunction: fn },
        'dr-promotion',
        '$.set.name',
        '$$.Execution.StartTime',
      )('Record', 'SUCCEEDED', done, '$.approved.at'),
    );
    expect(states.Record).toMatchObject({
      Parameters: { Payload: { result: 'SUCCEEDED', 'startedAt.$': '$.approved.at' } },
    });
  });
});

describe('the outcome steps of the synthesized app', () => {
  const example = synthExampleApp();
  const steps = example.stateMachines.flatMap((m) =>
    allStates(m.definition)
      .filter(({ state }) =>
        OUTCOME_WORKFLOWS.includes((state.Parameters as OutcomePayload)?.Payload?.workflow as never),
      )
      .map(({ name, state }) => [`${m.label}: ${name}`, state] as const),
  );

  it('exist in each of the four workflows', () => {
    const workflows = new Set(steps.map(([, s]) => (s.Parameters as OutcomePayload)?.Payload?.workflow));
    expect([...workflows].sort()).toEqual([...OUTCOME_WORKFLOWS].sort());
  });

  it.each(steps)(
    '%s goes on to its next state whatever it ends with, and retries only the Lambda service (a metric never changes the end)',
    (_name, state) => {
      expect(state.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: OUTCOME_ERROR_PATH, Next: state.Next }]);
      expect((state.Retry as { ErrorEquals: string[] }[]).map((r) => r.ErrorEquals)).toEqual([
        [...(LAMBDA_SERVICE_RETRY.errors ?? [])],
      ]);
      expect(state.TimeoutSeconds).toBe(10);
    },
  );
});
