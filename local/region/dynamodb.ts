/**
 * DynamoDB of the simulated region: tables with a partition key and an optional sort key, and the item actions
 * PutItem, GetItem, UpdateItem, DeleteItem, Query and Scan, with condition, update, key-condition, filter and projection
 * expressions (parsed by dynamodb-expressions.ts).
 *
 * Modeled differently from AWS, on purpose:
 * - Reads are always strongly consistent (ConsistentRead is accepted and ignored).
 * - TTL: an item whose TTL attribute (a Number, epoch seconds, on a table with `timeToLiveAttribute`) is in the past
 *   is expired but stays, visible to every read and every condition, until the background deletion removes the whole
 *   item `ttlDeletionDelaySeconds` after its expiry (default 48 h: "DynamoDB typically deletes expired items within two
 *   days of expiration … Items that have expired and not been deleted will still show up in reads, queries, and
 *   scans", DynamoDB API Reference, UpdateTimeToLive; Developer Guide, "Working with expired items"). AWS's delay
 *   varies from minutes to days: a scenario sets 0 to see the earliest deletion. A conditional write on a deleted item
 *   sees it as absent. Values more than five years in the past are never deleted, as on AWS.
 * - Numbers: integers are exact (BigInt); non-integers go through a JavaScript number (DynamoDB keeps 38 digits).
 * - Binary values are base64 strings in and out (the JSON form Step Functions uses), not Uint8Array.
 * - UPDATED_OLD / UPDATED_NEW return whole top-level attributes that an action touched, not only the nested parts.
 * - Scan is sequential only (Segment / TotalSegments fail loudly); it returns items in key order, where AWS's order is
 *   by hash. Limit counts scanned items before the filter, as on AWS; there is no 1 MB page limit.
 * - No secondary indexes, no capacity figures: IndexName, ReturnConsumedCapacity other than NONE and the
 *   legacy parameters (Expected, AttributeUpdates, KeyConditions, …) fail loudly instead of being ignored.
 */
