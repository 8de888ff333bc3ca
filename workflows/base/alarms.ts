import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PropsError } from './props-error';

/**
 * The Step Functions execution metrics every state machine is alarmed on: namespace `AWS/States`, dimension
 * `StateMachineArn`, statistic Sum (Step Functions Developer Guide, "Monitoring Step Functions metrics using Amazon
 * CloudWatch": execution metrics ExecutionsFailed, ExecutionsTimedOut, ExecutionsAborted, ExecutionThrottled, each
 * with the StateMachineArn dimension). Executions started through an alias or a version count under the state
 * machine's unqualified ARN too, so one alarm per state machine covers every version.
 */
export const EXECUTION_ALARM_METRICS = [
  'ExecutionsFailed',
  'ExecutionsTimedOut',
  'ExecutionsAborted',
  'ExecutionThrottled',
] as const;
export type ExecutionAlarmMetric = (typeof EXECUTION_ALARM_METRICS)[number];

/**
 * A message in a trigger's dead-letter queue: `AWS/SQS` `ApproximateNumberOfMessagesVisible`, dimension `QueueName`,
 * statistic Maximum (Amazon SQS Developer Guide, "Available CloudWatch metrics for Amazon SQS").
 */
export const DEAD_LETTER_METRIC = 'ApproximateNumberOfMessagesVisible';

/** Where the runbook pages live unless `runbookBaseUrl` says otherwise (docs/workflows/<workflow>.md). */
export const DEFAULT_RUNBOOK_BASE_URL = 'https://github.com/ha-workflows/ha-workflows/blob/main';

/** The operational alarms of the workflows: on by default, each with its threshold, to the operators' topic. */
export interface HaAlarmSettings {
  /**
   * Create the alarms.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The period each alarm sums its metric over, in minutes (1 to 1440).
   * @default 5
   */
  readonly periodMinutes?: number;
  /**
   * How many periods in a row must breach (1 to 100).
   * @default 1
   */
  readonly evaluationPeriods?: number;
  /**
   * The count, per period, at or above which an alarm fires, by metric; `deadLetters` is the visible messages of a
   * trigger's dead-letter queue.
   * @default - 1 for every metric: one failed, timed-out, aborted or throttled execution, or one dead letter, alarms
   */
  readonly thresholds?: Partial<Record<ExecutionAlarmMetric | 'deadLetters', number>>;
  /**
   * The base URL of the repository whose `docs/workflows/<workflow>.md` is each workflow's runbook page (linked from
   * every alarm's description).
   * @default DEFAULT_RUNBOOK_BASE_URL
   */
  readonly runbookBaseUrl?: string;
}

/** The alarms of one workflow construct, as `HaWorkflow.alarms` exposes them. */
export interface WorkflowAlarms {
  /** Per state machine of the workflow (keyed by its workflow id, e.g. `snapshot-backup-instance`), per metric. */
  readonly executions: Record<string, Record<ExecutionAlarmMetric, cloudwatch.Alarm>>;
  /** On the trigger's dead-letter queue (absent when the workflow has no trigger, or alarms are disabled). */
  deadLetters?: cloudwatch.Alarm;
}

/** Every problem with the settings (empty when they are valid), each naming the field and what is allowed. */
export function alarmSettingsProblems(s: HaAlarmSettings | undefined, where = 'alarms'): string[] {
  const problems: string[] = [];
  if (!s) return problems;
  const whole = (field: string, v: number | undefined, min: number, max: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) {
      problems.push(`${where}.${field}: got ${v}; a whole number from ${min} to ${max}`);
    }
  };
  whole('periodMinutes', s.periodMinutes, 1, 1440);
  whole('evaluationPeriods', s.evaluationPeriods, 1, 100);
  for (const [k, v] of Object.entries(s.thresholds ?? {})) {
    if (![...EXECUTION_ALARM_METRICS, 'deadLetters'].includes(k)) {
      problems.push(
        `${where}.thresholds.${k}: not a metric; one of ${[...EXECUTION_ALARM_METRICS, 'deadLetters'].join(', ')}`,
      );
    } else whole(`thresholds.${k}`, v, 1, 1000000);
  }
  if (s.runbookBaseUrl !== undefined && !/^https:\/\/[^\s]+[^/\s]$/.test(s.runbookBaseUrl)) {
    problems.push(
      `${where}.runbookBaseUrl: got ${JSON.stringify(s.runbookBaseUrl)}; an https URL without a trailing slash`,
    );
  }
  return problems;
}

