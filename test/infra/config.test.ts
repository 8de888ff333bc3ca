import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { z } from 'zod';
import { buildApp } from '../../infra/build-app';
import { ConfigError, loadConfig, parseConfig } from '../../infra/config/load';
import { configSchema } from '../../infra/config/schema';
import { resolveStateMachines } from '../../local/template';
import { type HaLogSettings, HaStateMachine, PropsError } from '../../workflows/base';
import { DEFAULT_STATUS_PATH, DEFAULT_STATUS_PORT } from '../../workflows/mirror-failover/input';
import {
  EXAMPLE_CONFIG_FILE,
  type SynthesizedExampleApp,
  TEST_APP_CONTEXT,
  VALIDATION_REPORTED_ELSEWHERE,
  synthExampleApp,
  synthesize,
} from '../harness/synth';

const VALID = { primaryRegion: 'eu-west-1' };

/** The message of the ConfigError `fn` throws. */
function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

function writeTemp(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ha-config-')), name);
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it('accepts the example configuration', () => {
    expect(loadConfig(EXAMPLE_CONFIG_FILE)).toMatchObject({
      name: 'ha-workflows',
      primaryRegion: 'eu-west-1',
      drRegion: 'eu-central-1',
      notifications: { emails: ['oncall@example.com'] },
      logs: { retentionDays: 90 },
      tags: { team: 'platform-sre' },
    });
  });

  it('fills in a default for every optional field', () => {
    expect(parseConfig(VALID)).toEqual({
      name: 'ha-workflows',
      primaryRegion: 'eu-west-1',
      notifications: { emails: [] },
      logs: { retentionDays: 90, level: 'ERROR', includeExecutionData: false },
      alarms: { enabled: true, periodMinutes: 5, evaluationPeriods: 1, thresholds: {} },
      tags: {},
    });
  });

  it.each([
    [
      'a retention CloudWatch Logs does not offer',
      { ...VALID, logs: { retentionDays: 42 } },
      '$.logs.retentionDays: got 42; must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, ' +
        '1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ],
    [
      'an unknown field',
      { ...VALID, retention: 90 },
      '$.retention: unknown field (check the spelling; see docs/configuration.md)',
    ],
    [
      'an unknown nested field',
      { ...VALID, logs: { retentionDays: 90, levels: 'ALL' } },
      '$.logs.levels: unknown field',
    ],
    [
      'a DR region equal to the primary region',
      { ...VALID, drRegion: 'eu-west-1' },
      '$.drRegion: got "eu-west-1"; must differ from primaryRegion ("eu-west-1"): the DR stack has to survive the primary region',
    ],
    [
      'a bad email address',
      { ...VALID, notifications: { emails: ['oncall@example.com', 'oncall-at-example.com'] } },
      '$.notifications.emails[1]: got "oncall-at-example.com"; expected an e-mail address such as "oncall@example.com"',
    ],
    [
      'a region that is not a region code',
      { primaryRegion: 'Ireland' },
      '$.primaryRegion: got "Ireland"; must be an AWS Region name such as "eu-west-1" (one aws-cdk-lib knows)',
    ],
    [
      'a region name shaped like one that does not exist',
      { primaryRegion: 'eu-west-9' },
      '$.primaryRegion: got "eu-west-9"; must be an AWS Region name such as "eu-west-1"',
    ],
    [
      "a name of the wrong type, in words (never zod's)",
      { ...VALID, name: 5 },
      '$.name: got 5; must start with a letter and hold at most 32 letters, digits or hyphens',
    ],
    [
      'a wrong value of a choice',
      { ...VALID, instanceRecovery: { groups: [], lockTtlMinutes: 'long' } },
      '$.instanceRecovery.lockTtlMinutes: got "long"; expected an integer of 1 to 1440',
    ],
    [
      'an account that is not 12 digits',
      { ...VALID, account: '1234' },
      '$.account: got "1234"; must be a 12-digit AWS account ID',
    ],
    [
      'a missing primary region',
      {},
      '$.primaryRegion: missing; must be an AWS Region name such as "eu-west-1" (one aws-cdk-lib knows)',
    ],
  ])('rejects %s, naming the file, the JSON path, the value and what is allowed', (_what, data, expected) => {
    const message = configErrorOf(() => parseConfig(data, 'prod.json'));
    expect(message).toMatch(/^Invalid configuration prod\.json:\n {2}- /);
    expect(message).toContain(expected);
  });

  it("never shows zod's own wording, for any field: each problem says what is expected", () => {
    // GIVEN every field of the example configuration replaced by a value of the wrong type, one at a time
    const example = JSON.parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8')) as Record<string, unknown>;
    const messages: string[] = [];
    const replaceEach = (node: unknown, at: (v: unknown) => void): void => {
      if (node === null || typeof node !== 'object') return;
      for (const key of Object.keys(node)) {
        const record = node as Record<string, unknown>;
        const kept = record[key];
        for (const wrong of [undefined, kept === 7 ? 'seven' : 7, typeof kept === 'boolean' ? {} : true]) {
          record[key] = wrong;
          at(wrong);
        }
        record[key] = kept;
        replaceEach(kept, at);
      }
    };
    replaceEach(example, () => {
      try {
        parseConfig(example, 'all.json');
      } catch (e) {
        messages.push(...(e as ConfigError).problems);
      }
    });
    // THEN hundreds of problems are reported, none in zod's words, each with a path and what is expected
    expect(messages.length).toBeGreaterThan(100);
    const zodWords = /Invalid input|Invalid option|Too small|Too big|received undefined|Invalid email|Invalid string/;
    expect(messages.filter((m) => zodWords.test(m))).toEqual([]);
    expect(messages.filter((m) => !/^\$[.[][^:]*: (got .*; .|missing; .|unknown field|key .*)/.test(m))).toEqual([]);
  });

  describe('a backup schedule, checked as EventBridge Scheduler checks it', () => {
    const withSchedule = (expression: string) => {
      const config = loadConfig(EXAMPLE_CONFIG_FILE);
      const policy = config.snapshotBackup?.policies[0];
      if (!policy) throw new Error('the example configuration has a backup policy');
      policy.schedule.expression = expression;
      return config;
    };
    const AT = '$.snapshotBackup.policies[0].schedule.expression';

    it.each([
      'cron(0 2 * * ? *)',
      'cron(0/15 * ? * MON-FRI *)',
      'cron(0 8 ? * 3#1 *)',
      'cron(30 1 L * ? 2030)',
      'rate(1 day)',
      'rate(12 hours)',
    ])('accepts %s', (expression) => {
      expect(parseConfig(withSchedule(expression)).snapshotBackup?.policies[0].schedule.expression).toBe(expression);
    });

    it.each([
      ['cron(0 2 * * * *)', 'exactly one of them must be "?"'],
      ['cron(0 2 ? * ? *)', 'exactly one of them must be "?"'],
      ['cron(0 2 * * ?)', 'a cron expression has six fields (this one 5)'],
      ['cron(60 2 * * ? *)', '"60" is not a minutes value (0-59)'],
      ['cron(0 24 * * ? *)', '"24" is not a hours value (0-23)'],
      ['cron(0 2 * 13 ? *)', '"13" is not a month value (1-12 or JAN-DEC)'],
      ['cron(0 2 ? * 8 *)', '"8" is not a day-of-week value (1-7 or SUN-SAT)'],
      ['cron(0 2 * * ? 2200)', '"2200" is not a year value (1970-2199)'],
      ['cron(0 2 ? * */2 *)', 'day-of-week allows no "/" increment'],
      ['cron(0 2 ? * 3#1,6#3 *)', 'with "#", day-of-week holds one expression only'],
      ['cron(? 2 * * ? *)', '"?" is allowed only in day-of-month or day-of-week'],
      ['rate(1 hours)', 'a value of 1 takes the singular unit: "rate(1 hour)"'],
      ['rate(5 hour)', 'a value above 1 takes the plural unit: "rate(5 hours)"'],
      ['rate(0 minutes)', 'is not rate(value unit)'],
      ['rate(30 seconds)', 'is not rate(value unit)'],
      ['at(2030-01-01T00:00:00)', 'must be an EventBridge Scheduler recurring expression'],
    ])('refuses %s: %s', (expression, why) => {
      const message = configErrorOf(() => parseConfig(withSchedule(expression), 'prod.json'));
      expect(message).toContain(`${AT}: got ${JSON.stringify(expression)}; `);
      expect(message).toContain(why);
    });
  });

  it('refuses an Availability Zone or an ARN of another Region than its stack', () => {
    const config = loadConfig(EXAMPLE_CONFIG_FILE);
    const set = config.mirrorSets?.[0];
    if (!set?.dr) throw new Error('the example configuration has a mirror set with a DR site');
    set.probeSubnets[0].availabilityZone = 'eu-central-1a';
    set.dr.subnets[0].availabilityZone = 'eu-west-1a';
    set.dr.targetGroupArns[0] = set.targetGroupArns[0];
    const message = configErrorOf(() => parseConfig(config, 'prod.json'));
    expect(message.split('\n').slice(1)).toEqual([
      '  - $.mirrorSets[0].probeSubnets[0].availabilityZone: got "eu-central-1a"; must be in primaryRegion ("eu-west-1"), where its stack is deployed; it is in "eu-central-1"',
      '  - $.mirrorSets[0].dr.subnets[0].availabilityZone: got "eu-west-1a"; must be in drRegion ("eu-central-1"), where its stack is deployed; it is in "eu-west-1"',
      expect.stringMatching(
        /^ {2}- \$\.mirrorSets\[0\]\.dr\.targetGroupArns\[0\]: got "arn:aws:elasticloadbalancing:eu-west-1:.*; must be in drRegion \("eu-central-1"\)/,
      ),
    ]);
  });

  it('lists every problem at once', () => {
    const message = configErrorOf(() =>
      parseConfig({ primaryRegion: 'eu-west-1', logs: { retentionDays: 42 }, colour: 'blue' }, 'prod.json'),
    );
    expect(message.split('\n')).toEqual([
      'Invalid configuration prod.json:',
      expect.stringContaining('$.logs.retentionDays: got 42'),
      expect.stringContaining('$.colour: unknown field'),
    ]);
  });

  it('names the file it read', () => {
    const file = writeTemp('bad.json', JSON.stringify({ ...VALID, logs: { retentionDays: 42 } }));
    expect(configErrorOf(() => loadConfig(file))).toContain(`Invalid configuration ${file}:`);
  });

  it('rejects a file that is not JSON, or that does not exist', () => {
    expect(configErrorOf(() => loadConfig(writeTemp('broken.json', '{ "primaryRegion": ')))).toContain(
      'not valid JSON',
    );
    expect(configErrorOf(() => loadConfig('does/not/exist.json'))).toContain('cannot read the file');
  });
});

/** Every field of a zod object schema as a dotted path; array elements as `[]`: `instanceRecovery.groups[].id`. */
function fieldPaths(schema: z.ZodType, prefix = ''): string[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) {
    return fieldPaths(schema.unwrap() as z.ZodType, prefix);
  }
  if (schema instanceof z.ZodArray) return fieldPaths(schema.element as z.ZodType, `${prefix}[]`);
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape).flatMap(([key, child]) => {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      return [path, ...fieldPaths(child as z.ZodType, path)];
    });
  }
  return [];
}

