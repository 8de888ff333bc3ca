import type { GetItemOutput, PutItemOutput, QueryOutput, UpdateItemOutput } from '@aws-sdk/client-dynamodb';
import {
  applyUpdate,
  evaluateCondition,
  ExpressionContext,
  type Item,
  parseCondition,
  parseUpdate,
} from '../../../local/region/dynamodb-expressions';
import { type DynamoDbEnvironment, DynamoDbSimulator } from '../../../local/region/dynamodb';
import { SimulatedRegion } from '../../../local/region/region';

const LOCKS = 'HaWorkflows-Locks';
const LOCK_KEY = { pk: { S: 'lock#i-0123456789abcdef0' } };

function setup(env: DynamoDbEnvironment = { tables: [{ tableName: LOCKS }] }) {
  const region = new SimulatedRegion({ seed: 7 });
  const dynamodb = new DynamoDbSimulator(region, env);
  region.register(dynamodb);
  return { region, dynamodb };
}

/** The lock fragment's acquire: a new lock, or a takeover of an expired one. */
function acquire(owner: string, now: number, ttl = 300, extra: Record<string, unknown> = {}) {
  return {
    TableName: LOCKS,
    Item: { ...LOCK_KEY, owner: { S: owner }, expiresAt: { N: String(now + ttl) } },
    ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
    ExpressionAttributeValues: { ':now': { N: String(now) } },
    ...extra,
  };
}

function release(owner: string) {
  return {
    TableName: LOCKS,
    Key: LOCK_KEY,
    ConditionExpression: '#owner = :me',
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: { ':me': { S: owner } },
  };
}

