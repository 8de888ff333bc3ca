/**
 * mirror-failover, drilled end to end: each scenario in test/scenarios/mirror-failover/ runs the synthesized state
 * machine (the example configuration's app) and its real Lambda tasks (the probe and the plan) against the simulated
 * region, where each member's mirror-status page answers from the member's workload (`mirrorRole`). The scenario
 * files carry their own `expect` block; these tests check that it holds and then look closer.
 */
import * as path from 'node:path';
import { synthesize } from '../../cli/template';
import { endState, secondsUntil, statesEntered } from '../../local/engine/timeline';
import { loadConfig } from '../../infra/config/load';
import { drill } from '../../local/drill';
import { loadScenario } from '../../local/scenario/load';
import type { ExecutionResult } from '../../local/engine/runner';
import type { ApiCallRecord } from '../../local/region/region';
import { LOCK_ATTRIBUTES } from '../../workflows/fragments';
import { Errors } from '../../contracts/errors';
import { HAND_OFF_ATTRIBUTE } from '../../workflows/mirror-failover/definition';
import { type DrilledEnvironment, DrilledScenario } from '../harness/drilled';

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
/** The order of a switch: the other members leave first, then the primary is registered (never two at once). */
const ELB_WRITES = ['DeregisterTargets', 'RegisterTargets'];

// ── The final environment, typed as far as these tests read it ─────────────────────────────────────────
interface Environment extends DrilledEnvironment {
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

/** One drilled scenario, with the mirror-failover readers the tests check. */
class Drilled extends DrilledScenario<Environment> {
  static readonly scenarios = SCENARIOS;

  get targets() {
    return this.targetsOf(TARGET_GROUP);
  }

  /** The members still registered at the end (draining ones are on their way out). */
  get registered(): string[] {
    return this.targets.filter((t) => t.state !== 'draining').map((t) => t.id);
  }

  /** The mirror set's item in the state table, attribute values unwrapped; undefined when none was written. */
  get setItem(): Record<string, string> | undefined {
    return this.item(SET_KEY);
  }

  /** Every call the region answered for this ELB action (from SDK tasks and Lambda tasks alike). */
  elbCalls(action: string): ApiCallRecord[] {
    return this.calls('elasticloadbalancingv2', action);
  }

