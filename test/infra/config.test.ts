import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { z } from 'zod';
import { buildApp } from '../../infra/build-app';
import { ConfigError, loadConfig, parseConfig } from '../../infra/config/load';
import { configSchema } from '../../infra/config/schema';
import { resolveStateMachines } from '../../local/template';
import { HaStateMachine, PropsError } from '../../workflows/base';
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
      '$.notifications.emails[1]: got "oncall-at-example.com"; Invalid email address',
    ],
    [
      'a region that is not a region code',
      { primaryRegion: 'Ireland' },
      '$.primaryRegion: got "Ireland"; must be an AWS Region code such as "us-east-1"',
    ],
    [
      'an account that is not 12 digits',
      { ...VALID, account: '1234' },
      '$.account: got "1234"; must be a 12-digit AWS account ID',
    ],
    ['a missing primary region', {}, '$.primaryRegion: missing;'],
  ])('rejects %s, naming the file, the JSON path, the value and what is allowed', (_what, data, expected) => {
    const message = configErrorOf(() => parseConfig(data, 'prod.json'));
    expect(message).toMatch(/^Invalid configuration prod\.json:\n {2}- /);
    expect(message).toContain(expected);
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
  function stackWith(timeout: Duration, stateMachineName?: string): Stack {
    const stack = new Stack(new App({ context: TEST_APP_CONTEXT }), 'Test', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    new HaStateMachine(stack, 'Workflow', {
      workflow: 'test',
      definition: new sfn.Pass(stack, 'Do nothing'),
      logGroup: new logs.LogGroup(stack, 'Logs'),
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
    const stack = new Stack(new App({ context: TEST_APP_CONTEXT }), 'Test', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    new HaStateMachine(stack, 'Workflow', {
      workflow: 'test',
      definition: new sfn.Pass(stack, 'Do nothing'),
      logGroup: new logs.LogGroup(stack, 'Logs'),
      logs: { level: 'ALL', includeExecutionData: true },
      timeout: Duration.hours(1),
      comment: 'Test',
    });
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
