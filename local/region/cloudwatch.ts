/**
 * CloudWatch of the simulated region: metric alarms (DescribeAlarms, DescribeAlarmsForMetric, PutMetricAlarm,
 * DeleteAlarms, SetAlarmState, ListTagsForResource) and PutMetricData.
 *
 * Alarms are not evaluated from metric data: an alarm's state changes only through the environment, SetAlarmState or
 * `setAlarmState()` (what a fault script uses; alarm-triggered workflows subscribe with `onStateChange`). Unlike AWS,
 * a state set by SetAlarmState stays until changed again (AWS re-evaluates it at the next period).
 * Error codes are the wire codes of the SDK model (`awsQueryError`): ValidationError, MissingParameter,
 * InvalidParameterValue, InvalidParameterCombination, InvalidNextToken, InvalidFormat, ResourceNotFound.
 */
import type {
  DescribeAlarmsForMetricOutput,
  DescribeAlarmsOutput,
  Dimension,
  ListTagsForResourceOutput,
  MetricAlarm,
  PutMetricAlarmInput,
  StateValue,
  Tag,
} from '@aws-sdk/client-cloudwatch';
import { z } from 'zod';
import { extractEmbeddedMetrics } from './emf';
import { AwsApiError } from './errors';
import type { ActionHandler, ServiceSimulator, SimulatedRegion } from './region';

const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
] as const;
const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
const STATE_VALUES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

const dimensionSchema = z.strictObject({ Name: z.string().min(1), Value: z.string().min(1) });

export const cloudwatchAlarmSchema = z.strictObject({
  AlarmName: z.string().min(1).max(255),
  /** Omitted: `arn:aws:cloudwatch:<region>:<account>:alarm:<AlarmName>`. */
  AlarmArn: z.string().optional(),
  AlarmDescription: z.string().optional(),
  Namespace: z.string().min(1),
  MetricName: z.string().min(1),
  Dimensions: z.array(dimensionSchema).default([]),
  Statistic: z.enum(STATISTICS).default('Average'),
  Period: z.number().int().positive().default(60),
  Unit: z.string().optional(),
  EvaluationPeriods: z.number().int().positive().default(1),
  DatapointsToAlarm: z.number().int().positive().optional(),
  Threshold: z.number(),
  ComparisonOperator: z.enum(COMPARISON_OPERATORS),
  StateValue: z.enum(STATE_VALUES).default('OK'),
  StateReason: z.string().optional(),
  AlarmActions: z.array(z.string()).default([]),
  OKActions: z.array(z.string()).default([]),
  InsufficientDataActions: z.array(z.string()).default([]),
  ActionsEnabled: z.boolean().default(true),
  TreatMissingData: z.enum(['breaching', 'notBreaching', 'ignore', 'missing']).optional(),
  Tags: z.array(z.strictObject({ Key: z.string().min(1), Value: z.string() })).default([]),
});

export const cloudwatchEnvironmentSchema = z.strictObject({
  alarms: z.array(cloudwatchAlarmSchema).default([]),
});
export type CloudWatchEnvironment = z.input<typeof cloudwatchEnvironmentSchema>;

/** An alarm's state change, in modeled seconds since the drill started. */
export interface AlarmStateChange {
  readonly at: number;
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly from: StateValue;
  readonly to: StateValue;
  readonly reason: string;
}

/** One PutMetricData datum as recorded, with the modeled time it arrived. */
export interface RecordedDatum {
  readonly at: number;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Dimension[];
  readonly value?: number;
  readonly values?: number[];
  readonly unit?: string;
  readonly timestamp: string;
}

/** An alarm as stored: MetricAlarm members with epoch-ms timestamps, plus its tags. */
interface StoredAlarm {
  readonly config: Omit<
    MetricAlarm,
    | 'StateValue'
    | 'StateReason'
    | 'StateReasonData'
    | 'StateUpdatedTimestamp'
    | 'StateTransitionedTimestamp'
    | 'AlarmConfigurationUpdatedTimestamp'
  >;
  state: StateValue;
  reason: string;
  reasonData?: string;
  stateUpdatedAt: number;
  configUpdatedAt: number;
  tags: Tag[];
}

type Input = Record<string, unknown>;