describe('DynamoDbSimulator', () => {
  describe('TTL (deletes an expired item some time after it expires; until then it is still there)', () => {
    const TTL_TABLE = { tables: [{ tableName: LOCKS, timeToLiveAttribute: 'expiresAt' }] };

    it('deletes the whole item ttlDeletionDelaySeconds after its TTL attribute passes, and keeps it until then', async () => {
      // GIVEN a table with TTL on `expiresAt`, a deletion delay of 10 minutes, and an item that expires in 60 s
      const { region } = setup({ ...TTL_TABLE, ttlDeletionDelaySeconds: 600 });
      const now = Math.floor(region.clock.now() / 1000);
      await region.call('dynamodb', 'PutItem', {
        TableName: LOCKS,
        Item: { ...LOCK_KEY, state: { S: 'NEEDS_ATTENTION' }, expiresAt: { N: String(now + 60) } },
      });
      const get = async () =>
        ((await region.call('dynamodb', 'GetItem', { TableName: LOCKS, Key: LOCK_KEY })) as GetItemOutput).Item;

      // WHEN the clock passes the expiry, and then the deletion delay
      region.clock.advanceSeconds(61);
      const expired = await get();
      region.clock.advanceSeconds(600);
      const deleted = await get();

      // THEN the expired item is still read (and the state it held), then the whole item is gone
      expect(expired?.state).toEqual({ S: 'NEEDS_ATTENTION' });
      expect(deleted).toBeUndefined();
    });

    it('by default (48 h) still shows an item expired an hour ago to reads and to conditions', async () => {
      // GIVEN a lock that expired an hour ago, on a table with TTL and the default deletion delay
      const { region } = setup({
        tables: [
          {
            tableName: LOCKS,
            timeToLiveAttribute: 'expiresAt',
            items: [{ ...LOCK_KEY, owner: { S: 'exec-1' }, expiresAt: { N: '0' } }],
          },
        ],
      });
      const now = Math.floor(region.clock.now() / 1000);
      await region.call('dynamodb', 'UpdateItem', {
        TableName: LOCKS,
        Key: LOCK_KEY,
        UpdateExpression: 'SET expiresAt = :t',
        ExpressionAttributeValues: { ':t': { N: String(now - 3600) } },
      });

      // WHEN a second owner takes the lock with `attribute_not_exists(pk)` alone, then with the expiry check
      const naive = region.call('dynamodb', 'PutItem', {
        ...acquire('exec-2', now),
        ConditionExpression: 'attribute_not_exists(pk)',
        ExpressionAttributeValues: undefined,
      });

      // THEN the naive condition fails: the expired item is not deleted yet; the takeover that checks expiry works
      await expect(naive).rejects.toMatchObject({ code: 'ConditionalCheckFailedException' });
      await expect(region.call('dynamodb', 'PutItem', acquire('exec-2', now))).resolves.toBeDefined();
    });

    it('sees a deleted item as absent: attribute_not_exists holds once TTL has removed it', async () => {
      // GIVEN an expired lock and a deletion delay of 0 (the earliest deletion)
      const { region } = setup({ ...TTL_TABLE, ttlDeletionDelaySeconds: 0 });
      const now = Math.floor(region.clock.now() / 1000);
      await region.call('dynamodb', 'PutItem', acquire('exec-1', now, 60));
      region.clock.advanceSeconds(61);

      // WHEN a second owner takes the lock with `attribute_not_exists(pk)`
      const put = region.call('dynamodb', 'PutItem', {
        ...acquire('exec-2', now + 61),
        ConditionExpression: 'attribute_not_exists(pk)',
        ExpressionAttributeValues: undefined,
      });

      // THEN it succeeds
      await expect(put).resolves.toBeDefined();
    });

    it('keeps items whose expiry is not the TTL attribute, or is more than five years old, or on a table without TTL', async () => {
      // GIVEN items with a lease attribute, an ancient TTL value, and a table without TTL
      const { region, dynamodb } = setup({
        tables: [
          { tableName: LOCKS, timeToLiveAttribute: 'expiresAt' },
          { tableName: 'NoTtl', items: [{ pk: { S: 'a' }, expiresAt: { N: '1' } }] },
        ],
      });
      const now = Math.floor(region.clock.now() / 1000);
      await region.call('dynamodb', 'PutItem', {
        TableName: LOCKS,
        Item: { pk: { S: 'lease' }, leaseExpiresAt: { N: String(now - 10) } },
      });
      await region.call('dynamodb', 'PutItem', {
        TableName: LOCKS,
        Item: { pk: { S: 'ancient' }, expiresAt: { N: String(now - 6 * 365 * 24 * 3600) } },
      });

      // WHEN time passes
      region.clock.advanceSeconds(3600);

      // THEN all of them are still there
      expect(dynamodb.items(LOCKS).map((i) => i.pk)).toEqual([{ S: 'ancient' }, { S: 'lease' }]);
      expect(dynamodb.items('NoTtl')).toHaveLength(1);
    });
  });

  describe('PutItem and GetItem', () => {
    it('stores an item and reads it back, numbers normalised', async () => {
      // GIVEN an empty table
      const { region } = setup();

      // WHEN an item is put and read
      const put = (await region.call('dynamodb', 'PutItem', {
        TableName: LOCKS,
        Item: { ...LOCK_KEY, count: { N: '007.50' }, tags: { SS: ['a', 'b'] }, meta: { M: { ok: { BOOL: true } } } },
      })) as PutItemOutput;
      const got = (await region.call('dynamodb', 'GetItem', { TableName: LOCKS, Key: LOCK_KEY })) as GetItemOutput;

      // THEN the put returns nothing, the read returns the item, and each call took `dynamodb.api`
      expect(put).toEqual({});
      expect(got.Item).toEqual({
        ...LOCK_KEY,
        count: { N: '7.5' },
        tags: { SS: ['a', 'b'] },
        meta: { M: { ok: { BOOL: true } } },
      });
      expect(region.clock.elapsedSeconds()).toBeCloseTo(0.01);
    });

    it('returns no Item for a missing key, and a projection of an existing one', async () => {
      // GIVEN a table with one item from the environment
      const { region } = setup({
        tables: [{ tableName: LOCKS, items: [{ ...LOCK_KEY, owner: { S: 'exec-1' }, expiresAt: { N: '100' } }] }],
      });

      // WHEN a missing key and a projection are read
      const missing = await region.call('dynamodb', 'GetItem', { TableName: LOCKS, Key: { pk: { S: 'nope' } } });
      const projected = (await region.call('dynamodb', 'GetItem', {
        TableName: LOCKS,
        Key: LOCK_KEY,
        ProjectionExpression: '#o',
        ExpressionAttributeNames: { '#o': 'owner' },
      })) as GetItemOutput;

      // THEN the missing one has no Item, the projection only the named attribute
      expect(missing).toEqual({});
      expect(projected.Item).toEqual({ owner: { S: 'exec-1' } });
    });

    it('returns the old item with ReturnValues ALL_OLD', async () => {
      // GIVEN an existing item
      const { region } = setup();
      await region.call('dynamodb', 'PutItem', { TableName: LOCKS, Item: { ...LOCK_KEY, v: { N: '1' } } });

      // WHEN it is replaced asking for ALL_OLD
      const put = await region.call('dynamodb', 'PutItem', {
        TableName: LOCKS,
        Item: { ...LOCK_KEY, v: { N: '2' } },
        ReturnValues: 'ALL_OLD',
      });

      // THEN the previous item comes back
      expect(put).toEqual({ Attributes: { ...LOCK_KEY, v: { N: '1' } } });
    });
  });

  describe('the execution lock (conditional writes)', () => {
    it('acquires a free lock once; a duplicate trigger gets ConditionalCheckFailedException', async () => {
      // GIVEN no lock
      const { region, dynamodb } = setup();

      // WHEN two executions try to acquire it at the same time
      await region.call('dynamodb', 'PutItem', acquire('exec-1', 1000));
      const second = region.call('dynamodb', 'PutItem', acquire('exec-2', 1000));

      // THEN the first owns it, the second fails the condition
      await expect(second).rejects.toMatchObject({
        code: 'ConditionalCheckFailedException',
        message: 'The conditional request failed',
      });
      expect(dynamodb.items(LOCKS)).toEqual([{ ...LOCK_KEY, owner: { S: 'exec-1' }, expiresAt: { N: '1300' } }]);
    });

    it('carries the current item in the error when asked with ReturnValuesOnConditionCheckFailure ALL_OLD', async () => {
      // GIVEN a held lock
      const { region } = setup();
      await region.call('dynamodb', 'PutItem', acquire('exec-1', 1000));

      // WHEN another execution fails to acquire it, asking for the old item
      const failed = region.call(
        'dynamodb',
        'PutItem',
        acquire('exec-2', 1000, 300, { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
      );

      // THEN the error names the owner
      await expect(failed).rejects.toMatchObject({
        code: 'ConditionalCheckFailedException',
        Item: { owner: { S: 'exec-1' } },
      });
    });

    it('takes over a lock whose expiresAt is in the past, not one still valid', async () => {
      // GIVEN a lock by exec-1 that expires at 1300
      const { region, dynamodb } = setup();
      await region.call('dynamodb', 'PutItem', acquire('exec-1', 1000));

      // WHEN exec-2 tries before and after the expiry
      await expect(region.call('dynamodb', 'PutItem', acquire('exec-2', 1299))).rejects.toMatchObject({
        code: 'ConditionalCheckFailedException',
      });
      await region.call('dynamodb', 'PutItem', acquire('exec-2', 1301));

      // THEN exec-2 owns it only after the expiry
      expect(dynamodb.items(LOCKS)[0].owner).toEqual({ S: 'exec-2' });
    });

    it('releases a lock only for its owner', async () => {
      // GIVEN a lock held by exec-1
      const { region, dynamodb } = setup();
      await region.call('dynamodb', 'PutItem', acquire('exec-1', 1000));

      // WHEN exec-2, then exec-1 release it
      await expect(region.call('dynamodb', 'DeleteItem', release('exec-2'))).rejects.toMatchObject({
        code: 'ConditionalCheckFailedException',
      });
      const released = await region.call('dynamodb', 'DeleteItem', { ...release('exec-1'), ReturnValues: 'ALL_OLD' });

      // THEN only the owner's release deletes it
      expect(released).toMatchObject({ Attributes: { owner: { S: 'exec-1' } } });
      expect(dynamodb.items(LOCKS)).toEqual([]);
    });

    it('rejects the reserved word `owner` used without a placeholder, as DynamoDB does', async () => {
      // GIVEN a held lock
      const { region } = setup();
      await region.call('dynamodb', 'PutItem', acquire('exec-1', 1000));

      // WHEN the release names `owner` directly
      const call = region.call('dynamodb', 'DeleteItem', {
        TableName: LOCKS,
        Key: LOCK_KEY,
        ConditionExpression: 'owner = :me',
        ExpressionAttributeValues: { ':me': { S: 'exec-1' } },
      });

      // THEN it is a ValidationException naming the keyword
      await expect(call).rejects.toMatchObject({
        code: 'ValidationException',
        message: 'Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: owner',
      });
    });
  });

  describe('UpdateItem', () => {
    it('creates the item, counts with if_not_exists and +, and returns UPDATED_NEW', async () => {
      // GIVEN no item
      const { region } = setup();
      const bump = {
        TableName: LOCKS,
        Key: LOCK_KEY,
        UpdateExpression: 'SET attempts = if_not_exists(attempts, :zero) + :one, lastError = :err',
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':err': { S: 'timeout' } },
        ReturnValues: 'UPDATED_NEW',
      };

      // WHEN it is bumped twice
      await region.call('dynamodb', 'UpdateItem', bump);
      const second = (await region.call('dynamodb', 'UpdateItem', bump)) as UpdateItemOutput;

      // THEN the counter is 2 and only the updated attributes come back
      expect(second.Attributes).toEqual({ attempts: { N: '2' }, lastError: { S: 'timeout' } });
    });

    it('removes attributes, subtracts, and returns ALL_NEW or UPDATED_OLD', async () => {
      // GIVEN an item with a counter and a note
      const { region } = setup();
      await region.call('dynamodb', 'PutItem', {
        TableName: LOCKS,
        Item: { ...LOCK_KEY, n: { N: '10' }, note: { S: 'x' } },
      });

      // WHEN the counter goes down and the note is removed
      const update = {
        TableName: LOCKS,
        Key: LOCK_KEY,
        UpdateExpression: 'SET n = n - :d REMOVE note',
        ExpressionAttributeValues: { ':d': { N: '3' } },
      };
      const allNew = await region.call('dynamodb', 'UpdateItem', { ...update, ReturnValues: 'ALL_NEW' });
      const updatedOld = await region.call('dynamodb', 'UpdateItem', { ...update, ReturnValues: 'UPDATED_OLD' });

      // THEN ALL_NEW is the whole new item, UPDATED_OLD the touched attributes before the second update
      expect(allNew).toEqual({ Attributes: { ...LOCK_KEY, n: { N: '7' } } });
      expect(updatedOld).toEqual({ Attributes: { n: { N: '7' } } });
    });

    it('refuses to update a key attribute, and arithmetic on a missing attribute', async () => {
      // GIVEN a table
      const { region } = setup();

      // WHEN an update sets the partition key, or adds to an attribute that does not exist
      const key = region.call('dynamodb', 'UpdateItem', {
        TableName: LOCKS,
        Key: LOCK_KEY,
        UpdateExpression: 'SET pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'other' } },
      });
      const missing = region.call('dynamodb', 'UpdateItem', {
        TableName: LOCKS,
        Key: LOCK_KEY,
        UpdateExpression: 'SET n = n + :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      });

      // THEN both are ValidationExceptions with the service's messages
      await expect(key).rejects.toMatchObject({
        code: 'ValidationException',
        message:
          'One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key',
      });
      await expect(missing).rejects.toMatchObject({
        code: 'ValidationException',
        message: 'The provided expression refers to an attribute that does not exist in the item',
      });
    });
  });

  describe('errors', () => {
    it('answers ResourceNotFoundException for an unknown table', async () => {
      // GIVEN a region without that table
      const { region } = setup();

      // WHEN it is read
      // THEN the error is ResourceNotFoundException
      await expect(region.call('dynamodb', 'GetItem', { TableName: 'Nope', Key: LOCK_KEY })).rejects.toMatchObject({
        code: 'ResourceNotFoundException',
        message: 'Requested resource not found',
      });
    });

    it.each([
      ['a missing key attribute', {}],
      ['a key of the wrong type', { pk: { N: '1' } }],
      ['an extra attribute in the key', { ...LOCK_KEY, owner: { S: 'x' } }],
    ])('rejects %s with ValidationException', async (_what, Key) => {
      // GIVEN a table keyed by the string pk
      const { region } = setup();

      // WHEN an item is read with a bad key
      // THEN the key does not match the schema
      await expect(region.call('dynamodb', 'GetItem', { TableName: LOCKS, Key })).rejects.toMatchObject({
        code: 'ValidationException',
        message: 'The provided key element does not match the schema',
      });
    });

    it('rejects a PutItem without the key attribute', async () => {
      // GIVEN a table keyed by pk
      const { region } = setup();

      // WHEN an item without pk is put
      // THEN the service names the missing key
      await expect(
        region.call('dynamodb', 'PutItem', { TableName: LOCKS, Item: { owner: { S: 'x' } } }),
      ).rejects.toMatchObject({
        code: 'ValidationException',
        message: 'One or more parameter values were invalid: Missing the key pk in the item',
      });
    });

    it.each([
      [
        'a syntax error',
        'attribute_not_exists(pk) OR',
        {},
        'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "attribute_not_exists(pk) OR"',
      ],
      [
        'an undefined value',
        'expiresAt < :now',
        {},
        'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :now',
      ],
      ['an unknown function', 'exists(pk)', {}, 'Invalid ConditionExpression: Invalid function name; function: exists'],
      [
        'an unused value',
        'attribute_not_exists(pk)',
        { ExpressionAttributeValues: { ':now': { N: '1' } } },
        'Value provided in ExpressionAttributeValues unused in expressions: keys: {:now}',
      ],
      [
        'an illegal character',
        'pk == :v',
        {},
        'Invalid ConditionExpression: Syntax error; token: "=", near: "pk == :v"',
      ],
    ])('rejects a condition with %s, naming the problem', async (_what, ConditionExpression, extra, message) => {
      // GIVEN a table
      const { region } = setup();

      // WHEN a put carries a malformed condition
      const call = region.call('dynamodb', 'PutItem', {
        TableName: LOCKS,
        Item: LOCK_KEY,
        ConditionExpression,
        ...extra,
      });

      // THEN it is a ValidationException with DynamoDB's message
      await expect(call).rejects.toMatchObject({ code: 'ValidationException', message });
    });
  });

  describe('Scan', () => {
    const table = () =>
      setup({
        tables: [
          {
            tableName: LOCKS,
            items: ['a', 'b', 'c', 'd'].map((k, i) => ({ pk: { S: k }, owner: { S: i % 2 === 0 ? 'x' : 'y' } })),
          },
        ],
      });

    it('returns the items a filter keeps, counting every item read, with a projection', async () => {
      // GIVEN four items, two owned by x
      const { region } = table();
      // WHEN the table is scanned for owner = x, keeping only the key
      const result = (await region.call('dynamodb', 'Scan', {
        TableName: LOCKS,
        FilterExpression: '#o = :x',
        ProjectionExpression: 'pk',
        ExpressionAttributeNames: { '#o': 'owner' },
        ExpressionAttributeValues: { ':x': { S: 'x' } },
      })) as { Items?: unknown[]; Count?: number; ScannedCount?: number; LastEvaluatedKey?: unknown };
      // THEN a and c come back as keys only; all four were read; there is no next page
      expect(result.Items).toEqual([{ pk: { S: 'a' } }, { pk: { S: 'c' } }]);
      expect(result).toMatchObject({ Count: 2, ScannedCount: 4 });
      expect(result.LastEvaluatedKey).toBeUndefined();
    });

    it('applies Limit before the filter and pages with LastEvaluatedKey, as AWS does', async () => {
      // GIVEN four items
      const { region } = table();
      const page = (start?: unknown) =>
        region.call('dynamodb', 'Scan', {
          TableName: LOCKS,
          FilterExpression: '#o = :y',
          ExpressionAttributeNames: { '#o': 'owner' },
          ExpressionAttributeValues: { ':y': { S: 'y' } },
          Limit: 2,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }) as Promise<{ Items?: { pk: unknown }[]; LastEvaluatedKey?: unknown }>;
      // WHEN it is read two items at a time
      const first = await page();
      const second = await page(first.LastEvaluatedKey);
      // THEN each page holds the one y-owned item of the two it read
      expect(first.Items?.map((i) => i.pk)).toEqual([{ S: 'b' }]);
      expect(first.LastEvaluatedKey).toEqual({ pk: { S: 'b' } });
      expect(second.Items?.map((i) => i.pk)).toEqual([{ S: 'd' }]);
    });

    it('refuses a parallel scan (Segment) instead of ignoring it', async () => {
      // GIVEN the table
      const { region } = table();
      // WHEN a parallel scan is asked for
      const call = region.call('dynamodb', 'Scan', { TableName: LOCKS, Segment: 0, TotalSegments: 2 });
      // THEN it fails loudly
      await expect(call).rejects.toThrow();
    });
  });

  describe('Query', () => {
    const HISTORY = 'HaWorkflows-History';
    const history = () =>
      setup({
        tables: [
          {
            tableName: HISTORY,
            partitionKey: 'group',
            sortKey: 'at',
            sortKeyType: 'N',
            items: [1, 2, 3, 4].flatMap((at) => [
              { group: { S: 'iris' }, at: { N: String(at) }, ok: { BOOL: at % 2 === 0 } },
              { group: { S: 'other' }, at: { N: String(at) }, ok: { BOOL: true } },
            ]),
          },
        ],
      });

    it('returns a partition in sort-key order, with a sort-key condition and a filter', async () => {
      // GIVEN four items of the iris group
      const { region } = history();

      // WHEN the group is queried for at >= 2, newest first, keeping ok items
      const result = (await region.call('dynamodb', 'Query', {
        TableName: HISTORY,
        KeyConditionExpression: '#g = :g AND #at >= :from',
        FilterExpression: 'ok = :yes',
        ExpressionAttributeNames: { '#g': 'group', '#at': 'at' },
        ExpressionAttributeValues: { ':g': { S: 'iris' }, ':from': { N: '2' }, ':yes': { BOOL: true } },
        ScanIndexForward: false,
      })) as QueryOutput;

      // THEN items 4 and 2 come back, 3 were read
      expect(result.Items?.map((i) => i.at)).toEqual([{ N: '4' }, { N: '2' }]);
      expect(result).toMatchObject({ Count: 2, ScannedCount: 3 });
    });

    it('pages with Limit and LastEvaluatedKey', async () => {
      // GIVEN four items of the iris group
      const { region } = history();
      const page = (start?: unknown) =>
        region.call('dynamodb', 'Query', {
          TableName: HISTORY,
          KeyConditionExpression: '#g = :g',
          ExpressionAttributeNames: { '#g': 'group' },
          ExpressionAttributeValues: { ':g': { S: 'iris' } },
          Limit: 3,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }) as Promise<QueryOutput>;

      // WHEN it is read 3 at a time
      const first = await page();
      const second = await page(first.LastEvaluatedKey);

      // THEN the first page ends with a key, the second holds the rest
      expect(first.LastEvaluatedKey).toEqual({ group: { S: 'iris' }, at: { N: '3' } });
      expect(second.Items?.map((i) => i.at)).toEqual([{ N: '4' }]);
      expect(second.LastEvaluatedKey).toBeUndefined();
    });

    it('rejects a key condition without the partition key', async () => {
      // GIVEN the history table
      const { region } = history();

      // WHEN the query names only the sort key
      const call = region.call('dynamodb', 'Query', {
        TableName: HISTORY,
        KeyConditionExpression: '#at = :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':at': { N: '1' } },
      });

      // THEN the service names the missing key element
      await expect(call).rejects.toMatchObject({
        code: 'ValidationException',
        message: 'Query condition missed key schema element: group',
      });
    });
  });

  it('reports its tables as plain JSON in the snapshot', async () => {
    // GIVEN a lock
    const { region, dynamodb } = setup();
    await region.call('dynamodb', 'PutItem', acquire('exec-1', 1000));

    // WHEN snapshotted
    const snapshot = dynamodb.snapshot();

    // THEN the table and its item are there
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot).toEqual({
      tables: [
        {
          tableName: LOCKS,
          partitionKey: 'pk',
          items: [{ ...LOCK_KEY, owner: { S: 'exec-1' }, expiresAt: { N: '1300' } }],
        },
      ],
    });
  });
});

describe('DynamoDB expressions', () => {
  const item: Item = {
    pk: { S: 'lock#1' },
    owner: { S: 'exec-1' },
    expiresAt: { N: '100' },
    tags: { SS: ['iris', 'prod'] },
    members: { L: [{ S: 'a' }, { S: 'b' }] },
    meta: { M: { az: { S: 'us-east-1a' } } },
  };
  const values = {
    ':a': { N: '50' },
    ':b': { N: '150' },
    ':p': { S: 'lock#' },
    ':t': { S: 'iris' },
    ':x': { S: 'exec-2' },
    ':three': { N: '3' },
    ':map': { S: 'M' },
  };
  const holds = (source: string, names: Record<string, string> = {}) =>
    evaluateCondition(parseCondition(source, 'ConditionExpression', new ExpressionContext(names, values)), item);

  it.each([
    ['expiresAt BETWEEN :a AND :b', true],
    ['expiresAt > :b OR begins_with(pk, :p) AND NOT contains(tags, :t)', false],
    ['(expiresAt > :b OR begins_with(pk, :p)) AND contains(tags, :t)', true],
    ['NOT attribute_exists(gone) AND attribute_type(meta, :map)', true],
    ['meta.az = :p OR members[1] IN (:x, :t)', false],
    ['size(members) < :three AND size(tags) = size(members)', true],
    ['gone <> :x AND NOT gone = :x AND NOT gone < :b', true],
    ['#o <> :x', true],
    ['owner_id = :x', false],
  ])('evaluates %s as %s', (source, expected) => {
    // GIVEN an item; WHEN the condition is evaluated; THEN AND binds tighter than OR, NOT tightest
    expect(holds(source, source.includes('#o') ? { '#o': 'owner' } : {})).toBe(expected);
  });

  it('computes SET right-hand sides from the item as it was, and appends past the end of a list', () => {
    // GIVEN an update that swaps two attributes and appends to a list
    const context = new ExpressionContext({}, { ':m': { L: [{ S: 'c' }] } });
    const actions = parseUpdate('SET a = b, b = a, members = list_append(members, :m), members2[5] = :m', context);

    // WHEN it is applied
    const updated = applyUpdate(actions, {
      a: { N: '1' },
      b: { N: '2' },
      members: { L: [{ S: 'a' }] },
      members2: { L: [] },
    });

    // THEN the swap used the old values and the list grew
    expect(updated).toEqual({
      a: { N: '2' },
      b: { N: '1' },
      members: { L: [{ S: 'a' }, { S: 'c' }] },
      members2: { L: [{ L: [{ S: 'c' }] }] },
    });
  });

  it('adds numbers and set members with ADD, and deletes set members with DELETE', () => {
    // GIVEN a counter and a set
    const context = new ExpressionContext({}, { ':n': { N: '5' }, ':s': { SS: ['b', 'c'] }, ':d': { SS: ['a'] } });
    const actions = parseUpdate('ADD n :n, s :s DELETE t :d', context);

    // WHEN applied
    const updated = applyUpdate(actions, { n: { N: '1' }, s: { SS: ['a'] }, t: { SS: ['a'] } });

    // THEN the number grew, the set gained members, the emptied set disappeared
    expect(updated).toEqual({ n: { N: '6' }, s: { SS: ['a', 'b', 'c'] } });
  });

  it.each([
    ['SET a = :v, a = :w', 'Two document paths overlap with each other'],
    ['SET a = :v SET b = :w', 'The "SET" section can only be used once'],
    ['SET a = size(b)', 'The function is not allowed in an update expression; function: size'],
    [
      'SET #missing = :v',
      'An expression attribute name used in the document path is not defined; attribute name: #missing',
    ],
    ['ADD a :w', 'Incorrect operand type for operator or function; operator: ADD, operand type: STRING'],
  ])('rejects the update %s', (source, message) => {
    // GIVEN placeholders for two values; WHEN the update is parsed; THEN it names the problem
    const context = new ExpressionContext({}, { ':v': { N: '1' }, ':w': { S: 'x' } });
    expect(() => parseUpdate(source, context)).toThrow(
      expect.objectContaining({ code: 'ValidationException', message: expect.stringContaining(message) }),
    );
  });
});
