import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { makeHandler } from '../../tasks/record-freeze-window/handler';
import { FREEZE_WINDOW_METRIC, METRIC_NAMESPACE, WRITES_RESUMED_METRIC } from '../../tasks/record-freeze-window/logic';
import { BACKUP_METRIC_NAMESPACE } from '../../workflows/snapshot-backup';
import { mockedForEachTest, silentLogger } from '../harness/task-mocks';

describe('record-freeze-window', () => {
  const ec2 = mockedForEachTest(mockClient(EC2Client));
  const cloudwatch = mockedForEachTest(mockClient(CloudWatchClient));
  const record = makeHandler(
    { ec2: new EC2Client({ region: 'eu-west-1' }), cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }) },
    silentLogger('record'),
  );
  const event = (thawOutput: string) => ({
    instanceId: 'i-0aaaaaaaaaaaaaaa1',
    policy: 'db-nightly',
    freezeEndedAt: '2026-01-05T02:30:05.175Z',
    thawEndedAt: '2026-01-05T02:30:10.655Z',
    thawOutput,
    snapshotIds: ['snap-0000000000000000a', 'snap-0000000000000000b'],
  });

  it('puts the freeze window (freeze end → thaw end) as a metric per policy, and leaves the tags alone', async () => {
    // GIVEN a thaw that found the writes still suspended
    // WHEN the window is recorded
    const out = await record(event('THAWED\n'));
    // THEN 5.48 s, application-consistent, one PutMetricData with both metrics at the thaw's time
    expect(out).toEqual({ freezeWindowSeconds: 5.48, writesResumedBeforeThaw: false, consistency: 'application' });
    expect(cloudwatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: METRIC_NAMESPACE,
      MetricData: [
        expect.objectContaining({
          MetricName: FREEZE_WINDOW_METRIC,
          Value: 5.48,
          Unit: 'Seconds',
          Dimensions: [{ Name: 'Policy', Value: 'db-nightly' }],
        }),
        expect.objectContaining({ MetricName: WRITES_RESUMED_METRIC, Value: 0, Unit: 'Count' }),
      ],
    });
    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
    // AND the namespace is the one the construct's IAM condition names
    expect(METRIC_NAMESPACE).toBe(BACKUP_METRIC_NAMESPACE);
  });

  it('re-tags the set crash-consistent when the thaw reports the writes had already resumed', async () => {
    const out = await record(event('WRITES_RESUMED_BEFORE_THAW\nTHAWED\n'));
    expect(out).toMatchObject({ writesResumedBeforeThaw: true, consistency: 'crash' });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: ['snap-0000000000000000a', 'snap-0000000000000000b'],
      Tags: [
        { Key: 'ha-workflows:consistency', Value: 'crash' },
        { Key: 'ha-workflows:consistency-note', Value: 'writes-resumed-before-thaw' },
      ],
    });
  });

  it('does not mistake a line that merely mentions the marker', async () => {
    expect(await record(event('echo WRITES_RESUMED_BEFORE_THAW? no\nTHAWED'))).toMatchObject({
      writesResumedBeforeThaw: false,
    });
  });
});
