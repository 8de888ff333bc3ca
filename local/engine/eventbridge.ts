/**
 * EventBridge, as far as the workflows rely on it after a start: the "Step Functions Execution Status Change" event
 * an execution emits when it ends, delivered to the rules of the template that match it (the snapshot-backup rescue,
 * the dr-promotion release). So a drill shows what AWS does when an execution is stopped, times out or fails: the
 * cleanup it cannot run itself starts from its own status event.
 *
 * Event shape: Step Functions Developer Guide, "Automating Step Functions event delivery with EventBridge" (detail:
 * executionArn, stateMachineArn, name, status, startDate and stopDate in epoch milliseconds, input as a string,
 * inputDetails, output, error, cause). Pattern matching: EventBridge User Guide, "Event patterns" — a pattern's
 * leaf is an array of allowed values and nested objects match nested fields; every field named must match.
 *
 * Modeled differently from AWS, on purpose:
 * - Only exact-value patterns are supported (what CDK writes for `source`, `detailType`, `detail`); a content
 *   filter (prefix, anything-but, numeric, exists, …) fails loudly rather than matching wrongly.
 * - Delivery is once, `events.delivery` seconds after the execution stops; AWS delivers at least once (the
 *   targets must be idempotent: the scenario tests deliver twice by hand).
 * - Only state machine targets without Input/InputPath/InputTransformer (the whole event is the input).
 */
import { executionClock, VirtualClock } from '../clock';
import type { CfnTemplate, TemplateResolver } from '../template';
import type { SimulatedRegion } from '../region/region';
import { matchesEventPattern, validateEventPattern } from './event-pattern';
import type { ExecutionRecord } from './stepfunctions';

export { matchesEventPattern } from './event-pattern';

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** A rule of the template and the state machines it starts. */
export interface EventRule {
  readonly logicalId: string;
  readonly pattern: Record<string, unknown>;
  readonly stateMachineArns: readonly string[];
}

/** The enabled EventBridge rules of a template whose pattern names `aws.states` and whose targets are state machines. */
export function statusChangeRules(template: CfnTemplate, resolver: TemplateResolver): EventRule[] {
  return eventRules(template, resolver).filter((r) => asList(r.pattern.source).includes('aws.states'));
}

/**
 * Every enabled EventBridge rule of a template that has an event pattern and a state machine target (schedules
 * have no pattern). Each pattern is validated as PutRule would: a pattern the bus refuses fails here.
 */
export function eventRules(template: CfnTemplate, resolver: TemplateResolver): EventRule[] {
  const rules: EventRule[] = [];
  for (const [logicalId, r] of Object.entries(template.Resources ?? {})) {
    if (r.Type !== 'AWS::Events::Rule') continue;
    const p = r.Properties ?? {};
    if (p.State === 'DISABLED') continue;
    const pattern = resolver.resolve(p.EventPattern) as Record<string, unknown> | undefined;
    if (!pattern) continue;
    try {
      validateEventPattern(pattern);
    } catch (e) {
      throw new Error(`rule ${logicalId}: ${(e as Error).message}`, { cause: e });
    }
    const targets = (p.Targets as Record<string, unknown>[] | undefined) ?? [];
    const stateMachineArns: string[] = [];
    for (const t of targets) {
      const arn = resolver.resolve(t.Arn);
      if (typeof arn !== 'string' || !arn.includes(':states:')) continue;
      for (const key of ['Input', 'InputPath', 'InputTransformer']) {
        if (t[key] !== undefined) {
          throw new Error(`rule ${logicalId}: target ${String(t.Id)} sets ${key}, which the engine does not simulate`);
        }
      }
      stateMachineArns.push(arn);
    }
    if (stateMachineArns.length > 0) rules.push({ logicalId, pattern, stateMachineArns });
  }
  return rules;
}

