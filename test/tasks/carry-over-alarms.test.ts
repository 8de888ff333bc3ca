import {
  CloudWatchClient,
  CloudWatchServiceException,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { makeHandler } from '../../tasks/carry-over-alarms/handler';
import { TaskErrorNames } from '../../contracts/errors';
import { taskLogger } from '../../tasks/shared/logger';

const OLD = 'i-0aaa1111bbbb2222c';
const NEW = 'i-0ddd3333eeee4444f';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ops';

/** A metric alarm as DescribeAlarms returns it, read-only fields included. */
function cpuAlarm(name: string, instanceId = OLD): MetricAlarm {
  return {
    AlarmName: name,
    AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
    AlarmDescription: 'CPU high',
    AlarmConfigurationUpdatedTimestamp: new Date('2025-01-01T00:00:00Z'),
    ActionsEnabled: true,
    OKActions: [],
    AlarmActions: [TOPIC],
    InsufficientDataActions: [],
    StateValue: 'ALARM',
    StateReason: 'Threshold Crossed',
    MetricName: 'CPUUtilization',
    Namespace: 'AWS/EC2',
    Statistic: 'Average',
    Dimensions: [
      { Name: 'InstanceId', Value: instanceId },
      { Name: 'Role', Value: 'db' },
    ],
    Period: 60,
    Unit: 'Percent',
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    Threshold: 90,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'breaching',
  };
}

function mathAlarm(name: string): MetricAlarm {
  return {
    AlarmName: name,
    ActionsEnabled: true,
    AlarmActions: [TOPIC],
    EvaluationPeriods: 1,
    Threshold: 10,
    ComparisonOperator: 'GreaterThanThreshold',
    ThresholdMetricId: 'e1',
    Metrics: [
      { Id: 'e1', Expression: 'm1 / 60', Label: 'per second', ReturnData: true },
      {
        Id: 'm1',
        ReturnData: false,
        MetricStat: {
          Metric: { Namespace: 'CWAgent', MetricName: 'mirror_lag', Dimensions: [{ Name: 'InstanceId', Value: OLD }] },
          Period: 60,
          Stat: 'Maximum',
        },
      },
    ],
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('carry-over-alarms', () => {
  let cloudwatch: AwsClientStub<CloudWatchClient>;
  const carryOver = makeHandler(
    { cloudwatch: new CloudWatchClient({ region: 'us-east-1' }) },
    taskLogger('carry-over-alarms', { logLevel: 'SILENT' }),
  );

  beforeAll(() => {
    cloudwatch = mockClient(CloudWatchClient);
  });
  beforeEach(() => {
    cloudwatch.reset();
    cloudwatch.on(PutMetricAlarmCommand).resolves({});
    cloudwatch.on(DeleteAlarmsCommand).resolves({});
  });
  afterAll(() => {
    cloudwatch.restore();
  });

  function puts(): PutMetricAlarmCommandInput[] {
    return cloudwatch.commandCalls(PutMetricAlarmCommand).map((c) => c.args[0].input);
  }

  it('puts each alarm of the old instance for the new one, renamed, with every settable field', async () => {
    // GIVEN an alarm whose name and dimensions hold the old id, and an unrelated alarm
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [cpuAlarm(`iris-cpu-${OLD}`), cpuAlarm('other-cpu', 'i-0999')],
    });

    // WHEN the alarms are carried over
    const out = await carryOver({ oldInstanceId: OLD, newInstanceId: NEW });

    // THEN one alarm is put under the new name, with the new id and no read-only fields, and the old one deleted
    expect(out).toEqual({ created: [`iris-cpu-${NEW}`], deleted: [`iris-cpu-${OLD}`] });
    expect(puts()).toEqual([
      {
        AlarmName: `iris-cpu-${NEW}`,
        AlarmDescription: 'CPU high',
        ActionsEnabled: true,
        OKActions: [],
        AlarmActions: [TOPIC],
        InsufficientDataActions: [],
        MetricName: 'CPUUtilization',
        Namespace: 'AWS/EC2',
        Statistic: 'Average',
        Dimensions: [
          { Name: 'InstanceId', Value: NEW },
          { Name: 'Role', Value: 'db' },
        ],
        Period: 60,
        Unit: 'Percent',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 90,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
      },
    ]);
    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, { AlarmTypes: ['MetricAlarm'] });
  });

  it('replaces an alarm in place when its name does not hold the old id, and deletes nothing', async () => {
    // GIVEN an alarm named without the instance id
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [cpuAlarm('iris-primary-cpu')] });

    // WHEN the alarms are carried over
    const out = await carryOver({ oldInstanceId: OLD, newInstanceId: NEW });

    // THEN the same name is put with the new id (PutMetricAlarm replaces it) and nothing is deleted
    expect(out).toEqual({ created: ['iris-primary-cpu'], deleted: [] });
    expect(puts()[0]).toMatchObject({
      AlarmName: 'iris-primary-cpu',
      Dimensions: [{ Name: 'InstanceId', Value: NEW }, {}],
    });
    expect(cloudwatch).not.toHaveReceivedCommand(DeleteAlarmsCommand);
  });

  it('carries a metric-math alarm over by the dimensions of its queries', async () => {
    // GIVEN a metric-math alarm whose metric query watches the old instance
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [mathAlarm(`lag-${OLD}`)] });

    // WHEN the alarms are carried over
    const out = await carryOver({ oldInstanceId: OLD, newInstanceId: NEW });

    // THEN the queries are kept, with the new id in the metric's dimensions
    expect(out).toEqual({ created: [`lag-${NEW}`], deleted: [`lag-${OLD}`] });
    expect(puts()).toEqual([
      {
        AlarmName: `lag-${NEW}`,
        ActionsEnabled: true,
        AlarmActions: [TOPIC],
        EvaluationPeriods: 1,
        Threshold: 10,
        ComparisonOperator: 'GreaterThanThreshold',
        ThresholdMetricId: 'e1',
        Metrics: [
          { Id: 'e1', Expression: 'm1 / 60', Label: 'per second', ReturnData: true },
          {
            Id: 'm1',
            ReturnData: false,
            MetricStat: {
              Metric: {
                Namespace: 'CWAgent',
                MetricName: 'mirror_lag',
                Dimensions: [{ Name: 'InstanceId', Value: NEW }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      },
    ]);
  });

  it('reads every page of alarms and puts all new alarms before deleting any old one', async () => {
    // GIVEN the old instance's alarms are spread over two pages
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [cpuAlarm(`a-${OLD}`)], NextToken: 'p2' })
      .resolvesOnce({ MetricAlarms: [cpuAlarm(`b-${OLD}`), cpuAlarm('c-same-name')] });

    // WHEN the alarms are carried over
    const out = await carryOver({ oldInstanceId: OLD, newInstanceId: NEW });

    // THEN all three are put, then the two renamed ones are deleted in one call
    expect(out).toEqual({ created: [`a-${NEW}`, `b-${NEW}`, 'c-same-name'], deleted: [`a-${OLD}`, `b-${OLD}`] });
    expect(cloudwatch).toHaveReceivedNthSpecificCommandWith(2, DescribeAlarmsCommand, { NextToken: 'p2' });
    const order = cloudwatch.calls().map((c) => c.args[0].constructor.name);
    expect(order).toEqual([
      'DescribeAlarmsCommand',
      'DescribeAlarmsCommand',
      'PutMetricAlarmCommand',
      'PutMetricAlarmCommand',
      'PutMetricAlarmCommand',
      'DeleteAlarmsCommand',
    ]);
    expect(cloudwatch).toHaveReceivedCommandWith(DeleteAlarmsCommand, { AlarmNames: [`a-${OLD}`, `b-${OLD}`] });
  });

  it('deletes nothing when putting a new alarm fails, so a retry can finish the job', async () => {
    // GIVEN putting the second alarm is throttled
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [cpuAlarm(`a-${OLD}`), cpuAlarm(`b-${OLD}`)] });
    const throttled = new CloudWatchServiceException({
      name: 'Throttling',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: {},
    });
    cloudwatch.on(PutMetricAlarmCommand, { AlarmName: `b-${NEW}` }).rejects(throttled);

    // WHEN the alarms are carried over
    const result = carryOver({ oldInstanceId: OLD, newInstanceId: NEW });

    // THEN the SDK error propagates unchanged and no old alarm is gone
    await expect(result).rejects.toBe(throttled);
    expect(cloudwatch).not.toHaveReceivedCommand(DeleteAlarmsCommand);
  });

  it('deletes more than 100 old alarms in calls of at most 100 names', async () => {
    // GIVEN 150 alarms of the old instance
    const alarms = Array.from({ length: 150 }, (_, i) => cpuAlarm(`a${i}-${OLD}`));
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: alarms });

    // WHEN the alarms are carried over
    const out = await carryOver({ oldInstanceId: OLD, newInstanceId: NEW });

    // THEN two delete calls cover them all
    expect(out.deleted).toHaveLength(150);
    const deletes = cloudwatch.commandCalls(DeleteAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length);
    expect(deletes).toEqual([100, 50]);
  });

  it('does nothing when no alarm watches the old instance (as on a retry after success)', async () => {
    // GIVEN only alarms of other instances, including the already carried-over one
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [cpuAlarm(`iris-cpu-${NEW}`, NEW)] });

    // WHEN the alarms are carried over
    const out = await carryOver({ oldInstanceId: OLD, newInstanceId: NEW });

    // THEN nothing is put or deleted
    expect(out).toEqual({ created: [], deleted: [] });
    expect(cloudwatch).not.toHaveReceivedCommand(PutMetricAlarmCommand);
    expect(cloudwatch).not.toHaveReceivedCommand(DeleteAlarmsCommand);
  });

  it('rejects an input whose ids are missing, malformed or the same', async () => {
    // GIVEN a malformed old id, and a new id equal to the old one
    const malformed = failure(carryOver({ oldInstanceId: 'sg-123', newInstanceId: NEW }));
    const same = failure(carryOver({ oldInstanceId: OLD, newInstanceId: OLD }));

    // WHEN / THEN each fails with InvalidTaskInput naming the field
    expect(await malformed).toMatchObject({ name: TaskErrorNames.InvalidTaskInput });
    expect((await malformed).message).toContain('$.oldInstanceId: got "sg-123"; expected an EC2 instance id (i-...)');
    expect((await same).message).toContain(`$.newInstanceId: got "${OLD}"; expected an instance id different from`);
    expect(cloudwatch).not.toHaveReceivedAnyCommand();
  });
});
