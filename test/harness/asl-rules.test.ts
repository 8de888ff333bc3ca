import { canSeeThrottling, checkStateMachine } from './asl-rules';
import { type Finding, formatFinding } from './findings';

/** A bounded retrier that passes every rule. */
const RETRIER = {
  ErrorEquals: ['States.TaskFailed'],
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
  MaxDelaySeconds: 20,
  JitterStrategy: 'FULL',
};

const task = (next: { Next: string } | { End: true }, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::aws-sdk:ec2:describeInstances',
  Parameters: { 'InstanceIds.$': '$.instanceIds' },
  TimeoutSeconds: 30,
  Retry: [{ ...RETRIER }],
  Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Back-up failed' }],
  ...next,
  ...extra,
});

/** Fixture ASL, edited in place by each test (plain JSON, hence loosely typed). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Definition = Record<string, any>;

/** A small definition that passes every rule: a Task, then a Map whose item processor holds another Task. */
function goodDefinition(): Definition {
  return {
    StartAt: 'Describe instances',
    TimeoutSeconds: 3600,
    States: {
      'Describe instances': task({ Next: 'Back up each instance' }),
      'Back up each instance': {
        Type: 'Map',
        ItemsPath: '$.instanceIds',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Create snapshots',
          States: {
            'Create snapshots': {
              ...task({ End: true }),
              Resource: 'arn:aws:states:::aws-sdk:ec2:createSnapshots',
              Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Snapshot failed' }],
            },
            'Snapshot failed': { Type: 'Fail', Error: 'Backup.SnapshotFailed' },
          },
        },
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      'Back-up failed': { Type: 'Fail', Error: 'Backup.Failed' },
    },
  };
}

const NESTED = 'Map "Back up each instance" > Task "Create snapshots"';

function check(definition: unknown): Finding[] {
  return checkStateMachine(definition, { name: 'BackupWorkflow' });
}

/** The definition breaks exactly one rule: one finding, with that rule, at that path. */
function expectOneFinding(definition: unknown, rule: string, path: string): Finding {
  const findings = check(definition);
  expect(findings.map(formatFinding)).toHaveLength(1);
  expect(findings[0]).toMatchObject({ stateMachine: 'BackupWorkflow', rule, path });
  return findings[0];
}

