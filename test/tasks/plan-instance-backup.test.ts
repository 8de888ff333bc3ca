import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { makeHandler } from '../../tasks/plan-instance-backup/handler';
import { TaskErrorNames } from '../../contracts/errors';
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
  const BOOT = { DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-0aaaaaaaaaaaaaaa1' } };
  const DATA = { DeviceName: '/dev/sdf', Ebs: { VolumeId: 'vol-0aaaaaaaaaaaaaaa2' } };
  const givenState = (name: string, volumes = [BOOT, DATA]) =>
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: ID,
              State: { Name: name as never },
              RootDeviceName: '/dev/xvda',
              BlockDeviceMappings: volumes,
            },
          ],
        },
      ],
    });

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
      volumeIds: ['vol-0aaaaaaaaaaaaaaa1', 'vol-0aaaaaaaaaaaaaaa2'],
      volumeCount: 2,
    });
  });

  it('plans the data volumes only when the policy excludes the boot volume', async () => {
    givenState('running');
    expect(await plan(event({ settings: settings({ excludeBootVolume: true }) }))).toMatchObject({
      volumeIds: ['vol-0aaaaaaaaaaaaaaa2'],
      volumeCount: 1,
    });
  });

  it('refuses an instance without EBS volumes with NothingToSnapshot, naming the instance', async () => {
    // GIVEN an instance with no EBS volume (instance-store root, or a non-EBS mapping)
    givenState('running', [{ DeviceName: '/dev/sdb' } as never]);
    // WHEN it is planned
    const e = await failure(plan(event()));
    // THEN it is refused before any lock or freeze, and the message says why
    expect(e.name).toBe(TaskErrorNames.NothingToSnapshot);
    expect(e.message).toContain(`Instance ${ID} has no EBS volume attached`);
    expect(e.message).toContain('it was not frozen');
  });

  it('refuses an instance whose only volume is the boot volume the policy excludes, naming that volume', async () => {
    givenState('running', [BOOT]);
    const e = await failure(plan(event({ settings: settings({ excludeBootVolume: true }) })));
    expect(e.name).toBe(TaskErrorNames.NothingToSnapshot);
    expect(e.message).toContain('vol-0aaaaaaaaaaaaaaa1 at /dev/xvda (the boot volume, excluded by the policy)');
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
