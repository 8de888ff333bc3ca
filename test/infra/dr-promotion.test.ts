/**
 * The dr-promotion construct in the example app: where it is deployed, what its roles may do (explicit assertions on
 * the security-relevant IAM), its SSM documents, and its props validation. The state machine itself is checked by the
 * harness and drilled in test/workflows/dr-promotion.scenario.test.ts.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { HaFoundation, PropsError } from '../../workflows/base';
import { DrPromotionWorkflow } from '../../workflows/dr-promotion';
import { TEST_APP_CONTEXT, type SynthesizedExampleApp, synthExampleApp } from '../harness/synth';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

describe('dr-promotion in the example app', () => {
  let example: SynthesizedExampleApp;
  let dr: Resources;
  let primary: Resources;
  beforeAll(() => {
    // GIVEN the example configuration: primary eu-west-1, DR eu-central-1, mirror set db-1 with a DR site
    example = synthExampleApp();
    const of = (stack: unknown) =>
      example.stacks.find((s) => s.stack === stack)!.assertions.toJSON().Resources as Resources;
    dr = of(example.built.dr);
    primary = of(example.built.primary);
  });
  const machines = (r: Resources) =>
    Object.values(r).filter(
      (x) => x.Type === 'AWS::StepFunctions::StateMachine' && x.Metadata?.['ha-workflows:workflow'] === 'dr-promotion',
    );
  /** The statements of the policy attached to the role whose logical id contains `roleId`. */
  const statements = (roleId: string): Statement[] =>
    Object.values(dr)
      .filter((x) => x.Type === 'AWS::IAM::Policy')
      .filter((x) => JSON.stringify(x.Properties?.Roles).includes(roleId))
      .flatMap((x) => (x.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  const granting = (s: Statement[], action: string) =>
    s.filter((x) => (Array.isArray(x.Action) ? x.Action : [x.Action]).includes(action));

  it('is deployed in the DR stack only, and the DR stack needs nothing of the primary stack', () => {
    expect(machines(dr)).toHaveLength(1);
    expect(machines(primary)).toHaveLength(0);
    expect(JSON.stringify(dr)).not.toContain('Fn::ImportValue');
    expect(example.built.dr!.dependencies).toEqual([]);
  });

  it('lets the fence task stop and re-group only the old members, in the primary region', () => {
    const fence = statements('DrPromotionFenceOldSiteRole');
    const stop = granting(fence, 'ec2:StopInstances');
    expect(stop).toHaveLength(1);
    const resources = (stop[0].Resource as unknown[]).map((r) => JSON.stringify(r));
    expect(resources).toHaveLength(2);
    expect(resources[0]).toMatch(/:ec2:eu-west-1:.*:instance\/i-0aaaaaaaaaaaaaaa1/);
    expect(resources[1]).toMatch(/:ec2:eu-west-1:.*:instance\/i-0bbbbbbbbbbbbbbb2/);
    const modify = JSON.stringify(granting(fence, 'ec2:ModifyInstanceAttribute'));
    expect(modify).toContain('security-group/sg-0eeeeeeeeeeeeeee1');
    expect(modify).not.toContain('instance/*');
    // Each interface of an old member: only in the old members' VPC, only to the deny-all group
    const perInterface = granting(fence, 'ec2:ModifyNetworkInterfaceAttribute');
    const anyInterface = perInterface.filter((x) => JSON.stringify(x.Resource).includes('network-interface/*'));
    expect(anyInterface).toHaveLength(1);
    expect(JSON.stringify(anyInterface[0].Condition)).toMatch(
      /ArnEquals.*ec2:Vpc.*:ec2:eu-west-1:.*:vpc\/vpc-0a1b2c3d4e5f60718/,
    );
    const granted = perInterface
      .flatMap((x) => (Array.isArray(x.Resource) ? x.Resource : [x.Resource]))
      .map((r) => JSON.stringify(r));
    const groups = granted.filter((r) => r.includes('security-group/'));
    expect(groups).toHaveLength(1);
    expect(groups[0]).toContain('security-group/sg-0eeeeeeeeeeeeeee1');
    expect(granting(fence, 'ec2:TerminateInstances')).toEqual([]);
  });

  it("lets the state machine send only the stack's documents, to the DR member, and register in the DR target group", () => {
    const role = statements('DrPromotionRole');
    const send = JSON.stringify(granting(role, 'ssm:SendCommand'));
    expect(send).toContain('document/ha-workflows-eu-central-1-iris-promote');
    expect(send).toContain('document/ha-workflows-eu-central-1-iris-mirror-query');
    expect(send).toContain('instance/i-0ccccccccccccccc3');
    expect(send).not.toContain('AWS-RunShellScript');
    expect(granting(role, 'elasticloadbalancing:RegisterTargets').map((s) => s.Resource)).toEqual([
      'arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/db-1-dr/0123456789abcdef',
    ]);
    expect(granting(role, 'elasticloadbalancing:DeregisterTargets')).toEqual([]);
  });

  it("starts the release on the promotion's own ABORTED, TIMED_OUT and FAILED events, with a dead-letter queue", () => {
    const rules = Object.values(dr).filter((x) => x.Type === 'AWS::Events::Rule');
    const rule = rules.find((r) => JSON.stringify(r.Properties?.EventPattern).includes('Execution Status Change'))!;
    expect(rule.Properties?.EventPattern).toMatchObject({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
    });
    expect(JSON.stringify(rule.Properties?.EventPattern)).toMatch(/DrPromotion0C663FC0/);
    expect(JSON.stringify(rule.Properties?.Targets)).toMatch(/DrPromotionRelease/);
    expect(JSON.stringify(rule.Properties?.Targets)).toMatch(/DeadLetterConfig/);
  });

  it('lets the release describe only executions of the dr-promotion machine', () => {
    const describe = granting(statements('DrPromotionReleaseRole'), 'states:DescribeExecution');
    expect(describe).toHaveLength(1);
    expect(JSON.stringify(describe[0].Resource)).toMatch(
      /:execution:",\{"Fn::GetAtt":\["DrPromotion0C663FC0","Name"\]\},":\*"/,
    );
  });

  it('creates the IRIS query and promotion documents with typed parameters', () => {
    const docs = Object.values(dr).filter((x) => x.Type === 'AWS::SSM::Document');
    expect(docs.map((d) => d.Properties?.Name).sort()).toEqual([
      'ha-workflows-eu-central-1-iris-mirror-query',
      'ha-workflows-eu-central-1-iris-promote',
    ]);
    for (const d of docs) {
      const content = d.Properties?.Content as { parameters: Record<string, { allowedPattern?: string }> };
      expect(content.parameters.instanceName.allowedPattern).toBe('^[A-Za-z][A-Za-z0-9_]{0,63}$');
    }
  });
});

