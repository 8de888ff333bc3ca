/**
 * Issue #16, "Observable": for every workflow of the example app (both sites), the synthesized stacks carry the four
 * execution alarms of every state machine and an alarm on every trigger's dead-letter queue, all to the operators'
 * topic; one dashboard per site; a version behind a `live` alias for every state machine, which every trigger
 * (rule, schedule, child start) starts; and the configurable log level (default ERROR without data, ALL on request).
 */
import { buildApp } from '../../infra/build-app';
import { loadConfig } from '../../infra/config/load';
import type { CfnResource, CfnTemplate } from '../../local/template';
import { FREEZE_WINDOW_METRIC, METRIC_NAMESPACE } from '../../tasks/record-freeze-window/logic';
import { BACKUP_METRIC_NAMESPACE } from '../../workflows/snapshot-backup';
import { EXECUTION_ALARM_METRICS, LIVE_ALIAS } from '../../workflows/base';
import { OUTCOMES, type OutcomeWorkflow, RESULT_METRICS } from '../../contracts/outcomes';
import { TASK_METADATA_KEY } from '../../contracts/metadata';
import { EXAMPLE_CONFIG_FILE, synthesize, synthExampleApp, VALIDATION_REPORTED_ELSEWHERE } from '../harness';

const example = synthExampleApp();

const ofType = (t: CfnTemplate, type: string): [string, CfnResource][] =>
  Object.entries(t.Resources ?? {}).filter(([, r]) => r.Type === type);
const ref = (logicalId: string) => ({ Ref: logicalId });
const props = (r: CfnResource) => r.Properties ?? {};

