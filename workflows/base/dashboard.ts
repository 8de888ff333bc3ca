import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { HaWorkflow } from './ha-workflow';
import { PropsError } from './props-error';

/** The execution metrics each state machine's graph shows (AWS/States, dimension StateMachineArn, Sum). */
export const DASHBOARD_EXECUTION_METRICS = [
  'ExecutionsStarted',
  'ExecutionsSucceeded',
  'ExecutionsFailed',
  'ExecutionsTimedOut',
  'ExecutionsAborted',
  'ExecutionThrottled',
] as const;

/** A workflow's outcome metric, shown once per group, policy or mirror set (one line per dimension value). */
export interface OutcomeMetric {
  /** The graph's title, e.g. `snapshot-backup: freeze window per policy (s)`. */
  readonly title: string;
  readonly namespace: string;
  readonly metricName: string;
  /** The dimension that names the group, policy or mirror set, e.g. `Policy`. */
  readonly dimension: string;
  /** One line per value, e.g. every policy name. */
  readonly values: readonly string[];
  /** @default cloudwatch.Stats.MAXIMUM */
  readonly statistic?: string;
}

export interface HaDashboardProps {
  /** The workflows of the site (stack), each with its state machines. */
  readonly workflows: readonly HaWorkflow[];
  /**
   * More outcome metrics to graph per group / policy / mirror set, after the workflows' own (`outcomeMetrics`).
   * @default - none
   */
  readonly outcomes?: readonly OutcomeMetric[];
  /**
   * The dashboard's name (letters, digits, `-` and `_`, at most 255).
   * @default `<stack name>-ha-workflows`
   */
  readonly dashboardName?: string;
}

/**
 * One CloudWatch dashboard per site (stack): the alarms' states, the outcome metrics per group / policy / mirror
 * set, and each state machine's executions (started, succeeded, failed, timed out, aborted, throttled) and execution
 * time (p50 and maximum). The AWS/States metrics are the unqualified state machine's, so every version and alias
 * counts (Step Functions Developer Guide, "Monitoring Step Functions metrics using Amazon CloudWatch").
 */
export class HaDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: HaDashboardProps) {
    super(scope, id);
    const name = props.dashboardName ?? `${Stack.of(this).stackName}-ha-workflows`;
    // Dashboard names: "can contain only alphanumerics, dash (-), and underscore (_)", at most 255 characters
    // (CloudWatch API Reference, PutDashboard DashboardName).
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
      PropsError.throwIfAny('HaDashboard', [
        `dashboardName: got ${JSON.stringify(name)}; 1-255 letters, digits, '-' or '_'`,
      ]);
    }
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: name,
      defaultInterval: Duration.days(7),
    });
    const alarms = props.workflows.flatMap((w) => [
      ...Object.values(w.alarms.executions).flatMap((byMetric) => Object.values(byMetric)),
      ...(w.alarms.deadLetters ? [w.alarms.deadLetters] : []),
    ]);
    if (alarms.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({ title: 'ha-workflows alarms', alarms, width: 24, height: 4 }),
      );
    }
    for (const o of [...props.workflows.flatMap((w) => w.outcomeMetrics), ...(props.outcomes ?? [])]) {
      if (o.values.length === 0) continue;
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: o.title,
          width: 24,
          left: o.values.map(
            (v) =>
              new cloudwatch.Metric({
                namespace: o.namespace,
                metricName: o.metricName,
                dimensionsMap: { [o.dimension]: v },
                statistic: o.statistic ?? cloudwatch.Stats.MAXIMUM,
                label: `${o.dimension} ${v}`,
                period: Duration.hours(1),
              }),
          ),
        }),
      );
    }
    for (const w of props.workflows) {
      for (const [workflow, machine] of Object.entries(w.stateMachines)) {
        this.dashboard.addWidgets(...executionWidgets(workflow, machine));
      }
    }
  }
}

function statesMetric(machine: sfn.IStateMachine, metricName: string, statistic: string, label: string) {
  return new cloudwatch.Metric({
    namespace: 'AWS/States',
    metricName,
    dimensionsMap: { StateMachineArn: machine.stateMachineArn },
    statistic,
    label,
    period: Duration.minutes(5),
  });
}

/** A state machine's two graphs: its executions by outcome, and how long they took (its result and duration). */
function executionWidgets(workflow: string, machine: sfn.IStateMachine): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: `${workflow}: executions`,
      width: 12,
      left: DASHBOARD_EXECUTION_METRICS.map((m) => statesMetric(machine, m, cloudwatch.Stats.SUM, m)),
    }),
    new cloudwatch.GraphWidget({
      title: `${workflow}: execution time (ms)`,
      width: 12,
      left: [
        statesMetric(machine, 'ExecutionTime', cloudwatch.Stats.p(50), 'p50'),
        statesMetric(machine, 'ExecutionTime', cloudwatch.Stats.MAXIMUM, 'maximum'),
      ],
    }),
  ];
}
