/**
 * The snapshot-backup construct as synthesized from the example configuration: its documents, schedules, rescue
 * rule, state machine timeouts and the IAM that keeps it to its own snapshots; and the validation of its props and
 * of the configuration section.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { snapshotBackupFromConfig } from '../../infra/backup-policies';
import { parseConfig } from '../../infra/config/load';
import { resolveStateMachines } from '../../local/template';
import { HaFoundation, PropsError } from '../../workflows/base';
import { type BackupPolicy, SnapshotBackupWorkflow } from '../../workflows/snapshot-backup';
import { checkStateMachine, formatFinding } from '../harness';
import { synthExampleApp, TEST_APP_CONTEXT } from '../harness/synth';
import { RESCUE_THAW_ATTEMPTS, RESCUE_THAW_PAUSE, thawWorstCaseSeconds } from '../../workflows/snapshot-backup/thaw';

let template: Template;
let json: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

beforeAll(() => {
  const example = synthExampleApp();
  const primary = example.stacks.find((s) => s.stack === example.built.primary)!;
  template = primary.assertions;
  json = primary.template as typeof json;
});

const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
type Statement = { readonly id: string; readonly [key: string]: unknown };
const statements = (): Statement[] =>
  ofType('AWS::IAM::Policy').flatMap(([id, r]) =>
    ((r.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement ?? []).map((s) => ({
      ...s,
      id,
    })),
  );
const withAction = (action: string) =>
  statements().filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action));

describe('the freeze and thaw documents', () => {
  it('are Command documents named after the stack, updated as new versions', () => {
    const names = ofType('AWS::SSM::Document').map(([, r]) => r.Properties?.Name);
    expect(names.sort()).toEqual(['ha-workflows-eu-west-1-iris-freeze', 'ha-workflows-eu-west-1-iris-thaw']);
    template.allResourcesProperties('AWS::SSM::Document', { DocumentType: 'Command', UpdateMethod: 'NewVersion' });
  });

  it('take every operator value as a typed parameter, passed as an environment variable, never pasted into the script', () => {
    for (const [, r] of ofType('AWS::SSM::Document')) {
      const content = r.Properties?.Content as {
        parameters: Record<string, { type: string; allowedPattern?: string; interpolationType?: string }>;
        mainSteps: { inputs: { runCommand: string[]; timeoutSeconds: string } }[];
      };
      // GIVEN the instance name parameter: String, a strict pattern, ENV_VAR
      expect(content.parameters.instanceName).toMatchObject({
        type: 'String',
        allowedPattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$',
        interpolationType: 'ENV_VAR',
      });
      // THEN the script only reads it quoted from the environment, and interpolates nothing
      const script = content.mainSteps[0].inputs.runCommand.join('\n');
      expect(script).not.toContain('{{');
      expect(script).toContain('"$SSM_instanceName"');
      expect(content.mainSteps[0].inputs.timeoutSeconds).toBe('{{ executionTimeout }}');
      expect(content.parameters.executionTimeout.allowedPattern).toBe('^[1-9][0-9]{0,4}$');
    }
  });

  it('freeze with ExternalFreeze (exit 5 = frozen) and check IsWDSuspendedExt before and after ExternalThaw', () => {
    const script = (name: string) =>
      (
        ofType('AWS::SSM::Document').find(([, r]) => r.Properties?.Name === name)![1].Properties?.Content as {
          mainSteps: { inputs: { runCommand: string[] } }[];
        }
      ).mainSteps[0].inputs.runCommand.join('\n');
    expect(script('ha-workflows-eu-west-1-iris-freeze')).toContain(
      "-U %SYS '##Class(Backup.General).ExternalFreeze()'",
    );
    expect(script('ha-workflows-eu-west-1-iris-freeze')).toContain(
      'if [ "$status" -eq 5 ]; then echo FROZEN; exit 0; fi',
    );
    const thaw = script('ha-workflows-eu-west-1-iris-thaw');
    expect(thaw.indexOf('IsWDSuspendedExt')).toBeLessThan(thaw.indexOf('ExternalThaw'));
    expect(thaw.lastIndexOf('IsWDSuspendedExt')).toBeGreaterThan(thaw.indexOf('ExternalThaw'));
    expect(thaw).toContain('WRITES_RESUMED_BEFORE_THAW');
  });
});

describe('the schedule', () => {
  it('starts the run with the policy and the scheduled time, in the policy time zone, with retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Dublin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Input: JSON.stringify({ policy: 'db-1-nightly', scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 8 },
        DeadLetterConfig: { Arn: Match.anyValue() },
      },
    });
  });

  it('has a role that may start only the snapshot-backup state machine (and reach its DLQ)', () => {
    const [roleId] = ofType('AWS::IAM::Role').find(([id]) => id.startsWith('SnapshotBackupSchedulerRole'))!;
    const own = statements().filter((s) => JSON.stringify(json.Resources[s.id].Properties?.Roles).includes(roleId));
    expect(own.map((s) => s.Action)).toEqual(expect.arrayContaining(['states:StartExecution']));
    // The schedules start the run's live alias; Step Functions authorizes that start with the state machine's ARN, so
    // the role names both (docs/operations.md), and nothing else.
    const resources = own
      .filter((s) => s.Action === 'states:StartExecution')
      .flatMap((s) => ([] as unknown[]).concat(s.Resource));
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) {
      expect(r).toEqual({
        Ref: expect.stringMatching(/^(SnapshotBackup[0-9A-F]{8}|SnapshotBackupLiveAlias[0-9A-F]{8})$/),
      });
    }
    expect(resources).toContainEqual({ Ref: expect.stringMatching(/^SnapshotBackup[0-9A-F]{8}$/) });
    expect(resources).toContainEqual({ Ref: expect.stringMatching(/^SnapshotBackupLiveAlias[0-9A-F]{8}$/) });
    for (const s of own) expect(String(s.Action)).toMatch(/^(states:StartExecution|sqs:SendMessage|kms:)/);
    // AND it may encrypt with the foundation's key, which the dead-letter queue is encrypted with (Scheduler puts an
    // undeliverable run there as this role)
    expect(own).toContainEqual(
      expect.objectContaining({
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^FoundationKey/), 'Arn'] },
      }),
    );
  });
});

describe('the rescue rule', () => {
  it("starts the rescue on the instance machine's own ABORTED, TIMED_OUT and FAILED events", () => {
    const [, rule] = ofType('AWS::Events::Rule').find(([id]) =>
      id.startsWith('SnapshotBackupOnInstanceBackupStopped'),
    )!;
    expect(rule.Properties?.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: {
        status: ['ABORTED', 'TIMED_OUT', 'FAILED'],
        stateMachineArn: [{ Ref: expect.stringMatching(/^SnapshotBackupInstance/) }],
      },
    });
    expect(JSON.stringify(rule.Properties?.Targets)).toMatch(/SnapshotBackupRescue/);
    expect(JSON.stringify(rule.Properties?.Targets)).toMatch(/DeadLetterConfig/);
  });
});

describe('own only what it made (IAM)', () => {
  it('deletes snapshots only when tagged created-by ha-workflows with a configured policy', () => {
    const [deletes] = withAction('ec2:DeleteSnapshot');
    expect(withAction('ec2:DeleteSnapshot')).toHaveLength(1);
    expect(deletes.Condition).toEqual({
      StringEquals: {
        'aws:ResourceTag/ha-workflows:created-by': 'ha-workflows',
        'aws:ResourceTag/ha-workflows:backup-policy': ['db-1-nightly'],
      },
    });
  });

  it('creates snapshots only tagged as its own, of instances carrying a policy tag', () => {
    const creates = withAction('ec2:CreateSnapshots');
    expect(creates.map((s) => s.Condition)).toEqual(
      expect.arrayContaining([
        { StringEquals: { 'aws:ResourceTag/ha-workflows:backup': ['db-1'] } },
        { StringEquals: { 'aws:RequestTag/ha-workflows:created-by': 'ha-workflows' } },
      ]),
    );
  });

  it('sends commands only with its own documents, to instances carrying a policy tag', () => {
    const sends = withAction('ssm:SendCommand');
    expect(JSON.stringify(sends.map((s) => s.Resource))).toContain('document/ha-workflows-eu-west-1-iris-thaw');
    expect(sends.map((s) => s.Condition)).toContainEqual({
      StringEquals: { 'ssm:resourceTag/ha-workflows:backup': ['db-1'] },
    });
    expect(sends.some((s) => s.Resource === '*')).toBe(false);
  });
});

describe('the state machines', () => {
  it('are bounded: the run by a day, one instance by the completion timeout, the lock wait, the copy-limit retries plus an hour, the rescue by its worst-case thaw', () => {
    const timeouts = Object.fromEntries(
      synthExampleApp()
        .stateMachines.filter((m) => m.logicalId.startsWith('SnapshotBackup'))
        .map((m) => [m.resource.Metadata?.['ha-workflows:workflow'], m.definition.TimeoutSeconds]),
    );
    expect(timeouts).toEqual({
      'snapshot-backup': 86400,
      // completion 6 h, lock wait 1 h, copy limit: 3,300 s of retry waits + 9 attempts × 120 s, and an hour
      'snapshot-backup-instance': 6 * 3600 + 3600 + 3300 + 9 * 120 + 3600,
      // 20 attempts × (SendCommand 211 s + 70 polls × 31 s + 30 s pause) + 600 s = 48,820 s
      'snapshot-backup-rescue': thawWorstCaseSeconds(60 + 10, RESCUE_THAW_ATTEMPTS, RESCUE_THAW_PAUSE) + 600,
    });
  });

  it('retries the copy when the copy region has its 20 concurrent copies in progress: 8 times, 60 s doubling to 600 s', () => {
    const instance = synthExampleApp().stateMachines.find(
      (m) => m.resource.Metadata?.['ha-workflows:workflow'] === 'snapshot-backup-instance',
    )!;
    const states = instance.definition.States as Record<string, { Retry?: Record<string, unknown>[] }>;
    expect(states['Copy the set to the other region'].Retry).toContainEqual({
      ErrorEquals: ['SnapshotCopyLimitReached'],
      IntervalSeconds: 60,
      MaxAttempts: 8,
      BackoffRate: 2,
      MaxDelaySeconds: 600,
    });
  });

  it('give the rescue time to finish its thaw even when every call is as slow as its timeout (nothing rescues it)', () => {
    // GIVEN the rescue as synthesized
    const rescue = synthExampleApp().stateMachines.find(
      (m) => m.resource.Metadata?.['ha-workflows:workflow'] === 'snapshot-backup-rescue',
    )!;
    // WHEN its loops are budgeted with every Task taking its whole TimeoutSeconds
    const findings = checkStateMachine(rescue.definition, { name: 'rescue', countTaskTimeouts: true });
    // THEN every loop fits in the machine's TimeoutSeconds
    expect(findings.filter((f) => f.rule === 'loop-budget').map(formatFinding)).toEqual([]);
  });
});

describe('SnapshotBackupWorkflow props', () => {
  const build = (policies: BackupPolicy[], extra: Record<string, unknown> = {}) => {
    const stack = new Stack(new App({ context: TEST_APP_CONTEXT }), 'Test', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    new SnapshotBackupWorkflow(stack, 'Backup', {
      foundation: new HaFoundation(stack, 'Foundation'),
      policies,
      ...extra,
    });
  };
  const policy: BackupPolicy = {
    name: 'db',
    schedule: 'cron(0 2 * * ? *)',
    tagKey: 'backup',
    tagValue: 'db',
    consistency: { method: 'iris', instanceName: 'IRIS' },
    retention: { count: 7 },
  };

  it('accepts a valid policy', () => {
    expect(() => build([policy])).not.toThrow();
  });

  it('reads a long-running set less often, so that an instance execution stays far below 25,000 history events', () => {
    // GIVEN a policy that waits up to 24 h for its snapshots
    const stack = new Stack(new App({ context: TEST_APP_CONTEXT }), 'Long', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    new SnapshotBackupWorkflow(stack, 'Backup', {
      foundation: new HaFoundation(stack, 'Foundation'),
      policies: [{ ...policy, completionTimeout: Duration.hours(24) }],
    });
    // WHEN synthesized
    const machines = resolveStateMachines(Template.fromStack(stack).toJSON());
    const of = (workflow: string) => machines.find((m) => m.resource.Metadata?.['ha-workflows:workflow'] === workflow)!;
    const states = of('snapshot-backup-instance').definition.States as Record<string, { Seconds?: number }>;
    // THEN it checks every 87 s, at most 994 times (about 11 events each)
    expect(states['Wait before checking the snapshot set complete'].Seconds).toBe(87);
    expect(JSON.stringify(of('snapshot-backup').definition)).toContain('"completionPolls":994');
  });

  it('reports every invalid prop at once, with the value and what is allowed', () => {
    let error: unknown;
    try {
      build(
        [
          {
            ...policy,
            name: 'has space',
            consistency: { method: 'iris', instanceName: 'IRIS; rm -rf /' },
            retention: {},
          },
          {
            ...policy,
            consistency: { method: 'command', freezeCommand: 'freeze.sh', thawCommand: '/bin/thaw' },
            copy: { region: 'eu-west-1', retention: { count: 1 } },
            concurrency: 41,
          },
        ],
        { thawTimeout: Duration.seconds(5) },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PropsError);
    expect((error as PropsError).problems).toEqual([
      `policies[0].name: got "has space"; 1-40 letters, digits, '_' or '-'`,
      'policies[0].consistency.instanceName: got "IRIS; rm -rf /"; an IRIS instance name',
      'policies[0].retention: got {}; give count, maxAgeDays or both',
      'policies[1].consistency.freezeCommand: got "freeze.sh"; an absolute path without spaces or quotes',
      'policies[1].copy.region: got "eu-west-1"; must differ from the stack\'s region',
      'policies[1].concurrency: got 41; a whole number from 1 to 40',
      'thawTimeout: got 5 s; between 10 s and 900 s',
    ]);
  });
});

describe('the snapshotBackup configuration', () => {
  const config = (policy: Record<string, unknown>) => ({
    primaryRegion: 'eu-west-1',
    snapshotBackup: {
      policies: [
        {
          name: 'db',
          schedule: { expression: 'cron(0 2 * * ? *)' },
          targets: { tagKey: 'backup', tagValue: 'db' },
          consistency: { method: 'iris', instanceName: 'IRIS' },
          retention: { count: 7 },
          ...policy,
        },
      ],
    },
  });

  it('fills in the defaults', () => {
    expect(parseConfig(config({})).snapshotBackup).toEqual({
      thawTimeoutSeconds: 60,
      maxInstancesPerRun: 2000,
      runTimeoutHours: 24,
      policies: [
        {
          name: 'db',
          schedule: { expression: 'cron(0 2 * * ? *)', timeZone: 'UTC' },
          targets: { tagKey: 'backup', tagValue: 'db' },
          volumes: 'all',
          consistency: { method: 'iris', instanceName: 'IRIS', freezeTimeoutSeconds: 60 },
          onFreezeFailure: 'fail',
          retention: { count: 7, minimumKept: 1 },
          concurrency: 5,
          notifyOnSuccess: false,
          completionTimeoutMinutes: 360,
          lockWaitMinutes: 60,
          enabled: true,
        },
      ],
    });
  });

  it('passes the lock wait on to the construct (0: a held instance is skipped at once)', () => {
    // GIVEN a policy that waits 0 minutes, and one that keeps the default
    const waits = [{ lockWaitMinutes: 0 }, {}].map(
      (policy) => snapshotBackupFromConfig(parseConfig(config(policy)).snapshotBackup!).policies[0].lockWait,
    );
    // THEN the construct gets 0 s and one hour
    expect(waits.map((w) => w?.toSeconds())).toEqual([0, 3600]);
  });

  it.each([
    [
      'a method without its fields',
      { consistency: { method: 'command', freezeCommand: '/opt/freeze' } },
      '$.snapshotBackup.policies[0].consistency.thawCommand: missing; is required with method "command"',
    ],
    [
      'a field another method uses',
      { consistency: { method: 'none', instanceName: 'IRIS' } },
      '$.snapshotBackup.policies[0].consistency.instanceName: got "IRIS"; is not used with method "none"',
    ],
    [
      'a command that is not an absolute path',
      { consistency: { method: 'command', freezeCommand: 'freeze; reboot', thawCommand: '/opt/thaw' } },
      '$.snapshotBackup.policies[0].consistency.freezeCommand: got "freeze; reboot"; must be an absolute path',
    ],
    [
      'a five-field cron expression',
      { schedule: { expression: 'cron(0 2 * * *)' } },
      '$.snapshotBackup.policies[0].schedule.expression: got "cron(0 2 * * *)"; must be an EventBridge Scheduler expression',
    ],
    [
      'a retention without count or age',
      { retention: { minimumKept: 2 } },
      '$.snapshotBackup.policies[0].retention: got {"minimumKept":2}; must give count, maxAgeDays or both',
    ],
    [
      'a copy to the primary region',
      { copy: { region: 'eu-west-1', retention: { count: 3 } } },
      '$.snapshotBackup.policies[0].copy.region: got "eu-west-1"; must differ from primaryRegion ("eu-west-1")',
    ],
  ])('rejects %s with the path, the value and what is allowed', (_what, policy, expected) => {
    expect(() => parseConfig(config(policy), 'c.json')).toThrow(expected);
  });
});

describe('after a freeze (the instance machine, read as ASL)', () => {
  type State = {
    Type: string;
    Next?: string;
    End?: boolean;
    Default?: string;
    Choices?: Rule[];
    Catch?: { ErrorEquals: string[]; Next: string }[];
    [key: string]: unknown;
  };
  type Rule = { Next?: string; Variable?: string; IsPresent?: boolean; And?: Rule[]; Or?: Rule[]; Not?: Rule };
  const FREEZE = 'Freeze the database';
  const THAW = 'Thaw the database';
  /** Run Command refused the freeze: no command exists, so nothing can be frozen (Catch of the freeze itself). */
  const REFUSED = ['Ssm.InvalidInstanceIdException'];
  let states: Record<string, State>;
  beforeAll(() => {
    const machine = synthExampleApp().stateMachines.find(
      (m) => m.resource.Metadata?.['ha-workflows:workflow'] === 'snapshot-backup-instance',
    )!;
    states = (machine.definition as { States: Record<string, State> }).States;
  });

  /** Every edge out of a state, with the Choice rule it is taken on (if any). */
  const edges = (s: State): { to: string; rule?: Rule }[] => [
    ...(s.Next ? [{ to: s.Next }] : []),
    ...(s.Default ? [{ to: s.Default }] : []),
    ...(s.Choices ?? []).map((rule) => ({ to: rule.Next as string, rule })),
    ...(s.Catch ?? []).map((c) => ({ to: c.Next })),
  ];
  const terminal = (s: State) => s.Type === 'Succeed' || s.Type === 'Fail' || s.End === true;
  /** Where the freeze may be in effect from: its Next and every Catch but the refusal. */
  const afterFreeze = () => [
    states[FREEZE].Next as string,
    ...(states[FREEZE].Catch ?? []).filter((c) => !c.ErrorEquals.every((e) => REFUSED.includes(e))).map((c) => c.Next),
  ];
  /** The states reachable from `from`, never leaving by an edge `blocked` refuses (nor through `stopAt`). */
  const reachable = (from: string[], blocked: (edge: { to: string; rule?: Rule }) => boolean, stopAt?: string) => {
    const seen = new Set<string>();
    const todo = [...from];
    while (todo.length > 0) {
      const name = todo.pop() as string;
      if (seen.has(name) || name === stopAt) continue;
      seen.add(name);
      for (const e of edges(states[name])) if (!blocked(e)) todo.push(e.to);
    }
    return seen;
  };
  /** The JSONPaths a state reads (IsPresent tests excepted), from its fields and intrinsic functions. */
  const reads = (s: State): string[] => {
    const { Choices, Catch, Retry, Next, Type, Comment, ...fields } = s;
    void [Catch, Retry, Next, Type, Comment];
    const tested = (r: Rule): string[] =>
      r.IsPresent !== undefined
        ? []
        : [
            ...(r.Variable ? [r.Variable] : []),
            ...Object.entries(r)
              .filter(([k]) => k.endsWith('Path'))
              .map(([, v]) => String(v)),
            ...(r.And ?? []).flatMap(tested),
            ...(r.Or ?? []).flatMap(tested),
            ...(r.Not ? tested(r.Not) : []),
          ];
    const text = JSON.stringify(fields) + ' ' + (Choices ?? []).flatMap(tested).join(' ');
    return [...new Set(text.match(/\$(?:\.[A-Za-z0-9_-]+|\[(?:\d+|\*)\])+/g) ?? [])];
  };
  /** An IsPresent(true) test in `rule` on a path at or below the indexed prefix of `path`. */
  const guards = (rule: Rule | undefined, path: string): boolean => {
    if (!rule) return false;
    const indexed = path.replace(/\[\*\]/g, '[0]');
    const prefix = indexed.slice(
      0,
      indexed.search(/\[\d+\]/) + indexed.slice(indexed.search(/\[\d+\]/)).indexOf(']') + 1,
    );
    if (rule.IsPresent === true && rule.Variable?.startsWith(prefix)) return true;
    return (rule.And ?? []).some((r) => guards(r, path));
  };

  it('reaches a thaw on every path from the freeze to an end', () => {
    // GIVEN every state the freeze can lead to (by Next, Choice or Catch) before the thaw
    const beforeThaw = reachable(afterFreeze(), () => false, THAW);
    // THEN none of them ends the execution: every way out passes through the thaw
    expect([...beforeThaw].filter((n) => terminal(states[n]))).toEqual([]);
    expect(reachable(afterFreeze(), () => false).has(THAW)).toBe(true);
  });

  it('reads no array element or wildcard path between the freeze and the thaw (States.Runtime cannot be caught)', () => {
    const beforeThaw = reachable(afterFreeze(), () => false, THAW);
    const offending = [...beforeThaw].flatMap((n) =>
      reads(states[n])
        .filter((p) => /\[/.test(p))
        .map((p) => `${n}: ${p}`),
    );
    expect(offending).toEqual([]);
  });

  it('reads an array element after a freeze only on a path guarded by an IsPresent test of it', () => {
    // GIVEN every state reachable after the freeze, and each array path it reads
    const all = reachable(afterFreeze(), () => false);
    const offending: string[] = [];
    for (const n of all) {
      for (const p of reads(states[n]).filter((x) => /\[\d+\]/.test(x))) {
        // THEN the state cannot be reached from the freeze without passing a Choice rule that tests p IsPresent
        const unguarded = reachable(afterFreeze(), (e) => guards(e.rule, p));
        if (unguarded.has(n)) offending.push(`${n}: ${p}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
