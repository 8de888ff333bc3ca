import type { DescribeAlarmsForMetricOutput, DescribeAlarmsOutput } from '@aws-sdk/client-cloudwatch';
import {
  type AlarmStateChange,
  type CloudWatchEnvironment,
  CloudWatchSimulator,
} from '../../../local/region/cloudwatch';
import { SimulatedRegion } from '../../../local/region/region';

const INSTANCE = 'i-0123456789abcdef0';

const statusAlarm = (name: string, instanceId = INSTANCE) => ({
  AlarmName: name,
  Namespace: 'AWS/EC2',
  MetricName: 'StatusCheckFailed_System',
  Dimensions: [{ Name: 'InstanceId', Value: instanceId }],
  Statistic: 'Maximum' as const,
  EvaluationPeriods: 2,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold' as const,
  AlarmActions: ['arn:aws:sns:us-east-1:123456789012:HaWorkflows-Alerts'],
  Tags: [{ Key: 'ha-workflows:group', Value: 'iris' }],
});

function setup(
  env: CloudWatchEnvironment = {
    alarms: [statusAlarm('iris-1-system'), statusAlarm('iris-2-system', 'i-0fedcba9876543210')],
  },
) {
  const region = new SimulatedRegion({ seed: 7 });
  const cloudwatch = new CloudWatchSimulator(region, env);
  region.register(cloudwatch);
  const describe = async (input: Record<string, unknown> = {}) =>
    (await region.call('cloudwatch', 'DescribeAlarms', input)) as DescribeAlarmsOutput;
  return { region, cloudwatch, describe };
}