export class CloudWatchSimulator implements ServiceSimulator {
  readonly name = 'cloudwatch' as const;
  readonly actions: Readonly<Record<string, ActionHandler>> = {
    DescribeAlarms: (input) => this.describeAlarms(input),
    DescribeAlarmsForMetric: (input) => this.describeAlarmsForMetric(input),
    PutMetricAlarm: (input) => this.putMetricAlarm(input),
    DeleteAlarms: (input) => this.deleteAlarms(input),
    SetAlarmState: (input) => this.setAlarmStateAction(input),
    PutMetricData: (input) => this.putMetricData(input),
    ListTagsForResource: (input) => this.listTagsForResource(input),
  };
  /** Every PutMetricData datum, in arrival order. */
  readonly metricData: RecordedDatum[] = [];
  /** Every metric extracted from an embedded metric format (EMF) log line of a task, in arrival order. */
  readonly embeddedMetrics: RecordedDatum[] = [];
  /** Every alarm state change, in order. */
  readonly stateChanges: AlarmStateChange[] = [];
  private readonly alarms = new Map<string, StoredAlarm>();
  private readonly listeners: ((change: AlarmStateChange) => void)[] = [];
  private eventCount = 0;
  private readonly eventListeners: ((event: Record<string, unknown>) => void)[] = [];

  constructor(
    private readonly region: SimulatedRegion,
    environment: CloudWatchEnvironment = {},
  ) {
    const now = region.clock.now();
    for (const a of cloudwatchEnvironmentSchema.parse(environment).alarms) {
      const { StateValue: state, StateReason, Tags, AlarmArn, ...config } = a;
      this.alarms.set(a.AlarmName, {
        config: { ...config, AlarmArn: AlarmArn ?? this.arnOf(a.AlarmName) } as StoredAlarm['config'],
        state,
        reason: StateReason ?? `Initial state of the scenario: ${state}`,
        stateUpdatedAt: now,
        configUpdatedAt: now,
        tags: Tags,
      });
    }
  }

  latencyOf(_action: string): number {
    return this.region.latency['cloudwatch.api'];
  }

  snapshot(): unknown {
    return {
      alarms: this.sortedAlarms().map((a) => ({
        ...a.config,
        StateValue: a.state,
        StateReason: a.reason,
        StateUpdatedAt: this.elapsed(a.stateUpdatedAt),
        ...(a.tags.length > 0 ? { Tags: a.tags } : {}),
      })),
      stateChanges: this.stateChanges,
      metricData: this.metricData,
      embeddedMetrics: this.embeddedMetrics,
    };
  }

  /**
   * A task's EMF log line, as CloudWatch Logs reads it: extracts its metrics (./emf.ts), or throws
   * EmfValidationError for a document AWS would extract nothing from (silently there; loudly here).
   */
  putEmbeddedMetrics(document: unknown): void {
    const now = this.region.clock.now();
    for (const m of extractEmbeddedMetrics(document, now)) this.embeddedMetrics.push({ at: this.elapsed(now), ...m });
  }