describe.each(example.stacks.map((s) => [s.stackName, s] as const))('stack %s', (_name, { template }) => {
  const machines = ofType(template, 'AWS::StepFunctions::StateMachine');
  const alarms = ofType(template, 'AWS::CloudWatch::Alarm').map(([, r]) => props(r));
  const [[topicId]] = ofType(template, 'AWS::SNS::Topic');

  it('has state machines to check', () => {
    expect(machines.length).toBeGreaterThan(0);
  });

  describe.each(machines.map(([id]) => [id] as const))('state machine %s', (machineId) => {
    it('has an alarm on each of ExecutionsFailed, ExecutionsTimedOut, ExecutionsAborted, ExecutionThrottled, to the operators topic', () => {
      for (const metric of EXECUTION_ALARM_METRICS) {
        const found = alarms.filter(
          (a) =>
            a.Namespace === 'AWS/States' &&
            a.MetricName === metric &&
            JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'StateMachineArn', Value: ref(machineId) }]),
        );
        expect(found).toHaveLength(1);
        expect(found[0]).toMatchObject({
          AlarmActions: [ref(topicId)],
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
        expect(String(found[0].AlarmDescription)).toMatch(
          /What to do: https:\/\/\S+\/docs\/(workflows\/[a-z-]+\.md|operations\.md#\S+)$/,
        );
      }
    });

    it('is published as a version behind the live alias, 100 % to that version', () => {
      const versions = ofType(template, 'AWS::StepFunctions::StateMachineVersion').filter(
        ([, v]) => JSON.stringify(props(v).StateMachineArn) === JSON.stringify(ref(machineId)),
      );
      expect(versions).toHaveLength(1);
      const [versionId, version] = versions[0];
      expect(props(version).StateMachineRevisionId).toEqual({ 'Fn::GetAtt': [machineId, 'StateMachineRevisionId'] });
      expect((version as CfnResource & { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
      const aliases = ofType(template, 'AWS::StepFunctions::StateMachineAlias').filter(
        ([, a]) =>
          JSON.stringify(props(a).RoutingConfiguration) ===
          JSON.stringify([{ StateMachineVersionArn: ref(versionId), Weight: 100 }]),
      );
      expect(aliases).toHaveLength(1);
      expect(props(aliases[0][1]).Name).toBe(LIVE_ALIAS);
    });

    it('logs at level ERROR without execution data by default', () => {
      const machine = Object.fromEntries(machines)[machineId];
      expect(props(machine).LoggingConfiguration).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
    });
  });

  it('starts nothing but a live alias: every rule target, schedule target and child start names an alias', () => {
    const aliasIds = new Set(ofType(template, 'AWS::StepFunctions::StateMachineAlias').map(([id]) => id));
    const targets = [
      ...ofType(template, 'AWS::Events::Rule').flatMap(([, r]) =>
        ((props(r).Targets as { Arn: unknown }[] | undefined) ?? []).map((t) => t.Arn),
      ),
      ...ofType(template, 'AWS::Scheduler::Schedule').map(([, s]) => (props(s).Target as { Arn: unknown }).Arn),
    ].filter((arn) => JSON.stringify(arn).includes('StateMachine') || JSON.stringify(arn).includes('LiveAlias'));
    expect(targets.length).toBeGreaterThan(0);
    for (const arn of targets) {
      expect(arn).toEqual({ Ref: expect.any(String) });
      expect(aliasIds.has((arn as { Ref: string }).Ref)).toBe(true);
    }
    for (const m of example.stateMachines.filter((s) => s.template === template)) {
      for (const arn of JSON.stringify(m.definition).match(/"StateMachineArn":"[^"]+"/g) ?? []) {
        expect(arn).toMatch(new RegExp(`:stateMachine:[^:"]+:${LIVE_ALIAS}"$`));
      }
    }
  });

  it('has an alarm on every trigger dead-letter queue: one visible message, to the operators topic', () => {
    const queues = ofType(template, 'AWS::SQS::Queue').map(([id]) => id);
    expect(queues.length).toBeGreaterThan(0);
    for (const queue of queues) {
      const found = alarms.filter(
        (a) =>
          a.Namespace === 'AWS/SQS' &&
          a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }]),
      );
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ AlarmActions: [ref(topicId)], Threshold: 1, TreatMissingData: 'notBreaching' });
    }
  });

  it('lets CloudWatch publish the alarms to the encrypted operators topic (key policy)', () => {
    const [[, key]] = ofType(template, 'AWS::KMS::Key');
    const statements = (props(key).KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'CloudWatchAlarms',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });

  it('has one dashboard showing every state machine executions', () => {
    const dashboards = ofType(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(props(dashboards[0][1]).DashboardBody);
    for (const [id] of machines) expect(body).toContain(`{"Ref":"${id}"}`);
    expect(body).toContain('ExecutionsFailed');
    expect(body).toContain('ExecutionTime');
  });

  it('outputs each workflow state machine alias ARN', () => {
    const outputs = Object.entries((template.Outputs ?? {}) as Record<string, { Value: unknown }>);
    const aliasOutputs = outputs.filter(([k]) => k.endsWith('AliasArn'));
    expect(aliasOutputs.length).toBe(machines.length);
    const aliasIds = new Set(ofType(template, 'AWS::StepFunctions::StateMachineAlias').map(([id]) => id));
    for (const [, o] of aliasOutputs) expect(aliasIds.has((o.Value as { Ref: string }).Ref)).toBe(true);
  });
});

