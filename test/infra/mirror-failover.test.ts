/**
 * The mirror-failover construct in the example app: what it creates around the state machine (probe network, health
 * check, triggers, permissions) gets explicit assertions; the state machine itself is checked by the harness
 * (test/infra/state-machines.test.ts) and drilled in test/workflows/mirror-failover.scenario.test.ts.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { buildApp } from '../../infra/build-app';
import { ConfigError, parseConfig } from '../../infra/config/load';
import { HaFoundation, PropsError } from '../../workflows/base';
import { type MirrorSet, MirrorFailoverWorkflow, probeWaits } from '../../workflows/mirror-failover';
import { TEST_APP_CONTEXT, type SynthesizedExampleApp, synthExampleApp } from '../harness/synth';

const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/db-1/89abcdef01234567';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

describe('mirror-failover in the example app', () => {
  let example: SynthesizedExampleApp;
  let template: Template;
  let resources: Resources;
  beforeAll(() => {
    // GIVEN the example configuration's mirror set db-1 (members 10.0.1.20 and 10.0.2.20, status port 52773)
    example = synthExampleApp();
    const primary = example.stacks.find((s) => s.stack === example.built.primary)!;
    template = primary.assertions;
    resources = template.toJSON().Resources as Resources;
  });
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  it('synthesizes offline: the VPC and subnets come from the configuration, no context look-up is missing', () => {
    // THEN
    const assembly = example.built.app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });

  it('runs the probe in the configured subnets with one security group of its own', () => {
    // THEN
    const probes = ofType('AWS::Lambda::Function').filter(([id]) => id.includes('ProbeMembers'));
    expect(probes).toHaveLength(1);
    const [, probe] = probes[0];
    expect(probe.Properties?.VpcConfig).toEqual({
      SubnetIds: ['subnet-0a00000000000000a', 'subnet-0b00000000000000b'],
      SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringContaining('ProbeSecurityGroupdb1'), 'GroupId'] }],
    });
  });

  it("lets the probe reach only the members' status port: no other egress, no ingress", () => {
    // THEN
    const groups = ofType('AWS::EC2::SecurityGroup').filter(([id]) => id.includes('ProbeSecurityGroup'));
    expect(groups).toHaveLength(1);
    const props = groups[0][1].Properties!;
    expect(props.SecurityGroupEgress).toEqual([
      {
        CidrIp: '10.0.1.20/32',
        Description: `mirror-status page of ${A}`,
        FromPort: 52773,
        IpProtocol: 'tcp',
        ToPort: 52773,
      },
      {
        CidrIp: '10.0.2.20/32',
        Description: `mirror-status page of ${B}`,
        FromPort: 52773,
        IpProtocol: 'tcp',
        ToPort: 52773,
      },
    ]);
    expect(props.SecurityGroupIngress).toBeUndefined();
    expect(ofType('AWS::EC2::SecurityGroupIngress')).toEqual([]);
  });

  it('points the target group health check at the mirror-status page: HTTP 200 only, every 5 s, 2 checks', () => {
    // THEN
    const calls = ofType('Custom::AWS').map(([, r]) => JSON.parse(r.Properties!.Create as string) as unknown);
    expect(calls).toEqual([
      {
        service: 'ElasticLoadBalancingV2',
        action: 'ModifyTargetGroup',
        parameters: {
          TargetGroupArn: TG,
          HealthCheckEnabled: true,
          HealthCheckProtocol: 'HTTP',
          HealthCheckPort: '52773',
          HealthCheckPath: '/csp/bin/mirror_status.cxw',
          HealthCheckIntervalSeconds: 5,
          HealthCheckTimeoutSeconds: 2,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 2,
          Matcher: { HttpCode: '200' },
        },
        physicalResourceId: { id: `${TG}#mirror-health-check` },
      },
    ]);
    // AND   the call may modify that target group and nothing else
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('HealthCheckdb1'),
      PolicyDocument: {
        Statement: [{ Action: 'elasticloadbalancing:ModifyTargetGroup', Effect: 'Allow', Resource: TG }],
      },
    });
  });

  it('starts on the become-primary event for the configured sets, with a dead-letter queue', () => {
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['ha-workflows.mirror'],
        'detail-type': ['Mirror Member Became Primary'],
        detail: { mirrorSet: ['db-1'] },
      },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 8 },
        }),
      ],
    });
  });

  it('starts on a no-healthy-host alarm of the target group, named so the workflow finds the set', () => {
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'ha-workflows-eu-west-1/mirror-failover/db-1/no-healthy-host-1',
      Namespace: 'AWS/NetworkELB',
      MetricName: 'HealthyHostCount',
      Dimensions: [
        { Name: 'LoadBalancer', Value: 'net/db-1/50dc6c495c0c9188' },
        { Name: 'TargetGroup', Value: 'targetgroup/db-1/89abcdef01234567' },
      ],
      Statistic: 'Minimum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'breaching',
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: 'ha-workflows-eu-west-1/mirror-failover/' }], state: { value: ['ALARM'] } },
      },
    });
  });

  it('lets the state machine invoke only its functions and change only the configured target group', () => {
    // THEN
    const [, policy] = ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('MirrorFailoverRoleDefaultPolicy'))!;
    const statements = (policy.Properties!.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
      .Statement;
    const resourcesOf = (action: string) =>
      statements.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());
    expect(resourcesOf('elasticloadbalancing:RegisterTargets')).toEqual([TG]);
    expect(resourcesOf('elasticloadbalancing:DeregisterTargets')).toEqual([TG]);
    expect(resourcesOf('lambda:InvokeFunction')).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [expect.stringContaining('ProbeMembersdb1Function'), 'Arn'] },
        { 'Fn::GetAtt': [expect.stringContaining('PlanTargetSwitchFunction'), 'Arn'] },
      ]),
    );
    // AND   the probe function by its exact ARN only (no versions or aliases, `<arn>:*`)
    const joined = resourcesOf('lambda:InvokeFunction').filter((r) => JSON.stringify(r).includes('Fn::Join'));
    expect(JSON.stringify(joined)).not.toContain('ProbeMembers');
  });

  it('offers the hook a policy that can put only the become-primary event on the default bus', () => {
    // THEN
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'events:PutEvents',
            Effect: 'Allow',
            Condition: {
              StringEquals: {
                'events:source': 'ha-workflows.mirror',
                'events:detail-type': 'Mirror Member Became Primary',
              },
            },
            Resource: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':event-bus/default'])] }),
          },
        ],
      },
    });
  });

  it('is not in the DR stack', () => {
    // THEN
    const dr = example.stacks.find((s) => s.stack === example.built.dr)!;
    expect(Object.keys(dr.template.Resources ?? {}).filter((id) => id.startsWith('MirrorFailover'))).toEqual([]);
    expect(JSON.stringify(dr.template)).not.toContain('mirror-failover');
  });
});

describe('a mirror set without a load balancer and without the health check', () => {
  it('creates neither the alarm, its rule, nor the custom resource', () => {
    // GIVEN a configuration whose mirror set names no load balancer and turns the health check off
    const config = parseConfig({
      primaryRegion: 'eu-west-1',
      mirrorSets: [
        {
          name: 'db-2',
          vpcId: 'vpc-0a1b2c3d4e5f60718',
          probeSubnets: [{ subnetId: 'subnet-0a00000000000000a', availabilityZone: 'eu-west-1a' }],
          members: [
            { instanceId: A, address: '10.0.1.20' },
            { instanceId: B, address: '10.0.2.20' },
          ],
          targetGroupArns: [TG],
          configureHealthCheck: false,
        },
      ],
    });
    // WHEN the app is built
    const { primary } = buildApp(config, { context: TEST_APP_CONTEXT }, { checks: false });
    const template = Template.fromStack(primary);
    // THEN only the hook rule starts the workflow (the other rule is the lock janitor's, on its status events)
    // (the operational alarms, on execution metrics and dead letters, are docs/operations.md's: none on target health)
    expect(
      Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
        (a) => a.Properties.MetricName === 'HealthyHostCount',
      ),
    ).toEqual([]);
    template.resourceCountIs('Custom::AWS', 0);
    template.resourceCountIs('AWS::Events::Rule', 2);
    const starters = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) => !JSON.stringify(r.Properties.Targets).includes('LockJanitor'),
    );
    expect(starters).toHaveLength(1);
  });
});

describe('mirrorSets configuration', () => {
  const set = {
    name: 'db-1',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    probeSubnets: [{ subnetId: 'subnet-0a00000000000000a', availabilityZone: 'eu-west-1a' }],
    members: [
      { instanceId: A, address: '10.0.1.20' },
      { instanceId: B, address: '10.0.2.20' },
    ],
    targetGroupArns: [TG],
  };

  it('fills in the defaults: the documented status page on the private web server, 2 s probes, 60 s wait, 5 min healthy', () => {
    // WHEN a minimal set is parsed
    const parsed = parseConfig({ primaryRegion: 'eu-west-1', mirrorSets: [set] });
    // THEN
    expect(parsed.mirrorSets?.[0]).toEqual({
      ...set,
      statusPort: 52773,
      statusPath: '/csp/bin/mirror_status.cxw',
      configureHealthCheck: true,
      probeTimeoutSeconds: 2,
      primaryWaitSeconds: 60,
      healthyTimeoutSeconds: 300,
    });
  });

  it('rejects a lone member, a host name, a duplicate member and an unknown field, all at once', () => {
    // GIVEN a set with these mistakes
    const bad = {
      ...set,
      members: [
        { instanceId: A, address: 'db-a.internal' },
        { instanceId: A, address: '10.0.2.20' },
      ],
      statusURL: 'http://x',
    };
    // WHEN it is parsed
    let message = '';
    try {
      parseConfig({ primaryRegion: 'eu-west-1', mirrorSets: [bad, { ...set, members: [set.members[0]] }] }, 'p.json');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    // THEN every problem is named with its path
    expect(message).toContain('$.mirrorSets[0].members[0].address: got "db-a.internal"; must be the private IPv4');
    expect(message).toContain('$.mirrorSets[0].statusURL: unknown field');
    expect(message).toContain('$.mirrorSets[1].members: got [{"instanceId":"i-0aaaaaaaaaaaaaaa1"');
    expect(message).toContain('must list at least two failover members');
    expect(message).toContain('$.mirrorSets[0].members[1].instanceId: got "i-0aaaaaaaaaaaaaaa1"; must be unique');
  });
});

describe('MirrorFailoverWorkflow props', () => {
  function build(sets: (Pick<MirrorSet, 'name' | 'members'> & Partial<MirrorSet>)[]): void {
    const stack = new Stack(new App({ context: TEST_APP_CONTEXT }), 'Test', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      availabilityZones: ['eu-west-1a'],
      privateSubnetIds: ['subnet-0a00000000000000a'],
    });
    const base: Omit<MirrorSet, 'name' | 'members'> = { vpc, probeSubnets: {}, targetGroupArns: [TG] };
    new MirrorFailoverWorkflow(stack, 'Mirror', {
      foundation: new HaFoundation(stack, 'Foundation'),
      sets: sets.map((s) => ({ ...base, ...s })),
    });
  }

  it('reports every invalid prop at once, with the value received and what is allowed', () => {
    // GIVEN a set with a bad name, one member with a host name, a bad port and a probe timeout of 30 s
    const attempt = () =>
      build([
        {
          name: 'db 1',
          members: [{ instanceId: A, address: 'db-a' }],
          statusPort: 0,
          probeTimeout: Duration.seconds(30),
        },
      ]);
    // WHEN / THEN
    expect(attempt).toThrow(PropsError);
    expect(attempt).toThrow(
      'Invalid props for MirrorFailoverWorkflow:\n' +
        `  - sets[0].name: got "db 1"; 1-63 letters, digits, '.', '_' or '-'\n` +
        '  - sets[0].members: got 1; a mirror set has at least two failover members\n' +
        '  - sets[0].members[0].address: got "db-a"; a private IPv4 address\n' +
        '  - sets[0].statusPort: got 0; an integer from 1 to 65535\n' +
        '  - sets[0].probeTimeout: got 30 s; whole seconds from 1 to 10',
    );
  });
});

describe('probeWaits', () => {
  it.each([
    [60, [1, 2, 4, 8, 8, 8, 8, 8, 8, 5]],
    [5, [1, 2, 2]],
    [20, [1, 2, 4, 8, 5]],
  ])('spreads %i s over waits doubling from 1 s to 8 s', (seconds, waits) => {
    expect(probeWaits(seconds)).toEqual(waits);
    expect(probeWaits(seconds).reduce((a, b) => a + b, 0)).toBe(seconds);
  });
});
