import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { makeHandler } from '../../tasks/select-backup-targets/handler';
import { runIdOf } from '../../tasks/select-backup-targets/logic';
import { TaskErrorNames } from '../../contracts/errors';
import { taskLogger } from '../../tasks/shared/logger';
import { failure, settings } from '../fixtures/backup-tasks';

describe('select-backup-targets', () => {
  let ec2: AwsClientStub<EC2Client>;
  const select = makeHandler(
    { ec2: new EC2Client({ region: 'eu-west-1' }) },
    taskLogger('select-backup-targets', { logLevel: 'SILENT' }),
  );
  const event = (trigger: Record<string, unknown>, maxTargets = 2000) => ({
    trigger,
    executionName: 'run-by-hand-1',
    maxTargets,
    policies: { 'db-nightly': settings() },
  });

  beforeAll(() => {
    ec2 = mockClient(EC2Client);
  });
  beforeEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  it("selects the policy's tagged instances, sorted and without duplicates, and names the run after the schedule", async () => {
    // GIVEN three instances carry the policy's tag (one listed twice, over two pages)
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: 'i-0000000000000000b' }, { InstanceId: 'i-0000000000000000a' }] }],
        NextToken: 't',
      })
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: 'i-0000000000000000a' }, { InstanceId: 'i-0000000000000000c' }] }],
      });
    // WHEN the scheduled run selects
    const out = await select(event({ policy: 'db-nightly', scheduledTime: '2026-01-05T02:30:00Z' }));
    // THEN the instances, the run id from the schedule's time, and the policy's settings
    expect(out).toMatchObject({
      runId: 'db-nightly-20260105T023000Z',
      policy: 'db-nightly',
      instanceIds: ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c'],
      count: 3,
      settings: { method: 'iris', concurrency: 5 },
    });
    // AND it asked EC2 for the tag and for instances that can be snapshotted (not terminated)
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [
        { Name: 'tag:ha-workflows:backup', Values: ['db'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
    });
  });

  it('names a repeated delivery of one scheduled invocation the same run, and an on-demand run after its execution', () => {
    // GIVEN the same scheduled time twice, and two on-demand executions
    // THEN the same id for the schedule, different ids for different executions, all ≤ 60 characters
    const policy = 'p'.repeat(40);
    expect(runIdOf('db', '2026-01-05T02:30:00Z', 'a')).toBe(runIdOf('db', '2026-01-05T02:30:00Z', 'b'));
    expect(runIdOf('db', undefined, 'exec-1')).not.toBe(runIdOf('db', undefined, 'exec-2'));
    expect(runIdOf('db', undefined, 'exec-1')).toMatch(/^db-manual-[0-9a-f]{12}$/);
    expect(runIdOf(policy, undefined, 'x'.repeat(80)).length).toBeLessThanOrEqual(60);
    expect(runIdOf(policy, '2026-01-05T02:30:00+01:00', 'x')).toBe(`${policy}-20260105T013000Z`);
  });

  it('backs up only the named instances of an on-demand run', async () => {
    // GIVEN an operator names one instance
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0000000000000000a' }] }] });
    // WHEN the run selects
    await select(event({ policy: 'db-nightly', instanceIds: ['i-0000000000000000a'] }));
    // THEN the instance id is one more filter (the tag still applies)
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: expect.arrayContaining([{ Name: 'instance-id', Values: ['i-0000000000000000a'] }]),
    });
  });

  it('fails with UnknownBackupPolicy, naming the configured ones, for a policy that is not configured', async () => {
    const e = await failure(select(event({ policy: 'weekly' })));
    expect(e.name).toBe(TaskErrorNames.UnknownBackupPolicy);
    expect(e.message).toBe('No backup policy "weekly" is configured (configured: db-nightly)');
  });

  it('fails with TooManyBackupTargets when the policy selects more than one run may back up', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-0000000000000000a' }, { InstanceId: 'i-0000000000000000b' }] }],
    });
    const e = await failure(select(event({ policy: 'db-nightly' }, 1)));
    expect(e.name).toBe(TaskErrorNames.TooManyBackupTargets);
    expect(e.message).toContain('selects 2 instances');
  });

  it('rejects an input without a policy, naming the path', async () => {
    const e = await failure(select({ ...event({}), trigger: {} }));
    expect(e.name).toBe(TaskErrorNames.InvalidTaskInput);
    expect(e.message).toContain('$.trigger.policy');
  });
});
