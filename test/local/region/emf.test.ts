import { EmfValidationError, extractEmbeddedMetrics } from '../../../local/region/emf';

const NOW = Date.parse('2026-12-03T10:00:00Z');
const doc = (over: Record<string, unknown> = {}, directive: Record<string, unknown> = {}) => ({
  _aws: {
    Timestamp: NOW,
    CloudWatchMetrics: [
      {
        Namespace: 'HaWorkflows/Test',
        Dimensions: [['Group']],
        Metrics: [{ Name: 'RecoveryTime', Unit: 'Seconds' }, { Name: 'Failed' }],
        ...directive,
      },
    ],
  },
  Group: 'app-1',
  RecoveryTime: 101.5,
  Failed: 0,
  ...over,
});

describe('extractEmbeddedMetrics (EMF specification)', () => {
  it('GIVEN a valid document WHEN read THEN one metric per definition and dimension set, with its unit and time', () => {
    expect(extractEmbeddedMetrics(doc(), NOW)).toEqual([
      {
        namespace: 'HaWorkflows/Test',
        metricName: 'RecoveryTime',
        dimensions: [{ Name: 'Group', Value: 'app-1' }],
        value: 101.5,
        unit: 'Seconds',
        timestamp: '2026-12-03T10:00:00.000Z',
      },
      {
        namespace: 'HaWorkflows/Test',
        metricName: 'Failed',
        dimensions: [{ Name: 'Group', Value: 'app-1' }],
        value: 0,
        timestamp: '2026-12-03T10:00:00.000Z',
      },
    ]);
  });

  it('GIVEN two dimension sets WHEN read THEN each metric is extracted once per set; an array of values is kept', () => {
    const out = extractEmbeddedMetrics(doc({ RecoveryTime: [1, 2] }, { Dimensions: [['Group'], []] }), NOW);
    expect(out.filter((m) => m.metricName === 'RecoveryTime').map((m) => [m.dimensions, m.values])).toEqual([
      [[{ Name: 'Group', Value: 'app-1' }], [1, 2]],
      [[], [1, 2]],
    ]);
  });

  it.each([
    ['a root that is not an object', [1], /the root is not a JSON object/],
    ['no _aws', { Group: 'a' }, /_aws: missing/],
    [
      'a Timestamp that is text',
      { ...doc(), _aws: { ...doc()._aws, Timestamp: '2026-12-03' } },
      /_aws\.Timestamp: got/,
    ],
    ['a Timestamp three weeks old', { ...doc(), _aws: { ...doc()._aws, Timestamp: NOW - 21 * 86400e3 } }, /two weeks/],
    ['a Timestamp three hours ahead', { ...doc(), _aws: { ...doc()._aws, Timestamp: NOW + 3 * 3600e3 } }, /two hours/],
    ['an AWS/ namespace', doc({}, { Namespace: 'AWS/States' }), /Namespace: got "AWS\/States"/],
    ['31 dimension keys', doc({}, { Dimensions: [Array.from({ length: 31 }, () => 'Group')] }), /31 keys; at most 30/],
    ['101 metrics', doc({}, { Metrics: Array.from({ length: 101 }, () => ({ Name: 'Failed' })) }), /101 definitions/],
    ['a dimension member missing', doc({ Group: undefined }), /dimension Group: got undefined/],
    ['a dimension value of white space', doc({ Group: '  ' }), /dimension Group: got " {2}"/],
    ['a metric member that is text', doc({ RecoveryTime: '101' }), /metric RecoveryTime: got "101"/],
    ['101 values', doc({ RecoveryTime: Array.from({ length: 101 }, () => 1) }), /at most 100 numbers/],
    ['an unknown unit', doc({}, { Metrics: [{ Name: 'Failed', Unit: 'Secs' }] }), /Unit: got "Secs"/],
    ['a storage resolution of 5', doc({}, { Metrics: [{ Name: 'Failed', StorageResolution: 5 }] }), /1 or 60/],
  ])('GIVEN %s WHEN read THEN it is refused, naming what is wrong', (_what, document, message) => {
    expect(() => extractEmbeddedMetrics(document, NOW)).toThrow(EmfValidationError);
    expect(() => extractEmbeddedMetrics(document, NOW)).toThrow(message);
  });

  it('GIVEN a document over 256 KB WHEN read THEN it is refused', () => {
    expect(() => extractEmbeddedMetrics(doc({ note: 'x'.repeat(300 * 1024) }), NOW)).toThrow(/bytes; at most 262144/);
  });
});
