import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { continueEitherWay } from '../../../workflows/fragments';
import { renderChain, runChain, taskError } from '../../harness/chain';

/** A Task that may fail (a task handler answers it), then `continueEitherWay` to a Pass that marks the path. */
const definition = () =>
  renderChain((scope) => {
    const step = new sfn.CustomState(scope, 'Write the audit item', {
      stateJson: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', TimeoutSeconds: 30, ResultPath: null },
    });
    const next = new sfn.Pass(scope, 'Notify', { result: sfn.Result.fromString('reached'), resultPath: '$.next' });
    return continueEitherWay(step, next, '$.auditError');
  });

describe('continueEitherWay', () => {
  it('goes on to the next state on success and catches every error into the given path', () => {
    // GIVEN / WHEN rendered
    const { StartAt, States } = definition();
    // THEN the step's Next and its one Catch (States.ALL) both lead to the next state
    expect(StartAt).toBe('Write the audit item');
    expect(States['Write the audit item']).toMatchObject({
      Next: 'Notify',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.auditError', Next: 'Notify' }],
    });
  });

  it('reaches the next state when the step succeeds', async () => {
    // GIVEN the step succeeds / WHEN run / THEN the path goes on, without an error noted
    const run = await runChain(definition(), { a: 1 }, { 'Write the audit item': () => ({}) });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ a: 1, next: 'reached' });
  });

  it('reaches the next state when the step fails, with the error kept at the path', async () => {
    // GIVEN the step fails with a DynamoDB error
    const run = await runChain(
      definition(),
      { a: 1 },
      {
        'Write the audit item': () => {
          throw taskError('DynamoDB.AmazonDynamoDBException', 'internal failure');
        },
      },
    );
    // WHEN run / THEN the path still goes on, and the error is noted where asked
    expect(run.status).toBe('succeeded');
    expect(run.output).toMatchObject({
      a: 1,
      next: 'reached',
      auditError: { Error: 'DynamoDB.AmazonDynamoDBException' },
    });
  });
});
