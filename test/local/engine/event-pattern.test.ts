import {
  InvalidEventPatternError,
  matchesEventPattern,
  validateEventPattern,
} from '../../../local/engine/event-pattern';

// Examples from the EventBridge User Guide: "Amazon EventBridge event patterns", "Content filtering in Amazon
// EventBridge event patterns" and "Comparison operators for use in event patterns in Amazon EventBridge".

const EC2_EVENT = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

const matches = (event: unknown, pattern: Record<string, unknown>) => matchesEventPattern(event, pattern);

describe('event patterns: exact values and structure', () => {
  it('matches when every field the pattern names has one of its values, nested fields included', () => {
    // GIVEN the guide's EC2 state-change example WHEN matched THEN source, detail-type and detail.state all count
    const pattern = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated', 'stopped'] },
    };
    expect(matches(EC2_EVENT, pattern)).toBe(true);
    expect(matches({ ...EC2_EVENT, detail: { state: 'running' } }, pattern)).toBe(false);
    expect(matches({ ...EC2_EVENT, source: 'aws.s3' }, pattern)).toBe(false);
  });

  it('does not match an event that lacks a named field', () => {
    expect(matches({ source: 'aws.ec2' }, { source: ['aws.ec2'], detail: { state: ['terminated'] } })).toBe(false);
  });

  it('matches an array in the event when any of its elements is allowed (resources)', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0',
        'arn:aws:ec2:us-west-1:123456789012:instance/i-0000000000000000',
      ],
    };
    expect(matches(EC2_EVENT, pattern)).toBe(true);
    expect(matches({ resources: ['x', 'y'] }, pattern)).toBe(false);
  });

  it('is case-sensitive and matches strings exactly', () => {
    expect(matches(EC2_EVENT, { detail: { state: ['Terminated'] } })).toBe(false);
    expect(matches(EC2_EVENT, { detail: { state: ['terminate'] } })).toBe(false);
  });

  it('matches null and the empty string as values, and numbers and booleans by value', () => {
    expect(matches({ detail: { responseElements: null } }, { detail: { responseElements: [null] } })).toBe(true);
    expect(matches({ detail: {} }, { detail: { responseElements: [null] } })).toBe(false);
    expect(matches({ detail: { eventVersion: '' } }, { detail: { eventVersion: [''] } })).toBe(true);
    expect(matches({ detail: { n: 5 } }, { detail: { n: [5] } })).toBe(true);
    expect(matches({ detail: { n: '5' } }, { detail: { n: [5] } })).toBe(false);
    expect(matches({ detail: { ok: true } }, { detail: { ok: [true] } })).toBe(true);
  });

  it('matches a nested pattern against any one element of an array of objects (alarm metrics)', () => {
    // GIVEN instance-recovery's OnAlarm pattern: an InstanceId dimension on the alarm's metric
    const pattern = {
      detail: {
        configuration: { metrics: { metricStat: { metric: { dimensions: { InstanceId: [{ exists: true }] } } } } },
      },
    };
    const alarm = (dimensions: Record<string, string>) => ({
      detail: {
        configuration: {
          metrics: [
            { id: 'm0', expression: 'm1' },
            { id: 'm1', metricStat: { metric: { dimensions } } },
          ],
        },
      },
    });
    expect(matches(alarm({ InstanceId: 'i-0123456789abcdef0' }), pattern)).toBe(true);
    expect(matches(alarm({ LoadBalancer: 'app/lb/1' }), pattern)).toBe(false);
  });
});