/** Validates the settings (PropsError naming each problem) and fills in the defaults. */
export function resolveAlarmSettings(owner: string, s: HaAlarmSettings | undefined): Required<HaAlarmSettings> {
  PropsError.throwIfAny(owner, alarmSettingsProblems(s));
  return {
    enabled: s?.enabled ?? true,
    periodMinutes: s?.periodMinutes ?? 5,
    evaluationPeriods: s?.evaluationPeriods ?? 1,
    thresholds: s?.thresholds ?? {},
    runbookBaseUrl: s?.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL,
  };
}

/** The runbook page of a workflow: `<base>/docs/workflows/<page>.md`. */
export function runbookUrl(settings: Required<HaAlarmSettings>, page: string): string {
  return `${settings.runbookBaseUrl}/${page}`;
}

/**
 * Alarm names start with `<stack name>/operations/`: never with the mirror-failover trigger's prefix
 * (`<stack name>/mirror-failover/`), and their metrics have no `InstanceId` dimension, so no workflow trigger matches
 * their state changes.
 */
function alarmName(scope: Construct, workflow: string, what: string): string {
  return `${Stack.of(scope).stackName}/operations/${workflow}/${what}`;
}

interface AlarmContext {
  readonly settings: Required<HaAlarmSettings>;
  readonly topic: sns.ITopic;
  /** The workflow's runbook URL. */
  readonly runbook: string;
}

/**
 * An alarm for the operators (id `Alarm-<workflow>-<what>` in `scope`): at or above `threshold` in the configured
 * periods, quiet without data, its description ending with the runbook, its action the operators' topic.
 */
function operatorAlarm(
  scope: Construct,
  workflow: string,
  what: string,
  props: { readonly description: string; readonly metric: cloudwatch.IMetric; readonly threshold: number },
  ctx: AlarmContext,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, `Alarm-${workflow}-${what}`, {
    alarmName: alarmName(scope, workflow, what),
    alarmDescription: `${props.description} What to do: ${ctx.runbook}`,
    metric: props.metric,
    threshold: props.threshold,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: ctx.settings.evaluationPeriods,
    // No execution (or no message) in the period publishes no data point: quiet, not an alarm.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new cwActions.SnsAction(ctx.topic));
  return alarm;
}

/** The four execution alarms of one state machine (ids `Alarm-<workflow>-<metric>` in `scope`). */
export function executionAlarms(
  scope: Construct,
  stateMachine: sfn.IStateMachine,
  workflow: string,
  ctx: AlarmContext,
): Record<ExecutionAlarmMetric, cloudwatch.Alarm> {
  const out = {} as Record<ExecutionAlarmMetric, cloudwatch.Alarm>;
  for (const metricName of EXECUTION_ALARM_METRICS) {
    const threshold = ctx.settings.thresholds[metricName] ?? 1;
    out[metricName] = operatorAlarm(
      scope,
      workflow,
      metricName,
      {
        description: `ha-workflows ${workflow}: ${metricName} ≥ ${threshold} in ${ctx.settings.periodMinutes} min.`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/States',
          metricName,
          dimensionsMap: { StateMachineArn: stateMachine.stateMachineArn },
          statistic: cloudwatch.Stats.SUM,
          period: Duration.minutes(ctx.settings.periodMinutes),
        }),
        threshold,
      },
      ctx,
    );
  }
  return out;
}

/** The alarm on a visible message in a trigger's dead-letter queue: a start that never happened. */
export function deadLetterAlarm(scope: Construct, queue: sqs.IQueue, workflow: string, ctx: AlarmContext) {
  const threshold = ctx.settings.thresholds.deadLetters ?? 1;
  return operatorAlarm(
    scope,
    workflow,
    'DeadLetters',
    {
      description:
        `ha-workflows ${workflow}: ${threshold} or more events could not start the workflow and wait in its ` +
        `dead-letter queue (replay them once the cause is fixed).`,
      metric: queue.metric(DEAD_LETTER_METRIC, {
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(ctx.settings.periodMinutes),
      }),
      threshold,
    },
    ctx,
  );
}