describe('the primary site dashboard', () => {
  it('graphs the freeze window of every backup policy (the metric record-freeze-window publishes)', () => {
    expect(BACKUP_METRIC_NAMESPACE).toBe(METRIC_NAMESPACE);
    const primary = example.stacks.find((s) => s.stackName === example.built.primary.stackName)!;
    const [[, dashboard]] = ofType(primary.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(props(dashboard).DashboardBody);
    for (const p of example.config.snapshotBackup!.policies) {
      expect(body).toContain(`[\\"${METRIC_NAMESPACE}\\",\\"${FREEZE_WINDOW_METRIC}\\",\\"Policy\\",\\"${p.name}\\"`);
    }
  });
});

describe('outcome metrics on the dashboards', () => {
  const config = example.config;
  const body = (stackName: string) => {
    const stack = example.stacks.find((s) => s.stackName === stackName)!;
    const [[, dashboard]] = ofType(stack.template, 'AWS::CloudWatch::Dashboard');
    return JSON.stringify(props(dashboard).DashboardBody);
  };
  const graphed = (text: string, workflow: OutcomeWorkflow, metric: string, value: string) =>
    text.includes(
      `[\\"${OUTCOMES[workflow].namespace}\\",\\"${metric}\\",\\"${OUTCOMES[workflow].dimension}\\",\\"${value}\\"`,
    );
  const expected: [string, OutcomeWorkflow, readonly string[]][] = [
    [example.built.primary.stackName, 'instance-recovery', config.instanceRecovery?.groups.map((g) => g.id) ?? []],
    [example.built.primary.stackName, 'mirror-failover', config.mirrorSets?.map((m) => m.name) ?? []],
    [example.built.primary.stackName, 'snapshot-backup', config.snapshotBackup?.policies.map((p) => p.name) ?? []],
    [example.built.dr!.stackName, 'dr-promotion', config.mirrorSets?.map((m) => m.name) ?? []],
  ];
  it.each(expected)(
    '%s graphs %s: its duration and its failures, one line per group / set / policy',
    (stack, workflow, names) => {
      expect(names.length).toBeGreaterThan(0);
      const text = body(stack);
      for (const name of names) {
        expect(graphed(text, workflow, OUTCOMES[workflow].duration, name)).toBe(true);
        expect(graphed(text, workflow, RESULT_METRICS.failed, name)).toBe(true);
      }
    },
  );

  it.each(example.stacks.map((s) => [s.stackName, s.template] as const))(
    '%s: each workflow with an outcome has its record-outcome function, allowed nothing but its own logs and tracing',
    (_name, template) => {
      const functions = ofType(template, 'AWS::Lambda::Function').filter(
        ([, r]) => r.Metadata?.[TASK_METADATA_KEY] === 'record-outcome',
      );
      expect(functions.length).toBeGreaterThan(0);
      const policies = ofType(template, 'AWS::IAM::Policy').map(([, r]) => JSON.stringify(props(r)));
      for (const [id] of functions) {
        const roleId = (props(functions.find(([f]) => f === id)![1]).Role as { 'Fn::GetAtt': string[] })[
          'Fn::GetAtt'
        ][0];
        const own = policies.filter((p) => p.includes(`{"Ref":"${roleId}"}`));
        const actions = own.flatMap((p) =>
          [...p.matchAll(/"Action":(\[[^\]]*\]|"[^"]*")/g)].flatMap((m) => [JSON.parse(m[1])].flat()),
        );
        // Lambda's active tracing grants xray:PutTraceSegments and PutTelemetryRecords.
        expect(new Set(actions)).toEqual(
          new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']),
        );
      }
    },
  );
});

describe('configured observability', () => {
  const base = loadConfig(EXAMPLE_CONFIG_FILE);
  const synth = (overrides: Partial<typeof base>) =>
    synthesize(buildApp({ ...base, ...overrides }, { context: VALIDATION_REPORTED_ELSEWHERE }, { checks: false }).app);
  const configured = synth({
    logs: { ...base.logs, level: 'ALL', includeExecutionData: true },
    alarms: {
      ...base.alarms,
      periodMinutes: 15,
      thresholds: { ExecutionsFailed: 3 },
      runbookBaseUrl: 'https://git.example.com/ops/ha',
    },
  });
  const silent = synth({ alarms: { ...base.alarms, enabled: false } });

  it('logs every event with its data when logs.level is ALL and includeExecutionData is true', () => {
    for (const s of configured.stacks) {
      const machines = ofType(s.template, 'AWS::StepFunctions::StateMachine');
      expect(machines.length).toBeGreaterThan(0);
      for (const [, m] of machines) {
        expect(props(m).LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
      }
    }
  });

  it('uses the configured period, thresholds and runbook base URL', () => {
    const alarms = configured.stacks.flatMap((s) =>
      ofType(s.template, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a)),
    );
    const failed = alarms.filter((a) => a.MetricName === 'ExecutionsFailed');
    expect(failed.length).toBeGreaterThan(0);
    for (const a of failed) {
      expect(a).toMatchObject({ Threshold: 3, Period: 900 });
      expect(String(a.AlarmDescription)).toContain('https://git.example.com/ops/ha/docs/');
    }
    for (const a of alarms.filter((x) => x.MetricName === 'ExecutionsAborted')) expect(a.Threshold).toBe(1);
  });

  it('creates no alarm when alarms.enabled is false (the dashboard stays)', () => {
    for (const s of silent.stacks) {
      expect(ofType(s.template, 'AWS::CloudWatch::Alarm').filter(([id]) => !id.includes('NoHealthyHost'))).toEqual([]);
      expect(ofType(s.template, 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
    }
  });
});
