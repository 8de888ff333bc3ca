/**
 * mirror-failover, drilled end to end: each scenario in test/scenarios/mirror-failover/ runs the synthesized state
 * machine (the example configuration's app) and its real Lambda tasks (the probe and the plan) against the simulated
 * region, where each member's mirror-status page answers from the member's workload (`mirrorRole`). The scenario
 * files carry their own `expect` block; these tests check that it holds and then look closer.
 */
import * as path from 'node:path';
import { drillFile } from '../../cli/drill';
import { endState, secondsUntil, statesEntered } from '../../local/engine/timeline';
import { loadConfig } from '../../infra/config/load';
import type { DrillResult } from '../../local/drill';
import type { ExecutionResult } from '../../local/engine/runner';
import type { ApiCallRecord } from '../../local/region/region';
import { Errors, LOCK_ATTRIBUTES } from '../../workflows/fragments';

const SCENARIOS = path.join(__dirname, '..', 'scenarios', 'mirror-failover');
const EXAMPLE_CONFIG = path.join(__dirname, '..', '..', 'infra', 'config', 'example.json');

/** The world every scenario starts from: mirror set db-1 of the example configuration. */
const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const SET_KEY = 'MIRROR#db-1';
const TARGET_GROUP = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/db-1/89abcdef01234567';
const STATUS_URL_B = 'http://10.0.2.20:52773/csp/bin/mirror_status.cxw';

const SWITCHED = 'Traffic follows the new primary';
const FAILED = 'Mirror failover failed';
const SUBJECT_SWITCHED = 'ha-workflows: mirror failover complete';
const SUBJECT_NEEDS_ATTENTION = 'ha-workflows: mirror failover NEEDS ATTENTION';
const ELB_WRITES = ['RegisterTargets', 'DeregisterTargets'];

// ── The final environment, typed as far as these tests read it ─────────────────────────────────────────
interface Target {
  readonly id: string;
  readonly port: number;
  readonly state: string;
  readonly registeredAt: string;
  readonly deregisteredAt?: string;
}
type AttributeValue = { readonly S?: string; readonly N?: string };
interface Environment {
  readonly elasticloadbalancingv2: {
    readonly targetGroups: readonly { readonly targetGroupArn: string; readonly targets: readonly Target[] }[];
  };
  readonly dynamodb: {
    readonly tables: readonly { readonly items: readonly Record<string, AttributeValue>[] }[];
  };
  readonly sns: { readonly messages: readonly { readonly subject?: string; readonly message: string }[] };
  readonly http: {
    readonly requests: readonly { readonly at: number; readonly url: string; readonly error?: string }[];
  };
}

/** `primaryWaitSeconds` of the example configuration's mirror set (its default when unset). */
let primaryWaitSeconds: number;

beforeAll(() => {
  const set = loadConfig(EXAMPLE_CONFIG).mirrorSets?.find((s) => s.name === 'db-1');
  if (!set) throw new Error('the example configuration has no mirror set db-1');
  primaryWaitSeconds = set.primaryWaitSeconds;
});

/** One drilled scenario, with readers for what the tests check. */
class Drilled {
  constructor(readonly result: DrillResult) {}

  static async of(name: string): Promise<Drilled> {
    return new Drilled(await drillFile(path.join(SCENARIOS, `${name}.json`)));
  }

  get env(): Environment {
    return this.result.environment as unknown as Environment;
  }

  /** The scenario file's own expectations that failed (none, when it holds). */
  get failedExpectations(): string[] {
    return this.result.expectations.filter((x) => !x.ok).map((x) => `${x.description} (${x.detail ?? ''})`);
  }

  get targets(): readonly Target[] {
    const group = this.env.elasticloadbalancingv2.targetGroups.find((g) => g.targetGroupArn === TARGET_GROUP);
    if (!group) throw new Error(`no target group ${TARGET_GROUP}`);
    return group.targets;
  }

  /** The members still registered at the end (draining ones are on their way out). */
  get registered(): string[] {
    return this.targets.filter((t) => t.state !== 'draining').map((t) => t.id);
  }

