import { OUTCOMES, RESULT_METRICS } from '../../contracts/outcomes';
import type { EmfDocument, MetricsSink } from '../shared/emf';
import type { RecordOutcomeInput, RecordOutcomeOutput } from './contract';

/**
 * The metrics of one outcome: the result counts, and the measured span in seconds (millisecond precision) when the
 * workflow reached its goal — a recovery, failover or promotion that succeeded, and every backup run (its duration,
 * whatever its instances' results). A span that would be negative (an event time later than the step, from a clock
 * the event's source keeps) is recorded as 0.
 */
export function outcomeMetrics(input: RecordOutcomeInput): Record<string, number> {
  const { duration } = OUTCOMES[input.workflow];
  const seconds = Math.max(0, Date.parse(input.endedAt) - Date.parse(input.startedAt)) / 1000;
  if (input.instances) {
    const { total, failed, skipped } = input.instances;
    return {
      [duration]: seconds,
      [RESULT_METRICS.succeeded]: total - skipped - failed,
      [RESULT_METRICS.failed]: failed,
      [RESULT_METRICS.skipped]: skipped,
    };
  }
  const succeeded = input.result === 'SUCCEEDED';
  return {
    ...(succeeded ? { [duration]: seconds } : {}),
    [RESULT_METRICS.succeeded]: succeeded ? 1 : 0,
    [RESULT_METRICS.failed]: succeeded ? 0 : 1,
  };
}

/** The EMF document of one outcome: one directive, one dimension set (the group / mirror set / policy). */
export function outcomeDocument(input: RecordOutcomeInput): { document: EmfDocument; output: RecordOutcomeOutput } {
  const { namespace, dimension, duration } = OUTCOMES[input.workflow];
  const metrics = outcomeMetrics(input);
  const document: EmfDocument = {
    _aws: {
      Timestamp: Date.parse(input.endedAt),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [[dimension]],
          Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: Name === duration ? 'Seconds' : 'Count' })),
        },
      ],
    },
    [dimension]: input.name,
    ...metrics,
    workflow: input.workflow,
    executionId: input.executionId,
  };
  return { document, output: { namespace, dimensions: { [dimension]: input.name }, metrics } };
}

/** Publishes one outcome through `sink` (standard output when deployed) and returns what it recorded. */
export async function recordOutcome(sink: MetricsSink, input: RecordOutcomeInput): Promise<RecordOutcomeOutput> {
  const { document, output } = outcomeDocument(input);
  await sink.put(document);
  return output;
}