describe('docs/configuration.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');

  it.each(fieldPaths(configSchema))('documents the field %s', (field) => {
    expect(doc).toContain(`\`${field}\``);
  });
});

describe('the app', () => {
  let example: SynthesizedExampleApp;
  beforeAll(() => {
    example = synthExampleApp();
  });

  it('has a primary and a DR stack when a DR region is configured', () => {
    expect(example.built.primary.region).toBe('eu-west-1');
    expect(example.built.dr?.region).toBe('eu-central-1');
    expect(example.stacks).toHaveLength(2);
  });

  it('builds a DR stack that needs nothing from the primary region', () => {
    const dr = example.stacks.find((s) => s.stack === example.built.dr)!;
    expect(example.built.dr!.dependencies).toEqual([]);
    const text = JSON.stringify(dr.template);
    expect(text).not.toContain('Fn::ImportValue');
    expect(text).not.toContain(example.built.primary.stackName);
  });
});

describe('an app without a DR region', () => {
  it('has only the primary stack', () => {
    const { app, dr } = buildApp(parseConfig(VALID), { context: TEST_APP_CONTEXT });
    expect(dr).toBeUndefined();
    expect(app.node.children.filter((c) => Stack.isStack(c)).map((s) => (s as Stack).stackName)).toEqual([
      'ha-workflows-eu-west-1',
    ]);
  });
});