  /** The mirror set's item in the state table, attribute values unwrapped; undefined when none was written. */
  get setItem(): Record<string, string> | undefined {
    const item = this.env.dynamodb.tables.flatMap((t) => t.items).find((i) => i.pk?.S === SET_KEY);
    if (!item) return undefined;
    return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? v.N ?? JSON.stringify(v)]));
  }

  get messages(): Environment['sns']['messages'] {
    return this.env.sns.messages;
  }

  /** Every call the region answered for this ELB action (from SDK tasks and Lambda tasks alike). */
  elbCalls(action: string): ApiCallRecord[] {
    return this.result.calls.filter((c) => c.service === 'elasticloadbalancingv2' && c.action === action);
  }

  /** The load-balancer changes made: RegisterTargets and DeregisterTargets calls, in order. */
  get elbWrites(): ApiCallRecord[] {
    return this.result.calls.filter((c) => c.service === 'elasticloadbalancingv2' && ELB_WRITES.includes(c.action));
  }

  execution(index: number): ExecutionResult {
    const found = this.result.executions[index];
    if (!found) throw new Error(`no execution ${index + 1}`);
    return found;
  }
}

/** How many times an execution invoked the probe. */
function probes(execution: ExecutionResult): number {
  return execution.timeline.filter((e) => e.kind === 'lambda' && e.state?.startsWith('Probe the mirror members'))
    .length;
}

