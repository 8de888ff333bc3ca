import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { makeHandler } from '../../tasks/plan-instance-backup/handler';
import { TaskErrorNames } from '../../tasks/shared/errors';
import { taskLogger } from '../../tasks/shared/logger';
import { failure, settings } from '../fixtures/backup-tasks';
import { ec2Error } from './ec2-error';

const ID = 'i-0aaaaaaaaaaaaaaa1';

describe('plan-instance-backup', () => {
  let ec2: AwsClientStub<EC2Client>;
  const plan = makeHandler({ ec2: new EC2Client({ region: 'eu-west-1' }) }, taskLogger('plan', { logLevel: 'SILENT' }));
  const event = (overrides: Record<string, unknown> = {}) => ({
    instanceId: ID,
    executionStartTime: '2026-01-05T02:30:00.000Z',
    settings: settings(),
    ...overrides,
  });
  const givenState = (name: string) =>
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [{ InstanceId: ID, State: { Name: name as never } }] }] });

  beforeAll(() => {
    ec2 = mockClient(EC2Client);
  });
  beforeEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  it('plans a freeze for a running instance: FROZEN lock state, lease and expiry tags from the start time', async () => {
    givenState('running');
    expect(await plan(event())).toEqual({
      nowEpoch: 1767580200,
      lockExpiresAt: 1767580200 + 25200,
      state: 'running',
      freeze: true,
      lockState: 'FROZEN',
      expiry: '2026-01-19T02:30:00.000Z',
      copyExpiry: '2026-02-04T02:30:00.000Z',
    });
  });

  it('plans no freeze for a stopped instance, and none without a freeze method', async () => {
    givenState('stopped');
    expect(await plan(event())).toMatchObject({ freeze: false, lockState: 'BACKING_UP', state: 'stopped' });
    givenState('running');
    expect(
      await plan(event({ settings: settings({ method: 'none', freezeDocument: '', thawDocument: '' }) })),
    ).toMatchObject({
      freeze: false,
      lockState: 'BACKING_UP',
    });
  });

  it('writes expiry "none" without age-based retention', async () => {
    givenState('running');
    const out = await plan(event({ settings: settings({ retention: { count: 3, minimumKept: 1 }, copy: undefined }) }));
    expect(out).toMatchObject({ expiry: 'none', copyExpiry: 'none' });
  });

  it('fails with InstanceNotFound for an instance EC2 does not know, or that is terminated', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound', 'x'));
    expect((await failure(plan(event()))).name).toBe(TaskErrorNames.InstanceNotFound);
    givenState('terminated');
    const e = await failure(plan(event()));
    expect(e.name).toBe(TaskErrorNames.InstanceNotFound);
    expect(e.message).toBe(`Instance ${ID} is terminated; there is nothing to back up`);
  });
});