describe('the foundation', () => {
  // GIVEN a primary stack built from a configuration with two emails and 30 days of logs (and no workflows)
  let template: Template;
  beforeAll(() => {
    const config = parseConfig({
      ...VALID,
      notifications: { emails: ['oncall@example.com', 'dba@example.com'] },
      logs: { retentionDays: 30 },
    });
    const { app, primary } = buildApp(config, { context: VALIDATION_REPORTED_ELSEWHERE });
    template = synthesize(app).stacks.find((s) => s.stack === primary)!.assertions;
  });

  it('keeps state in an on-demand table with point-in-time recovery, KMS encryption and a TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('encrypts the operators topic and refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('subscribes every configured email address', () => {
    template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'dba@example.com' });
  });

  it('keeps state machine logs, encrypted, for the configured number of days', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30, KmsKeyId: Match.anyValue() });
  });
});

describe('HaStateMachine', () => {
  function stackWith(timeout: Duration, stateMachineName?: string, logSettings?: HaLogSettings): Stack {
    const stack = new Stack(new App({ context: TEST_APP_CONTEXT }), 'Test', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    new HaStateMachine(stack, 'Workflow', {
      workflow: 'test',
      definition: new sfn.Pass(stack, 'Do nothing'),
      logGroup: new logs.LogGroup(stack, 'Logs'),
      ...(logSettings ? { logs: logSettings } : {}),
      timeout,
      comment: 'Test',
      stateMachineName,
    });
    return stack;
  }
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(stackWith(Duration.hours(1)));
  });

  it('logs errors without execution data by default, and traces with X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false, Destinations: Match.anyValue() },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('logs every event with execution data when asked (logs: ALL, includeExecutionData)', () => {
    const stack = stackWith(Duration.hours(1), undefined, { level: 'ALL', includeExecutionData: true });
    Template.fromStack(stack).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: Match.anyValue() },
    });
  });

  it('writes the timeout into the definition', () => {
    const [machine] = resolveStateMachines(template.toJSON());
    expect(machine.definition).toMatchObject({ TimeoutSeconds: 3600, QueryLanguage: 'JSONPath' });
  });

  it('has a role of its own that only Step Functions of this account may assume', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'states.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          },
        ],
      },
    });
  });

  it.each([
    [Duration.seconds(0), 'timeout: got 0 s; must be between 1 s and 31536000 s (365 days)'],
    [Duration.days(366), 'timeout: got 31622400 s; must be between 1 s and 31536000 s (365 days)'],
  ])('rejects the timeout %s with a message naming the prop, the value and the range', (timeout, expected) => {
    expect(() => stackWith(timeout)).toThrow(PropsError);
    expect(() => stackWith(timeout)).toThrow(`Invalid props for HaStateMachine:\n  - ${expected}`);
  });

  it('reports every invalid prop at once', () => {
    expect(() => stackWith(Duration.seconds(0), 'no spaces allowed')).toThrow(
      'Invalid props for HaStateMachine:\n' +
        '  - timeout: got 0 s; must be between 1 s and 31536000 s (365 days)\n' +
        '  - stateMachineName: got "no spaces allowed"; must be 1-80 letters, digits, hyphens or underscores',
    );
  });
});

