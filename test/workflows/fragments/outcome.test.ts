import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { recordOutcome, type RecordOutcomeProps } from '../../../workflows/fragments';
import { renderChain, runChain, taskError } from '../../harness/chain';

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

  it('GIVEN a backup run WHEN rendered THEN it sends the instances instead of a result', () => {
    const { States } = definition({ workflow: 'snapshot-backup', result: undefined, instancesPath: '$.outcomes' });
    const payload = (States['Record the recovery time'].Parameters as { Payload: Record<string, unknown> }).Payload;
    expect(payload['instances.$']).toBe('$.outcomes');
    expect(payload).not.toHaveProperty('result');
  });

  it.each([
    ['both a result and instances', { instancesPath: '$.outcomes' }],
    ['neither', { result: undefined }],
  ])('GIVEN %s WHEN built THEN it refuses, naming the step', (_what, props) => {
    expect(() => definition(props)).toThrow(/recordOutcome "Record the recovery time": give exactly one of result/);
  });
});