/**
 * The literals inside intrinsic-function strings that break AWS's escaping rules: inside `'…'`, the characters
 * `' { } \\` are reserved and must be escaped with a backslash; only `{}` (a States.Format placeholder) may appear
 * unescaped. Returns one line per offending literal.
 */
function unescapedIntrinsicLiterals(definition: unknown): string[] {
  const found: string[] = [];
  const visit = (value: unknown, where: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${where}[${i}]`));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k.endsWith('.$') && typeof v === 'string' && v.startsWith('States.')) check(v, `${where}.${k}`);
        else visit(v, `${where}.${k}`);
      }
    }
  };
  const check = (expression: string, where: string) => {
    let inLiteral = false;
    for (let i = 0; i < expression.length; i++) {
      const c = expression[i];
      if (!inLiteral) {
        if (c === "'") inLiteral = true;
        continue;
      }
      if (c === '\\') {
        if (!["'", '{', '}', '\\'].includes(expression[i + 1] ?? ''))
          found.push(`${where}: "\\" not escaping a reserved character at ${i}`);
        i++;
      } else if (c === "'") inLiteral = false;
      else if (c === '{' && expression[i + 1] === '}') i++;
      else if (c === '{' || c === '}')
        found.push(`${where}: unescaped "${c}" at ${i}: …${expression.slice(Math.max(0, i - 20), i + 20)}…`);
    }
    if (inLiteral) found.push(`${where}: unterminated literal`);
  };
  visit(definition, '$');
  return found;
}

describe('dr-promotion intrinsic functions', () => {
  it('escape every reserved character in their string literals (the practice run works on AWS)', () => {
    // GIVEN the synthesized DR machine
    const machine = synthExampleApp().stateMachines.find(
      (m) => m.resource.Metadata?.['ha-workflows:workflow'] === 'dr-promotion',
    )!;
    const states = (machine.definition as { States: Record<string, unknown> }).States;
    // THEN the practice description exists and every intrinsic literal (it included) follows the escaping rules
    expect(states['Describe what the promotion would do']).toBeDefined();
    expect(unescapedIntrinsicLiterals(machine.definition)).toEqual([]);
  });

  it('flags an unescaped brace and accepts an escaped one', () => {
    expect(
      unescapedIntrinsicLiterals({ a: { 'x.$': 'States.Format(\'Targets=[{"Id": "{}"}]\', $.id)' } }),
    ).toHaveLength(2);
    expect(unescapedIntrinsicLiterals({ a: { 'x.$': 'States.Format(\'Targets=[\\{"Id": "{}"\\}]\', $.id)' } })).toEqual(
      [],
    );
  });
});

describe('DrPromotionWorkflow props', () => {
  it('reports every problem at once', () => {
    const app = new App({ context: TEST_APP_CONTEXT });
    const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-central-1' } });
    const foundation = new HaFoundation(stack, 'F', { notificationEmails: [], logRetention: 90 });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'V', {
      vpcId: 'vpc-0c1d2e3f405162738',
      availabilityZones: ['eu-central-1a'],
      privateSubnetIds: ['subnet-0c00000000000000c'],
    });
    expect(
      () =>
        new DrPromotionWorkflow(stack, 'Dr', {
          foundation,
          primaryRegion: 'eu-west-1',
          sets: [
            {
              name: 'db-1',
              vpc,
              subnets: {},
              oldMembers: [],
              drMembers: [{ instanceId: 'i-1', address: '10.0.0.300' }],
              drTargetGroupArns: [],
              primaryVpcId: 'vpc-0a1b2c3d4e5f60718',
              primaryDenyAllGroupId: 'sg-x',
              promotion: { preset: 'command' },
            },
          ],
        }),
    ).toThrow(PropsError);
  });
});