describe('the default mirror-status page', () => {
  // GIVEN a mirror set that leaves statusPath and statusPort out
  const config = parseConfig({
    primaryRegion: 'eu-west-1',
    mirrorSets: [
      {
        name: 'db-1',
        vpcId: 'vpc-0a1b2c3d4e5f60718',
        probeSubnets: [{ subnetId: 'subnet-0a00000000000000a', availabilityZone: 'eu-west-1a' }],
        members: [
          { instanceId: 'i-0aaaaaaaaaaaaaaa1', address: '10.0.1.20' },
          { instanceId: 'i-0bbbbbbbbbbbbbbb2', address: '10.0.2.20' },
        ],
        targetGroupArns: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/db-1/89abcdef01234567'],
      },
    ],
  });

  it('is the page InterSystems documents, on the port of the server that serves it (private web server)', () => {
    // THEN the documented Web Gateway page (not "mirrorstatus.cwx"), paired with the private web server's port
    expect(config.mirrorSets?.[0]).toMatchObject({ statusPath: '/csp/bin/mirror_status.cxw', statusPort: 52773 });
    expect([DEFAULT_STATUS_PATH, DEFAULT_STATUS_PORT]).toEqual(['/csp/bin/mirror_status.cxw', 52773]);
  });

  it('is what both the probe and the target group health check read', () => {
    // WHEN the app is built
    const { primary } = buildApp(config, { context: { 'aws:cdk:bundling-stacks': [] } }, { checks: false });
    const template = Template.fromStack(primary);
    // THEN the health check asks the same server for the same page the probe reads
    template.hasResourceProperties('Custom::AWS', {
      Create: Match.stringLikeRegexp('"HealthCheckPort":"52773","HealthCheckPath":"/csp/bin/mirror_status.cxw"'),
    });
    const [machine] = resolveStateMachines(template.toJSON() as never).filter((m) =>
      JSON.stringify(m.definition).includes('http://10.0.1.20:'),
    );
    expect(JSON.stringify(machine.definition)).toContain('http://10.0.1.20:52773/csp/bin/mirror_status.cxw');
  });
});

describe('infra/app.ts (the entry of `cdk synth` and `cdk deploy`)', () => {
  const ROOT = path.join(__dirname, '..', '..');
  /** Runs the app as the CDK CLI does: the context (-c) arrives in CDK_CONTEXT_JSON. */
  const app = (context: Record<string, unknown>) =>
    spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'infra/app.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify(context),
        CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'cdk-')),
      },
      encoding: 'utf8',
    });

  it('refuses to build without -c config=…, naming the option, and synthesizes nothing', () => {
    const r = app({});
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('No configuration given: pass -c config=<file>');
    expect(r.stderr).toContain('Nothing was synthesized.');
  });

  it('refuses an invalid configuration, naming the file and each problem', () => {
    const file = writeTemp('bad.json', JSON.stringify({ primaryRegion: 'eu-west-9' }));
    const r = app({ config: file });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `Invalid configuration ${file}:\n  - $.primaryRegion: got "eu-west-9"; must be an AWS Region name`,
    );
  });
});
