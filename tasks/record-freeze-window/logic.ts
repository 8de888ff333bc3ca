import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { FREEZE_WINDOW_METRICS } from '../../contracts/outcomes';
import { BACKUP_TAGS, WRITES_RESUMED_MARKER, WRITES_RESUMED_NOTE } from '../../contracts/tags';
import { type Clients, send } from '../shared/clients';
import type { RecordFreezeWindowInput, RecordFreezeWindowOutput } from './contract';

/** Where the freeze-window metrics go (contracts/outcomes.ts). */
export const METRIC_NAMESPACE = FREEZE_WINDOW_METRICS.namespace;
/** Seconds the database's writes were suspended (freeze command ended → thaw command ended), per set. */
export const FREEZE_WINDOW_METRIC = FREEZE_WINDOW_METRICS.freezeWindow;
/** 1 when the thaw found the writes already resumed (the set is not application-consistent), else 0. */
export const WRITES_RESUMED_METRIC = FREEZE_WINDOW_METRICS.writesResumed;

/**
 * Records one freeze: the window as a CloudWatch metric (dimension `Policy`), and, when the thaw reported that
 * the database's writes had already resumed (the freeze ended by itself, so the set may hold writes from after
 * its point in time), re-tags the set as crash-consistent.
 */
export async function recordFreezeWindow(
  clients: Pick<Clients, 'cloudwatch' | 'ec2'>,
  input: RecordFreezeWindowInput,
): Promise<RecordFreezeWindowOutput> {
  const frozen = Date.parse(input.freezeEndedAt);
  const thawed = Date.parse(input.thawEndedAt);
  const freezeWindowSeconds = Math.max(0, thawed - frozen) / 1000;
  const writesResumedBeforeThaw = input.thawOutput.split(/\r?\n/).some((l) => l.trim() === WRITES_RESUMED_MARKER);
  if (writesResumedBeforeThaw) {
    await send(
      clients.ec2,
      new CreateTagsCommand({
        Resources: [...input.snapshotIds],
        Tags: [
          { Key: BACKUP_TAGS.consistency, Value: 'crash' },
          { Key: BACKUP_TAGS.consistencyNote, Value: WRITES_RESUMED_NOTE },
        ],
      }),
    );
  }
  const dimensions = [{ Name: 'Policy', Value: input.policy }];
  await send(
    clients.cloudwatch,
    new PutMetricDataCommand({
      Namespace: METRIC_NAMESPACE,
      MetricData: [
        {
          MetricName: FREEZE_WINDOW_METRIC,
          Dimensions: dimensions,
          Timestamp: new Date(thawed),
          Value: freezeWindowSeconds,
          Unit: 'Seconds',
        },
        {
          MetricName: WRITES_RESUMED_METRIC,
          Dimensions: dimensions,
          Timestamp: new Date(thawed),
          Value: writesResumedBeforeThaw ? 1 : 0,
          Unit: 'Count',
        },
      ],
    }),
  );
  return {
    freezeWindowSeconds,
    writesResumedBeforeThaw,
    consistency: writesResumedBeforeThaw ? 'crash' : 'application',
  };
}
