import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  CLEANUP_WRITE_RETRY,
  IDEMPOTENT_WRITE_RETRY,
  releaseLock,
  RELEASE_SERVER_ERROR_RETRY,
  RELEASE_THROTTLING_RETRY,
  takeLock,
} from '../../../workflows/fragments';
import { renderChain } from '../../harness/chain';

const tableOf = (scope: Construct) =>
  new dynamodb.Table(scope, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
const KEY = sfn.JsonPath.format('GROUP#{}', sfn.JsonPath.stringAt('$.group'));
type Task = { Parameters: Record<string, unknown>; Retry: { ErrorEquals: string[] }[] };
const render = (build: (scope: Construct) => sfn.IChainable, id: string) =>
  renderChain(build).States[id] as unknown as Task;

describe('takeLock', () => {
  it('takes the lock for this execution unless a live lease of another holds it, and retries a lost answer', () => {
    // GIVEN / WHEN a lock with an extra SET and condition
    const lock = render(
      (scope) =>
        takeLock(scope, 'Lock', {
          table: tableOf(scope),
          key: KEY,
          nowEpochPath: '$.now',
          expiresAtPath: '$.expires',
          set: ['#state = :state'],
          condition: '#state <> :state',
          names: { '#state': 'state' },
          values: { ':state': tasks.DynamoAttributeValue.fromString('RECOVERING') },
        }),
      'Lock',
    );
    // THEN the write names this execution, the lease, and the extra clause; the condition admits only a free lock,
    // an expired lease or its own
    expect(lock.Parameters).toMatchObject({
      Key: { pk: { 'S.$': "States.Format('GROUP#{}', $.group)" } },
      UpdateExpression: 'SET #owner = :me, #expiresAt = :expiresAt, #state = :state',
      ConditionExpression: '(attribute_not_exists(#owner) OR #expiresAt < :now OR #owner = :me) AND (#state <> :state)',
      ExpressionAttributeNames: { '#owner': 'owner', '#expiresAt': 'leaseExpiresAt', '#state': 'state' },
      ExpressionAttributeValues: {
        ':me': { 'S.$': '$$.Execution.Id' },
        ':now': { 'N.$': "States.Format('{}', $.now)" },
        ':expiresAt': { 'N.$': "States.Format('{}', $.expires)" },
      },
    });
    // AND it is re-entrant, so a lost answer is retried after the throttling policy
    expect(lock.Retry[1].ErrorEquals).toEqual(IDEMPOTENT_WRITE_RETRY.errors);
  });
});

describe('releaseLock', () => {
  const release = (ownerPath?: string) =>
    render(
      (scope) =>
        releaseLock(scope, 'Release', {
          table: tableOf(scope),
          key: KEY,
          set: ['#state = :state'],
          names: { '#state': 'state' },
          ownerPath,
        }),
      'Release',
    );

  it("releases this execution's own lock, or finds its own release again", () => {
    // GIVEN / WHEN an execution releases its own lock
    const own = release();
    // THEN the owner is removed and named lastOwner; a repeated release after its own succeeds
    expect(own.Parameters).toMatchObject({
      UpdateExpression: 'SET #state = :state, #lastOwner = :me REMOVE #owner, #expiresAt',
      ConditionExpression: '(#owner = :me) OR (attribute_not_exists(#owner) AND #lastOwner = :me)',
      ExpressionAttributeValues: { ':me': { 'S.$': '$$.Execution.Id' } },
    });
    // AND its retries are the release policies
    expect(own.Retry.map((r) => r.ErrorEquals)).toEqual([
      RELEASE_THROTTLING_RETRY.errors,
      RELEASE_SERVER_ERROR_RETRY.errors,
    ]);
  });

  it("releases another execution's lock only while that execution still holds it", () => {
    // GIVEN / WHEN a cleanup releases the lock of an ended execution
    const cleanup = release('$.ended.executionArn');
    // THEN the condition is strict, the owner read from the path, and the cleanup policy retries
    expect(cleanup.Parameters).toMatchObject({
      ConditionExpression: '#owner = :me',
      ExpressionAttributeValues: { ':me': { 'S.$': '$.ended.executionArn' } },
    });
    expect(cleanup.Retry[1].ErrorEquals).toEqual(CLEANUP_WRITE_RETRY.errors);
  });
});
