/**
 * The campaign invariants (issue #14): each holds on real drills of correct workflows, and each fires on a history
 * that breaks it. The bad histories are built by hand (a DrillResult with only what the invariant reads), so each
 * test shows exactly which recorded fact makes the violation.
 */
import * as path from 'node:path';
import { synthesize } from '../../../cli/template';
import { type DrillResult, drill } from '../../../local/drill';
import { checkInvariants, INVARIANTS, SWITCH_WINDOW_SECONDS } from '../../../local/campaign/invariants';
import type { Invariant } from '../../../local/campaign/types';
import type { ExecutionResult, TimelineEntry } from '../../../local/engine/runner';
import type { ApiCallRecord } from '../../../local/region/region';
import { loadScenario } from '../../../local/scenario/load';
import type { ScenarioInput } from '../../../local/scenario/schema';

const ROOT = path.join(__dirname, '..', '..', '..');
const SCENARIOS = path.join(ROOT, 'test', 'scenarios');
const EXAMPLE_CONFIG = path.join(ROOT, 'infra', 'config', 'example.json');

const invariant = (name: string): Invariant => {
  const found = INVARIANTS.find((i) => i.name === name);
  if (!found) throw new Error(`no invariant ${name}`);
  return found;
};

/** Drills a scenario file on its site of the synthesized app. */
async function drillFile(file: string): Promise<{ result: DrillResult; scenario: ScenarioInput }> {
  const scenario = loadScenario(path.join(SCENARIOS, file));
  const sites = synthesize(path.resolve(path.dirname(path.join(SCENARIOS, file)), scenario.config as string));
  const site = scenario.site === 'dr' ? sites.dr! : sites.primary!;
  return { result: await drill(scenario, { template: site.template, env: site.env }), scenario };
}

// ---------------------------------------------------------------- hand-built histories

const START = Date.parse('2026-01-05T09:00:00.000Z');
const iso = (seconds: number) => new Date(START + seconds * 1000).toISOString();
const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:Machine:run-1';
const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/db-1/89abcdef01234567';

function execution(status: ExecutionResult['status'], stopSeconds: number, error?: string): ExecutionResult {
  return {
    executionArn: ARN,
    name: 'run-1',
    status,
    ...(error ? { error } : {}),
    startDate: iso(0),
    stopDate: iso(stopSeconds),
    modeledSeconds: stopSeconds,
    transitions: 0,
    lambdaInvocations: 0,
    apiCalls: 0,
    timeline: [],
    history: [],
    largestPayloadBytes: 0,
    historyEvents: 0,
  };
}

interface Fake {
  readonly calls?: ApiCallRecord[];
  readonly timeline?: (TimelineEntry & { execution: number })[];
  readonly status?: ExecutionResult['status'];
  readonly error?: string;
  readonly end?: number;
  readonly environment?: Record<string, Record<string, unknown>>;
}