  /** The load-balancer changes made: RegisterTargets and DeregisterTargets calls, in order. */
  get elbWrites(): ApiCallRecord[] {
    return this.calls('elasticloadbalancingv2').filter((c) => ELB_WRITES.includes(c.action));
  }
}

/**
 * The most members registered at one moment, replaying every successful RegisterTargets / DeregisterTargets call in
 * modeled-time order from the targets the scenario starts with (a deregistered target draining counts as gone: it
 * takes no new connections).
 */
function mostRegisteredAtOnce(drilled: Drilled, initially: readonly string[]): number {
  const registered = new Set(initially);
  let most = registered.size;
  const writes = [...drilled.elbWrites].filter((c) => c.error === undefined).sort((x, y) => x.at - y.at);
  for (const call of writes) {
    const ids = ((call.input as { Targets?: { Id: string }[] }).Targets ?? []).map((t) => t.Id);
    for (const id of ids) {
      if (call.action === 'RegisterTargets') registered.add(id);
      else registered.delete(id);
    }
    most = Math.max(most, registered.size);
  }
  return most;
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

    it('deregisters A before it registers B (never two registered), once each, naming the port A was registered on', () => {
      // THEN
      expect(drilled.elbWrites.map((c) => [c.action, c.input])).toEqual([
        ['DeregisterTargets', { TargetGroupArn: TARGET_GROUP, Targets: [{ Id: A, Port: 1972 }] }],
        ['RegisterTargets', { TargetGroupArn: TARGET_GROUP, Targets: [{ Id: B }] }],
      ]);
      expect(mostRegisteredAtOnce(drilled, [A])).toBe(1);
    });

    it('probes before the lock, after taking it, before each change and before releasing it, and plans once', () => {
      // THEN  five probes (one invocation each, both members each time), one more before each health check
      //       that finds B not healthy yet, one plan, and the outcome (record-outcome)
      const states = statesEntered(drilled.execution(0));
      const whileWaiting = states.filter((s) => s === 'Probe while the primary is not healthy yet').length;
      expect(whileWaiting).toBeGreaterThan(0);
      expect(states.filter((s) => s.startsWith('Probe ') && !s.startsWith('Probe while'))).toEqual([
        'Probe the mirror members',
        'Probe the mirror members under the lock',
        'Probe before deregistering',
        'Probe before registering the primary',
        'Probe before releasing the lock',
      ]);
      expect(drilled.env.http.requests).toHaveLength(2 * (5 + whileWaiting));
      expect(drilled.result.lambdaInvocations).toBe(7 + whileWaiting);
      const order = [
        'Probe the mirror members',
        'Take the mirror set lock',
        'Probe the mirror members under the lock',
        'Read the registered targets',
        'Probe before deregistering',
        'Deregister a member that is not primary',
        'Probe before registering the primary',
        'Register the primary',
        'Read the primary health',
        'Clear the hand-off mark',
        'Probe before releasing the lock',
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

    it('has B as the only healthy target within 150 modeled seconds of the event', () => {
      // THEN  the NLB's registration (elb.nlbRegistration 120 s) + two health checks 5 s apart + polling
      expect(secondsUntil(drilled.execution(0), 'Primary is healthy')).toBeLessThan(150);
      expect(drilled.result.modeledSeconds).toBeLessThan(150);
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
      // (the probe before the lock, the first under it, then five more)
      expect(probes(drilled.execution(0))).toBe(7);
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
      const failed = drilled.env.http.requests.filter((r) => r.error);
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((r) => r.error === 'ETIMEDOUT' && r.url.includes('10.0.1.20'))).toBe(true);
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
      // (the probe before the lock, then the first under it and ten more with backoff)
      expect(probes(drilled.execution(0))).toBe(12);
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
      // THEN  B was deregistered and A registered, then the wait gave up after about the healthy timeout (300 s),
      //       re-probing each time the load balancer found A unhealthy (A still the only SUCCESS: no round again)
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

  describe('an operator stops the failover while it holds the mirror set lock', () => {
    it('ends ABORTED; the lock janitor releases the lock, leaves the set NEEDS_ATTENTION and notifies once', async () => {
      // GIVEN B became primary and the failover took the mirror set lock
      // WHEN  an operator stops it (StopExecution) as it registers B
      const drilled = await Drilled.of('stopped-holding-lock');
      // THEN  every expectation of the scenario holds (nothing-orphaned, ends-recovered-or-escalated)
      expect(drilled.result.status).toBe('ABORTED');
      expect(drilled.failedExpectations).toEqual([]);
      // AND   the set item has no owner and names the stopped execution; one message tells the operators
      const item = drilled.setItem;
      expect(item).toMatchObject({ state: 'NEEDS_ATTENTION' });
      expect(item).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
      expect(item?.lastError).toContain(`execution ${drilled.execution(0).name} ended ABORTED`);
      expect(drilled.messages.map((m) => m.subject)).toEqual([
        'ha-workflows: an execution ended without its own cleanup',
      ]);
      expect(drilled.messages[0].message).toContain('MIRROR#db-1');
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
    it('fails with UnknownMirrorSet before probing, locking or changing anything, telling the operators', async () => {
      // GIVEN a become-primary event for mirror set db-9, started by hand (the OnBecamePrimary rule lists only the
      //       configured sets, so EventBridge would not deliver it)
      // WHEN  the execution starts
      const drilled = await Drilled.of('unknown-set');
      // THEN
      expect(drilled.result.status).toBe('FAILED');
      expect(drilled.result.error).toBe(Errors.UNKNOWN_MIRROR_SET);
      expect(drilled.failedExpectations).toEqual([]);
      // AND   its only call is the operators' notification naming the execution and the configured sets
      // (then the lock janitor scans once on the FAILED status event, finds nothing held and ends quietly)
      expect(drilled.result.calls.map((c) => `${c.service}:${c.action}`)).toEqual(['sns:Publish', 'dynamodb:Scan']);
      const message = (drilled.result.calls[0].input as { Message: string }).Message;
      expect(message).toContain(drilled.result.executions[0].executionArn);
      expect(message).toContain('configured: db-1');
      expect(drilled.result.lambdaInvocations).toBe(0);
    });
  });
});

// ── #12 item 5: a primary that flaps, events that arrive while the lock is held ──────────────────────────────
/** A scenario file with its moves and events shifted: B becomes primary at `toB`, A again at `backToA`. */
async function drillFlap(name: string, options: { seed: number; toB: number; backToA: number }): Promise<Drilled> {
  const file = path.join(SCENARIOS, `${name}.json`);
  const scenario = structuredClone(loadScenario(file));
  const changes = scenario.environment.ec2?.workloadChanges ?? [];
  for (const c of changes) {
    const role = (c.set as { mirrorRole?: string }).mirrorRole;
    const toB = (c.instanceId === B && role === 'primary') || (c.instanceId === A && role === 'backup');
    c.atSeconds = toB ? options.toB : options.backToA;
  }
  for (const t of scenario.triggers) {
    const from = (t.event?.detail as { instanceId?: string } | undefined)?.instanceId;
    t.atSeconds = from === B ? options.toB : options.backToA;
  }
  const site = synthesize(path.resolve(path.dirname(file), scenario.config as string)).primary!;
  return new Drilled(await drill(scenario, { template: site.template, env: site.env, seed: options.seed }));
}

/** What must hold at the end of every flap: A (primary at the end) the only target, never two, nobody paged. */
function expectEndsOnA(drilled: Drilled): void {
  expect(drilled.result.executions.map((e) => `${e.status} ${e.error ?? ''}`.trim())).toEqual(
    drilled.result.executions.map(() => 'SUCCEEDED'),
  );
  expect(drilled.registered).toEqual([A]);
  expect(drilled.targets.find((t) => t.id === A)?.state).toBe('healthy');
  expect(mostRegisteredAtOnce(drilled, [A])).toBe(1);
  expect(drilled.setItem).toMatchObject({ state: 'ACTIVE', primaryInstanceId: A });
  expect(drilled.setItem).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
  expect(drilled.setItem).not.toHaveProperty(HAND_OFF_ATTRIBUTE);
  expect(drilled.messages.map((m) => m.subject)).not.toContain(SUBJECT_NEEDS_ATTENTION);
}

describe('the primary flaps A→B→A within seconds', () => {
  it.each([
    ['the scenario file', 'flap-back-both-events'],
    ['a second event while the first holds the lock', 'second-event-while-locked'],
    ['only B’s event delivered', 'flap-back-first-event-only'],
  ])('ends on A, never two registered, for %s', async (_title, name) => {
    // GIVEN A primary and registered; B becomes primary, then A again (each move with its hook's event, or only B's)
    // WHEN  the events arrive at the moments of the moves
    const drilled = await Drilled.of(name);
    // THEN  the load balancer ends on A alone; no moment had two members registered
    expect(drilled.failedExpectations).toEqual([]);
    expectEndsOnA(drilled);
  });

  it.each([
    { seed: 42, toB: 1, backToA: 4 },
    { seed: 7, toB: 0, backToA: 2 },
    { seed: 1234, toB: 2, backToA: 9 },
    { seed: 99, toB: 1, backToA: 16 },
    { seed: 5, toB: 3, backToA: 31 },
  ])('ends on A with one event per move (seed $seed, B at $toB s, A again at $backToA s)', async (timing) => {
    // GIVEN / WHEN the flap with both events, at other moments and seeds
    const drilled = await drillFlap('flap-back-both-events', timing);
    // THEN
    expectEndsOnA(drilled);
  });

  it.each([
    { seed: 42, toB: 1, backToA: 3 },
    { seed: 7, toB: 0, backToA: 12 },
    { seed: 1234, toB: 2, backToA: 10 },
  ])('ends on A with only B’s event (seed $seed, B at $toB s, A again at $backToA s)', async (timing) => {
    // GIVEN / WHEN the flap with only B's event, the move back while the holder still holds the lock (after it has
    //       released it, only a new event or the no-healthy-host alarm can start a new look): its own re-probes
    //       must catch the move back
    const drilled = await drillFlap('flap-back-first-event-only', timing);
    // THEN
    expectEndsOnA(drilled);
  });

  it('hands the second event to the holder, which goes round again before it releases', async () => {
    // GIVEN the move back to A happens while the first execution waits for B to be healthy
    // WHEN  A's event arrives then
    const drilled = await Drilled.of('second-event-while-locked');
    // THEN  the second execution found the lock held, marked the lock item and ended quietly
    const second = drilled.execution(1);
    expect(endState(second)).toBe('Mirror set is already being switched');
    expect(statesEntered(second)).toContain('Hand the event to the lock holder');
    expect(statesEntered(second)).not.toContain('Read the registered targets');
    // AND   the holder switched to B, went round, and switched back to A before releasing the lock
    const switches = drilled.elbWrites.map(
      (c) => `${c.action} ${(c.input as { Targets: { Id: string }[] }).Targets[0].Id}`,
    );
    expect(switches).toEqual([
      `DeregisterTargets ${A}`,
      `RegisterTargets ${B}`,
      `DeregisterTargets ${B}`,
      `RegisterTargets ${A}`,
    ]);
    expect(drilled.setItem).toMatchObject({ primaryInstanceId: A, previousInstanceIds: A, rounds: '2' });
    expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_SWITCHED]);
  });

  it('goes round again when an event was handed over after its last probe (the release is refused)', async () => {
    // GIVEN the clean switch, where the release finds an event handed over after the holder's last probe
    //       (scripted: the conditional release fails once, as it does when the hand-off mark is present)
    const file = path.join(SCENARIOS, 'clean-switch.json');
    const scenario = structuredClone(loadScenario(file));
    scenario.faults.push({
      service: 'dynamodb',
      action: 'UpdateItem',
      match: {
        ConditionExpression:
          '(#owner = :me AND attribute_not_exists(#handOff)) OR (attribute_not_exists(#owner) AND #lastOwner = :me)',
      },
      error: { code: 'ConditionalCheckFailedException', statusCode: 400 },
      times: 1,
    });
    const site = synthesize(path.resolve(path.dirname(file), scenario.config as string)).primary!;
    // WHEN  it is drilled
    const drilled = new Drilled(await drill(scenario, { template: site.template, env: site.env }));
    // THEN  the holder re-probed under the lock (a second round), found B still primary, and released then
    const states = statesEntered(drilled.execution(0));
    expect(states.filter((s) => s === 'Probe the mirror members under the lock')).toHaveLength(2);
    expect(states.filter((s) => s === 'Probe before releasing the lock')).toHaveLength(2);
    expect(endState(drilled.execution(0))).toBe(SWITCHED);
    expect(drilled.registered).toEqual([B]);
    expect(drilled.setItem).toMatchObject({ primaryInstanceId: B, previousInstanceIds: A, rounds: '2' });
    expect(drilled.setItem).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
  });
});

describe('a primary that keeps moving', () => {
  it('gives up after three rounds with PrimaryKeepsMoving, leaving no member that is not primary registered', async () => {
    // GIVEN the primary moves between A and B every 6 s for minutes; only B's first event arrives
    // WHEN  the execution switches, finds the primary moved, and goes round again each time
    const drilled = await Drilled.of('primary-keeps-moving');
    // THEN  after three rounds it fails with PrimaryKeepsMoving; never two members registered at once
    expect(drilled.failedExpectations).toEqual([]);
    expect(drilled.result.error).toBe(Errors.PRIMARY_KEEPS_MOVING);
    expect(
      statesEntered(drilled.execution(0)).filter((s) => s === 'Probe the mirror members under the lock'),
    ).toHaveLength(3);
    expect(mostRegisteredAtOnce(drilled, [A])).toBe(1);
    // AND   the member that was not primary at the last probe was deregistered; the set needs attention
    const last = drilled.elbWrites[drilled.elbWrites.length - 1];
    expect(last.action).toBe('DeregisterTargets');
    expect(drilled.registered).toEqual([]);
    expect(drilled.setItem).toMatchObject({ state: 'NEEDS_ATTENTION', lastError: Errors.PRIMARY_KEEPS_MOVING });
    expect(drilled.setItem).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
    expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
  });
});

describe('faults found by the fault campaign (each scenario is a shrunk schedule; its invariants are its expectations)', () => {
  it.each([
    // 5 % of UpdateItem calls fail with InternalServerError for 5 s, the lock's among them (the lock is re-entrant)
    ['lock-write-fails-once', 'Take the mirror set lock'],
    // DescribeTargetHealth answers 124 s late once; 18 % of publishes fail with InternalError for 42 s
    ['health-read-late-notify-fails', 'Read the primary health'],
    // (target-read-server-error: below; its plan's clients are the layer that retries)
    // the plan function's DescribeTargetHealth answers 120 s late once (the function passes its timeout)
    ['target-read-answers-late', 'Read the registered targets'],
  ])('%s: retries "%s" instead of escalating, and switches', async (name, state) => {
    // GIVEN the scenario's transient fault / WHEN B's event arrives
    const drilled = await Drilled.of(name);
    // THEN  the state is retried, B is switched to, and the invariants hold
    expect(drilled.failedExpectations).toEqual([]);
    expect(drilled.result.status).toBe('SUCCEEDED');
    expect(drilled.registered).toEqual([B]);
    expect(drilled.result.timeline.some((e) => e.kind === 'retry' && e.state === state)).toBe(true);
  });

  it("target-read-server-error: the plan's client retries the 500s (its only retry layer), and the run switches", async () => {
    // GIVEN 20 % of DescribeTargetHealth calls fail with InternalFailure for 5 s (three in a row at one point: before,
    //       that outlasted the plan's 3 SDK attempts and the run escalated) / WHEN B's event arrives
    const drilled = await Drilled.of('target-read-server-error');
    // THEN  B is switched to and the invariants hold
    expect(drilled.failedExpectations).toEqual([]);
    expect(drilled.result.status).toBe('SUCCEEDED');
    expect(drilled.registered).toEqual([B]);
    // AND   the 500s were retried by the plan function's client (contracts/task-retries.ts: 10 attempts per call), so
    //       the state machine did not re-run the plan on them: one layer, not two
    const reads = drilled.result.calls.filter((c) => c.action === 'DescribeTargetHealth');
    expect(reads.filter((c) => c.error === 'InternalFailure').length).toBeGreaterThanOrEqual(3);
    const plan = 'Read the registered targets';
    expect(drilled.result.timeline.some((e) => e.kind === 'retry' && e.state === plan)).toBe(false);
  });

  it('finds the lock held after its own lock write answered late, and hands its event over', async () => {
    // GIVEN B's event twice; one run's lock write answers 63 s late (past the Task's timeout)
    // WHEN  both runs go
    const drilled = await Drilled.of('lock-write-response-lost');
    // THEN  both runs succeed (one switched, one handed over), and the invariants hold
    expect(drilled.failedExpectations).toEqual([]);
    expect(drilled.result.executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(drilled.result.executions.map((e) => endState(e)).sort()).toEqual(
      ['Mirror set is already being switched', SWITCHED].sort(),
    );
    expect(drilled.registered).toEqual([B]);
    expect(drilled.setItem).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
  });

  it('escalates when the health reads keep failing, and its notification outlasts SNS failing half the time', async () => {
    // GIVEN DescribeTargetHealth fails 55 % of the time for 55 s; SNS fails 55 % of publishes from 30 s to 75 s
    // WHEN  B's event arrives
    const drilled = await Drilled.of('notify-fails-often');
    // THEN  the run fails after the healthy wait, records NEEDS_ATTENTION and the notification goes out; invariants hold
    expect(drilled.failedExpectations).toEqual([]);
    expect(drilled.result.status).toBe('FAILED');
    expect(drilled.setItem).toMatchObject({ state: 'NEEDS_ATTENTION' });
    expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
  });

  it('follows a late fail-back event after an operator stopped the first switch', async () => {
    // GIVEN the first run is stopped at 33 s; A becomes primary at 7 s, its event arrives at 601 s
    // WHEN  the late event's run goes
    const drilled = await Drilled.of('stopped-then-failback-hook-late');
    // THEN  A is the only registered member at the end, and the invariants hold
    expect(drilled.failedExpectations).toEqual([]);
    expect(drilled.registered).toEqual([A]);
  });

  it('still announces a stopped run when SNS fails a publish', async () => {
    // GIVEN the run is stopped holding the lock while SNS fails some publishes
    // WHEN  the lock janitor cleans up
    const drilled = await Drilled.of('stopped-while-notify-fails');
    // THEN  the set is NEEDS_ATTENTION, the lock released, and one message went out
    expect(drilled.failedExpectations).toEqual([]);
    expect(drilled.result.status).toBe('ABORTED');
    expect(drilled.setItem).toMatchObject({ state: 'NEEDS_ATTENTION' });
    expect(drilled.setItem).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
    expect(drilled.messages).toHaveLength(1);
  });

  it('follows a fail-back whose become-primary event comes late, as soon as it comes', async () => {
    // GIVEN A becomes primary again at 112 s; its hook's event arrives at 503 s
    // WHEN  the run the event starts goes
    const drilled = await Drilled.of('failback-hook-late');
    // THEN  A is the only registered member at the end, and the invariants hold
    expect(drilled.failedExpectations).toEqual([]);
    expect(drilled.registered).toEqual([A]);
  });

  it.each([
    ['failback-primary-page-slow', 'UNREACHABLE'],
    ['failback-primary-zone-dark', 'UNREACHABLE'],
    ['failback-primary-page-garbage', 'UNEXPECTED'],
  ])('%s: fails closed with NoPrimary, changes nothing, records and notifies', async (name, answer) => {
    // GIVEN A becomes primary again, but nobody can read SUCCESS from its status page
    // WHEN  the run probes until its deadline
    const drilled = await Drilled.of(name);
    // THEN  it fails NoPrimary naming A as not seen, B stays registered (never zero), the set needs attention
    expect(drilled.failedExpectations).toEqual([]);
    expect(drilled.result.executions[0]).toMatchObject({ status: 'FAILED', error: Errors.NO_PRIMARY });
    expect(drilled.result.executions[0].cause).toContain(`${A} ${answer}`);
    expect(drilled.registered).toEqual([B]);
    expect(drilled.setItem).toMatchObject({ state: 'NEEDS_ATTENTION', lastError: Errors.NO_PRIMARY });
    expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
  });

  it.each([
    // DescribeTargetHealth answers 130 s late once (past the Task's deadline); A becomes primary at 161 s
    ['late-answer-then-failback-hook'],
    // B's event at 0, 83 and 166 s; A becomes primary at 151 s, its hook's event comes at 542 s
    ['duplicate-events-and-late-hook'],
  ])("%s (engine): starts each event's run at its modeled second, after what ran before it", async (name) => {
    // GIVEN runs started by events and hooks at different seconds, one run's call answering after its deadline
    // WHEN  the drill starts them
    const drilled = await Drilled.of(name);
    // THEN  a run hands its event over only to a run that holds the lock at that moment, and traffic follows A
    const runs = drilled.result.executions.map((e) => ({
      start: Date.parse(e.startDate),
      stop: Date.parse(e.stopDate),
      handedOver: endState(e) === 'Mirror set is already being switched',
    }));
    for (const run of runs.filter((r) => r.handedOver)) {
      expect(runs.some((holder) => holder !== run && holder.start <= run.start && run.start <= holder.stop)).toBe(true);
    }
    expect(drilled.failedExpectations).toEqual([]);
    expect(drilled.registered).toEqual([A]);
  });

  it('records NEEDS_ATTENTION even when it fails before holding the lock', async () => {
    // GIVEN the clean switch, where every attempt to take the lock fails with DynamoDB's InternalServerError
    const file = path.join(SCENARIOS, 'clean-switch.json');
    const scenario = structuredClone(loadScenario(file));
    scenario.faults.push({
      service: 'dynamodb',
      action: 'UpdateItem',
      match: {
        UpdateExpression: 'SET #owner = :me, #expiresAt = :expiresAt, #state = :switching, #startedBy = :execution',
      },
      error: { code: 'InternalServerError', statusCode: 500 },
    });
    const site = synthesize(path.resolve(path.dirname(file), scenario.config as string)).primary!;
    // WHEN  B's event arrives
    const drilled = new Drilled(await drill(scenario, { template: site.template, env: site.env }));
    // THEN  the run gave up after its retries, changed nothing, recorded the set as needing a person, and notified
    expect(drilled.result.executions[0]).toMatchObject({
      status: 'FAILED',
      error: 'DynamoDB.InternalServerErrorException',
    });
    expect(endState(drilled.execution(0))).toBe(FAILED);
    expect(statesEntered(drilled.execution(0))).toContain('Record needs attention before the lock');
    expect(drilled.elbWrites).toEqual([]);
    expect(drilled.setItem).toMatchObject({
      state: 'NEEDS_ATTENTION',
      lastError: 'DynamoDB.InternalServerErrorException',
    });
    expect(drilled.setItem).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
    expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
  });
});