import type {
  AttributeValue,
  DeleteItemOutput,
  GetItemOutput,
  PutItemOutput,
  QueryOutput,
  ScanOutput,
  UpdateItemOutput,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { AwsApiError } from './errors';
import {
  type AttrValue,
  type Condition,
  type Item,
  type Operand,
  applyUpdate,
  compareValues,
  evaluateCondition,
  ExpressionContext,
  normaliseItem,
  normaliseValue,
  parseCondition,
  parseProjection,
  parseUpdate,
  project,
  typeOf,
  validation,
} from './dynamodb-expressions';
import type { ActionHandler, ServiceSimulator, SimulatedRegion } from './region';

const keyType = z.enum(['S', 'N', 'B']);

/** DynamoDB "typically deletes expired items within two days of expiration" (API Reference, UpdateTimeToLive). */
export const TTL_DELETION_DELAY_SECONDS = 48 * 3600;

export const dynamodbEnvironmentSchema = z.strictObject({
  /**
   * Seconds after an item's TTL expiry before DynamoDB's background process deletes it (until then it is still
   * read and still seen by conditions). AWS: typically within two days; 0 shows the earliest deletion.
   * @default 172800 (48 h)
   */
  ttlDeletionDelaySeconds: z.number().min(0).default(TTL_DELETION_DELAY_SECONDS),
  tables: z
    .array(
      z.strictObject({
        tableName: z.string().min(3).max(255),
        partitionKey: z.string().min(1).default('pk'),
        partitionKeyType: keyType.default('S'),
        sortKey: z.string().min(1).optional(),
        sortKeyType: keyType.default('S'),
        /** The table's TTL attribute (TimeToLiveSpecification.AttributeName); omitted: TTL is off. */
        timeToLiveAttribute: z.string().min(1).optional(),
        /** Items in the AttributeValue JSON format, e.g. `{ "pk": { "S": "lock#i-0abc" } }`. */
        items: z.array(z.record(z.string(), z.unknown())).default([]),
      }),
    )
    .default([]),
});
export type DynamoDbEnvironment = z.input<typeof dynamodbEnvironmentSchema>;

interface Table {
  readonly name: string;
  readonly partitionKey: string;
  readonly partitionKeyType: 'S' | 'N' | 'B';
  readonly sortKey?: string;
  readonly sortKeyType: 'S' | 'N' | 'B';
  readonly timeToLiveAttribute?: string;
  readonly items: Map<string, Item>;
}

/** The SDK's ConditionalCheckFailedException carries `Item` when the request asked for ALL_OLD on failure. */
export class ConditionalCheckFailedError extends AwsApiError {
  constructor(readonly Item?: Record<string, AttributeValue>) {
    super('dynamodb', 'ConditionalCheckFailedException', 'The conditional request failed', 400);
  }
}

type Input = Record<string, unknown>;

/** A Query's or a Scan's optional FilterExpression and ProjectionExpression, parsed against its names and values. */
function filterAndProjection(input: Input, context: ExpressionContext) {
  const filter =
    typeof input.FilterExpression === 'string'
      ? parseCondition(input.FilterExpression, 'FilterExpression', context)
      : undefined;
  const projection =
    typeof input.ProjectionExpression === 'string' ? parseProjection(input.ProjectionExpression, context) : undefined;
  return { filter, projection };
}

/** Parameters the simulator does not implement: they fail loudly rather than being ignored. */
const UNSUPPORTED_PARAMETERS = [
  'Expected',
  'AttributeUpdates',
  'ConditionalOperator',
  'KeyConditions',
  'QueryFilter',
  'AttributesToGet',
  'IndexName',
  'ScanFilter',
  'Segment',
  'TotalSegments',
];
/** Accepted only with the value NONE. */
const NONE_ONLY_PARAMETERS = ['ReturnConsumedCapacity', 'ReturnItemCollectionMetrics'];

const MAX_ITEM_BYTES = 400 * 1024;

const out = (item: Item) => item as Record<string, AttributeValue>;

export class DynamoDbSimulator implements ServiceSimulator {
  readonly name = 'dynamodb' as const;
  readonly actions: Readonly<Record<string, ActionHandler>> = {
    PutItem: (input) => this.putItem(input),
    GetItem: (input) => this.getItem(input),
    UpdateItem: (input) => this.updateItem(input),
    DeleteItem: (input) => this.deleteItem(input),
    Query: (input) => this.query(input),
    Scan: (input) => this.scan(input),
  };
  private readonly tables = new Map<string, Table>();
  private readonly ttlDeletionDelaySeconds: number;

  constructor(
    private readonly region: SimulatedRegion,
    environment: DynamoDbEnvironment = {},
  ) {
    const env = dynamodbEnvironmentSchema.parse(environment);
    this.ttlDeletionDelaySeconds = env.ttlDeletionDelaySeconds;
    for (const t of env.tables) {
      const table: Table = { ...t, name: t.tableName, items: new Map() };
      this.tables.set(t.tableName, table);
      t.items.forEach((raw, i) => {
        try {
          const item = normaliseItem(raw);
          table.items.set(this.itemKey(table, item, 'item'), item);
        } catch (e) {
          throw new Error(`dynamodb environment: table ${t.tableName}, item ${i}: ${(e as Error).message}`, {
            cause: e,
          });
        }
      });
    }
  }

  latencyOf(_action: string): number {
    return this.region.latency['dynamodb.api'];
  }

  snapshot(): unknown {
    for (const t of this.tables.values()) this.expire(t);
    return {
      tables: [...this.tables.values()].map((t) => ({
        tableName: t.name,
        partitionKey: t.partitionKey,
        ...(t.sortKey ? { sortKey: t.sortKey } : {}),
        ...(t.timeToLiveAttribute ? { timeToLiveAttribute: t.timeToLiveAttribute } : {}),
        items: this.sorted(t, [...t.items.values()]).map((i) => structuredClone(i)),
      })),
    };
  }

  /** The items of a table as they are now, ordered by key (for drill expectations and tests). */
  items(tableName: string): Item[] {
    const table = this.table(tableName);
    return this.sorted(table, [...table.items.values()]).map((i) => structuredClone(i));
  }

  /** What PutItem and DeleteItem read first, in this order (which error a bad request gets). */
  private conditionalWrite(input: Input) {
    this.rejectUnsupported(input);
    const returnValues = this.returnValues(input, ['NONE', 'ALL_OLD']);
    const context = this.context(input);
    const condition = this.condition(input, context);
    context.checkAllUsed();
    return { returnValues, condition, table: this.table(input.TableName) };
  }

  private putItem(input: Input): PutItemOutput {
    const { returnValues, condition, table } = this.conditionalWrite(input);
    const item = normaliseItem(this.required(input, 'Item') as Record<string, unknown>);
    const key = this.itemKey(table, item, 'item');
    const old = table.items.get(key);
    this.check(condition, old, input);
    this.checkSize(item);
    table.items.set(key, item);
    return returnValues === 'ALL_OLD' && old ? { Attributes: out(old) } : {};
  }

  private getItem(input: Input): GetItemOutput {
    this.rejectUnsupported(input);
    const context = this.context(input);
    const projection =
      typeof input.ProjectionExpression === 'string' ? parseProjection(input.ProjectionExpression, context) : undefined;
    context.checkAllUsed();
    const table = this.table(input.TableName);
    const item = table.items.get(this.keyOf(table, input.Key));
    if (!item) return {};
    return { Item: out(projection ? project(item, projection) : structuredClone(item)) };
  }

  private updateItem(input: Input): UpdateItemOutput {
    this.rejectUnsupported(input);
    const returnValues = this.returnValues(input, ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW']);
    const context = this.context(input);
    const actions = typeof input.UpdateExpression === 'string' ? parseUpdate(input.UpdateExpression, context) : [];
    const condition = this.condition(input, context);
    context.checkAllUsed();
    const table = this.table(input.TableName);
    const key = this.keyOf(table, input.Key);
    for (const a of actions) {
      if (a.path[0] === table.partitionKey || a.path[0] === table.sortKey) {
        throw validation(
          `One or more parameter values were invalid: Cannot update attribute ${a.path[0]}. This attribute is part of the key`,
        );
      }
    }
    const old = table.items.get(key);
    this.check(condition, old, input);
    const updated = applyUpdate(actions, old ?? normaliseItem(input.Key as Record<string, unknown>));
    this.checkSize(updated);
    table.items.set(key, updated);
    const touched = [...new Set(actions.map((a) => a.path[0] as string))];
    const pick = (item: Item | undefined) => {
      const picked: Item = {};
      for (const name of touched) if (item?.[name] !== undefined) picked[name] = item[name];
      return picked;
    };
    const attributes: Item | undefined = {
      NONE: undefined,
      ALL_OLD: old,
      ALL_NEW: updated,
      UPDATED_OLD: old && pick(old),
      UPDATED_NEW: pick(updated),
    }[returnValues];
    return attributes && Object.keys(attributes).length > 0 ? { Attributes: out(structuredClone(attributes)) } : {};
  }

  private deleteItem(input: Input): DeleteItemOutput {
    const { returnValues, condition, table } = this.conditionalWrite(input);
    const key = this.keyOf(table, input.Key);
    const old = table.items.get(key);
    this.check(condition, old, input);
    table.items.delete(key);
    return returnValues === 'ALL_OLD' && old ? { Attributes: out(old) } : {};
  }

  private query(input: Input): QueryOutput {
    this.rejectUnsupported(input);
    const context = this.context(input);
    const keyCondition = parseCondition(
      String(this.required(input, 'KeyConditionExpression')),
      'KeyConditionExpression',
      context,
    );
    const { filter, projection } = filterAndProjection(input, context);
    context.checkAllUsed();
    const table = this.table(input.TableName);
    this.validateKeyCondition(table, keyCondition);
    const candidates = this.sorted(
      table,
      [...table.items.values()].filter((i) => evaluateCondition(keyCondition, i)),
    );
    if (input.ScanIndexForward === false) candidates.reverse();
    return this.page(input, table, candidates, filter, projection);
  }

  /** Scan: every item of the table in key order, then the same paging, filter and projection as Query. */
  private scan(input: Input): ScanOutput {
    this.rejectUnsupported(input);
    const context = this.context(input);
    const { filter, projection } = filterAndProjection(input, context);
    context.checkAllUsed();
    const table = this.table(input.TableName);
    return this.page(input, table, this.sorted(table, [...table.items.values()]), filter, projection);
  }

  /** One page of `candidates` (in order): ExclusiveStartKey, Limit (before the filter), filter, projection, Select. */
  private page(
    input: Input,
    table: Table,
    all: Item[],
    filter: Condition | undefined,
    projection: ReturnType<typeof parseProjection> | undefined,
  ): QueryOutput {
    let candidates = all;
    if (input.ExclusiveStartKey !== undefined) {
      const start = this.keyOf(table, input.ExclusiveStartKey);
      const at = candidates.findIndex((i) => this.itemKey(table, i, 'key') === start);
      candidates = at >= 0 ? candidates.slice(at + 1) : candidates;
    }
    const limit = typeof input.Limit === 'number' ? input.Limit : undefined;
    if (limit !== undefined && limit < 1) {
      throw validation(
        `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
      );
    }
    const scanned = limit !== undefined ? candidates.slice(0, limit) : candidates;
    const matched = filter ? scanned.filter((i) => evaluateCondition(filter, i)) : scanned;
    const last = scanned[scanned.length - 1];
    const result: QueryOutput = { Count: matched.length, ScannedCount: scanned.length };
    if (input.Select !== 'COUNT') {
      result.Items = matched.map((i) => out(projection ? project(i, projection) : structuredClone(i)));
    }
    if (limit !== undefined && candidates.length > limit && last) {
      const lastKey: Item = { [table.partitionKey]: last[table.partitionKey] };
      if (table.sortKey) lastKey[table.sortKey] = last[table.sortKey];
      result.LastEvaluatedKey = out(structuredClone(lastKey));
    }
    return result;
  }

  // ---------------------------------------------------------------------------------------------------------------

  private table(name: unknown): Table {
    const table = typeof name === 'string' ? this.tables.get(name) : undefined;
    if (!table) throw new AwsApiError('dynamodb', 'ResourceNotFoundException', 'Requested resource not found', 400);
    this.expire(table);
    return table;
  }

  /** Deletes the items whose TTL expired `ttlDeletionDelaySeconds` ago (see the header). */
  private expire(table: Table): void {
    const attribute = table.timeToLiveAttribute;
    if (attribute === undefined) return;
    const nowSeconds = this.region.clock.now() / 1000;
    const fiveYears = 5 * 365 * 24 * 3600;
    for (const [key, item] of table.items) {
      const value = item[attribute] as { N?: string } | undefined;
      const expiry = value?.N === undefined ? NaN : Number(value.N);
      if (expiry + this.ttlDeletionDelaySeconds < nowSeconds && expiry > nowSeconds - fiveYears) {
        table.items.delete(key);
      }
    }
  }

  private required(input: Input, member: string): unknown {
    if (input[member] === undefined || input[member] === null) {
      const name = member.charAt(0).toLowerCase() + member.slice(1);
      throw validation(
        `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return input[member];
  }

  private rejectUnsupported(input: Input): void {
    const used = [
      ...UNSUPPORTED_PARAMETERS.filter((p) => input[p] !== undefined),
      ...NONE_ONLY_PARAMETERS.filter((p) => input[p] !== undefined && input[p] !== 'NONE'),
    ];
    if (used.length > 0) throw new Error(`the simulated DynamoDB does not implement ${used.join(', ')}`);
  }

  private returnValues(input: Input, allowed: readonly string[]): string {
    const value = (input.ReturnValues as string | undefined) ?? 'NONE';
    if (!allowed.includes(value)) {
      throw validation(
        allowed.length === 2
          ? 'ReturnValues can only be ALL_OLD or NONE'
          : `1 validation error detected: Value '${value}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
      );
    }
    return value;
  }

  private context(input: Input): ExpressionContext {
    const names = input.ExpressionAttributeNames as Record<string, string> | undefined;
    const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
    const hasExpression = [
      'ConditionExpression',
      'UpdateExpression',
      'KeyConditionExpression',
      'FilterExpression',
      'ProjectionExpression',
    ].some((e) => input[e] !== undefined);
    if (names !== undefined && !hasExpression)
      throw validation('ExpressionAttributeNames can only be specified when using expressions');
    if (values !== undefined && !hasExpression)
      throw validation('ExpressionAttributeValues can only be specified when using expressions');
    if (names !== undefined && Object.keys(names).length === 0)
      throw validation('ExpressionAttributeNames must not be empty');
    if (values !== undefined && Object.keys(values).length === 0)
      throw validation('ExpressionAttributeValues must not be empty');
    const normalised: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(values ?? {})) {
      try {
        normalised[k] = normaliseValue(v);
      } catch (e) {
        throw validation(`ExpressionAttributeValues contains invalid value: ${(e as Error).message} for key ${k}`);
      }
    }
    return new ExpressionContext(names ?? {}, normalised);
  }

  private condition(input: Input, context: ExpressionContext): Condition | undefined {
    return typeof input.ConditionExpression === 'string'
      ? parseCondition(input.ConditionExpression, 'ConditionExpression', context)
      : undefined;
  }

  private check(condition: Condition | undefined, old: Item | undefined, input: Input): void {
    if (!condition || evaluateCondition(condition, old ?? {})) return;
    const withItem = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old;
    throw new ConditionalCheckFailedError(withItem ? out(structuredClone(old)) : undefined);
  }

  private checkSize(item: Item): void {
    const bytes = Object.entries(item).reduce(
      (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(JSON.stringify(v)),
      0,
    );
    if (bytes > MAX_ITEM_BYTES) throw validation('Item size has exceeded the maximum allowed size');
  }

  /** The storage key of a request's `Key`: exactly the table's key attributes, of the right types. */
  private keyOf(table: Table, rawKey: unknown): string {
    if (rawKey === null || typeof rawKey !== 'object') {
      throw validation(
        `1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null`,
      );
    }
    const names = Object.keys(rawKey).filter((k) => (rawKey as Input)[k] !== undefined);
    const expected = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
    if (names.length !== expected.length || !expected.every((k) => names.includes(k))) {
      throw validation('The provided key element does not match the schema');
    }
    const key = normaliseItem(rawKey as Input);
    try {
      return this.itemKey(table, key, 'key');
    } catch (e) {
      if (e instanceof AwsApiError && e.message.startsWith('One or more parameter values are not valid')) throw e;
      throw validation('The provided key element does not match the schema');
    }
  }

  private itemKey(table: Table, item: Item, what: 'item' | 'key'): string {
    const parts = [
      [table.partitionKey, table.partitionKeyType],
      ...(table.sortKey ? [[table.sortKey, table.sortKeyType]] : []),
    ].map(([name, type]) => {
      const value = item[name];
      if (value === undefined)
        throw validation(`One or more parameter values were invalid: Missing the key ${name} in the ${what}`);
      const actual = typeOf(value);
      if (actual !== type) {
        throw validation(
          `One or more parameter values were invalid: Type mismatch for key ${name} expected: ${type} actual: ${actual}`,
        );
      }
      const text = (value as Record<string, string>)[type];
      if (text === '') {
        throw validation(
          `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${type === 'S' ? 'string' : 'binary'} value. Key: ${name}`,
        );
      }
      return text;
    });
    return JSON.stringify(parts);
  }

  private sorted(table: Table, items: Item[]): Item[] {
    const by = (name: string | undefined) => (a: Item, b: Item) => (name ? (compareValues(a[name], b[name]) ?? 0) : 0);
    return items.sort((a, b) => by(table.partitionKey)(a, b) || by(table.sortKey)(a, b));
  }

  /** A key condition is `pk = :v`, optionally AND one condition on the sort key (=, <, <=, >, >=, BETWEEN, begins_with). */
  private validateKeyCondition(table: Table, condition: Condition): void {
    const parts: Condition[] = [];
    const flatten = (c: Condition): void => {
      if (c.op === 'AND') {
        flatten(c.left);
        flatten(c.right);
      } else parts.push(c);
    };
    flatten(condition);
    const attribute = (o: Operand) => (o.kind === 'path' && o.path.length === 1 ? (o.path[0] as string) : undefined);
    const onKey = (c: Condition): string | undefined => {
      switch (c.op) {
        case '=':
        case '<':
        case '<=':
        case '>':
        case '>=':
          return c.right.kind === 'value' ? attribute(c.left) : undefined;
        case 'BETWEEN':
          return c.low.kind === 'value' && c.high.kind === 'value' ? attribute(c.subject) : undefined;
        case 'function':
          return c.name === 'begins_with' && c.args[1].kind === 'value' ? attribute(c.args[0]) : undefined;
        default:
          return undefined;
      }
    };
    const unsupported = () => validation('Query key condition not supported');
    const partition = parts.filter((c) => c.op === '=' && onKey(c) === table.partitionKey);
    if (partition.length !== 1) {
      if (parts.some((c) => onKey(c) === undefined)) throw unsupported();
      throw validation(`Query condition missed key schema element: ${table.partitionKey}`);
    }
    const rest = parts.filter((c) => c !== partition[0]);
    if (rest.length > 1) throw validation('Conditions can be of length 1 or 2 only');
    if (rest.length === 1 && (!table.sortKey || onKey(rest[0]) !== table.sortKey)) throw unsupported();
  }
}