describe('CloudWatchSimulator', () => {
  describe('DescribeAlarms', () => {
    it('describes the environment alarms with their ARN, state and timestamps', async () => {
      // GIVEN two status-check alarms
      const { region, describe } = setup();

      // WHEN all alarms are described
      const result = await describe();

      // THEN both come back in name order, OK, with the ARN format of the region
      expect(result.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['iris-1-system', 'iris-2-system']);
      expect(result.MetricAlarms?.[0]).toMatchObject({
        AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:iris-1-system',
        StateValue: 'OK',
        Period: 60,
        ActionsEnabled: true,
        Dimensions: [{ Name: 'InstanceId', Value: INSTANCE }],
        StateUpdatedTimestamp: new Date(region.clock.startMs),
      });
      expect(result.NextToken).toBeUndefined();
      expect(region.clock.elapsedSeconds()).toBeCloseTo(0.05);
    });

    it('filters by names, prefix and state, and pages with MaxRecords / NextToken', async () => {
      // GIVEN two alarms, one in ALARM
      const { cloudwatch, describe } = setup();
      cloudwatch.setAlarmState('iris-2-system', 'ALARM', 'Threshold Crossed');

      // WHEN they are described with filters and pages
      const byName = await describe({ AlarmNames: ['iris-2-system', 'nope'] });
      const byPrefix = await describe({ AlarmNamePrefix: 'iris-1' });
      const inAlarm = await describe({ StateValue: 'ALARM' });
      const first = await describe({ MaxRecords: 1 });
      const second = await describe({ MaxRecords: 1, NextToken: first.NextToken });

      // THEN each filter keeps its alarms and the pages cover both
      expect(byName.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['iris-2-system']);
      expect(byPrefix.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['iris-1-system']);
      expect(inAlarm.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['iris-2-system']);
      expect([first, second].map((p) => p.MetricAlarms?.[0].AlarmName)).toEqual(['iris-1-system', 'iris-2-system']);
      expect(second.NextToken).toBeUndefined();
    });

    it('rejects a bad NextToken and an out-of-range MaxRecords', async () => {
      // GIVEN alarms
      const { describe } = setup();

      // WHEN paged wrongly
      // THEN the service's codes come back
      await expect(describe({ NextToken: 'garbage' })).rejects.toMatchObject({ code: 'InvalidNextToken' });
      await expect(describe({ MaxRecords: 500 })).rejects.toMatchObject({ code: 'ValidationError' });
    });
  });

  it("finds an instance's alarms with DescribeAlarmsForMetric", async () => {
    // GIVEN alarms for two instances
    const { region } = setup();

    // WHEN the alarms of one instance's metric are asked for
    const result = (await region.call('cloudwatch', 'DescribeAlarmsForMetric', {
      Namespace: 'AWS/EC2',
      MetricName: 'StatusCheckFailed_System',
      Dimensions: [{ Name: 'InstanceId', Value: INSTANCE }],
    })) as DescribeAlarmsForMetricOutput;

    // THEN only its alarm comes back
    expect(result.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['iris-1-system']);
  });

  describe('PutMetricAlarm', () => {
    it('creates an alarm in INSUFFICIENT_DATA and keeps the state when it is updated', async () => {
      // GIVEN no alarms
      const { region, cloudwatch, describe } = setup({});
      const { Tags: _tags, ...alarm } = statusAlarm('iris-3-system', 'i-0aaaaaaaaaaaaaaa3');

      // WHEN an alarm is created, goes to ALARM, and is updated
      await region.call('cloudwatch', 'PutMetricAlarm', { ...alarm, Period: 60, Tags: [{ Key: 'k', Value: 'v' }] });
      const created = (await describe()).MetricAlarms?.[0];
      cloudwatch.setAlarmState('iris-3-system', 'ALARM', 'test');
      await region.call('cloudwatch', 'PutMetricAlarm', {
        ...alarm,
        Period: 60,
        EvaluationPeriods: 3,
        Tags: [{ Key: 'k', Value: 'ignored' }],
      });
      const updated = (await describe()).MetricAlarms?.[0];

      // THEN it started INSUFFICIENT_DATA; the update changed the configuration, not the state, nor the tags
      expect(created).toMatchObject({
        StateValue: 'INSUFFICIENT_DATA',
        EvaluationPeriods: 2,
        StateReason: 'Unchecked: Initial alarm creation',
      });
      expect(updated).toMatchObject({ StateValue: 'ALARM', EvaluationPeriods: 3 });
      const tags = await region.call('cloudwatch', 'ListTagsForResource', { ResourceARN: updated?.AlarmArn });
      expect(tags).toEqual({ Tags: [{ Key: 'k', Value: 'v' }] });
    });

    it.each([
      ['no AlarmName', { AlarmName: undefined }, 'ValidationError'],
      ['no EvaluationPeriods', { EvaluationPeriods: undefined }, 'MissingParameter'],
      ['no ComparisonOperator', { ComparisonOperator: undefined }, 'MissingParameter'],
      ['an unknown ComparisonOperator', { ComparisonOperator: 'Bigger' }, 'ValidationError'],
      ['a Period of 45 s', { Period: 45 }, 'InvalidParameterValue'],
    ])('rejects an alarm with %s', async (_what, change, code) => {
      // GIVEN a valid alarm definition
      const { region } = setup({});
      const { Tags: _tags, ...alarm } = statusAlarm('bad');

      // WHEN a member is missing or wrong
      // THEN the service's code comes back
      await expect(region.call('cloudwatch', 'PutMetricAlarm', { ...alarm, ...change })).rejects.toMatchObject({
        code,
      });
    });
  });

  it('deletes the named alarms, and answers ResourceNotFound for the missing ones after deleting the rest', async () => {
    // GIVEN two alarms
    const { region, describe } = setup();

    // WHEN one existing and one unknown alarm are deleted
    const call = region.call('cloudwatch', 'DeleteAlarms', { AlarmNames: ['iris-1-system', 'nope'] });

    // THEN the call fails for the unknown one, and the existing one is gone anyway
    await expect(call).rejects.toMatchObject({ code: 'ResourceNotFound', message: expect.stringContaining('nope') });
    expect((await describe()).MetricAlarms?.map((a) => a.AlarmName)).toEqual(['iris-2-system']);
  });

  describe('SetAlarmState', () => {
    it('changes the state, records it with modeled time and tells the subscribers', async () => {
      // GIVEN a subscriber and some modeled time passed
      const { region, cloudwatch, describe } = setup();
      const seen: AlarmStateChange[] = [];
      cloudwatch.onStateChange((c) => seen.push(c));
      region.clock.advanceSeconds(90);

      // WHEN the alarm is set to ALARM
      await region.call('cloudwatch', 'SetAlarmState', {
        AlarmName: 'iris-1-system',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 2 datapoints',
        StateReasonData: '{"version":"1.0"}',
      });

      // THEN DescribeAlarms shows it, and the change was recorded and announced
      expect((await describe({ StateValue: 'ALARM' })).MetricAlarms?.[0]).toMatchObject({
        AlarmName: 'iris-1-system',
        StateReason: 'Threshold Crossed: 2 datapoints',
        StateReasonData: '{"version":"1.0"}',
        StateUpdatedTimestamp: new Date(region.clock.startMs + 90_000),
      });
      expect(seen).toEqual([
        {
          at: 90,
          alarmName: 'iris-1-system',
          alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:iris-1-system',
          from: 'OK',
          to: 'ALARM',
          reason: 'Threshold Crossed: 2 datapoints',
        },
      ]);
      expect(cloudwatch.stateChanges).toEqual(seen);
    });

    it('answers ResourceNotFound for an unknown alarm and InvalidFormat for StateReasonData that is not JSON', async () => {
      // GIVEN alarms
      const { region } = setup();

      // WHEN the state of an unknown alarm is set, or with bad reason data
      // THEN the service's codes come back
      await expect(
        region.call('cloudwatch', 'SetAlarmState', { AlarmName: 'nope', StateValue: 'ALARM', StateReason: 'x' }),
      ).rejects.toMatchObject({
        code: 'ResourceNotFound',
      });
      await expect(
        region.call('cloudwatch', 'SetAlarmState', {
          AlarmName: 'iris-1-system',
          StateValue: 'ALARM',
          StateReason: 'x',
          StateReasonData: '{',
        }),
      ).rejects.toMatchObject({ code: 'InvalidFormat' });
    });
  });

  describe('PutMetricData', () => {
    it('records the data points with modeled time', async () => {
      // GIVEN a region 30 s into the drill
      const { region, cloudwatch } = setup({});
      region.clock.advanceSeconds(30);

      // WHEN a workflow publishes its recovery time
      await region.call('cloudwatch', 'PutMetricData', {
        Namespace: 'HaWorkflows',
        MetricData: [
          { MetricName: 'RecoverySeconds', Value: 95, Unit: 'Seconds', Dimensions: [{ Name: 'Group', Value: 'iris' }] },
        ],
      });

      // THEN the datum is in the snapshot
      expect(cloudwatch.snapshot()).toMatchObject({
        metricData: [
          {
            at: 30,
            namespace: 'HaWorkflows',
            metricName: 'RecoverySeconds',
            value: 95,
            unit: 'Seconds',
            dimensions: [{ Name: 'Group', Value: 'iris' }],
            timestamp: new Date(region.clock.startMs + 30_000).toISOString(),
          },
        ],
      });
    });

    it('rejects a namespace reserved for AWS', async () => {
      // GIVEN a region
      const { region } = setup({});

      // WHEN data is put into AWS/EC2
      const call = region.call('cloudwatch', 'PutMetricData', {
        Namespace: 'AWS/EC2',
        MetricData: [{ MetricName: 'x', Value: 1 }],
      });

      // THEN the namespace is an invalid parameter value
      await expect(call).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    });

    // CloudWatch API Reference: PutMetricData (MetricData at most 1000, Namespace 1-255), MetricDatum (MetricName
    // 1-255, Dimensions at most 30, Values at most 150) and Dimension (Name 1-255, Value 1-1024, ASCII).
    it.each([
      ['a namespace of 256 characters', { Namespace: 'N'.repeat(256), MetricData: [{ MetricName: 'm', Value: 1 }] }],
      [
        'a metric name of 256 characters',
        { Namespace: 'HaWorkflows', MetricData: [{ MetricName: 'm'.repeat(256), Value: 1 }] },
      ],
      [
        '31 dimensions',
        {
          Namespace: 'HaWorkflows',
          MetricData: [
            {
              MetricName: 'm',
              Value: 1,
              Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })),
            },
          ],
        },
      ],
      [
        'a dimension value of 1025 characters',
        {
          Namespace: 'HaWorkflows',
          MetricData: [{ MetricName: 'm', Value: 1, Dimensions: [{ Name: 'Group', Value: 'v'.repeat(1025) }] }],
        },
      ],
      [
        'a dimension name starting with a colon',
        {
          Namespace: 'HaWorkflows',
          MetricData: [{ MetricName: 'm', Value: 1, Dimensions: [{ Name: ':g', Value: 'v' }] }],
        },
      ],
      [
        'a non-ASCII dimension value',
        {
          Namespace: 'HaWorkflows',
          MetricData: [{ MetricName: 'm', Value: 1, Dimensions: [{ Name: 'Group', Value: 'grüppe' }] }],
        },
      ],
      [
        '1001 metrics',
        { Namespace: 'HaWorkflows', MetricData: Array.from({ length: 1001 }, () => ({ MetricName: 'm', Value: 1 })) },
      ],
      [
        '151 values',
        { Namespace: 'HaWorkflows', MetricData: [{ MetricName: 'm', Values: Array.from({ length: 151 }, () => 1) }] },
      ],
      [
        'a value that is not a finite number',
        { Namespace: 'HaWorkflows', MetricData: [{ MetricName: 'm', Value: Infinity }] },
      ],
    ])('refuses %s with InvalidParameterValue, as CloudWatch does', async (_what, input) => {
      const { region, cloudwatch } = setup({});
      await expect(region.call('cloudwatch', 'PutMetricData', input)).rejects.toMatchObject({
        code: 'InvalidParameterValue',
      });
      expect(cloudwatch.snapshot()).toMatchObject({ metricData: [] });
    });

    it('accepts 30 dimensions with a 1024-character value', async () => {
      const { region } = setup({});
      const dims = Array.from({ length: 30 }, (_, i) => ({ Name: `d${i}`, Value: 'v'.repeat(1024) }));
      await expect(
        region.call('cloudwatch', 'PutMetricData', {
          Namespace: 'HaWorkflows',
          MetricData: [{ MetricName: 'm', Value: 1, Dimensions: dims }],
        }),
      ).resolves.toEqual({});
    });
  });
});