describe('event patterns: content filters', () => {
  it('prefix: the guide\'s "time" example, and prefix with equals-ignore-case', () => {
    expect(matches(EC2_EVENT, { time: [{ prefix: '2017-12-22' }] })).toBe(true);
    expect(matches(EC2_EVENT, { time: [{ prefix: '2017-10-02' }] })).toBe(false);
    const ignoreCase = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    for (const service of ['EventBridge', 'EVENTB', 'eventbus']) {
      expect(matches({ detail: { service } }, ignoreCase)).toBe(true);
    }
    expect(matches({ detail: { service: 'Event' } }, ignoreCase)).toBe(false);
  });

  it('suffix: ".png", and with equals-ignore-case ".PNG"', () => {
    expect(matches({ FileName: 'image.png' }, { FileName: [{ suffix: '.png' }] })).toBe(true);
    expect(matches({ FileName: 'image.PNG' }, { FileName: [{ suffix: '.png' }] })).toBe(false);
    expect(
      matches(
        { detail: { FileName: 'image.PNG' } },
        { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      ),
    ).toBe(true);
  });

  it('prefix and suffix match strings only, never numbers', () => {
    expect(matches({ n: 123 }, { n: [{ prefix: '1' }] })).toBe(false);
  });

  it('anything-but: a string, a number, a list of strings, a list of numbers', () => {
    expect(matches({ detail: { state: 'running' } }, { detail: { state: [{ 'anything-but': 'initializing' }] } })).toBe(
      true,
    );
    expect(
      matches({ detail: { state: 'initializing' } }, { detail: { state: [{ 'anything-but': 'initializing' }] } }),
    ).toBe(false);
    expect(matches({ detail: { 'x-limit': 124 } }, { detail: { 'x-limit': [{ 'anything-but': 123 }] } })).toBe(true);
    expect(matches({ detail: { 'x-limit': 123 } }, { detail: { 'x-limit': [{ 'anything-but': 123 }] } })).toBe(false);
    const states = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(matches({ detail: { state: 'terminated' } }, states)).toBe(true);
    expect(matches({ detail: { state: 'stopped' } }, states)).toBe(false);
    const limits = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matches({ detail: { 'x-limit': 301 } }, limits)).toBe(true);
    expect(matches({ detail: { 'x-limit': 200 } }, limits)).toBe(false);
  });

  it('anything-but never matches a field the event does not have', () => {
    expect(matches({ detail: {} }, { detail: { state: [{ 'anything-but': 'initializing' }] } })).toBe(false);
  });

  it('anything-but prefix, suffix, equals-ignore-case and wildcard', () => {
    const notInit = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    expect(matches({ detail: { state: 'initializing' } }, notInit)).toBe(false);
    expect(matches({ detail: { state: 'running' } }, notInit)).toBe(true);
    const notTxt = { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } };
    expect(matches({ detail: { FileName: 'notes.txt' } }, notTxt)).toBe(false);
    expect(matches({ detail: { FileName: 'notes.png' } }, notTxt)).toBe(true);
    const notStopped = { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } };
    expect(matches({ detail: { state: 'STOPPED' } }, notStopped)).toBe(false);
    expect(matches({ detail: { state: 'running' } }, notStopped)).toBe(true);
    const notLib = { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } };
    expect(matches({ detail: { FilePath: '/usr/lib/libc.so' } }, notLib)).toBe(false);
    expect(matches({ detail: { FilePath: '/usr/bin/ls' } }, notLib)).toBe(true);
  });

  it("numeric: the guide's ranges and equality, and only on numbers", () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    expect(matches({ detail: { 'c-count': 5, 'd-count': 7, 'x-limit': 301.8 } }, pattern)).toBe(true);
    expect(matches({ detail: { 'c-count': 0, 'd-count': 7, 'x-limit': 301.8 } }, pattern)).toBe(false);
    expect(matches({ detail: { 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 } }, pattern)).toBe(false);
    expect(matches({ detail: { 'c-count': '5', 'd-count': 7, 'x-limit': 301.8 } }, pattern)).toBe(false);
  });

  it('exists: true needs a leaf value, false needs its absence; an object is not a leaf', () => {
    expect(matches({ detail: { state: 'x' } }, { detail: { state: [{ exists: true }] } })).toBe(true);
    expect(matches({ detail: {} }, { detail: { state: [{ exists: true }] } })).toBe(false);
    expect(matches({ detail: {} }, { detail: { 'c-count': [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { 'c-count': 3 } }, { detail: { 'c-count': [{ exists: false }] } })).toBe(false);
    expect(matches({ detail: { state: { value: 'ALARM' } } }, { detail: { state: [{ exists: true }] } })).toBe(false);
    // A missing parent object: only exists:false below it can match.
    expect(matches({}, { detail: { 'c-count': [{ exists: false }] } })).toBe(true);
  });

  it('equals-ignore-case', () => {
    const pattern = { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] };
    expect(matches(EC2_EVENT, pattern)).toBe(true);
    expect(matches({ 'detail-type': 'EC2 Instance State-change' }, pattern)).toBe(false);
  });

  it('wildcard: any characters for *, a literal * when escaped, the whole value', () => {
    const bus = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
    expect(matches({ EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' }, bus)).toBe(true);
    expect(matches({ EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/default' }, bus)).toBe(false);
    expect(matches({ f: 'dir/dir/dir/doc.png' }, { f: [{ wildcard: 'dir/*.png' }] })).toBe(true);
    expect(matches({ f: 'dir/doc.png.bak' }, { f: [{ wildcard: 'dir/*.png' }] })).toBe(false);
    expect(matches({ f: 'a*b' }, { f: [{ wildcard: 'a\\*b' }] })).toBe(true);
    expect(matches({ f: 'axb' }, { f: [{ wildcard: 'a\\*b' }] })).toBe(false);
  });

  it('cidr: an IPv4 address inside the block', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    expect(matches({ detail: { sourceIPAddress: '10.0.0.255' } }, pattern)).toBe(true);
    expect(matches({ detail: { sourceIPAddress: '10.0.1.1' } }, pattern)).toBe(false);
  });

  it('$or: any one of the patterns matches, at the top level or nested', () => {
    const nested = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };
    expect(matches({ detail: { 'd-count': 3 } }, nested)).toBe(true);
    expect(matches({ detail: { 'c-count': 9, 'd-count': 30 } }, nested)).toBe(false);
    const top = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    };
    expect(matches({ source: 'aws.cloudwatch', namespace: 'AWS/EC2' }, top)).toBe(true);
    expect(matches({ source: 'aws.cloudwatch', namespace: 'AWS/RDS', metricName: 'FreeStorageSpace' }, top)).toBe(
      false,
    );
  });

  it('a leaf list mixes values and filters: any of them matching is enough', () => {
    const pattern = { detail: { state: ['stopped', { prefix: 'shut' }] } };
    expect(matches({ detail: { state: 'shutting-down' } }, pattern)).toBe(true);
    expect(matches({ detail: { state: 'stopped' } }, pattern)).toBe(true);
    expect(matches({ detail: { state: 'running' } }, pattern)).toBe(false);
  });
});

describe('event patterns EventBridge refuses (InvalidEventPatternException)', () => {
  it.each([
    ['an unknown filter', { detail: { state: [{ contains: 'x' }] } }, /unknown filter "contains"/],
    ['a filter object naming two filters', { detail: { state: [{ prefix: 'a', suffix: 'b' }] } }, /exactly one filter/],
    ['a leaf that is a bare string', { source: 'aws.ec2' }, /must be an array or an object/],
    ['numeric with a string bound', { n: [{ numeric: ['>', '5'] }] }, /"numeric" takes/],
    ['numeric with two lower bounds', { n: [{ numeric: ['>', 1, '>=', 2] }] }, /"numeric" takes/],
    ['numeric beyond 5e9', { n: [{ numeric: ['<', 6e9] }] }, /-5.0e9 to \+5.0e9/],
    ['exists with a string', { n: [{ exists: 'yes' }] }, /"exists" takes true or false/],
    ['anything-but mixing strings and numbers', { n: [{ 'anything-but': ['a', 1] }] }, /only strings or only numbers/],
    ['a wildcard with consecutive stars', { n: [{ wildcard: 'a**b' }] }, /consecutive/],
    ['$or with one branch', { $or: [{ a: ['x'] }] }, /at least two patterns/],
    ['an IPv6 cidr (not simulated)', { ip: [{ cidr: '2001:db8::/32' }] }, /IPv6/],
  ])('refuses %s', (_what, pattern, message) => {
    expect(() => validateEventPattern(pattern)).toThrow(InvalidEventPatternError);
    expect(() => validateEventPattern(pattern)).toThrow(message);
  });

  it('refuses a bad filter even when an earlier value of the same leaf already matches', () => {
    expect(() => matches({ s: 'a' }, { s: ['a', { nope: 1 }] })).toThrow(/unknown filter "nope"/);
  });
});
