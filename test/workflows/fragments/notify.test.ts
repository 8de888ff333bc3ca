import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { notify, notifyThenFail, recordThenNotify } from '../../../workflows/fragments';
import { renderChain, runChain, taskError } from '../../harness/chain';

const topicOf = (scope: Construct) => new sns.Topic(scope, 'Topic');
const fails = (name: string) => () => {
  throw taskError(name);
};

describe('notify', () => {
  it('publishes the message and keeps the state input; without `then` an unsent notification fails the state', () => {
    // GIVEN / WHEN a notification with no `then`
    const { States } = renderChain((scope) =>
      notify(scope, 'Notify', { topic: topicOf(scope), subject: 'S', message: '$.text' }),
    );
    // THEN it publishes the message read from the path, discards the result, and catches nothing
    expect(States.Notify).toMatchObject({
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: { Subject: 'S', 'Message.$': '$.text' },
      ResultPath: null,
      TimeoutSeconds: 30,
      End: true,
    });
    expect(States.Notify.Catch).toBeUndefined();
  });

  describe('with `then`', () => {
    const definition = () =>
      renderChain((scope) =>
        notify(scope, 'Notify', {
          topic: topicOf(scope),
          subject: 'S',
          message: '$.text',
          then: new sfn.Pass(scope, 'Then', { result: sfn.Result.fromString('yes'), resultPath: '$.then' }),
        }),
      );

    it('goes on to `then` whether the notification is sent or not', () => {
      // GIVEN / WHEN rendered / THEN both its Next and its Catch (States.ALL, at $.notifyError) lead to `then`
      expect(definition().States.Notify).toMatchObject({
        Next: 'Then',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: 'Then' }],
      });
    });

    it('reaches `then` when SNS fails past its retries, noting the error', async () => {
      // GIVEN SNS answers every publish with an error no retry covers / WHEN run
      const run = await runChain(definition(), { text: 'hello' }, { Notify: fails('SNS.AuthorizationErrorException') });
      // THEN the path goes on, the input kept and the error noted
      expect(run.status).toBe('succeeded');
      expect(run.output).toMatchObject({
        text: 'hello',
        then: 'yes',
        notifyError: { Error: 'SNS.AuthorizationErrorException' },
      });
    });
  });
});

describe('notifyThenFail', () => {
  const definition = () =>
    renderChain((scope) =>
      notifyThenFail(scope, 'Notify failed', {
        topic: topicOf(scope),
        subject: 'S',
        message: '$.failure.Cause',
        failStateId: 'Failed',
      }),
    );
  const input = { failure: { Error: 'Custom.Error', Cause: 'why it failed' } };

  it('ends in the Fail state with the caught error and cause, sent or not', async () => {
    // GIVEN a notification that is sent, and one SNS refuses
    const sent = await runChain(definition(), input, { 'Notify failed': () => ({ MessageId: 'm-1' }) });
    const unsent = await runChain(definition(), input, { 'Notify failed': fails('SNS.AuthorizationErrorException') });
    // WHEN run / THEN both fail with the caught error's own name and cause
    for (const run of [sent, unsent]) {
      expect(run).toMatchObject({ status: 'failed', error: 'Custom.Error', cause: 'why it failed' });
    }
    expect(definition().States.Failed).toEqual({
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    });
  });
});

describe('recordThenNotify', () => {
  const definition = () =>
    renderChain((scope) => {
      const record = new sfn.CustomState(scope, 'Record the failure', {
        stateJson: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:updateItem',
          TimeoutSeconds: 30,
          ResultPath: null,
        },
      });
      const notification = notify(scope, 'Notify', {
        topic: topicOf(scope),
        subject: 'S',
        message: '$.text',
        then: new sfn.Succeed(scope, 'Told'),
      });
      return recordThenNotify(record, notification);
    });

  it('notifies whether or not the record could be written, noting a record error', async () => {
    // GIVEN a record DynamoDB refuses
    const run = await runChain(
      definition(),
      { text: 'failed' },
      { 'Record the failure': fails('DynamoDB.AmazonDynamoDBException'), Notify: () => ({}) },
    );
    // WHEN run / THEN the notification is still sent, the record's error noted at $.recordError
    expect(run.calls.map((c) => c.state)).toEqual(['Record the failure', 'Notify']);
    expect(run.output).toMatchObject({ recordError: { Error: 'DynamoDB.AmazonDynamoDBException' } });
    // AND a written record leads to the same notification
    const written = await runChain(
      definition(),
      { text: 'failed' },
      { 'Record the failure': () => ({}), Notify: () => ({}) },
    );
    expect(written.calls.map((c) => c.state)).toEqual(['Record the failure', 'Notify']);
    expect(written.status).toBe('succeeded');
  });
});