/** A DrillResult with one execution (run-1, from 0 s to `end`) and only the history given. */
function fake(f: Fake): DrillResult {
  const end = f.end ?? 100;
  const e = execution(f.status ?? 'SUCCEEDED', end, f.error);
  const environment: Record<string, Record<string, unknown>> = {
    ...f.environment,
    sfn: {
      stateMachines: [{ arn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Machine', workflow: 'x' }],
      executions: [
        {
          executionArn: ARN,
          name: 'run-1',
          stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Machine',
          status: e.status,
          startedAt: 0,
          stoppedAt: end,
        },
      ],
      ...f.environment?.sfn,
    },
  };
  return {
    scenario: 'fake',
    workflow: 'x',
    status: e.status,
    modeledSeconds: end,
    transitions: 0,
    lambdaInvocations: 0,
    apiCalls: f.calls?.length ?? 0,
    calls: f.calls ?? [],
    timeline: f.timeline ?? [{ at: 0, kind: 'execution', detail: 'started run-1', execution: 0 }],
    executions: [e],
    environment,
    expectations: [],
    ok: true,
  };
}

const call = (at: number, service: ApiCallRecord['service'], action: string, input: unknown): ApiCallRecord => ({
  at,
  service,
  action,
  input,
  latency: 0,
});

const scenarioOf = (workflow: string, extra: Partial<ScenarioInput> = {}): ScenarioInput =>
  ({ name: 'fake', workflow, environment: {}, triggers: [{ input: {} }], ...extra }) as ScenarioInput;

const instance = (instanceId: string, state: string, tags: Record<string, string>, extra = {}) => ({
  instanceId,
  state,
  tags,
  workload: {},
  launchTime: iso(0),
  ...extra,
});

/** Every drilled scenario uses the example configuration: one synthesis (seconds) for the file. */
beforeAll(() => synthesize(EXAMPLE_CONFIG), 180_000);

describe('the invariants on correct workflows', () => {
  it.each([
    'instance-recovery/happy-path.json',
    'instance-recovery/replacement-never-healthy.json',
    'mirror-failover/clean-switch.json',
    'dr-promotion/approved.json',
    'dr-promotion/practice.json',
    'snapshot-backup.json',
    'snapshot-backup/copy-limit.json',
    'multi-workflow/failover-during-freeze.json',
  ])('none fires on the drill %s', async (file) => {
    // GIVEN a scenario the unmodified workflow handles correctly
    // WHEN it is drilled and every invariant of its workflow is checked over the whole history
    const { result, scenario } = await drillFile(file);
    // THEN nothing is violated
    expect(checkInvariants(result, scenario)).toEqual([]);
  });
});

describe('never-two-writers', () => {
  const check = (writers: object[], instances: object[] = [], scenario = scenarioOf('instance-recovery')) =>
    invariant('never-two-writers').check(fake({ environment: { ec2: { writers, instances } } }), scenario);
  const group = { 'ha-workflows:recovery-group': 'app-1' };

  it('fires when a replacement writes before the failed instance of its group has stopped', () => {
    // GIVEN the failed instance writing until 60 s and its replacement writing from 40 s
    const writers = [
      { instanceId: 'i-old', tags: group, from: iso(0), to: iso(60) },
      { instanceId: 'i-new', tags: group, from: iso(40), to: null },
    ];
    // WHEN the invariant is checked
    const v = check(writers);
    // THEN the overlap is reported at 40 s, naming both instances and the group
    expect(v).toEqual([expect.objectContaining({ invariant: 'never-two-writers', atSeconds: 40 })]);
    expect(v[0].detail).toMatch(/i-old and i-new \(recovery group app-1\)/);
  });

  it('fires for two mirror members that are both primary, but not for a split brain the drill starts in', () => {
    // GIVEN two members with a mirror role: A and B already both primary at the start, C primary from 10 s
    const instances = ['i-a', 'i-b', 'i-c'].map((id) => instance(id, 'running', {}, { workload: { mirrorRole: 'x' } }));
    const writers = [
      { instanceId: 'i-a', tags: {}, from: iso(0), to: null },
      { instanceId: 'i-b', tags: {}, from: iso(0), to: iso(5) },
      { instanceId: 'i-c', tags: {}, from: iso(10), to: null },
    ];
    // WHEN the invariant is checked
    const v = check(writers, instances, scenarioOf('mirror-failover'));
    // THEN only the overlap the drill created (A and C) is reported
    expect(v.map((x) => x.detail)).toEqual([expect.stringMatching(/^i-a and i-c \(mirror set\)/)]);
  });
});

describe('never-left-frozen', () => {
  const frozen = (rows: object[], messages: object[] = []) =>
    invariant('never-left-frozen').check(
      fake({ end: 3600, environment: { ec2: { frozen: rows }, sns: { messages } } }),
      scenarioOf('snapshot-backup'),
    );

  it('fires when a database is still frozen at the end', () => {
    // GIVEN a freeze at 5 s that nothing thawed
    // WHEN the invariant is checked
    const v = frozen([{ instanceId: 'i-db', from: iso(5), to: null }]);
    // THEN it names the instance, at the drill's end
    expect(v).toEqual([
      expect.objectContaining({ atSeconds: 3600, detail: expect.stringMatching(/^i-db is still frozen/) }),
    ]);
  });

  it('fires for a freeze longer than its budget that nobody reported, not for one reported CRITICAL', () => {
    // GIVEN a freeze of 2,000 s (beyond the default 600-s budget), thawed in the end
    const rows = [{ instanceId: 'i-db', from: iso(5), to: iso(2005) }];
    // WHEN the invariant is checked without and with a CRITICAL notification sent within the budget
    const silent = frozen(rows);
    const reported = frozen(rows, [{ at: 400, subject: 'CRITICAL: database may still be frozen', message: 'i-db' }]);
    // THEN only the silent one is a violation, at the end of the budget
    expect(silent).toEqual([expect.objectContaining({ atSeconds: 605 })]);
    expect(reported).toEqual([]);
  });
});

describe('nothing-orphaned', () => {
  it('fires for a launched instance nobody knows of, a created snapshot and a lock that outlived its execution', () => {
    // GIVEN a run that launched i-new (running, in no target group, named nowhere), created an untagged snapshot,
    // and left its lock item owned by itself after it ended at 100 s
    const result = fake({
      environment: {
        ec2: {
          instances: [instance('i-old', 'terminated', {}), instance('i-new', 'running', {})],
          snapshots: [{ snapshotId: 'snap-1', state: 'completed', tags: {} }],
        },
        dynamodb: { tables: [{ items: [{ pk: { S: 'GROUP#app-1' }, owner: { S: ARN } }] }] },
      },
    });
    const scenario = scenarioOf('instance-recovery', {
      environment: { ec2: { instances: [{ instanceId: 'i-old' }] } } as ScenarioInput['environment'],
    });
    // WHEN the invariant is checked
    const v = invariant('nothing-orphaned').check(result, scenario);
    // THEN all three are reported; the lock at its execution's end
    expect(v.map((x) => x.detail)).toEqual([
      expect.stringMatching(/^instance i-new/),
      expect.stringMatching(/^snapshot snap-1/),
      expect.stringMatching(/^lock GROUP#app-1 is still held by run-1/),
    ]);
    expect(v[2].atSeconds).toBe(100);
  });

  it('accepts a replacement that the NEEDS_ATTENTION record names', () => {
    // GIVEN a launched instance recorded for an operator in the group's item, and no lock left
    const result = fake({
      environment: {
        ec2: { instances: [instance('i-new', 'running', {})] },
        dynamodb: { tables: [{ items: [{ pk: { S: 'GROUP#app-1' }, replacementInstanceId: { S: 'i-new' } }] }] },
      },
    });
    // WHEN the invariant is checked / THEN it holds
    expect(invariant('nothing-orphaned').check(result, scenarioOf('instance-recovery'))).toEqual([]);
  });
});

describe('only-own-deleted', () => {
  it('fires for a DeleteSnapshot of a foreign snapshot and a TerminateInstances outside any recovery group', () => {
    // GIVEN a foreign snapshot and an instance of no group in the scenario, and calls that destroy both
    const scenario = scenarioOf('snapshot-backup', {
      environment: {
        ec2: {
          instances: [{ instanceId: 'i-foreign', tags: { Name: 'x' } }],
          snapshots: [{ snapshotId: 'snap-foreign', volumeId: 'vol-1', tags: { Name: 'theirs' } }],
        },
      } as unknown as ScenarioInput['environment'],
    });
    const result = fake({
      calls: [
        call(10, 'ec2', 'DeleteSnapshot', { SnapshotId: 'snap-foreign' }),
        call(20, 'ec2', 'TerminateInstances', { InstanceIds: ['i-foreign'] }),
      ],
    });
    // WHEN the invariant is checked
    const v = invariant('only-own-deleted').check(result, scenario);
    // THEN each call is a violation at its moment
    expect(v.map((x) => [x.atSeconds, x.detail])).toEqual([
      [10, expect.stringMatching(/DeleteSnapshot of snap-foreign/)],
      [20, expect.stringMatching(/TerminateInstances of i-foreign/)],
    ]);
  });
});

describe('one-replacement-per-failure', () => {
  it('fires when a second replacement of the same instance is launched while the first lives', () => {
    // GIVEN two live instances tagged as replacing i-old, launched at 10 s and 30 s
    const replaces = { 'ha-workflows:replaces': 'i-old' };
    const result = fake({
      environment: {
        ec2: {
          instances: [
            instance('i-r1', 'running', replaces, { launchTime: iso(10) }),
            instance('i-r2', 'running', replaces, { launchTime: iso(30) }),
          ],
        },
      },
    });
    // WHEN the invariant is checked
    const v = invariant('one-replacement-per-failure').check(result, scenarioOf('instance-recovery'));
    // THEN the second launch is the violation
    expect(v).toEqual([
      expect.objectContaining({ atSeconds: 30, detail: 'i-r2 replaces i-old while i-r1 still does' }),
    ]);
  });

  it('accepts a second replacement launched after the first was terminated', () => {
    // GIVEN the first replacement terminated at 20 s, the second launched at 30 s
    const replaces = { 'ha-workflows:replaces': 'i-old' };
    const result = fake({
      calls: [call(20, 'ec2', 'TerminateInstances', { InstanceIds: ['i-r1'] })],
      environment: {
        ec2: {
          instances: [
            instance('i-r1', 'terminated', replaces, { launchTime: iso(10) }),
            instance('i-r2', 'running', replaces, { launchTime: iso(30) }),
          ],
        },
      },
    });
    // WHEN the invariant is checked / THEN it holds
    expect(invariant('one-replacement-per-failure').check(result, scenarioOf('instance-recovery'))).toEqual([]);
  });
});

describe('lb-routes-only-primary', () => {
  const members = [
    instance('i-a', 'running', {}, { workload: { mirrorRole: 'backup' } }),
    instance('i-b', 'running', {}, { workload: { mirrorRole: 'primary' } }),
  ];
  const scenario = scenarioOf('mirror-failover', {
    environment: {
      elasticloadbalancingv2: {
        targetGroups: [{ targetGroupArn: TG, name: 'db-1', port: 1972, targets: [{ id: 'i-a' }] }],
      },
    } as ScenarioInput['environment'],
  });
  const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:MirrorFailover';
  /** Mirror-failover runs: [startedAt, stoppedAt, status?, error?, cause?]. By default one run 5–60 s. */
  type Run = [number, number, string?, string?, string?];
  const sfnOf = (runs: Run[]) => ({
    stateMachines: [{ arn: MACHINE, workflow: 'mirror-failover' }],
    executions: runs.map(([startedAt, stoppedAt, status, error, cause], i) => ({
      executionArn: `${MACHINE}:run-${i}`,
      name: `run-${i}`,
      stateMachineArn: MACHINE,
      status: status ?? 'SUCCEEDED',
      ...(error ? { error } : {}),
      ...(cause ? { cause } : {}),
      startedAt,
      stoppedAt,
    })),
  });
  /** Each run probes the members once more just before it ends (its probe before releasing), unless `probes` says. */
  const check = (
    calls: ApiCallRecord[],
    end: number,
    runs: Run[] = [[5, 60]],
    sns?: Record<string, unknown>,
    probes: number[] = runs.map(([from, to]) => Math.max(from, to - 1)),
  ) =>
    invariant('lb-routes-only-primary').check(
      fake({
        end,
        calls: [...calls, ...probes.map((at) => call(at, 'http', 'Get', { url: 'http://status' }))],
        environment: {
          sfn: sfnOf(runs),
          ...(sns ? { sns } : {}),
          ec2: {
            instances: members,
            // A was primary until 10 s, B from 10 s on.
            writers: [
              { instanceId: 'i-a', tags: {}, from: iso(0), to: iso(10) },
              { instanceId: 'i-b', tags: {}, from: iso(10), to: null },
            ],
          },
        },
      }),
      scenario,
    );

  it('fires when the old primary stays registered to the end', () => {
    // GIVEN B registered at 20 s, A never deregistered, the drill ending at 100 s
    const v = check(
      [call(20, 'elasticloadbalancingv2', 'RegisterTargets', { TargetGroupArn: TG, Targets: [{ Id: 'i-b' }] })],
      100,
    );
    // WHEN checked / THEN A's registration while B is primary is a violation at the end
    expect(v).toEqual([
      expect.objectContaining({ atSeconds: 100, detail: expect.stringMatching(/db-1 routes to i-a/) }),
    ]);
  });

  it('tolerates the switch window, but not a registration that outlasts it', () => {
    // GIVEN A deregistered at 40 s (within the window) in one drill, at 10 + window + 50 s in another
    const register = call(20, 'elasticloadbalancingv2', 'RegisterTargets', {
      TargetGroupArn: TG,
      Targets: [{ Id: 'i-b' }],
    });
    const deregister = (at: number) =>
      call(at, 'elasticloadbalancingv2', 'DeregisterTargets', { TargetGroupArn: TG, Targets: [{ Id: 'i-a' }] });
    const late = 10 + SWITCH_WINDOW_SECONDS + 50;
    // WHEN checked
    const quick = check([register, deregister(40)], 1000);
    const slow = check([register, deregister(late)], 1000);
    // THEN only the slow switch is a violation, when the window ran out
    expect(quick).toEqual([]);
    expect(slow).toEqual([expect.objectContaining({ atSeconds: 10 + SWITCH_WINDOW_SECONDS })]);
  });

  it('counts the window from when a run could know: a late become-primary event, or never', () => {
    // GIVEN B primary from 10 s, but no run until the hook's late event starts one at 500 s, which switches at 505 s
    const switched = [
      call(505, 'elasticloadbalancingv2', 'DeregisterTargets', { TargetGroupArn: TG, Targets: [{ Id: 'i-a' }] }),
      call(505, 'elasticloadbalancingv2', 'RegisterTargets', { TargetGroupArn: TG, Targets: [{ Id: 'i-b' }] }),
    ];
    // WHEN checked with that run, with a run that took until 900 s, and with no run after 10 s at all
    const late = check(switched, 1000, [[500, 510]]);
    const slow = check([...switched.map((c) => ({ ...c, at: 900 }))], 1000, [[500, 910]]);
    const read = call(2, 'elasticloadbalancingv2', 'DescribeTargetHealth', { TargetGroupArn: TG });
    const never = check([read], 1000, [[0, 5]]);
    const neverButRunning = check([read], 1000, [[0, 900]]);
    // THEN the late event's run was quick (no violation), the slow one outlasted the window from 500 s, and a
    //      stretch no run was told of is not the workflow's (the drill does not model the no-healthy-host alarm)
    expect(late).toEqual([]);
    expect(slow).toEqual([expect.objectContaining({ atSeconds: 500 + SWITCH_WINDOW_SECONDS })]);
    expect(never).toEqual([]);
    expect(neverButRunning).toHaveLength(1);
    // AND a run under way whose last probe came before the change did not see it: the change's own event tells
    const probedBefore = check([read], 1000, [[0, 900]], undefined, [5]);
    expect(probedBefore).toEqual([]);
  });

  it('accepts a run that failed closed because the primary did not answer, and told the operators', () => {
    // GIVEN a run 5–200 s that failed NoPrimary; its last probe saw B unreachable, or B as not primary
    const failed = (answer: string): Run[] => [
      [5, 200, 'FAILED', 'NoPrimary', `No member answered SUCCESS. Last probe: i-a FAILED (HTTP 503); i-b ${answer}`],
    ];
    const told = { messages: [{ at: 200, subject: 'ha-workflows: mirror failover NEEDS ATTENTION', message: 'db-1' }] };
    const read = [call(6, 'elasticloadbalancingv2', 'DescribeTargetHealth', { TargetGroupArn: TG })];
    // WHEN checked
    const unseen = check(read, 1000, failed('UNREACHABLE (ETIMEDOUT)'), told);
    const garbage = check(read, 1000, failed('UNEXPECTED (HTTP 200 with body "x")'), told);
    const silent = check(read, 1000, failed('UNREACHABLE (ETIMEDOUT)'));
    const wrong = check(read, 1000, failed('FAILED (HTTP 503)'), told);
    // THEN only the escalated runs that could not see B are excused
    expect(unseen).toEqual([]);
    expect(garbage).toEqual([]);
    expect(silent).toHaveLength(1);
    expect(wrong).toHaveLength(1);
  });

  it('accepts a run the load balancer kept refusing, and one an operator stopped, when the operators were told', () => {
    // GIVEN a run 5–60 s whose deregistration of A was throttled to the end, and a run an operator stopped at 20 s
    const refused = {
      ...call(30, 'elasticloadbalancingv2', 'DeregisterTargets', { TargetGroupArn: TG, Targets: [{ Id: 'i-a' }] }),
      error: 'Throttling',
    };
    const told = { messages: [{ at: 61, subject: 'ha-workflows: mirror failover NEEDS ATTENTION', message: 'db-1' }] };
    const stoppedTold = {
      messages: [{ at: 21, subject: 'ha-workflows: an execution ended without its own cleanup', message: 'x' }],
    };
    // WHEN checked, with and without the notifications
    const throttled = check(
      [refused],
      1000,
      [[5, 60, 'FAILED', 'ElasticLoadBalancingV2.ElasticLoadBalancingV2Exception']],
      told,
    );
    const throttledSilent = check([refused], 1000, [
      [5, 60, 'FAILED', 'ElasticLoadBalancingV2.ElasticLoadBalancingV2Exception'],
    ]);
    const read = call(6, 'elasticloadbalancingv2', 'DescribeTargetHealth', { TargetGroupArn: TG });
    const stopped = check([read], 1000, [[5, 20, 'ABORTED']], stoppedTold);
    const stoppedSilent = check([read], 1000, [[5, 20, 'ABORTED']]);
    // THEN the escalated ones are not violations; the silent ones are
    expect(throttled).toEqual([]);
    expect(throttledSilent).toHaveLength(1);
    expect(stopped).toEqual([]);
    expect(stoppedSilent).toHaveLength(1);
  });
});

describe('ends-recovered-or-escalated', () => {
  const needsAttention = { tables: [{ items: [{ pk: { S: 'GROUP#app-1' }, state: { S: 'NEEDS_ATTENTION' } }] }] };
  const told = { messages: [{ at: 90, subject: 'ha-workflows: instance recovery NEEDS ATTENTION', message: 'app-1' }] };

  it('fires for a failed recovery that told nobody, and for one with no NEEDS_ATTENTION record', () => {
    // GIVEN two failed executions: one recorded but silent, one notified but not recorded
    const silent = fake({
      status: 'FAILED',
      error: 'ReplacementNotHealthy',
      environment: { dynamodb: needsAttention },
    });
    const unrecorded = fake({ status: 'FAILED', error: 'ReplacementNotHealthy', environment: { sns: told } });
    // WHEN checked
    const check = (r: DrillResult) =>
      invariant('ends-recovered-or-escalated').check(r, scenarioOf('instance-recovery'));
    // THEN each is a violation at the execution's end, naming what is missing
    expect(check(silent)).toEqual([
      expect.objectContaining({ atSeconds: 100, detail: expect.stringMatching(/no notification$/) }),
    ]);
    expect(check(unrecorded)).toEqual([
      expect.objectContaining({ detail: expect.stringMatching(/no NEEDS_ATTENTION record$/) }),
    ]);
  });

  it('accepts the notification alone when the table refused the record on its own side, not on a condition', () => {
    // GIVEN two failed runs that notified; each record write's last attempt failed: a 500, or the owner condition
    const recordWrite = (error: string): ApiCallRecord => ({
      ...call(80, 'dynamodb', 'UpdateItem', { ExpressionAttributeValues: { ':state': { S: 'NEEDS_ATTENTION' } } }),
      error,
    });
    const run = (error: string) =>
      fake({
        status: 'FAILED',
        error: 'ReplacementNotHealthy',
        environment: { sns: told },
        calls: [recordWrite(error)],
      });
    const check = (r: DrillResult) =>
      invariant('ends-recovered-or-escalated').check(r, scenarioOf('instance-recovery'));
    // WHEN checked / THEN the table's own failure excuses the record; a refused condition does not
    expect(check(run('InternalServerError'))).toEqual([]);
    expect(check(run('ConditionalCheckFailedException'))).toEqual([
      expect.objectContaining({ detail: expect.stringMatching(/no NEEDS_ATTENTION record$/) }),
    ]);
  });

  it('accepts the record alone when SNS kept failing the last publish, but then requires it of every workflow', () => {
    // GIVEN failed runs whose last Publish failed with SNS's InternalError: one recorded, one not (snapshot-backup,
    //       whose failure record is otherwise not required)
    const publish: ApiCallRecord = { ...call(90, 'sns', 'Publish', { Subject: 'x' }), error: 'InternalError' };
    const recorded = fake({
      status: 'FAILED',
      error: 'BackupsFailed',
      environment: { dynamodb: needsAttention },
      calls: [publish],
    });
    const unrecorded = fake({ status: 'FAILED', error: 'BackupsFailed', calls: [publish] });
    const check = (r: DrillResult) => invariant('ends-recovered-or-escalated').check(r, scenarioOf('snapshot-backup'));
    // WHEN checked / THEN the record escalates alone; without it nothing does
    expect(check(recorded)).toEqual([]);
    expect(check(unrecorded)).toEqual([
      expect.objectContaining({ detail: expect.stringMatching(/no NEEDS_ATTENTION record$/) }),
    ]);
  });

  it('accepts a failure both recorded and notified, and a refused request', () => {
    // GIVEN a failure recorded and notified, and a run refused for its input
    const escalated = fake({
      status: 'FAILED',
      error: 'ReplacementNotHealthy',
      environment: { dynamodb: needsAttention, sns: told },
    });
    const refused = fake({ status: 'FAILED', error: 'InvalidInput' });
    // WHEN checked / THEN both hold
    const check = (r: DrillResult) =>
      invariant('ends-recovered-or-escalated').check(r, scenarioOf('instance-recovery'));
    expect([...check(escalated), ...check(refused)]).toEqual([]);
  });

  it('accepts a NEEDS_ATTENTION record written during the run that a later, recovering run replaced', () => {
    // GIVEN a failed run that wrote NEEDS_ATTENTION at 95 s and notified; at the end the item says ACTIVE again
    const replaced = fake({
      status: 'FAILED',
      error: 'NoPrimary',
      calls: [
        call(95, 'dynamodb', 'UpdateItem', {
          Key: { pk: { S: 'MIRROR#db-1' } },
          ExpressionAttributeValues: { ':state': { S: 'NEEDS_ATTENTION' } },
        }),
      ],
      environment: {
        dynamodb: { tables: [{ items: [{ pk: { S: 'MIRROR#db-1' }, state: { S: 'ACTIVE' } }] }] },
        sns: told,
      },
    });
    // WHEN checked / THEN it holds: the record was written when it was owed
    expect(invariant('ends-recovered-or-escalated').check(replaced, scenarioOf('mirror-failover'))).toEqual([]);
  });
});

describe('approval-before-action', () => {
  const approved = {
    approvals: [{ decision: 'approve', afterSeconds: 300, output: { approved: true, approvedBy: 'sam@example.com' } }],
  } as Partial<ScenarioInput>;
  const timeline: (TimelineEntry & { execution: number })[] = [
    { at: 0, kind: 'execution', detail: 'started run-1', execution: 0 },
    { at: 5, kind: 'approval', state: 'Ask', detail: 'waiting for a task token', execution: 0 },
    { at: 305, kind: 'approval', state: 'Ask', detail: 'task token settled', execution: 0 },
  ];
  const stop = (at: number) => call(at, 'ec2', 'StopInstances', { InstanceIds: ['i-old'] });

  it('fires for a fence before the approval, and for any fence in a practice run', () => {
    // GIVEN a StopInstances at 100 s (before the approval at 305 s), and one after it in a practice run
    const early = invariant('approval-before-action').check(
      fake({ timeline, calls: [stop(100)], end: 400 }),
      scenarioOf('dr-promotion', approved),
    );
    const practice = invariant('approval-before-action').check(
      fake({ timeline, calls: [stop(310)], end: 400 }),
      scenarioOf('dr-promotion', { ...approved, triggers: [{ input: { practice: true } }] } as Partial<ScenarioInput>),
    );
    // THEN both are violations at the call
    expect(early).toEqual([
      expect.objectContaining({ atSeconds: 100, detail: expect.stringMatching(/before an explicit approval$/) }),
    ]);
    expect(practice).toEqual([
      expect.objectContaining({ atSeconds: 310, detail: expect.stringMatching(/in a practice run$/) }),
    ]);
  });

  it('accepts a fence after an explicit approval, but not after an approval without a named approver', () => {
    // GIVEN the same fence at 310 s, answering an explicit approval and a blank approver
    const blank = {
      approvals: [{ decision: 'approve', afterSeconds: 300, output: { approved: true, approvedBy: ' ' } }],
    } as Partial<ScenarioInput>;
    const check = (extra: Partial<ScenarioInput>) =>
      invariant('approval-before-action').check(
        fake({ timeline, calls: [stop(310)], end: 400 }),
        scenarioOf('dr-promotion', extra),
      );
    // WHEN checked / THEN only the blank approval leaves the fence unapproved
    expect(check(approved)).toEqual([]);
    expect(check(blank)).toHaveLength(1);
  });
});

describe('the catalogue of invariants', () => {
  it('names every invariant in kebab-case, describes it in one line and applies it to some workflow', () => {
    // GIVEN the invariants / WHEN listed / THEN each is well-formed and the names are unique
    for (const i of INVARIANTS) {
      expect(i.name).toMatch(/^[a-z]+(-[a-z]+)+$/);
      expect(i.description).not.toMatch(/\n/);
      expect(i.workflows.length).toBeGreaterThan(0);
    }
    expect(new Set(INVARIANTS.map((i) => i.name)).size).toBe(INVARIANTS.length);
  });
});
