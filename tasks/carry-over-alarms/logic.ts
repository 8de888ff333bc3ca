import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  type Dimension,
  type MetricAlarm,
  type MetricDataQuery,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { type Clients, send, sendAllPages } from '../shared/clients';
import { UnexpectedApiResponse } from '../shared/errors';
import type { CarryOverAlarmsInput, CarryOverAlarmsOutput } from './contract';

/** DeleteAlarms takes at most 100 names per call. */
export const MAX_ALARMS_PER_DELETE = 100;
const INSTANCE_DIMENSION = 'InstanceId';

/**
 * Re-points the old instance's metric alarms at the new one: every alarm whose dimensions (or whose
 * metric-math queries' dimensions) hold `InstanceId = old` is put again with the new id, renamed where its
 * name holds the old id. All new alarms are put before any old one is deleted. Idempotent: once carried
 * over, no alarm refers to the old id, so a retry finds what is left to do.
 */
export async function carryOverAlarms(
  clients: Pick<Clients, 'cloudwatch'>,
  input: CarryOverAlarmsInput,
): Promise<CarryOverAlarmsOutput> {
  const { oldInstanceId, newInstanceId } = input;
  const alarms = (await describeMetricAlarms(clients)).filter((a) => watchesInstance(a, oldInstanceId));
  const puts = alarms.map((a) => carriedOver(a, oldInstanceId, newInstanceId));

  for (const put of puts) await send(clients.cloudwatch, new PutMetricAlarmCommand(put));

  const created = puts.map((p) => p.AlarmName as string);
  const createdNames = new Set(created);
  const deleted = alarms.map((a) => a.AlarmName as string).filter((name) => !createdNames.has(name));
  for (let i = 0; i < deleted.length; i += MAX_ALARMS_PER_DELETE) {
    await send(
      clients.cloudwatch,
      new DeleteAlarmsCommand({ AlarmNames: deleted.slice(i, i + MAX_ALARMS_PER_DELETE) }),
    );
  }
  return { created, deleted };
}

async function describeMetricAlarms(clients: Pick<Clients, 'cloudwatch'>): Promise<MetricAlarm[]> {
  const pages = await sendAllPages(
    clients.cloudwatch,
    (page) => new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], ...page }),
  );
  return pages.flatMap((out) => out.MetricAlarms ?? []);
}

/** The alarm's own dimensions, or one of its metric-math queries' metric dimensions, name this instance. */
export function watchesInstance(alarm: MetricAlarm, instanceId: string): boolean {
  const names = (dims: readonly Dimension[] | undefined) =>
    (dims ?? []).some((d) => d.Name === INSTANCE_DIMENSION && d.Value === instanceId);
  return names(alarm.Dimensions) || (alarm.Metrics ?? []).some((m) => names(m.MetricStat?.Metric?.Dimensions));
}

/** The PutMetricAlarm input that re-creates `alarm` for the new instance: every settable field, new id. */
export function carriedOver(
  alarm: MetricAlarm,
  oldInstanceId: string,
  newInstanceId: string,
): PutMetricAlarmCommandInput {
  if (!alarm.AlarmName) throw new UnexpectedApiResponse('DescribeAlarms returned a metric alarm without a name');
  const dims = (d: readonly Dimension[] | undefined) =>
    d?.map((x) => (x.Name === INSTANCE_DIMENSION && x.Value === oldInstanceId ? { ...x, Value: newInstanceId } : x));
  const metrics = alarm.Metrics?.map((m): MetricDataQuery =>
    m.MetricStat?.Metric
      ? {
          ...m,
          MetricStat: {
            ...m.MetricStat,
            Metric: { ...m.MetricStat.Metric, Dimensions: dims(m.MetricStat.Metric.Dimensions) },
          },
        }
      : m,
  );
  const put: PutMetricAlarmCommandInput = {
    AlarmName: alarm.AlarmName.split(oldInstanceId).join(newInstanceId),
    AlarmDescription: alarm.AlarmDescription,
    ActionsEnabled: alarm.ActionsEnabled,
    OKActions: alarm.OKActions,
    AlarmActions: alarm.AlarmActions,
    InsufficientDataActions: alarm.InsufficientDataActions,
    MetricName: alarm.MetricName,
    Namespace: alarm.Namespace,
    Statistic: alarm.Statistic,
    ExtendedStatistic: alarm.ExtendedStatistic,
    Dimensions: dims(alarm.Dimensions),
    Period: alarm.Period,
    Unit: alarm.Unit,
    EvaluationPeriods: alarm.EvaluationPeriods,
    DatapointsToAlarm: alarm.DatapointsToAlarm,
    Threshold: alarm.Threshold,
    ComparisonOperator: alarm.ComparisonOperator,
    TreatMissingData: alarm.TreatMissingData,
    EvaluateLowSampleCountPercentile: alarm.EvaluateLowSampleCountPercentile,
    Metrics: metrics,
    ThresholdMetricId: alarm.ThresholdMetricId,
  };
  return withoutUndefined(put);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