describe('checkStateMachine', () => {
  it('accepts a definition that follows every rule', () => {
    expect(check(goodDefinition()).map(formatFinding)).toEqual([]);
  });

  describe('query language', () => {
    it('rejects JSONata at the top level', () => {
      const d = { ...goodDefinition(), QueryLanguage: 'JSONata' };
      const f = expectOneFinding(d, 'query-language', '');
      expect(f.message).toContain('QueryLanguage "JSONata"');
      expect(f.message).toContain('only "JSONPath" is allowed');
    });

    it('rejects JSONata in one state', () => {
      const d = goodDefinition();
      d.States['Back up each instance'].ItemProcessor.States['Create snapshots'].QueryLanguage = 'JSONata';
      expect(expectOneFinding(d, 'query-language', NESTED).message).toContain(
        'Task "Create snapshots" sets QueryLanguage "JSONata"',
      );
    });

    it('rejects a JSONata expression and JSONata-only fields', () => {
      const d = goodDefinition();
      const t = d.States['Describe instances'];
      delete t.Parameters;
      t.Arguments = { InstanceIds: '{% $states.input.instanceIds %}' };
      const messages = check(d).map((f) => f.message);
      expect(messages).toEqual([
        expect.stringContaining('has the JSONata field "Arguments"'),
        expect.stringContaining('holds a JSONata expression at Arguments.InstanceIds'),
      ]);
    });

    it('accepts an explicit JSONPath', () => {
      const d: Definition = { ...goodDefinition(), QueryLanguage: 'JSONPath' };
      d.States.Done.QueryLanguage = 'JSONPath';
      expect(check(d)).toEqual([]);
    });
  });

  describe('state machine timeout', () => {
    it('rejects a state machine without TimeoutSeconds', () => {
      const d = goodDefinition();
      delete d.TimeoutSeconds;
      expect(expectOneFinding(d, 'state-machine-timeout', '').message).toBe(
        'the state machine has no TimeoutSeconds; every execution needs an upper bound (HaStateMachine `timeout`)',
      );
    });
  });

  describe('tasks', () => {
    it('rejects a Task without TimeoutSeconds, naming the Map it is in', () => {
      const d = goodDefinition();
      delete d.States['Back up each instance'].ItemProcessor.States['Create snapshots'].TimeoutSeconds;
      expect(expectOneFinding(d, 'task-timeout', NESTED).message).toContain('the Task has no TimeoutSeconds');
    });

    it('accepts TimeoutSecondsPath instead of TimeoutSeconds', () => {
      const d = goodDefinition();
      delete d.States['Describe instances'].TimeoutSeconds;
      d.States['Describe instances'].TimeoutSecondsPath = '$.timeout';
      expect(check(d)).toEqual([]);
    });

    it('rejects a Task without a Retry', () => {
      const d = goodDefinition();
      delete d.States['Describe instances'].Retry;
      expect(expectOneFinding(d, 'task-retry', 'Task "Describe instances"').message).toContain('the Task has no Retry');
    });

    it('rejects a Task with an empty Retry', () => {
      const d = goodDefinition();
      d.States['Describe instances'].Retry = [];
      expectOneFinding(d, 'task-retry', 'Task "Describe instances"');
    });

    it('rejects a Task without a Catch', () => {
      const d = goodDefinition();
      delete d.States['Describe instances'].Catch;
      expect(expectOneFinding(d, 'task-catch', 'Task "Describe instances"').message).toContain('the Task has no Catch');
    });

    it('rejects a callback Task (.waitForTaskToken) without HeartbeatSeconds', () => {
      const d = goodDefinition();
      d.States['Describe instances'].Resource = 'arn:aws:states:::sns:publish.waitForTaskToken';
      const f = expectOneFinding(d, 'callback-heartbeat', 'Task "Describe instances"');
      expect(f.message).toContain('waits for a task token (arn:aws:states:::sns:publish.waitForTaskToken)');
      expect(f.message).toContain('no HeartbeatSeconds');
    });

    it('accepts a callback Task with HeartbeatSeconds', () => {
      const d = goodDefinition();
      d.States['Describe instances'].Resource = 'arn:aws:states:::sns:publish.waitForTaskToken';
      d.States['Describe instances'].HeartbeatSeconds = 3600;
      expect(check(d)).toEqual([]);
    });

    it('checks the Tasks of Parallel branches', () => {
      const d = goodDefinition();
      const { Catch: _omit, ...left } = task({ End: true });
      d.States['Describe instances'] = {
        Type: 'Parallel',
        Branches: [{ StartAt: 'Left', States: { Left: left } }],
        Next: 'Back up each instance',
      };
      expectOneFinding(d, 'task-catch', 'Parallel "Describe instances" > branch 1 > Task "Left"');
    });
  });

  describe('retriers', () => {
    const withRetrier = (retrier: Record<string, unknown>) => {
      const d = goodDefinition();
      d.States['Describe instances'].Retry = [retrier];
      return d;
    };
    const RETRIER_ONE = 'retrier 1 (ErrorEquals ["States.TaskFailed"])';

    it('rejects a retrier without MaxAttempts', () => {
      const { MaxAttempts: _omit, ...retrier } = RETRIER;
      const f = expectOneFinding(withRetrier(retrier), 'retry-max-attempts', 'Task "Describe instances"');
      expect(f.message).toBe(`${RETRIER_ONE} has no MaxAttempts; set it explicitly, between 1 and 10.`);
    });

    it.each([0, 11, 2.5, '3'])('rejects MaxAttempts %p', (attempts) => {
      const f = expectOneFinding(
        withRetrier({ ...RETRIER, MaxAttempts: attempts }),
        'retry-max-attempts',
        'Task "Describe instances"',
      );
      expect(f.message).toContain(`has MaxAttempts ${JSON.stringify(attempts)}; it must be a whole number between 1`);
    });

    it('insists that a States.ALL retrier is bounded', () => {
      const { MaxAttempts: _omit, ...retrier } = RETRIER;
      const f = expectOneFinding(
        withRetrier({ ...retrier, ErrorEquals: ['States.ALL'] }),
        'retry-max-attempts',
        'Task "Describe instances"',
      );
      expect(f.message).toContain('A States.ALL retrier in particular must be bounded');
    });

    it('rejects BackoffRate 1', () => {
      const f = expectOneFinding(
        withRetrier({ ...RETRIER, BackoffRate: 1 }),
        'retry-backoff-rate',
        'Task "Describe instances"',
      );
      expect(f.message).toBe(
        `${RETRIER_ONE} has BackoffRate 1; it must be set and greater than 1 so that retries back off`,
      );
    });

    it('rejects a retrier that leaves BackoffRate to the default', () => {
      const { BackoffRate: _omit, ...retrier } = RETRIER;
      expect(
        expectOneFinding(withRetrier(retrier), 'retry-backoff-rate', 'Task "Describe instances"').message,
      ).toContain('has BackoffRate (none)');
    });

    it('rejects a retrier without MaxDelaySeconds', () => {
      const { MaxDelaySeconds: _omit, ...retrier } = RETRIER;
      expect(expectOneFinding(withRetrier(retrier), 'retry-max-delay', 'Task "Describe instances"').message).toBe(
        `${RETRIER_ONE} has no MaxDelaySeconds; set it so that the exponential backoff has a ceiling`,
      );
    });

    it('rejects a throttling retrier without full jitter', () => {
      const { JitterStrategy: _omit, ...retrier } = RETRIER;
      const f = expectOneFinding(
        withRetrier({ ...retrier, ErrorEquals: ['Ec2.RequestLimitExceeded'] }),
        'retry-jitter',
        'Task "Describe instances"',
      );
      expect(f.message).toBe(
        'retrier 1 (ErrorEquals ["Ec2.RequestLimitExceeded"]) can catch throttling errors but has JitterStrategy ' +
          '(none); it must be "FULL" so that throttled executions do not retry in lockstep',
      );
    });

    it('rejects JitterStrategy NONE on a catch-all retrier', () => {
      expect(
        expectOneFinding(
          withRetrier({ ...RETRIER, ErrorEquals: ['States.ALL'], JitterStrategy: 'NONE' }),
          'retry-jitter',
          'Task "Describe instances"',
        ).message,
      ).toContain('has JitterStrategy "NONE"');
    });

    it('does not ask for jitter on a retrier that cannot see throttling', () => {
      const { JitterStrategy: _omit, ...retrier } = RETRIER;
      expect(check(withRetrier({ ...retrier, ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'] }))).toEqual([]);
    });

    it.each([
      'ThrottlingException',
      'Ec2.RequestLimitExceeded',
      'Lambda.TooManyRequestsException',
      'DynamoDB.ProvisionedThroughputExceededException',
      'CloudWatch.RateExceeded',
      'States.ALL',
      'States.TaskFailed',
      'Ec2.Ec2Exception',
      'Lambda.AWSLambdaException',
    ])('treats %s as an error that can be throttling', (name) => {
      expect(canSeeThrottling([name])).toBe(true);
    });

    it.each(['States.Timeout', 'DynamoDB.ConditionalCheckFailedException', 'Ec2.InvalidInstanceIDNotFound'])(
      'treats %s as an error that is not throttling',
      (name) => {
        expect(canSeeThrottling([name])).toBe(false);
      },
    );
  });

  describe('loops', () => {
    /** Describe → Done? → (not yet) Wait → Count → Describe; the counter starts at 1 before the loop. */
    function pollingLoop(choiceRules: unknown[], count = 'States.MathAdd($.poll.attempt, 1)'): Definition {
      const d = goodDefinition();
      d.StartAt = 'Start polling';
      d.States['Start polling'] = {
        Type: 'Pass',
        Result: { attempt: 1 },
        ResultPath: '$.poll',
        Next: 'Describe instances',
      };
      d.States['Describe instances'].Next = 'Are the instances running?';
      d.States['Are the instances running?'] = {
        Type: 'Choice',
        Choices: choiceRules,
        Default: 'Wait before polling again',
      };
      d.States['Wait before polling again'] = { Type: 'Wait', Seconds: 10, Next: 'Count the poll' };
      d.States['Count the poll'] = {
        Type: 'Pass',
        Parameters: { 'attempt.$': count },
        ResultPath: '$.poll',
        Next: 'Describe instances',
      };
      return d;
    }
    const running = { Variable: '$.state', StringEquals: 'running', Next: 'Back up each instance' };
    const gaveUp = { Variable: '$.poll.attempt', NumericGreaterThanEquals: 10, Next: 'Back-up failed' };
    const LOOP =
      'Task "Describe instances", Choice "Are the instances running?", Wait "Wait before polling again", ' +
      'Pass "Count the poll"';

    it('rejects a polling loop without an attempt counter', () => {
      const f = expectOneFinding(pollingLoop([running]), 'loop-attempt-counter', 'Task "Describe instances"');
      expect(f.message).toBe(
        `the states ${LOOP} form a loop without a Choice on an attempt counter; every loop must pass a Choice whose ` +
          'rule reads a counter such as "$.poll.attempt", so that it ends after a bounded number of rounds',
      );
    });

    it('accepts a polling loop whose Choice reads an attempt counter', () => {
      expect(check(pollingLoop([running, gaveUp]))).toEqual([]);
    });

    it('finds the attempt counter inside And/Or/Not rules', () => {
      const rule = {
        And: [
          { Not: { Variable: '$.state', StringEquals: 'running' } },
          { Variable: '$.poll.attempt', NumericLessThan: 5 },
        ],
        Next: 'Wait before polling again',
      };
      expect(check(pollingLoop([running, rule], 'States.MathAdd($.poll.attempt, 2)'))).toEqual([]);
    });

    describe('the counter increases', () => {
      it.each([
        ['decreases', 'States.MathAdd($.poll.attempt, -1)'],
        ['adds nothing', 'States.MathAdd($.poll.attempt, 0)'],
        ['counts another path', 'States.MathAdd($.other.attempt, 1)'],
        ['adds a number read at run time', 'States.MathAdd($.poll.attempt, $.step)'],
        ['is not an addition', 'States.ArrayLength($.list)'],
      ])('rejects a loop whose update %s', (_what, count) => {
        const f = expectOneFinding(
          pollingLoop([running, gaveUp], count),
          'loop-counter-increases',
          'Task "Describe instances"',
        );
        expect(f.message).toBe(
          `the loop ${LOOP}: Pass "Count the poll" sets the counter $.poll.attempt to ${count}; it must be ` +
            'States.MathAdd($.poll.attempt, n) with n a positive number, so that every round brings the loop closer ' +
            'to its bound',
        );
      });

      it('rejects a loop in which nothing writes the counter its Choice compares', () => {
        const d = pollingLoop([running, gaveUp]);
        d.States['Count the poll'].ResultPath = '$.elsewhere';
        expect(expectOneFinding(d, 'loop-counter-increases', 'Task "Describe instances"').message).toContain(
          'its Choice compares the counter $.poll.attempt, but no state of the loop writes it',
        );
      });

      it('rejects a Choice that reads the counter without comparing it with a number', () => {
        const present = { Variable: '$.poll.attempt', IsPresent: false, Next: 'Back-up failed' };
        expect(
          expectOneFinding(pollingLoop([running, present]), 'loop-counter-increases', 'Task "Describe instances"')
            .message,
        ).toContain('never compares it with a number');
      });
    });

    describe("the worst case fits the state machine's TimeoutSeconds", () => {
      it('rejects attempts × interval longer than TimeoutSeconds', () => {
        // GIVEN 10 checks 10 s apart (9 waits = 90 s) in a machine that times out after 60 s
        const d = { ...pollingLoop([running, gaveUp]), TimeoutSeconds: 60 };
        // THEN the loop is reported with its arithmetic
        expect(expectOneFinding(d, 'loop-budget', 'Task "Describe instances"').message).toBe(
          `the loop ${LOOP} can take 90 s (counter $.poll.attempt: 9 round(s) of 10 s of waits), longer than the ` +
            "state machine's TimeoutSeconds 60: the execution would time out before the loop gives up; lower the " +
            'attempts or the interval, or raise the timeout',
        );
      });

      it('accepts a loop that fits, at the exact limit', () => {
        expect(check({ ...pollingLoop([running, gaveUp]), TimeoutSeconds: 90 })).toEqual([]);
      });

      it.each([
        [{ NumericGreaterThan: 10 }, 100],
        [{ NumericLessThan: 10, Next: 'Wait before polling again' }, 90],
        [{ NumericLessThanEquals: 10, Next: 'Wait before polling again' }, 100],
      ])('reads the bound of %j', (comparison, seconds) => {
        const rule = { ...gaveUp, NumericGreaterThanEquals: undefined, ...comparison };
        const d = { ...pollingLoop([running, rule]), TimeoutSeconds: 1 };
        expect(expectOneFinding(d, 'loop-budget', 'Task "Describe instances"').message).toContain(
          `can take ${seconds} s`,
        );
      });

      it('resolves a bound and a wait read from paths to the largest literal the definition holds for them', () => {
        const d = pollingLoop([
          running,
          { ...gaveUp, NumericGreaterThanEquals: undefined, NumericGreaterThanEqualsPath: '$.settings.maxPolls' },
        ]);
        d.States['Set the limits'] = {
          Type: 'Pass',
          Result: {
            sets: [
              { maxPolls: 4, pollSeconds: 30 },
              { maxPolls: 7, pollSeconds: 20 },
            ],
          },
          ResultPath: '$.limits',
          Next: 'Start polling',
        };
        d.StartAt = 'Set the limits';
        d.States['Wait before polling again'] = {
          Type: 'Wait',
          SecondsPath: '$.settings.pollSeconds',
          Next: 'Count the poll',
        };
        // 7 checks → 6 waits of at most 30 s
        expect(
          expectOneFinding({ ...d, TimeoutSeconds: 179 }, 'loop-budget', 'Task "Describe instances"').message,
        ).toContain('can take 180 s (counter $.poll.attempt: 6 round(s) of 30 s of waits)');
        expect(check({ ...d, TimeoutSeconds: 180 })).toEqual([]);
      });

      it('counts a nested loop in full in every round of the outer loop', () => {
        // GIVEN an outer retry loop (3 attempts, 100 s apart) around the polling loop (9 waits of 10 s)
        const d = pollingLoop([running, gaveUp]);
        d.States['Are the instances running?'].Choices = [running, { ...gaveUp, Next: 'Try again?' }];
        d.States['Try again?'] = {
          Type: 'Choice',
          Choices: [{ Variable: '$.retry.attempts', NumericLessThan: 3, Next: 'Wait before trying again' }],
          Default: 'Back-up failed',
        };
        d.States['Wait before trying again'] = { Type: 'Wait', Seconds: 100, Next: 'Count the retry' };
        d.States['Count the retry'] = {
          Type: 'Pass',
          Parameters: { 'attempts.$': 'States.MathAdd($.retry.attempts, 1)' },
          ResultPath: '$.retry',
          Next: 'Start polling',
        };
        d.States['Start the retries'] = {
          Type: 'Pass',
          Result: { attempts: 0 },
          ResultPath: '$.retry',
          Next: 'Start polling',
        };
        d.StartAt = 'Start the retries';
        // THEN 3 rounds × (100 s + 90 s) = 570 s
        const f = expectOneFinding({ ...d, TimeoutSeconds: 569 }, 'loop-budget', 'Task "Describe instances"');
        expect(f.message).toContain(
          'can take 570 s (counter $.retry.attempts: 3 round(s) of 100 s of waits, plus, in each round, a nested ' +
            'loop on $.poll.attempt of 90 s [counter $.poll.attempt: 9 round(s) of 10 s of waits])',
        );
        expect(check({ ...d, TimeoutSeconds: 570 })).toEqual([]);
      });

      it("counts each Task's TimeoutSeconds in every round when asked to", () => {
        const d = { ...pollingLoop([running, gaveUp]), TimeoutSeconds: 300 };
        expect(check(d)).toEqual([]);
        const findings = checkStateMachine(d, { name: 'BackupWorkflow', countTaskTimeouts: true });
        expect(findings.map((f) => f.message)).toEqual([
          expect.stringContaining(
            'can take 360 s (counter $.poll.attempt: 9 round(s) of 40 s of waits and task timeouts)',
          ),
        ]);
      });
    });

    it('rejects a Task whose Catch leads back to itself', () => {
      const d = goodDefinition();
      d.States['Describe instances'].Catch = [{ ErrorEquals: ['States.ALL'], Next: 'Describe instances' }];
      expect(expectOneFinding(d, 'loop-attempt-counter', 'Task "Describe instances"').message).toContain(
        'the states Task "Describe instances" form a loop',
      );
    });

    it('rejects a loop inside a Map item processor, naming the Map', () => {
      const d = goodDefinition();
      const states = d.States['Back up each instance'].ItemProcessor.States;
      delete states['Create snapshots'].End;
      states['Create snapshots'].Next = 'Wait for the snapshots';
      states['Wait for the snapshots'] = { Type: 'Wait', Seconds: 30, Next: 'Create snapshots' };
      expectOneFinding(d, 'loop-attempt-counter', NESTED);
    });
  });
});
