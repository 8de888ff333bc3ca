import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { makeHandler } from '../../tasks/plan-target-switch/handler';
import { TaskErrorNames } from '../../contracts/errors';
import { taskLogger } from '../../tasks/shared/logger';

const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const C = 'i-0ccccccccccccccc3';
const OTHER = 'i-0fedcba9876543210';
const TG1 = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/db-1/89abcdef01234567';
const TG2 = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/db-1-web/0123456789abcdef';

const target = (id: string, state: string, port = 1972, reason?: string): TargetHealthDescription => ({
  Target: { Id: id, Port: port },
  HealthCheckPort: '52773',
  TargetHealth: { State: state as never, ...(reason ? { Reason: reason as never } : {}) },
});

describe('plan-target-switch', () => {
  let elbv2: AwsClientStub<ElasticLoadBalancingV2Client>;
  const plan = makeHandler(
    { elbv2: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }) },
    taskLogger('plan-target-switch', { logLevel: 'SILENT' }),
  );
  const given = (arn: string, targets: TargetHealthDescription[]) =>
    elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: arn }).resolves({ TargetHealthDescriptions: targets });

  beforeAll(() => {
    elbv2 = mockClient(ElasticLoadBalancingV2Client);
  });
  beforeEach(() => {
    elbv2.reset();
  });
  afterAll(() => {
    elbv2.restore();
  });

  it('registers the primary and deregisters the old one, on the port it is registered on', async () => {
    // GIVEN A (the old primary) is the registered target, on port 1972
    given(TG1, [target(A, 'unhealthy')]);
    // WHEN the switch to B is planned
    const out = await plan({ primary: B, members: [A, B], targetGroupArns: [TG1] });
    // THEN B is registered and A deregistered; A is recorded as where traffic came from
    expect(out).toEqual({
      changes: true,
      register: [{ targetGroupArn: TG1, instanceId: B }],
      deregister: [{ targetGroupArn: TG1, instanceId: A, port: 1972 }],
      previous: A,
      otherTargets: 0,
    });
    // AND   the target group was read whole (no Targets filter: every registered target is listed)
    expect(elbv2.commandCalls(DescribeTargetHealthCommand).map((c) => c.args[0].input)).toEqual([
      { TargetGroupArn: TG1 },
    ]);
  });

  it('plans no change when the primary is the only registered member', async () => {
    // GIVEN B is registered and healthy, alone
    given(TG1, [target(B, 'healthy')]);
    // WHEN the switch to B is planned
    const out = await plan({ primary: B, members: [A, B], targetGroupArns: [TG1] });
    // THEN nothing is to be done
    expect(out).toEqual({ changes: false, register: [], deregister: [], previous: 'none', otherTargets: 0 });
  });

  it('leaves a draining member alone and still counts a stopped (unused) one as registered', async () => {
    // GIVEN A is draining already, C (stopped) is registered but unused, B is not registered
    given(TG1, [target(A, 'draining'), target(C, 'unused', 1972, 'Target.InvalidState')]);
    // WHEN the switch to B is planned
    const out = await plan({ primary: B, members: [A, B, C], targetGroupArns: [TG1] });
    // THEN only C is deregistered
    expect(out.register).toEqual([{ targetGroupArn: TG1, instanceId: B }]);
    expect(out.deregister).toEqual([{ targetGroupArn: TG1, instanceId: C, port: 1972 }]);
    expect(out.previous).toBe(C);
  });

  it('re-registers a primary that is draining', async () => {
    // GIVEN B was deregistered a moment ago (draining) and A is registered
    given(TG1, [target(B, 'draining'), target(A, 'healthy')]);
    // WHEN the switch to B is planned
    const out = await plan({ primary: B, members: [A, B], targetGroupArns: [TG1] });
    // THEN B is registered again and A deregistered
    expect(out.register).toEqual([{ targetGroupArn: TG1, instanceId: B }]);
    expect(out.deregister.map((d) => d.instanceId)).toEqual([A]);
  });

  it('plans each target group on its own and never touches a target that is not a member', async () => {
    // GIVEN TG1 already has B only; TG2 has A and an instance that is not a member of the set
    given(TG1, [target(B, 'healthy')]);
    given(TG2, [target(A, 'healthy', 52773), target(OTHER, 'healthy', 8080)]);
    // WHEN the switch to B is planned
    const out = await plan({ primary: B, members: [A, B], targetGroupArns: [TG1, TG2] });
    // THEN only TG2 changes, and the other instance is counted, not deregistered
    expect(out).toEqual({
      changes: true,
      register: [{ targetGroupArn: TG2, instanceId: B }],
      deregister: [{ targetGroupArn: TG2, instanceId: A, port: 52773 }],
      previous: A,
      otherTargets: 1,
    });
  });

  it('rejects a primary that is not a member of the set', async () => {
    // GIVEN a primary missing from the members
    // WHEN the handler parses the input
    const failure = await plan({ primary: C, members: [A, B], targetGroupArns: [TG1] }).catch((e: unknown) => e);
    // THEN it fails with InvalidTaskInput before reading anything
    expect((failure as Error).name).toBe(TaskErrorNames.InvalidTaskInput);
    expect((failure as Error).message).toContain(`$.primary: got "${C}"; expected one of the members`);
    expect(elbv2.commandCalls(DescribeTargetHealthCommand)).toEqual([]);
  });
});
