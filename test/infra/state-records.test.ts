/**
 * Safety issue #12, item 14: durable state never expires. DynamoDB TTL deletes the WHOLE item once the TTL
 * attribute's epoch second has passed ("Using time to live (TTL) in DynamoDB", DynamoDB Developer Guide), and the
 * state table keeps a lock in the same item as the records operators rely on (a group's NEEDS_ATTENTION and current
 * instance, a mirror set's DR state, a backup's state). So no state machine may write the table's TTL attribute:
 * a lock's lease is an ordinary attribute that only permits a take-over.
 */
import * as path from 'node:path';
import { drillFile } from '../../cli/drill';
import { STATE_TABLE_KEYS } from '../../workflows/base/foundation';
import { LOCK_ATTRIBUTES } from '../../workflows/fragments/lock';
import { allStates, isRecord, synthExampleApp } from '../harness';

/** Every attribute name a DynamoDB Task may write: `#name` aliases, literal names in the update, `Item` keys. */
function writtenAttributes(parameters: Record<string, unknown>): string[] {
  const names = isRecord(parameters.ExpressionAttributeNames)
    ? Object.values(parameters.ExpressionAttributeNames).filter((v): v is string => typeof v === 'string')
    : [];
  const update = typeof parameters.UpdateExpression === 'string' ? parameters.UpdateExpression : '';
  // Literal (un-aliased) attribute names in SET/REMOVE/ADD clauses: identifiers that are not keywords or `:values`.
  const literals = (update.match(/(?<![#:\w])[A-Za-z_][\w]*/g) ?? []).filter(
    (w) => !/^(SET|REMOVE|ADD|DELETE|if_not_exists|list_append)$/i.test(w),
  );
  const itemKeys = isRecord(parameters.Item) ? Object.keys(parameters.Item).map((k) => k.replace(/\.\$$/, '')) : [];
  return [...names, ...literals, ...itemKeys];
}

describe('state records (item 14: durable state never expires)', () => {
  const app = synthExampleApp();

  it("keeps the lock's lease out of the table's TTL attribute", () => {
    expect(LOCK_ATTRIBUTES.expiresAt).not.toBe(STATE_TABLE_KEYS.ttlAttribute);
  });

  it('configures the TTL attribute that no workflow writes', () => {
    for (const stack of app.stacks) {
      stack.assertions.hasResourceProperties('AWS::DynamoDB::Table', {
        TimeToLiveSpecification: { AttributeName: STATE_TABLE_KEYS.ttlAttribute, Enabled: true },
      });
    }
  });

  describe.each(app.stateMachines.map((m) => [m.label, m] as const))('state machine %s', (_label, machine) => {
    it("never writes the table's TTL attribute, so no item it writes can be deleted by TTL", () => {
      const offenders = allStates(machine.definition)
        .filter(({ state }) => typeof state.Resource === 'string' && /:dynamodb:/i.test(state.Resource))
        .filter(({ state }) => /(putItem|updateItem)$/i.test(String(state.Resource)))
        .filter(({ state }) => isRecord(state.Parameters))
        .filter(({ state }) =>
          writtenAttributes(state.Parameters as Record<string, unknown>).includes(STATE_TABLE_KEYS.ttlAttribute),
        )
        .map(({ path }) => path);
      expect(offenders).toEqual([]);
    });
  });

  it("drills with the table's TTL switched on, so an item that carried it would vanish in a drill as on AWS", async () => {
    // GIVEN the example instance-recovery drill (its stack's table has TTL on `expiresAt`)
    const result = await drillFile(path.join(__dirname, '..', 'scenarios', 'instance-recovery.json'));

    // THEN the simulated table has TTL on, and the group's record survived with no TTL value on it
    const tables = (
      result.environment as {
        dynamodb: { tables: { timeToLiveAttribute?: string; items: Record<string, unknown>[] }[] };
      }
    ).dynamodb.tables;
    expect(tables.map((t) => t.timeToLiveAttribute)).toEqual([STATE_TABLE_KEYS.ttlAttribute]);
    const items = tables.flatMap((t) => t.items);
    expect(items.length).toBeGreaterThan(0);
    expect(items.filter((i) => STATE_TABLE_KEYS.ttlAttribute in i)).toEqual([]);
  });
});