/** The event Step Functions sends to EventBridge when an execution has ended. */
export function executionStatusEvent(record: ExecutionRecord, region: SimulatedRegion): Record<string, unknown> {
  const r = record.result;
  const stopDate = r ? Date.parse(r.stopDate) : region.clock.now();
  return {
    version: '0',
    id: region.random.uuid(),
    'detail-type': EXECUTION_STATUS_CHANGE,
    source: 'aws.states',
    account: region.accountId,
    time: new Date(stopDate).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: region.regionName,
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startDate,
      stopDate,
      input: record.input,
      output: r?.status === 'SUCCEEDED' ? JSON.stringify(r.output ?? null) : null,
      inputDetails: { included: true },
      outputDetails: r?.status === 'SUCCEEDED' ? { included: true } : null,
      error: r?.error ?? null,
      cause: r?.cause ?? null,
    },
  };
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

/** Who put an event on the bus. */
export type EventOrigin = 'scenario' | 'cloudwatch' | 'stepfunctions' | 'hook';

/** One delivery of an event to one rule target (an execution started), as recorded for a drill. */
export interface EventDelivery {
  /** Modeled seconds since the drill started at which the target started. */
  readonly at: number;
  readonly eventId: string;
  readonly origin: EventOrigin;
  readonly source: string;
  readonly detailType: string;
  readonly rule: string;
  readonly stateMachineArn: string;
  readonly executionArn: string;
}

/**
 * The default event bus of the simulated region: every event put on it (a scenario's trigger, an alarm's state
 * change, an execution's status change, a database hook) is matched against every rule of the template, and each
 * matching rule starts its state machine targets with the whole event as input. A duplicate delivery (same event
 * id) starts the targets again, as EventBridge's at-least-once delivery may.
 */
export class EventBus {
  readonly deliveries: EventDelivery[] = [];

  constructor(
    readonly rules: readonly EventRule[],
    private readonly region: SimulatedRegion,
    private readonly start: (stateMachineArn: string, input: string) => string,
  ) {}

  /** The rules whose pattern matches `event`. */
  matching(event: Record<string, unknown>): EventRule[] {
    return this.rules.filter((r) => matchesEventPattern(event, r.pattern));
  }

  /**
   * Delivers `event` to each rule it matches: every target starts at `atMs` (epoch ms; omitted: now). Returns the
   * executions started, in rule order.
   */
  put(event: Record<string, unknown>, origin: EventOrigin, atMs?: number): string[] {
    const started: string[] = [];
    for (const rule of this.matching(event)) {
      for (const arn of rule.stateMachineArns) {
        const begin = () => this.start(arn, JSON.stringify(event));
        const executionArn =
          atMs === undefined
            ? begin()
            : executionClock.run(new VirtualClock(atMs, this.region.baseClock.originMs), begin);
        this.deliveries.push({
          at: ((atMs ?? this.region.clock.now()) - this.region.baseClock.originMs) / 1000,
          eventId: String(event.id),
          origin,
          source: String(event.source),
          detailType: String(event['detail-type']),
          rule: rule.logicalId,
          stateMachineArn: arn,
          executionArn,
        });
        started.push(executionArn);
      }
    }
    return started;
  }

  /** Puts an event that arrives `events.delivery` seconds after `emittedMs` (a service's own event). */
  emit(event: Record<string, unknown>, origin: EventOrigin, emittedMs = this.region.clock.now()): string[] {
    return this.put(event, origin, emittedMs + this.region.latency['events.delivery'] * 1000);
  }

  /** Why an event matched nothing: the rules tried, for an error message. */
  describeRules(): string {
    return (
      this.rules
        .map(
          (r) =>
            `${r.logicalId} (source ${JSON.stringify(r.pattern.source)}, detail-type ${JSON.stringify(r.pattern['detail-type'])})`,
        )
        .join('; ') || 'none'
    );
  }

  snapshot(): unknown {
    return { rules: this.rules.map((r) => r.logicalId), deliveries: this.deliveries };
  }
}