  /** Calls `listener` on every alarm state change (e.g. to start an alarm-triggered workflow); returns an unsubscribe. */
  onStateChange(listener: (change: AlarmStateChange) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener) >>> 0, 1);
  }

  /**
   * Calls `listener` with the "CloudWatch Alarm State Change" event CloudWatch sends to EventBridge on every alarm
   * state change (CloudWatch User Guide, "Alarm events and EventBridge": single metric alarm example).
   */
  onStateChangeEvent(listener: (event: Record<string, unknown>) => void): () => void {
    this.eventListeners.push(listener);
    return () => this.eventListeners.splice(this.eventListeners.indexOf(listener) >>> 0, 1);
  }

  /** Sets an alarm's state, as a fault script or an alarm evaluation would. Returns false for an unknown alarm. */
  setAlarmState(alarmName: string, state: StateValue, reason: string, reasonData?: string): boolean {
    const alarm = this.alarms.get(alarmName);
    if (!alarm) return false;
    const from = alarm.state;
    const previous = { value: from, reason: alarm.reason, timestamp: iso(alarm.stateUpdatedAt) };
    alarm.reason = reason;
    alarm.reasonData = reasonData;
    alarm.stateUpdatedAt = this.region.clock.now();
    if (from !== state) {
      alarm.state = state;
      const change: AlarmStateChange = {
        at: this.elapsed(alarm.stateUpdatedAt),
        alarmName,
        alarmArn: alarm.config.AlarmArn ?? this.arnOf(alarmName),
        from,
        to: state,
        reason,
      };
      this.stateChanges.push(change);
      for (const listener of [...this.listeners]) listener(change);
      if (this.eventListeners.length > 0) {
        const event = this.stateChangeEvent(alarm, previous);
        for (const listener of [...this.eventListeners]) listener(event);
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------------------------

  private describeAlarms(input: Input): DescribeAlarmsOutput {
    const names = input.AlarmNames as string[] | undefined;
    const prefix = input.AlarmNamePrefix as string | undefined;
    if (names !== undefined && prefix !== undefined) {
      throw badRequest('InvalidParameterCombination', 'AlarmNamePrefix and AlarmNames cannot be specified together');
    }
    if (names !== undefined && names.length > 100) {
      throw validationError(
        `Value '[${names.join(', ')}]' at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100`,
      );
    }
    const maxRecords = (input.MaxRecords as number | undefined) ?? 50;
    if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > 100) {
      throw validationError(
        `Value '${maxRecords}' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and 100`,
      );
    }
    const types = input.AlarmTypes as string[] | undefined;
    const state = input.StateValue as string | undefined;
    const actionPrefix = input.ActionPrefix as string | undefined;
    const related = input.ChildrenOfAlarmName !== undefined || input.ParentsOfAlarmName !== undefined;
    const matching = this.sortedAlarms().filter(
      (a) =>
        !related &&
        (types === undefined || types.includes('MetricAlarm')) &&
        (names === undefined || names.includes(a.config.AlarmName ?? '')) &&
        (prefix === undefined || (a.config.AlarmName ?? '').startsWith(prefix)) &&
        (state === undefined || a.state === state) &&
        (actionPrefix === undefined ||
          [
            ...(a.config.AlarmActions ?? []),
            ...(a.config.OKActions ?? []),
            ...(a.config.InsufficientDataActions ?? []),
          ].some((x) => x.startsWith(actionPrefix))),
    );
    const offset = input.NextToken === undefined ? 0 : this.decodeToken(input.NextToken);
    const page = matching.slice(offset, offset + maxRecords);
    const next =
      offset + maxRecords < matching.length
        ? Buffer.from(`alarms:${offset + maxRecords}`).toString('base64')
        : undefined;
    return {
      MetricAlarms: page.map((a) => this.toMetricAlarm(a)),
      ...(types?.includes('CompositeAlarm') ? { CompositeAlarms: [] } : {}),
      ...(next ? { NextToken: next } : {}),
    };
  }

  private describeAlarmsForMetric(input: Input): DescribeAlarmsForMetricOutput {
    const metricName = required(input, 'MetricName') as string;
    const namespace = required(input, 'Namespace') as string;
    const dimensions = (input.Dimensions as Dimension[] | undefined) ?? [];
    return {
      // "If the metric has any associated dimensions, you must specify them": the dimension sets must be equal.
      MetricAlarms: this.sortedAlarms()
        .filter(
          (a) =>
            a.config.MetricName === metricName &&
            a.config.Namespace === namespace &&
            sameDimensions(a.config.Dimensions ?? [], dimensions) &&
            (input.Statistic === undefined || a.config.Statistic === input.Statistic) &&
            (input.ExtendedStatistic === undefined || a.config.ExtendedStatistic === input.ExtendedStatistic) &&
            (input.Period === undefined || a.config.Period === input.Period) &&
            (input.Unit === undefined || a.config.Unit === input.Unit),
        )
        .map((a) => this.toMetricAlarm(a)),
    };
  }

  private putMetricAlarm(input: Input): Record<string, never> {
    const request = input as unknown as PutMetricAlarmInput;
    const alarmName = required(input, 'AlarmName') as string;
    if (alarmName.length > 255) {
      throw validationError(
        `Value '${alarmName}' at 'alarmName' failed to satisfy constraint: Member must have length less than or equal to 255`,
      );
    }
    // The current SDK model leaves these optional (for alarms defined otherwise); a metric alarm still needs them.
    const evaluationPeriods = request.EvaluationPeriods;
    if (evaluationPeriods === undefined) throw missingParameter('EvaluationPeriods');
    if (request.ComparisonOperator === undefined) throw missingParameter('ComparisonOperator');
    if (request.MetricName === undefined && request.Metrics === undefined) throw missingParameter('MetricName');
    if (request.Metrics === undefined && request.Namespace === undefined) throw missingParameter('Namespace');
    if (request.Threshold === undefined && request.ThresholdMetricId === undefined) throw missingParameter('Threshold');
    if (!(COMPARISON_OPERATORS as readonly string[]).includes(request.ComparisonOperator as string)) {
      throw validationError(
        `Value '${request.ComparisonOperator}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [${COMPARISON_OPERATORS.join(', ')}]`,
      );
    }
    if (request.Statistic !== undefined && !(STATISTICS as readonly string[]).includes(request.Statistic)) {
      throw validationError(
        `Value '${request.Statistic}' at 'statistic' failed to satisfy constraint: Member must satisfy enum value set: [${STATISTICS.join(', ')}]`,
      );
    }
    if (request.Statistic !== undefined && request.ExtendedStatistic !== undefined) {
      throw badRequest('InvalidParameterCombination', 'Statistic and ExtendedStatistic cannot be specified together');
    }
    if (evaluationPeriods < 1) {
      throw validationError(
        `Value '${request.EvaluationPeriods}' at 'evaluationPeriods' failed to satisfy constraint: Member must have value greater than or equal to 1`,
      );
    }
    if (request.DatapointsToAlarm !== undefined && request.DatapointsToAlarm > evaluationPeriods) {
      throw badRequest('ValidationError', 'DatapointsToAlarm must be less than or equal to EvaluationPeriods');
    }
    if (request.Period !== undefined && ![10, 20, 30].includes(request.Period) && request.Period % 60 !== 0) {
      throw badRequest('InvalidParameterValue', 'The parameter Period must be 10, 20, 30 or a multiple of 60.');
    }
    const now = this.region.clock.now();
    const existing = this.alarms.get(alarmName);
    const config: StoredAlarm['config'] = {
      AlarmName: alarmName,
      AlarmArn: existing?.config.AlarmArn ?? this.arnOf(alarmName),
      ...(request.AlarmDescription !== undefined ? { AlarmDescription: request.AlarmDescription } : {}),
      ActionsEnabled: request.ActionsEnabled ?? true,
      OKActions: request.OKActions ?? [],
      AlarmActions: request.AlarmActions ?? [],
      InsufficientDataActions: request.InsufficientDataActions ?? [],
      ...pick(request, [
        'MetricName',
        'Namespace',
        'Statistic',
        'ExtendedStatistic',
        'Period',
        'Unit',
        'DatapointsToAlarm',
      ]),
      Dimensions: request.Dimensions ?? [],
      EvaluationPeriods: request.EvaluationPeriods,
      ...pick(request, [
        'Threshold',
        'ComparisonOperator',
        'TreatMissingData',
        'EvaluateLowSampleCountPercentile',
        'Metrics',
        'ThresholdMetricId',
      ]),
    };
    if (existing) {
      // "When you update an existing alarm, its state is left unchanged … any tags you specify … are ignored."
      this.alarms.set(alarmName, { ...existing, config, configUpdatedAt: now });
    } else {
      // "When this operation creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA."
      this.alarms.set(alarmName, {
        config,
        state: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        stateUpdatedAt: now,
        configUpdatedAt: now,
        tags: request.Tags ?? [],
      });
    }
    return {};
  }

  /**
   * Deletes the named alarms. As documented, the existing ones are deleted even when some names are wrong; the call
   * then fails with ResourceNotFound naming the missing ones (message format inferred).
   */
  private deleteAlarms(input: Input): Record<string, never> {
    const names = required(input, 'AlarmNames') as string[];
    if (names.length > 100) {
      throw validationError(
        `Value '[${names.join(', ')}]' at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100`,
      );
    }
    const missing = names.filter((n) => !this.alarms.has(n));
    for (const n of names) this.alarms.delete(n);
    if (missing.length > 0) {
      throw new AwsApiError(
        'cloudwatch',
        'ResourceNotFound',
        `${missing.length}/${names.length} alarms not found: [${missing.join(', ')}]`,
        404,
      );
    }
    return {};
  }

  private setAlarmStateAction(input: Input): Record<string, never> {
    const alarmName = required(input, 'AlarmName') as string;
    const state = required(input, 'StateValue') as string;
    const reason = required(input, 'StateReason') as string;
    if (!(STATE_VALUES as readonly string[]).includes(state)) {
      throw validationError(
        `Value '${state}' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [${STATE_VALUES.join(', ')}]`,
      );
    }
    const data = input.StateReasonData as string | undefined;
    if (data !== undefined) {
      try {
        JSON.parse(data);
      } catch {
        throw badRequest('InvalidFormat', 'StateReasonData is not valid JSON');
      }
    }
    if (!this.setAlarmState(alarmName, state as StateValue, reason, data)) {
      throw new AwsApiError('cloudwatch', 'ResourceNotFound', `Alarm ${alarmName} not found`, 404);
    }
    return {};
  }

  private putMetricData(input: Input): Record<string, never> {
    const namespace = required(input, 'Namespace') as string;
    if (namespace.startsWith('AWS/')) {
      // Namespaces beginning with "AWS/" are reserved for AWS services (PutMetricData API reference).
      throw badRequest('InvalidParameterValue', `The value ${namespace} for parameter Namespace is invalid.`);
    }
    const data = (input.MetricData as Input[] | undefined) ?? [];
    if (data.length === 0) throw missingParameter('MetricData');
    if (data.length > 1000) {
      throw badRequest('InvalidParameterValue', 'The collection MetricData must not have a size greater than 1000.');
    }
    // Lengths and counts: CloudWatch API Reference, PutMetricData (Namespace 1-255, pattern [^:].*), MetricDatum
    // (MetricName 1-255, Dimensions at most 30, Values at most 150, Counts as many as Values) and Dimension (Name
    // 1-255, Value 1-1024, ASCII with a non-whitespace character, no control characters, a Name not starting with ':').
    const tooLong = (what: string, value: string, max: number) =>
      badRequest(
        'InvalidParameterValue',
        `The value for parameter ${what} must be between 1 and ${max} characters long (got ${value.length}).`,
      );
    if (namespace.length > 255 || namespace.startsWith(':')) throw tooLong('Namespace', namespace, 255);
    const ascii = (text: string) => /^[\x20-\x7e]*$/.test(text) && /\S/.test(text);
    const now = this.region.clock.now();
    data.forEach((d, i) => {
      if (typeof d.MetricName !== 'string') throw missingParameter(`MetricData.member.${i + 1}.MetricName`);
      const at = `MetricData.member.${i + 1}`;
      if (d.MetricName.length < 1 || d.MetricName.length > 255) throw tooLong(`${at}.MetricName`, d.MetricName, 255);
      const dims = (d.Dimensions as Dimension[] | undefined) ?? [];
      if (dims.length > 30) {
        throw badRequest(
          'InvalidParameterValue',
          `The collection ${at}.Dimensions must not have a size greater than 30.`,
        );
      }
      dims.forEach((dim, j) => {
        const name = String(dim.Name ?? '');
        const value = String(dim.Value ?? '');
        if (name.length < 1 || name.length > 255 || !ascii(name) || name.startsWith(':')) {
          throw tooLong(`${at}.Dimensions.member.${j + 1}.Name`, name, 255);
        }
        if (value.length < 1 || value.length > 1024 || !ascii(value)) {
          throw tooLong(`${at}.Dimensions.member.${j + 1}.Value`, value, 1024);
        }
      });
      if (typeof d.Value === 'number' && !Number.isFinite(d.Value)) {
        throw badRequest('InvalidParameterValue', `The value ${d.Value} for parameter ${at}.Value is invalid.`);
      }
      if (Array.isArray(d.Values) && d.Values.length > 150) {
        throw badRequest('InvalidParameterValue', `The collection ${at}.Values must not have a size greater than 150.`);
      }
      if (Array.isArray(d.Counts) && (!Array.isArray(d.Values) || d.Counts.length !== d.Values.length)) {
        throw badRequest(
          'InvalidParameterValue',
          `The parameters ${at}.Values and ${at}.Counts must be of the same size.`,
        );
      }
      if (d.Value !== undefined && d.Values !== undefined) {
        throw badRequest(
          'InvalidParameterCombination',
          `The parameters MetricData.member.${i + 1}.Value and MetricData.member.${i + 1}.Values are mutually exclusive and you have specified both.`,
        );
      }
    });
    for (const d of data) {
      const timestamp =
        d.Timestamp instanceof Date
          ? d.Timestamp
          : d.Timestamp !== undefined
            ? new Date(d.Timestamp as string)
            : new Date(now);
      this.metricData.push({
        at: this.elapsed(now),
        namespace,
        metricName: d.MetricName as string,
        dimensions: (d.Dimensions as Dimension[] | undefined) ?? [],
        ...(typeof d.Value === 'number' ? { value: d.Value } : {}),
        ...(Array.isArray(d.Values) ? { values: d.Values as number[] } : {}),
        ...(typeof d.Unit === 'string' ? { unit: d.Unit } : {}),
        timestamp: timestamp.toISOString(),
      });
    }
    return {};
  }

  private listTagsForResource(input: Input): ListTagsForResourceOutput {
    const arn = required(input, 'ResourceARN') as string;
    const alarm = [...this.alarms.values()].find((a) => a.config.AlarmArn === arn);
    if (!alarm) throw new AwsApiError('cloudwatch', 'ResourceNotFoundException', `Resource ${arn} not found`, 404);
    return { Tags: structuredClone(alarm.tags) };
  }

  // ---------------------------------------------------------------------------------------------------------------

  private toMetricAlarm(a: StoredAlarm): MetricAlarm {
    return {
      ...structuredClone(a.config),
      AlarmConfigurationUpdatedTimestamp: new Date(a.configUpdatedAt),
      StateValue: a.state,
      StateReason: a.reason,
      ...(a.reasonData !== undefined ? { StateReasonData: a.reasonData } : {}),
      StateUpdatedTimestamp: new Date(a.stateUpdatedAt),
      StateTransitionedTimestamp: new Date(a.stateUpdatedAt),
    };
  }

  /** The event of a single metric alarm's state change, shaped as the CloudWatch User Guide's example. */
  private stateChangeEvent(
    a: StoredAlarm,
    previousState: { value: string; reason: string; timestamp: string },
  ): Record<string, unknown> {
    const c = a.config;
    const time = iso(a.stateUpdatedAt);
    return {
      version: '0',
      // Not from the region's random stream, so that emitting events leaves every other generated id unchanged.
      id: `c10dc0a7-0000-4000-8000-${String(++this.eventCount).padStart(12, '0')}`,
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: this.region.accountId,
      time: time.replace(/\.\d{3}/, ''),
      region: this.region.regionName,
      resources: [c.AlarmArn ?? this.arnOf(c.AlarmName ?? '')],
      detail: {
        alarmName: c.AlarmName,
        state: {
          value: a.state,
          reason: a.reason,
          ...(a.reasonData !== undefined ? { reasonData: a.reasonData } : {}),
          timestamp: time,
        },
        previousState,
        configuration: {
          ...(c.AlarmDescription !== undefined ? { description: c.AlarmDescription } : {}),
          metrics: [
            {
              id: 'm1',
              metricStat: {
                metric: {
                  dimensions: Object.fromEntries((c.Dimensions ?? []).map((d) => [d.Name, d.Value])),
                  name: c.MetricName,
                  namespace: c.Namespace,
                },
                period: c.Period,
                stat: c.Statistic,
              },
              returnData: true,
            },
          ],
        },
      },
    };
  }

  private sortedAlarms(): StoredAlarm[] {
    return [...this.alarms.values()].sort((a, b) => ((a.config.AlarmName ?? '') < (b.config.AlarmName ?? '') ? -1 : 1));
  }

  private decodeToken(token: unknown): number {
    const text = typeof token === 'string' ? Buffer.from(token, 'base64').toString() : '';
    const match = /^alarms:(\d+)$/.exec(text);
    if (!match) throw badRequest('InvalidNextToken', 'The NextToken is invalid.');
    return Number(match[1]);
  }

  private arnOf(alarmName: string): string {
    return `arn:aws:cloudwatch:${this.region.regionName}:${this.region.accountId}:alarm:${alarmName}`;
  }

  private elapsed(ms: number): number {
    return (ms - this.region.baseClock.originMs) / 1000;
  }
}

/** CloudWatch's event timestamps: ISO 8601 with milliseconds and a +0000 offset. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (source[k] !== undefined) out[k] = source[k];
  return out;
}

function sameDimensions(a: readonly Dimension[], b: readonly Dimension[]): boolean {
  const key = (d: Dimension) => `${d.Name}\u0000${d.Value}`;
  const set = new Set(a.map(key));
  return a.length === b.length && b.every((d) => set.has(key(d)));
}

/** A member the model marks required: the service's generic validation error (wire code ValidationError). */
function required(input: Input, member: string): unknown {
  if (input[member] === undefined || input[member] === null) {
    const name = member.charAt(0).toLowerCase() + member.slice(1);
    throw validationError(`Value null at '${name}' failed to satisfy constraint: Member must not be null`);
  }
  return input[member];
}

/** A client error of this service (HTTP 400). */
function badRequest(code: string, message: string): AwsApiError {
  return new AwsApiError('cloudwatch', code, message, 400);
}

function validationError(detail: string): AwsApiError {
  return badRequest('ValidationError', `1 validation error detected: ${detail}`);
}

/** A member the operation needs although the model leaves it optional (wire code MissingParameter; message inferred). */
function missingParameter(member: string): AwsApiError {
  return badRequest('MissingParameter', `The parameter ${member} is required.`);
}