describe('mirror-failover scenarios', () => {
  describe('clean switch: B became primary and its hook puts the event', () => {
    let drilled: Drilled;
    beforeAll(async () => {
      // GIVEN mirror set db-1 failed over from A to B (A answers 503 FAILED, B 200 SUCCESS); A is the registered target
      // WHEN  B's become-primary hook puts the "Mirror Member Became Primary" event
      drilled = await Drilled.of('clean-switch');
    });

    it('succeeds in "Traffic follows the new primary" and every expectation of the scenario holds', () => {
      // THEN
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(endState(drilled.execution(0))).toBe(SWITCHED);
      expect(drilled.failedExpectations).toEqual([]);
    });

    it('leaves B the only registered target, healthy, and A draining', () => {
      // THEN
      expect(drilled.registered).toEqual([B]);
      expect(drilled.targets.find((t) => t.id === B)?.state).toBe('healthy');
      expect(drilled.targets.find((t) => t.id === A)).toMatchObject({ state: 'draining', port: 1972 });
    });

    it('registers B before it deregisters A, once each, naming the port A was registered on', () => {
      // THEN
      expect(drilled.elbWrites.map((c) => [c.action, c.input])).toEqual([
        ['RegisterTargets', { TargetGroupArn: TARGET_GROUP, Targets: [{ Id: B }] }],
        ['DeregisterTargets', { TargetGroupArn: TARGET_GROUP, Targets: [{ Id: A, Port: 1972 }] }],
      ]);
    });

    it('probes each member once, in one invocation, before it takes the lock, and plans once', () => {
      // THEN
      expect(probes(drilled.execution(0))).toBe(1);
      expect(drilled.env.http.requests.map((r) => r.url).sort()).toEqual([
        'http://10.0.1.20:52773/csp/bin/mirror_status.cxw',
        STATUS_URL_B,
      ]);
      expect(drilled.result.lambdaInvocations).toBe(2);
      const states = statesEntered(drilled.execution(0));
      const order = [
        'Probe the mirror members',
        'Take the mirror set lock',
        'Read the registered targets',
        'Register the primary',
        'Deregister a member that is not primary',
        'Read the primary health',
        'Record the switch',
        'Notify mirror failover complete',
      ].map((s) => states.indexOf(s));
      expect(order).not.toContain(-1);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    it('records who switched, when, from which member to which, and releases the lock', () => {
      // THEN
      const execution = drilled.execution(0);
      const item = drilled.setItem;
      expect(item).toMatchObject({
        state: 'ACTIVE',
        primaryInstanceId: B,
        previousInstanceIds: A,
        switchedBy: execution.name,
        trigger: 'become-primary hook',
        switchStartedAt: execution.startDate,
        lastError: 'none',
      });
      expect(item).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
      expect(item).not.toHaveProperty(LOCK_ATTRIBUTES.expiresAt);
    });

    it('publishes one summary naming the new primary and the member it replaced', () => {
      // THEN
      expect(drilled.messages).toHaveLength(1);
      expect(drilled.messages[0].subject).toBe(SUBJECT_SWITCHED);
      expect(drilled.messages[0].message).toContain(`primary ${B} only (before: ${A})`);
    });

    it('has B as the only healthy target within 20 modeled seconds of the event', () => {
      // THEN  registration + two health checks 5 s apart (modeled by elb.initialToHealthy 10 s) + polling
      expect(secondsUntil(drilled.execution(0), 'Primary is healthy')).toBeLessThan(20);
      expect(drilled.result.modeledSeconds).toBeLessThan(20);
    });
  });

  describe('the event arrives before B answers SUCCESS', () => {
    let drilled: Drilled;
    beforeAll(async () => {
      // GIVEN the database on A is down (503 FAILED) and B becomes primary only 20 modeled seconds from now
      // WHEN  the become-primary event arrives at once
      drilled = await Drilled.of('event-before-primary');
    });

    it('probes again with backoff until B answers SUCCESS, then switches to B', () => {
      // THEN
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(drilled.failedExpectations).toEqual([]);
      expect(endState(drilled.execution(0))).toBe(SWITCHED);
      expect(drilled.registered).toEqual([B]);
      // AND   the waits between probes grew: 1 s, 2 s, 4 s, 8 s, 8 s
      const waits = drilled
        .execution(0)
        .timeline.filter((e) => e.kind === 'wait' && e.state === 'Wait before probing again')
        .map((e) => e.detail);
      expect(waits).toEqual(['waited 1 s', 'waited 2 s', 'waited 4 s', 'waited 8 s', 'waited 8 s']);
      expect(probes(drilled.execution(0))).toBe(6);
    });

    it('changes nothing before B answers SUCCESS', () => {
      // THEN  the first load-balancer change comes after B became primary (20 s), and after a probe that saw it
      const firstWrite = drilled.elbWrites[0];
      expect(firstWrite?.at).toBeGreaterThan(20);
      const successAt = drilled.env.http.requests.filter((r) => r.url === STATUS_URL_B).map((r) => r.at);
      expect(successAt.filter((at) => at >= 20)).not.toHaveLength(0);
      expect(drilled.elbWrites.map((c) => c.action)).toEqual(ELB_WRITES);
    });
  });

  describe('the no-healthy-host alarm as the trigger', () => {
    it("switches to B when A's instance stopped, reading A as unreachable", async () => {
      // GIVEN A's instance stopped (its status page times out) and B is primary; no hook fired
      // WHEN  the target group's no-healthy-host alarm enters ALARM
      const drilled = await Drilled.of('alarm-trigger');
      // THEN  the workflow takes the set from the alarm's name and switches to B
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.registered).toEqual([B]);
      expect(drilled.setItem).toMatchObject({
        primaryInstanceId: B,
        previousInstanceIds: A,
        trigger: 'alarm ha-workflows-eu-west-1/mirror-failover/db-1/no-healthy-host-1',
      });
      expect(drilled.env.http.requests.filter((r) => r.error).map((r) => r.error)).toEqual(['ETIMEDOUT']);
      // AND   the stopped instance was deregistered on the port it was registered on
      expect(drilled.elbCalls('DeregisterTargets').map((c) => c.input)).toEqual([
        { TargetGroupArn: TARGET_GROUP, Targets: [{ Id: A, Port: 1972 }] },
      ]);
    });
  });

  describe.each([
    ['split brain: both members answer SUCCESS', 'split-brain', Errors.AMBIGUOUS_PRIMARY, `${A}, ${B}`],
    ['no member answers SUCCESS', 'no-primary', Errors.NO_PRIMARY, 'No member answered SUCCESS'],
  ])('fail closed — %s', (_title, scenario, error, mentioned) => {
    let drilled: Drilled;
    beforeAll(async () => {
      // GIVEN the status pages give no single primary for the whole wait (A registered)
      // WHEN  the become-primary event arrives
      drilled = await Drilled.of(scenario);
    });

    it(`fails with ${error} after probing until the deadline`, () => {
      // THEN
      expect(drilled.result.status).toBe('FAILED');
      expect(drilled.result.error).toBe(error);
      expect(endState(drilled.execution(0))).toBe(FAILED);
      expect(drilled.failedExpectations).toEqual([]);
      expect(probes(drilled.execution(0))).toBe(11);
      expect(drilled.result.modeledSeconds).toBeGreaterThanOrEqual(primaryWaitSeconds);
      expect(drilled.result.modeledSeconds).toBeLessThan(primaryWaitSeconds + 15);
    });

    it('registers and deregisters nothing, and never reads the targets', () => {
      // THEN
      expect(drilled.elbWrites).toEqual([]);
      expect(drilled.elbCalls('DescribeTargetHealth')).toEqual([]);
      expect(drilled.registered).toEqual([A]);
    });

    it('records NEEDS_ATTENTION, releases the lock and notifies with the last probe', () => {
      // THEN
      const item = drilled.setItem;
      expect(item).toMatchObject({ state: 'NEEDS_ATTENTION', lastError: error, failedBy: drilled.execution(0).name });
      expect(item).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
      expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
      expect(drilled.messages[0].message).toContain(error);
      expect(drilled.messages[0].message).toContain(mentioned);
      expect(drilled.messages[0].message).toContain('nothing was registered or deregistered');
    });
  });

  describe('a primary that never passes the health check', () => {
    it('fails with PrimaryNotHealthy after the healthy timeout, leaving the primary registered and the lock released', async () => {
      // GIVEN A's status page answers SUCCESS to the probe, but the load balancer's health check never passes for A;
      //       B (not primary) is the registered target
      // WHEN  the become-primary event arrives
      const drilled = await Drilled.of('primary-never-healthy');
      // THEN  A was registered and B deregistered, then the wait gave up after about the healthy timeout (300 s)
      expect(drilled.result.status).toBe('FAILED');
      expect(drilled.result.error).toBe(Errors.PRIMARY_NOT_HEALTHY);
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.elbWrites.map((c) => c.action)).toEqual(ELB_WRITES);
      expect(drilled.registered).toEqual([A]);
      expect(drilled.result.modeledSeconds).toBeGreaterThanOrEqual(300);
      expect(drilled.result.modeledSeconds).toBeLessThan(340);
      // AND   the set needs attention, the lock is released and the operators are told
      const item = drilled.setItem;
      expect(item).toMatchObject({ state: 'NEEDS_ATTENTION', lastError: Errors.PRIMARY_NOT_HEALTHY });
      expect(item).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
      expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
    });
  });

  describe('exactly-once effect from at-least-once triggers', () => {
    it('switches once when the hook event is delivered twice at once', async () => {
      // GIVEN EventBridge delivers the become-primary event twice
      // WHEN  both executions start at the same moment
      const drilled = await Drilled.of('duplicate-event');
      // THEN  the first switches; the second loses the mirror set lock and ends quietly, having changed nothing
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.result.executions.map(endState)).toEqual([SWITCHED, 'Mirror set is already being switched']);
      expect(drilled.result.executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      const second = drilled.execution(1);
      expect(
        second.timeline.filter((e) => e.kind === 'state' && e.state === 'Take the mirror set lock'),
      ).toContainEqual(expect.objectContaining({ detail: 'failed DynamoDB.ConditionalCheckFailedException' }));
      expect(statesEntered(second)).not.toContain('Read the registered targets');
      expect(drilled.elbWrites.map((c) => c.action)).toEqual(ELB_WRITES);
      expect(drilled.registered).toEqual([B]);
      expect(drilled.messages).toHaveLength(1);
    });
  });

  describe('targets already correct', () => {
    it('changes nothing when B is primary and already the only target', async () => {
      // GIVEN B is primary and the only registered target
      // WHEN  an operator starts the workflow with {"mirrorSet": "db-1"}
      const drilled = await Drilled.of('already-correct');
      // THEN  it reads the targets, makes no RegisterTargets/DeregisterTargets call, notifies no one
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(drilled.failedExpectations).toEqual([]);
      expect(endState(drilled.execution(0))).toBe('Targets already point at the primary');
      expect(drilled.elbWrites).toEqual([]);
      expect(drilled.elbCalls('DescribeTargetHealth')).toHaveLength(1);
      expect(drilled.registered).toEqual([B]);
      expect(drilled.messages).toEqual([]);
      // AND   records the check and releases the lock
      const item = drilled.setItem;
      expect(item).toMatchObject({ state: 'ACTIVE', primaryInstanceId: B, lastCheckedBy: drilled.execution(0).name });
      expect(item).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
    });
  });

  describe('a mirror set that is not configured', () => {
    it('fails with UnknownMirrorSet before probing, locking or changing anything', async () => {
      // GIVEN a hook that names mirror set db-9
      // WHEN  its event arrives
      const drilled = await Drilled.of('unknown-set');
      // THEN
      expect(drilled.result.status).toBe('FAILED');
      expect(drilled.result.error).toBe(Errors.UNKNOWN_MIRROR_SET);
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.result.calls).toEqual([]);
      expect(drilled.result.lambdaInvocations).toBe(0);
    });
  });
});
