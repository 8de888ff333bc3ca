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
import type { CfnTemplate, TemplateResolver } from '../template';
import type { SimulatedRegion } from '../region/region';
import type { ExecutionRecord } from './stepfunctions';

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** A rule of the template and the state machines it starts. */
export interface EventRule {
  readonly logicalId: string;
  readonly pattern: Record<string, unknown>;
  readonly stateMachineArns: readonly string[];
}

/** The enabled EventBridge rules of a template whose pattern names `aws.states` and whose targets are state machines. */
export function statusChangeRules(template: CfnTemplate, resolver: TemplateResolver): EventRule[] {
  const rules: EventRule[] = [];
  for (const [logicalId, r] of Object.entries(template.Resources ?? {})) {
    if (r.Type !== 'AWS::Events::Rule') continue;
    const p = r.Properties ?? {};
    if (p.State === 'DISABLED') continue;
    const pattern = resolver.resolve(p.EventPattern) as Record<string, unknown> | undefined;
    if (!pattern || !asList(pattern.source).includes('aws.states')) continue;
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

const CONTENT_FILTERS = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
  'equals-ignore-case',
  'wildcard',
]);

/** True when `event` matches an EventBridge pattern of exact values (see the header for what is not supported). */
export function matchesEventPattern(event: unknown, pattern: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const value = isObject(event) ? event[key] : undefined;
    if (Array.isArray(expected)) {
      for (const e of expected) {
        if (isObject(e)) {
          const filter = Object.keys(e)[0];
          throw new Error(
            `event pattern field "${key}" uses the content filter ${JSON.stringify(filter)}, which the engine ` +
              `does not simulate${CONTENT_FILTERS.has(filter) ? '' : ' (nor does EventBridge know it)'}`,
          );
        }
      }
      const values = Array.isArray(value) ? value : [value];
      return values.some((v) => expected.some((e) => e === v));
    }
    if (isObject(expected)) return isObject(value) && matchesEventPattern(value, expected);
    throw new Error(`event pattern field "${key}" must be an array or an object, got ${JSON.stringify(expected)}`);
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}
