import { OUTCOMES, OUTCOME_WORKFLOWS } from '../../contracts/outcomes';
import { makeHandler } from '../../tasks/record-outcome/handler';
import { outcomeDocument, outcomeMetrics } from '../../tasks/record-outcome/logic';
import type { RecordOutcomeInput } from '../../tasks/record-outcome/contract';
import { type EmfDocument, stdoutMetrics } from '../../tasks/shared/emf';
import { extractEmbeddedMetrics } from '../../local/region/emf';
import { silentLogger } from '../../local/tasks-registry';

const BASE = {
  startedAt: '2026-12-03T10:00:00Z',
  endedAt: '2026-12-03T10:01:41.250Z',
  executionId: 'arn:aws:states:eu-west-1:123456789012:execution:x:y',
};
const recovery = (result: 'SUCCEEDED' | 'FAILED'): RecordOutcomeInput => ({
  workflow: 'instance-recovery',
  name: 'app-1',
  result,
  ...BASE,
});

describe('record-outcome', () => {
  it('GIVEN a recovery that succeeded WHEN recorded THEN its span in seconds and Succeeded 1, Failed 0', () => {
    expect(outcomeMetrics(recovery('SUCCEEDED'))).toEqual({ RecoveryTime: 101.25, Succeeded: 1, Failed: 0 });
  });

  it('GIVEN a recovery that failed WHEN recorded THEN Failed 1 and no duration (a failure measures nothing)', () => {
    expect(outcomeMetrics(recovery('FAILED'))).toEqual({ Succeeded: 0, Failed: 1 });
  });

  it('GIVEN an event time later than the step (a source clock ahead) WHEN recorded THEN the span is 0, never negative', () => {
    expect(outcomeMetrics({ ...recovery('SUCCEEDED'), startedAt: '2026-12-03T10:05:00Z' }).RecoveryTime).toBe(0);
  });

  it('GIVEN a backup run WHEN recorded THEN its run time and how many instances were backed up, failed, skipped', () => {
    const input: RecordOutcomeInput = {
      workflow: 'snapshot-backup',
      name: 'nightly',
      instances: { total: 4, failed: 1, skipped: 1 },
      ...BASE,
    };
    expect(outcomeMetrics(input)).toEqual({ RunTime: 101.25, Succeeded: 2, Failed: 1, Skipped: 1 });
  });

  it.each(OUTCOME_WORKFLOWS)(
    'GIVEN a %s outcome WHEN its document is read as CloudWatch Logs reads EMF THEN every metric is extracted with its dimension',
    (workflow) => {
      const input: RecordOutcomeInput =
        workflow === 'snapshot-backup'
          ? { workflow, name: 'p', instances: { total: 1, failed: 0, skipped: 0 }, ...BASE }
          : { workflow, name: 'p', result: 'SUCCEEDED', ...BASE };
      const { document, output } = outcomeDocument(input);
      const extracted = extractEmbeddedMetrics(document, Date.parse(BASE.endedAt));
      const { namespace, dimension, duration } = OUTCOMES[workflow];
      expect(extracted.map((m) => [m.namespace, m.metricName, m.dimensions, m.value])).toEqual(
        Object.entries(output.metrics).map(([name, value]) => [
          namespace,
          name,
          [{ Name: dimension, Value: 'p' }],
          value,
        ]),
      );
      expect(extracted.find((m) => m.metricName === duration)?.unit).toBe('Seconds');
      expect(document).toMatchObject({ workflow, executionId: BASE.executionId });
    },
  );

  it('GIVEN the handler WHEN invoked THEN it puts one document through its sink and returns what it recorded', async () => {
    const put: EmfDocument[] = [];
    const handler = makeHandler({ put: async (d) => void put.push(d) }, silentLogger());
    const out = await handler(recovery('SUCCEEDED'));
    expect(put).toHaveLength(1);
    expect(put[0]).toMatchObject({
      Group: 'app-1',
      RecoveryTime: 101.25,
      _aws: { Timestamp: Date.parse(BASE.endedAt) },
    });
    expect(out).toEqual({
      namespace: 'HaWorkflows/InstanceRecovery',
      dimensions: { Group: 'app-1' },
      metrics: { RecoveryTime: 101.25, Succeeded: 1, Failed: 0 },
    });
  });

  it.each([
    [{ ...recovery('SUCCEEDED'), result: undefined }, /\$\.result: missing; expected SUCCEEDED or FAILED/],
    [{ workflow: 'snapshot-backup', name: 'p', ...BASE }, /\$\.instances: missing; a backup run sends its tally/],
    [{ ...recovery('SUCCEEDED'), name: 'tab\there' }, /\$\.name: .*printable ASCII/],
    [{ ...recovery('SUCCEEDED'), workflow: 'lock-janitor' }, /\$\.workflow: .*expected one of instance-recovery/],
    [{ ...recovery('SUCCEEDED'), endedAt: 'yesterday' }, /\$\.endedAt: .*ISO 8601/],
    [
      { workflow: 'snapshot-backup', name: 'p', instances: { total: 1, failed: 1, skipped: 1 }, ...BASE },
      /\$\.instances: .*failed \+ skipped is more than total/,
    ],
  ])(
    'GIVEN bad input %j WHEN invoked THEN InvalidTaskInput names the field, and nothing is written',
    async (bad, message) => {
      const put: EmfDocument[] = [];
      const handler = makeHandler({ put: async (d) => void put.push(d) }, silentLogger());
      await expect(handler(bad)).rejects.toMatchObject({
        name: 'InvalidTaskInput',
        message: expect.stringMatching(message),
      });
      expect(put).toHaveLength(0);
    },
  );

  it('GIVEN the deployed sink WHEN it puts a document THEN standard output gets exactly one JSON line', async () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string, cb?: (e?: Error) => void) => {
      written.push(chunk);
      cb?.();
      return true;
    }) as typeof process.stdout.write);
    try {
      const { document } = outcomeDocument(recovery('FAILED'));
      await stdoutMetrics.put(document);
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(1);
    expect(written[0].endsWith('\n')).toBe(true);
    expect(written[0].trim().includes('\n')).toBe(false);
    expect(JSON.parse(written[0])).toMatchObject({ Group: 'app-1', Failed: 1, _aws: { CloudWatchMetrics: [{}] } });
  });
});
