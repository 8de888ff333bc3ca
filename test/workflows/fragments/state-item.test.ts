import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  DYNAMODB_READ_RETRY,
  IDEMPOTENT_WRITE_RETRY,
  itemKey,
  numberAt,
  readItem,
  stringAt,
  updateItem,
} from '../../../workflows/fragments';
import { Aws } from '../../../contracts/errors';
import { renderChain, runChain, taskError } from '../../harness/chain';

const tableOf = (scope: Construct) =>
  new dynamodb.Table(scope, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
const THROTTLING = [Aws.DYNAMODB_THROUGHPUT, Aws.DYNAMODB_REQUEST_LIMIT, Aws.DYNAMODB_THROTTLING];

describe('readItem', () => {
  const definition = () =>
    renderChain((scope) =>
      readItem(scope, 'Read the record', {
        table: tableOf(scope),
        key: sfn.JsonPath.stringAt('$.key'),
        resultPath: '$.record',
      }),
    );

  it('reads the item strongly consistent, retrying throttling, DynamoDB failures and a late answer', () => {
    // GIVEN / WHEN rendered
    const read = definition().States['Read the record'];
    // THEN it is one consistent GetItem of the item's partition key, into the result path, with a timeout
    expect(read).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:getItem',
      Parameters: { Key: { pk: { 'S.$': '$.key' } }, ConsistentRead: true },
      ResultPath: '$.record',
      TimeoutSeconds: 30,
    });
    // AND its retries: throttling first, then the read policy (DynamoDB's 500s, States.Timeout)
    const retry = read.Retry as { ErrorEquals: string[] }[];
    expect(retry.map((r) => r.ErrorEquals)).toEqual([THROTTLING, DYNAMODB_READ_RETRY.errors]);
  });

  it('reads again after a DynamoDB failure and gives the item', async () => {
    // GIVEN DynamoDB fails the first read, then answers
    let reads = 0;
    const run = await runChain(
      definition(),
      { key: 'GROUP#g' },
      {
        'Read the record': () => {
          reads += 1;
          if (reads === 1) throw taskError('DynamoDB.AmazonDynamoDBException');
          return { Item: { pk: { S: 'GROUP#g' } } };
        },
      },
    );
    // WHEN run / THEN the second read's item is the result
    expect(reads).toBe(2);
    expect(run.output).toEqual({ key: 'GROUP#g', record: { Item: { pk: { S: 'GROUP#g' } } } });
  });
});

describe('updateItem', () => {
  const render = (props: { condition?: string; retry?: typeof IDEMPOTENT_WRITE_RETRY }) =>
    renderChain((scope) =>
      updateItem(scope, 'Record', {
        table: tableOf(scope),
        key: sfn.JsonPath.stringAt('$.key'),
        update: 'SET #state = :state, #at = :at, #n = :n',
        names: { '#state': 'state', '#at': 'at', '#n': 'n' },
        values: {
          ':state': tasks.DynamoAttributeValue.fromString('ACTIVE'),
          ':at': stringAt('$.at'),
          ':n': numberAt('$.count'),
        },
        ...props,
      }),
    ).States.Record;

  it('writes the expression with its names and values, discards the result, retries throttling only', () => {
    // GIVEN / WHEN an unconditional record
    const record = render({});
    // THEN one UpdateItem of the key, values read from their paths (a number as a string), the input kept
    expect(record).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:updateItem',
      Parameters: {
        Key: { pk: { 'S.$': '$.key' } },
        UpdateExpression: 'SET #state = :state, #at = :at, #n = :n',
        ExpressionAttributeNames: { '#state': 'state', '#at': 'at', '#n': 'n' },
        ExpressionAttributeValues: {
          ':state': { S: 'ACTIVE' },
          ':at': { 'S.$': '$.at' },
          ':n': { 'N.$': "States.Format('{}', $.count)" },
        },
      },
      ResultPath: null,
      TimeoutSeconds: 30,
    });
    expect((record.Parameters as Record<string, unknown>).ConditionExpression).toBeUndefined();
    // AND a write not marked safe to repeat is retried on throttling alone
    expect((record.Retry as { ErrorEquals: string[] }[]).map((r) => r.ErrorEquals)).toEqual([THROTTLING]);
  });

  it('adds the condition, and a second retry policy after the throttling one', () => {
    // GIVEN / WHEN a conditional record that may be repeated
    const record = render({ condition: '#owner = :me', retry: IDEMPOTENT_WRITE_RETRY });
    // THEN both are rendered, the throttling policy first
    expect((record.Parameters as Record<string, unknown>).ConditionExpression).toBe('#owner = :me');
    expect((record.Retry as { ErrorEquals: string[] }[]).map((r) => r.ErrorEquals)).toEqual([
      THROTTLING,
      IDEMPOTENT_WRITE_RETRY.errors,
    ]);
  });
});

describe('itemKey', () => {
  it("names the state table's partition key", () => {
    // GIVEN / WHEN / THEN the key is keyed by the foundation's partition key name
    expect(Object.keys(itemKey('GROUP#g'))).toEqual(['pk']);
  });
});
