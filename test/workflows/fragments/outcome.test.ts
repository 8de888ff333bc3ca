import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { TASK_METADATA_KEY } from '../../../contracts/metadata';
import { OUTCOME_ERROR_PATH, OUTCOME_PATH, outcomeSteps, recordOutcome } from '../../../workflows/fragments';
import { renderChain } from '../../harness/chain';

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
