/**
 * One drilled scenario, with the readers every scenario suite (test/workflows/*.scenario.test.ts) uses: the scenario
 * file's failed expectations, the final environment, the executions, the region's calls, the topic's messages and
 * the state table's items. A suite extends it with its workflow's own readers and names its scenario folder:
 *
 *     class Drilled extends DrilledScenario<Environment> {
 *       static readonly scenarios = path.join(__dirname, '..', 'scenarios', 'mirror-failover');
 *       get registered(): string[] { ... }
 *     }
 *     const drilled = await Drilled.of('clean-switch');
 *
 * A scenario changed in the test, or drilled with another seed, is `new Drilled(await drill(scenario, options))`.
 */
import * as path from 'node:path';
import { drillFile } from '../../cli/drill';
import type { DrillResult } from '../../local/drill';
import type { ExecutionResult } from '../../local/engine/runner';
import type { ApiCallRecord } from '../../local/region/region';

// ── The final environment, typed as far as the shared readers read it ───────────────────────────────────
/** A DynamoDB attribute value of the kinds the workflows write. */
export type AttributeValue = { readonly S?: string; readonly N?: string };
/** A state-table item as the simulated table holds it. */
export type Item = Readonly<Record<string, AttributeValue>>;
export interface SnsMessage {
  readonly subject?: string;
  readonly message: string;
  readonly messageAttributes?: Readonly<Record<string, { readonly DataType: string; readonly StringValue?: string }>>;
}
/** A registered (or draining) target of a target group. */
export interface Target {
  readonly id: string;
  readonly port: number;
  readonly state: string;
  readonly registeredAt: string;
  readonly deregisteredAt?: string;
}
/** The services every drill's environment has that the shared readers read; a suite's `Environment` extends it. */
export interface DrilledEnvironment {
  readonly dynamodb: {
    readonly tables: readonly { readonly tableName: string; readonly items: readonly Item[] }[];
  };
  readonly sns: { readonly messages: readonly SnsMessage[] };
  readonly elasticloadbalancingv2: {
    readonly targetGroups: readonly { readonly targetGroupArn: string; readonly targets: readonly Target[] }[];
  };
}

/** An item's attribute values unwrapped: strings and numbers as text, anything else as its JSON. */
export function unwrapped(item: Item): Record<string, string> {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? v.N ?? JSON.stringify(v)]));
}

/** A suite's subclass: built from a drill's result, with the folder its scenario files are in. */
interface DrilledClass<T> {
  new (result: DrillResult): T;
  /** The folder `of(name)` reads `<name>.json` from. */
  readonly scenarios: string;
}

export class DrilledScenario<E extends DrilledEnvironment = DrilledEnvironment> {
  constructor(readonly result: DrillResult) {}

  /** The scenario file `<name>.json` of the suite's folder, drilled against the app its `config` names. */
  static async of<T>(this: DrilledClass<T>, name: string): Promise<T> {
    return new this(await drillFile(path.join(this.scenarios, `${name}.json`)));
  }

  /** The final environment (the simulated region's snapshot). */
  get env(): E {
    return this.result.environment as unknown as E;
  }

  /** The scenario file's own expectations that failed (none, when it holds). */
  get failedExpectations(): string[] {
    return this.result.expectations.filter((x) => !x.ok).map((x) => `${x.description} (${x.detail ?? ''})`);
  }

  /** The drill's execution `index` (0: the first trigger's). */
  execution(index: number): ExecutionResult {
    const found = this.result.executions[index];
    if (!found) throw new Error(`no execution ${index + 1}`);
    return found;
  }

  /** Every call the region answered for this service (and action), from SDK tasks and Lambda tasks alike. */
  calls(service: string, action?: string): ApiCallRecord[] {
    return this.result.calls.filter((c) => c.service === service && (action === undefined || c.action === action));
  }

  get messages(): readonly SnsMessage[] {
    return this.env.sns.messages;
  }

  /** The first message with this subject. */
  message(subject: string): SnsMessage | undefined {
    return this.messages.find((m) => m.subject === subject);
  }

  get subjects(): string[] {
    return this.messages.map((m) => m.subject ?? '');
  }

  /** The item with this partition key, in any table, as stored; undefined when none was written. */
  storedItem(key: string): Item | undefined {
    return this.env.dynamodb.tables.flatMap((t) => t.items).find((i) => i.pk?.S === key);
  }

  /** The item with this partition key, in any table, attribute values unwrapped; undefined when none was written. */
  item(key: string): Record<string, string> | undefined {
    const item = this.storedItem(key);
    return item && unwrapped(item);
  }

  /** The targets of a target group (registered, unhealthy or draining). */
  targetsOf(targetGroupArn: string): readonly Target[] {
    const group = this.env.elasticloadbalancingv2.targetGroups.find((g) => g.targetGroupArn === targetGroupArn);
    if (!group) throw new Error(`no target group ${targetGroupArn}`);
    return group.targets;
  }
}