describe('CloudWatchSimulator: alarm state change events', () => {
  it('sends the "CloudWatch Alarm State Change" event of a single metric alarm on every state change, and none otherwise', () => {
    // GIVEN an alarm on an instance's status check, listened to as EventBridge would
    const { region, cloudwatch } = setup();
    const events: Record<string, unknown>[] = [];
    cloudwatch.onStateChangeEvent((e) => events.push(e));
    // WHEN it goes to ALARM, is set to ALARM again (no change), then back to OK
    region.clock.advanceSeconds(30);
    cloudwatch.setAlarmState('iris-1-system', 'ALARM', 'Threshold Crossed');
    cloudwatch.setAlarmState('iris-1-system', 'ALARM', 'Threshold Crossed');
    cloudwatch.setAlarmState('iris-1-system', 'OK', 'Threshold no longer crossed');
    // THEN two events, shaped as the CloudWatch User Guide's example (InstanceId as a dimension of the metric)
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      version: '0',
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      account: region.accountId,
      region: region.regionName,
      resources: [`arn:aws:cloudwatch:${region.regionName}:${region.accountId}:alarm:iris-1-system`],
      detail: {
        alarmName: 'iris-1-system',
        state: { value: 'ALARM', reason: 'Threshold Crossed' },
        previousState: { value: 'OK' },
        configuration: {
          metrics: [
            {
              metricStat: {
                metric: {
                  namespace: 'AWS/EC2',
                  name: 'StatusCheckFailed_System',
                  dimensions: { InstanceId: expect.any(String) },
                },
              },
              returnData: true,
            },
          ],
        },
      },
    });
    expect(events[1]).toMatchObject({ detail: { state: { value: 'OK' }, previousState: { value: 'ALARM' } } });
    expect(events[0].id).not.toEqual(events[1].id);
  });
});
