/**
 * The fault catalogue of campaigns (issue #14): each kind draws its parameters from a seeded `Random` and writes
 * itself into a scenario with nothing but the scenario format, so a failing schedule is an ordinary scenario file
 * that `ha-workflows drill` replays without the campaign.
 *
 * Rules every kind keeps:
 * - `draw` reads only `rng` and the base's facts: the same seed gives the same schedule, on any machine.
 * - Moments and windows are drawn inside the base drill's modeled duration (and a little beyond, since a fault
 *   usually makes a drill longer): a fault after the end of everything changes nothing and teaches nothing.
 * - A kind applies only to the workflows where it can change something (an AZ with no launch cannot run out of
 *   capacity), so coverage counts are not padded with no-ops.
 * - `apply` only adds to the scenario (or tightens what the base gave); it throws when the base lacks what the kind
 *   needs (a catalogue bug, reported by the runner as the schedule's error), never silently does nothing.
 * - `shrink` proposes variants that are smaller in one respect (a number lower, a list shorter, a mode simpler) and
 *   never larger in any: the shrinker then keeps the smallest schedule that still breaks an invariant.
 *
 * Not expressible in the scenario format today:
 * - `lb-health-flap`: a target's health follows its instance and mirror-status page, which have no schedule of their
 *   own; `mirror-role-flap` and `status-page-*` make health change indirectly.
 * - a Lambda invocation that is itself slow: the engine models no per-invocation latency fault, so `lambda-timeout`
 *   slows a call a Lambda task makes (the function passes its Timeout, Lambda reports `Sandbox.Timedout`).
 */
import type { Random } from '../random';
import { SDK_SERVICES } from '../region/sdk-model';
import type { ScenarioInput } from '../scenario/schema';
import type { BaseFacts, CampaignWorkflow, FaultKind, FaultParams } from './types';

// ── Drawing helpers ─────────────────────────────────────────────────────────────────────────────────────────────

/** An integer in [lo, hi]. */
function int(rng: Random, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * (hi - lo + 1));
}

function pick<T>(rng: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('nothing to pick from');
  return items[Math.floor(rng.next() * items.length)];
}

/** A non-empty subset of `items`, in their order. */
function subset<T>(rng: Random, items: readonly T[]): T[] {
  const chosen = items.filter(() => rng.chance(0.5));
  return chosen.length > 0 ? chosen : [pick(rng, items)];
}

/** The horizon moments are drawn in: the base's duration and 20 % beyond, at least a minute. */
function horizon(facts: BaseFacts): number {
  return Math.max(60, Math.ceil(facts.durationSeconds * 1.2));
}

/**
 * A window [after, until) inside the horizon, whole seconds: half the time open from the start (most actions are
 * called a few times only, early, and a window after their last call changes nothing), at least a quarter of the
 * horizon long (and 5 s).
 */
function window(rng: Random, facts: BaseFacts): { afterSeconds: number; untilSeconds: number } {
  const h = horizon(facts);
  const afterSeconds = rng.chance(0.5) ? 0 : int(rng, 0, Math.floor(h * 0.6));
  const untilSeconds = int(rng, afterSeconds + Math.max(5, Math.floor(h / 4)), h + 5);
  return { afterSeconds, untilSeconds };
}

/**
 * A moment for a one-time fault: half the time 0 (the action's first call), else in the first half of the base
 * drill (later, the action has usually been called for the last time already).
 */
function early(rng: Random, facts: BaseFacts): number {
  return rng.chance(0.5) ? 0 : int(rng, 0, Math.floor(facts.durationSeconds / 2));
}

/** A fraction of calls, 0.05–0.80 in steps of 0.05 (printable, and shrinkable by halving). */
function fraction(rng: Random): number {
  return int(rng, 1, 16) / 20;
}

// ── Reading parameters ──────────────────────────────────────────────────────────────────────────────────────────

function num(params: FaultParams, key: string): number {
  const v = params[key];
  if (typeof v !== 'number') throw new Error(`fault parameter "${key}" is not a number: ${JSON.stringify(v)}`);
  return v;
}

function str(params: FaultParams, key: string): string {
  const v = params[key];
  if (typeof v !== 'string') throw new Error(`fault parameter "${key}" is not a string: ${JSON.stringify(v)}`);
  return v;
}

function strings(params: FaultParams, key: string): string[] {
  const v = params[key];
  if (!Array.isArray(v)) throw new Error(`fault parameter "${key}" is not a list: ${JSON.stringify(v)}`);
  return v.map(String);
}

/**
 * A fault's shrinker that halves each named whole-number parameter down to its floor (e.g. `{ times: 1, atSeconds: 0 }`):
 * one smaller variant per parameter not yet at its floor.
 */
function shrinkNumbers(floors: Readonly<Record<string, number>>): (params: FaultParams) => FaultParams[] {
  return (params) =>
    Object.entries(floors).flatMap(([key, floor]) => smaller(params, key, halved(num(params, key), floor)));
}

/** One of `items`, or (half the time) 'any'. */
function oneOrAny(rng: Random, items: readonly string[]): string {
  return rng.chance(0.5) ? pick(rng, items) : 'any';
}

/** `{ [key]: value }`, or nothing when the value is 'any'. */
function unlessAny<K extends string>(key: K, value: string): Partial<Record<K, string>> {
  return value === 'any' ? {} : ({ [key]: value } as Record<K, string>);
}

/** Halves a number toward `floor` (whole numbers stay whole); none when it is already at the floor. */
function halved(value: number, floor: number, whole = true): number[] {
  if (value <= floor) return [];
  const h = whole ? Math.floor((value + floor) / 2) : Math.round(((value + floor) / 2) * 100) / 100;
  return h < value ? [Math.max(floor, h)] : [];
}

/** Variants of `params` with one numeric parameter replaced by each smaller value. */
function smaller(params: FaultParams, key: string, values: readonly number[]): FaultParams[] {
  return values.map((v) => ({ ...params, [key]: v }));
}

/** Narrower windows: the end pulled toward the start (the start only moves with it, so nothing grows). */
function narrower(params: FaultParams, minLength = 5): FaultParams[] {
  const after = num(params, 'afterSeconds');
  const until = num(params, 'untilSeconds');
  return smaller(params, 'untilSeconds', halved(until, after + minLength));
}

// ── Writing into the scenario ───────────────────────────────────────────────────────────────────────────────────

type Environment = NonNullable<ScenarioInput['environment']>;
type Ec2Env = NonNullable<Environment['ec2']>;
type Instance = NonNullable<Ec2Env['instances']>[number];
type ApiFault = NonNullable<ScenarioInput['faults']>[number];
type ServiceName = ApiFault['service'];
type SsmRule = NonNullable<NonNullable<Environment['ssm']>['scripts']>[number];
type Endpoint = NonNullable<NonNullable<Environment['http']>['endpoints']>[number];

function environment(scenario: ScenarioInput): Environment {
  return (scenario.environment ??= {});
}

function ec2(scenario: ScenarioInput): Ec2Env {
  return (environment(scenario).ec2 ??= {});
}

function instances(scenario: ScenarioInput): Instance[] {
  return ec2(scenario).instances ?? [];
}

function addFault(scenario: ScenarioInput, fault: ApiFault): void {
  (scenario.faults ??= []).push(fault);
}

/** `service:Action` → its parts; the service must be one the scenario's faults name. */
function splitAction(action: string): { service: ServiceName; action: string } {
  const [service, name] = action.split(':');
  const known: readonly string[] = ['ec2', 'elasticloadbalancingv2', 'ssm', 'dynamodb', 'cloudwatch', 'sns', 'sfn'];
  if (!known.includes(service) || !name) throw new Error(`"${action}" is not a service:Action a fault can name`);
  return { service: service as ServiceName, action: name };
}

/** The base's script rule for a command document (by its name's suffix, e.g. `iris-freeze`). */
function scriptFor(scenario: ScenarioInput, documentSuffix: string): SsmRule {
  const rule = (environment(scenario).ssm?.scripts ?? []).find((r) =>
    (r.match?.document ?? '').endsWith(`-${documentSuffix}`),
  );
  if (!rule) throw new Error(`the base scenario has no SSM script for a "*-${documentSuffix}" document`);
  return rule;
}

/** Puts a rule in front of the base's, so it matches first (rules apply in order, each `times` times). */
function prependScript(scenario: ScenarioInput, rule: SsmRule): void {
  const ssm = (environment(scenario).ssm ??= {});
  ssm.scripts = [rule, ...(ssm.scripts ?? [])];
}

function endpointOf(scenario: ScenarioInput, instanceId: string): Endpoint {
  const endpoint = (environment(scenario).http?.endpoints ?? []).find((e) => e.instanceId === instanceId);
  if (!endpoint) throw new Error(`the base scenario has no mirror-status endpoint for ${instanceId}`);
  return endpoint;
}

/** The mirror's primary and one other synchronous member (failover or backup), from the base's workload roles. */
function mirrorPair(scenario: ScenarioInput): { primary: Instance; other: Instance } {
  const all = instances(scenario);
  const primary = all.find((i) => i.workload?.mirrorRole === 'primary');
  const other = all.find((i) => i.workload?.mirrorRole === 'backup');
  if (!primary || !other) throw new Error('the base scenario has no mirror primary and backup member');
  return { primary, other };
}

// ── Error codes ─────────────────────────────────────────────────────────────────────────────────────────────────

/** HTTP status each throttling code comes with (EC2 RequestLimitExceeded is a 503, SNS Throttled a 429). */
const THROTTLING_STATUS: Readonly<Record<string, number>> = { RequestLimitExceeded: 503, Throttled: 429 };

/**
 * The 5xx codes each service answers (its API reference's "Common errors", and the models' server-fault shapes:
 * SSM and DynamoDB `InternalServerError`, CloudWatch `InternalServiceFault` whose wire code is
 * `InternalServiceError`, SNS `InternalError`).
 */
const SERVER_ERRORS: Readonly<Record<ServiceName, readonly { code: string; statusCode: number }[]>> = {
  ec2: [
    { code: 'InternalError', statusCode: 500 },
    { code: 'Unavailable', statusCode: 503 },
  ],
  elasticloadbalancingv2: [
    { code: 'InternalFailure', statusCode: 500 },
    { code: 'ServiceUnavailable', statusCode: 503 },
  ],
  ssm: [{ code: 'InternalServerError', statusCode: 500 }],
  dynamodb: [{ code: 'InternalServerError', statusCode: 500 }],
  cloudwatch: [{ code: 'InternalServiceError', statusCode: 500 }],
  sns: [{ code: 'InternalError', statusCode: 500 }],
  sfn: [
    { code: 'InternalFailure', statusCode: 500 },
    { code: 'ServiceUnavailable', statusCode: 503 },
  ],
  http: [],
};

/** The actions of the base a fault of the scenario format can name (the status pages have their own kinds). */
function faultableActions(facts: BaseFacts): string[] {
  return facts.actions.filter((a) => !a.startsWith('http:'));
}

/** Actions that change the world: a lost response to one of them leaves an effect the caller does not know of. */
const MUTATING = /^(Run|Terminate|Stop|Start|Create|Delete|Register|Deregister|Modify|Put|Update|Send|Copy|Publish)/;

/**
 * The actions the Lambda tasks call (tasks/*: their clients' commands); `http:Get` is the probe of the status pages.
 * Some are also called by SDK-integration Tasks: a slow answer there is a lost response, no less useful.
 */
const LAMBDA_TASK_ACTIONS: ReadonlySet<string> = new Set([
  'ec2:CopySnapshot',
  'ec2:CreateTags',
  'ec2:DeleteSnapshot',
  'ec2:DescribeImages',
  'ec2:DescribeInstanceTypeOfferings',
  'ec2:DescribeInstances',
  'ec2:DescribeSnapshots',
  'ec2:DescribeSubnets',
  'ec2:ModifyInstanceAttribute',
  'ec2:ModifyNetworkInterfaceAttribute',
  'ec2:RunInstances',
  'ec2:StopInstances',
  'cloudwatch:DeleteAlarms',
  'cloudwatch:DescribeAlarms',
  'cloudwatch:PutMetricAlarm',
  'cloudwatch:PutMetricData',
  'elasticloadbalancingv2:DescribeLoadBalancers',
  'elasticloadbalancingv2:DescribeTargetGroups',
  'elasticloadbalancingv2:DescribeTargetHealth',
  'dynamodb:GetItem',
]);

/**
 * EC2 calls a workflow may first make with `DryRun: true` (check before you destroy): a one-time fault matches only
 * the real call, as test/scenarios/instance-recovery/lost-launch-response.json does.
 */
const DRY_RUN_FIRST: ReadonlySet<string> = new Set(['ec2:RunInstances', 'ec2:TerminateInstances']);

function matchFor(action: string): Pick<ApiFault, 'match'> {
  return DRY_RUN_FIRST.has(action) ? { match: { DryRun: false } } : {};
}

// ── The catalogue ───────────────────────────────────────────────────────────────────────────────────────────────

const ALL: readonly CampaignWorkflow[] = ['instance-recovery', 'mirror-failover', 'dr-promotion', 'snapshot-backup'];

/** The command documents each workflow runs (their names end in these), for `ssm-command`. */
const DOCUMENTS: Readonly<Partial<Record<CampaignWorkflow, readonly string[]>>> = {
  'dr-promotion': ['iris-mirror-query', 'iris-promote'],
  'snapshot-backup': ['iris-freeze', 'iris-thaw'],
};

/** Answers a mirror-status page gives that are not a clean "200 SUCCESS" or "503 FAILED". */
const GARBAGE: readonly { status: number; body: string }[] = [
  { status: 200, body: '' },
  { status: 200, body: 'success' },
  { status: 200, body: '<html><body>502 Bad Gateway</body></html>' },
  { status: 200, body: 'SUCCESS SUCCESS' },
  { status: 500, body: 'SUCCESS' },
  { status: 302, body: '' },
  { status: 404, body: 'Not Found' },
];

function apiErrorKind(
  name: string,
  description: string,
  codesFor: (service: ServiceName) => readonly { code: string; statusCode: number }[],
): FaultKind {
  return {
    name,
    description,
    workflows: ALL,
    draw(rng, facts) {
      const candidates = faultableActions(facts).filter((a) => codesFor(splitAction(a).service).length > 0);
      const action = pick(rng, candidates);
      const { code, statusCode } = pick(rng, codesFor(splitAction(action).service));
      return { action, code, statusCode, probability: fraction(rng), ...window(rng, facts) };
    },
    apply(scenario, params) {
      const action = str(params, 'action');
      addFault(scenario, {
        ...splitAction(action),
        error: { code: str(params, 'code'), statusCode: num(params, 'statusCode') },
        probability: num(params, 'probability'),
        afterSeconds: num(params, 'afterSeconds'),
        untilSeconds: num(params, 'untilSeconds'),
      });
    },
    shrink(params) {
      return [...smaller(params, 'probability', halved(num(params, 'probability'), 0.05, false)), ...narrower(params)];
    },
  };
}

const azDark: FaultKind = {
  name: 'az-dark',
  description:
    'An Availability Zone of the base goes dark at a random second: its instances stop answering, launches there fail, stops there hang without Force.',
  workflows: ALL,
  draw(rng, facts) {
    return { zone: pick(rng, facts.zones), fromSeconds: int(rng, 0, horizon(facts)) };
  },
  apply(scenario, params) {
    const e = ec2(scenario);
    (e.impairedAvailabilityZones ??= []).push({ zone: str(params, 'zone'), fromSeconds: num(params, 'fromSeconds') });
  },
  shrink: shrinkNumbers({ fromSeconds: 0 }),
};

const apiThrottling = apiErrorKind(
  'api-throttling',
  "A fraction (5–80 %) of the calls of one action the workflow makes is throttled with the service's own code, for a window of the drill.",
  (service) =>
    service === 'http'
      ? []
      : (SDK_SERVICES[service]?.throttlingCodes ?? []).map((code) => ({
          code,
          statusCode: THROTTLING_STATUS[code] ?? 400,
        })),
);

const api5xx = apiErrorKind(
  'api-5xx',
  "A fraction (5–80 %) of the calls of one action the workflow makes fails with the service's 5xx code, for a window of the drill.",
  (service) => SERVER_ERRORS[service],
);

const capacity: FaultKind = {
  name: 'capacity',
  description: 'Launches fail with InsufficientInstanceCapacity in one or more AZs, a few times or always.',
  workflows: ['instance-recovery'],
  draw(rng, facts) {
    // 0: always (no `times`), as a zone that has none of the type left today.
    return { zones: subset(rng, facts.zones), times: int(rng, 0, 3) };
  },
  apply(scenario, params) {
    const times = num(params, 'times');
    const e = ec2(scenario);
    for (const zone of strings(params, 'zones')) {
      (e.capacity ??= []).push({
        availabilityZone: zone,
        error: 'InsufficientInstanceCapacity',
        ...(times > 0 ? { times } : {}),
      });
    }
  },
  shrink(params) {
    const zones = strings(params, 'zones');
    const fewer = zones.length > 1 ? zones.map((_, i) => ({ ...params, zones: zones.filter((__, j) => j !== i) })) : [];
    return [
      ...fewer,
      ...smaller(
        params,
        'times',
        halved(num(params, 'times'), 1).filter((t) => t > 0),
      ),
    ];
  },
};

const lostResponse: FaultKind = {
  name: 'lost-response',
  description:
    "A mutating call takes effect but its response arrives after the caller's timeout (once, from a random second on).",
  workflows: ALL,
  draw(rng, facts) {
    const action = pick(
      rng,
      faultableActions(facts).filter((a) => MUTATING.test(a.split(':')[1])),
    );
    return {
      action,
      addLatencySeconds: int(rng, 60, 900),
      afterSeconds: early(rng, facts),
    };
  },
  apply(scenario, params) {
    const action = str(params, 'action');
    addFault(scenario, {
      ...splitAction(action),
      ...matchFor(action),
      addLatencySeconds: num(params, 'addLatencySeconds'),
      afterSeconds: num(params, 'afterSeconds'),
      times: 1,
    });
  },
  shrink: shrinkNumbers({ afterSeconds: 0, addLatencySeconds: 60 }),
};

const lambdaTimeout: FaultKind = {
  name: 'lambda-timeout',
  description:
    'A call made inside a Lambda task answers minutes late, so the function passes its Timeout (Sandbox.Timedout) after the call took effect.',
  workflows: ALL,
  draw(rng, facts) {
    const action = pick(
      rng,
      facts.actions.filter((a) => LAMBDA_TASK_ACTIONS.has(a)),
    );
    return {
      action,
      addLatencySeconds: int(rng, 120, 1800),
      afterSeconds: early(rng, facts),
    };
  },
  apply: lostResponse.apply,
  shrink: shrinkNumbers({ afterSeconds: 0, addLatencySeconds: 120 }),
};

const bootFailure: FaultKind = {
  name: 'boot-failure',
  description: 'New instances (in one AZ or any) boot but never come up: impaired, their SSM agent never online.',
  workflows: ['instance-recovery'],
  draw(rng, facts) {
    return { zone: oneOrAny(rng, facts.zones), count: int(rng, 1, 3) };
  },
  apply(scenario, params) {
    const zone = str(params, 'zone');
    (ec2(scenario).bootFailures ??= []).push({
      ...unlessAny('availabilityZone', zone),
      count: num(params, 'count'),
    });
  },
  shrink: shrinkNumbers({ count: 1 }),
};

const ssmCommand: FaultKind = {
  name: 'ssm-command',
  description:
    'A Run Command the workflow sends hangs (until its execution timeout), fails with a non-zero exit code, or runs for minutes; a few times.',
  workflows: ['dr-promotion', 'snapshot-backup'],
  draw(rng, facts) {
    const document = pick(rng, DOCUMENTS[facts.workflow] ?? []);
    const mode = pick(rng, ['hang', 'fail', 'slow'] as const);
    return {
      document,
      mode,
      exitCode: mode === 'fail' ? pick(rng, [1, 2, 127, 255]) : 0,
      durationSeconds: mode === 'slow' ? int(rng, 30, 1800) : 0,
      times: int(rng, 1, 3),
    };
  },
  apply(scenario, params) {
    const base = scriptFor(scenario, str(params, 'document'));
    const mode = str(params, 'mode');
    const times = num(params, 'times');
    if (mode === 'hang') prependScript(scenario, { ...base, hang: true, times });
    else if (mode === 'fail') {
      // A failed command changes nothing on the database: no `effect`.
      const { effect: _none, ...rest } = base;
      prependScript(scenario, { ...rest, exitCode: num(params, 'exitCode'), stdout: 'ERROR', times });
    } else prependScript(scenario, { ...base, durationSeconds: num(params, 'durationSeconds'), times });
  },
  shrink: shrinkNumbers({ times: 1, durationSeconds: 30 }),
};

const freezeHangs: FaultKind = {
  name: 'freeze-hangs',
  description:
    "The database freeze command hangs on one member (or every member), once or twice, until SSM's execution timeout.",
  workflows: ['snapshot-backup'],
  draw(rng, facts) {
    return { instanceId: oneOrAny(rng, facts.instanceIds), times: int(rng, 1, 2) };
  },
  apply(scenario, params) {
    const instanceId = str(params, 'instanceId');
    prependScript(scenario, {
      ...scriptFor(scenario, 'iris-freeze'),
      ...unlessAny('instanceId', instanceId),
      hang: true,
      times: num(params, 'times'),
    });
  },
  shrink: shrinkNumbers({ times: 1 }),
};

const thawFails: FaultKind = {
  name: 'thaw-fails',
  description: 'The thaw command fails (exit 1, the database still frozen) n times on one member or every member.',
  workflows: ['snapshot-backup'],
  draw(rng, facts) {
    return { instanceId: oneOrAny(rng, facts.instanceIds), times: int(rng, 1, 5) };
  },
  apply(scenario, params) {
    const instanceId = str(params, 'instanceId');
    const { effect: _none, ...thaw } = scriptFor(scenario, 'iris-thaw');
    prependScript(scenario, {
      ...thaw,
      ...unlessAny('instanceId', instanceId),
      exitCode: 1,
      stdout: 'STILL_FROZEN',
      times: num(params, 'times'),
    });
  },
  shrink: shrinkNumbers({ times: 1 }),
};

const mirrorRoleFlap: FaultKind = {
  name: 'mirror-role-flap',
  description:
    'The mirror primary and its backup swap roles back and forth (every few seconds, from a random second for a while).',
  // snapshot-backup freezes and snapshots every member whatever its role: a flap changes nothing there.
  workflows: ['mirror-failover', 'dr-promotion'],
  draw(rng, facts) {
    const periodSeconds = int(rng, 2, 30) * 2;
    const atSeconds = int(rng, 0, Math.floor(horizon(facts) * 0.8));
    return { atSeconds, periodSeconds, untilSeconds: atSeconds + periodSeconds * int(rng, 1, 10) };
  },
  apply(scenario, params) {
    const { primary, other } = mirrorPair(scenario);
    const at = num(params, 'atSeconds');
    const period = num(params, 'periodSeconds');
    const until = num(params, 'untilSeconds');
    const back = at + period / 2;
    const every = { everySeconds: period, untilSeconds: until };
    (ec2(scenario).workloadChanges ??= []).push(
      { instanceId: primary.instanceId, atSeconds: at, set: { mirrorRole: 'backup' }, ...every },
      { instanceId: other.instanceId, atSeconds: at, set: { mirrorRole: 'primary' }, ...every },
      { instanceId: other.instanceId, atSeconds: back, set: { mirrorRole: 'backup' }, ...every },
      { instanceId: primary.instanceId, atSeconds: back, set: { mirrorRole: 'primary' }, ...every },
    );
  },
  shrink(params) {
    // Fewer flaps: the window ends earlier, but never before one full swap and back.
    const at = num(params, 'atSeconds');
    const period = num(params, 'periodSeconds');
    return smaller(params, 'untilSeconds', halved(num(params, 'untilSeconds'), at + period));
  },
};

const statusPageGarbage: FaultKind = {
  name: 'status-page-garbage',
  description:
    "A member's mirror-status page answers something that is neither a clean 200 SUCCESS nor a 503 (empty, lower case, a proxy's error page, SUCCESS with a 500…).",
  workflows: ['mirror-failover', 'dr-promotion'],
  draw(rng, facts) {
    return { instanceId: pick(rng, facts.instanceIds), ...pick(rng, GARBAGE) };
  },
  apply(scenario, params) {
    const endpoint = endpointOf(scenario, str(params, 'instanceId'));
    // The page answers (in dr-promotion's base the old site's pages are down: one comes back, answering garbage).
    endpoint.down = false;
    endpoint.status = num(params, 'status');
    endpoint.body = str(params, 'body');
  },
};

const statusPageTimeout: FaultKind = {
  name: 'status-page-timeout',
  description:
    "A member's mirror-status page answers seconds late, around or past the probe's timeout (a page the base has down answers again, late).",
  workflows: ['mirror-failover', 'dr-promotion'],
  draw(rng, facts) {
    return { instanceId: pick(rng, facts.instanceIds), latencySeconds: int(rng, 2, 60) };
  },
  apply(scenario, params) {
    const endpoint = endpointOf(scenario, str(params, 'instanceId'));
    // A page that refuses connections cannot be slow: in dr-promotion's base the old site's pages are down, and a
    // slow answer from one of them is the old site coming back half-alive.
    endpoint.down = false;
    endpoint.latencySeconds = num(params, 'latencySeconds');
  },
  shrink: shrinkNumbers({ latencySeconds: 2 }),
};

const hookLateOrTwice: FaultKind = {
  name: 'hook-late-or-twice',
  description:
    "The mirror fails back at a random second and the new primary's become-primary hook puts its event late, twice, or both.",
  workflows: ['mirror-failover'],
  draw(rng, facts) {
    const times = int(rng, 1, 3);
    return {
      atSeconds: int(rng, 0, horizon(facts)),
      delaySeconds: rng.chance(0.6) ? int(rng, 1, 600) : 0,
      times,
      duplicateAfterSeconds: times > 1 ? int(rng, 0, 300) : 0,
    };
  },
  apply(scenario, params) {
    const { primary, other } = mirrorPair(scenario);
    const mirrorSet = primary.becomePrimaryHook?.mirrorSet ?? other.becomePrimaryHook?.mirrorSet;
    if (!mirrorSet) throw new Error('the base scenario has no become-primary hook naming the mirror set');
    const at = num(params, 'atSeconds');
    other.becomePrimaryHook = {
      mirrorSet,
      delaySeconds: num(params, 'delaySeconds'),
      times: num(params, 'times'),
      duplicateAfterSeconds: num(params, 'duplicateAfterSeconds'),
    };
    (ec2(scenario).workloadChanges ??= []).push(
      { instanceId: primary.instanceId, atSeconds: at, set: { mirrorRole: 'backup' } },
      { instanceId: other.instanceId, atSeconds: at, set: { mirrorRole: 'primary' } },
    );
  },
  shrink(params) {
    return [
      ...smaller(params, 'delaySeconds', halved(num(params, 'delaySeconds'), 0)),
      ...smaller(params, 'times', halved(num(params, 'times'), 1)).map((p) =>
        num(p, 'times') === 1 ? { ...p, duplicateAfterSeconds: 0 } : p,
      ),
      ...smaller(params, 'duplicateAfterSeconds', halved(num(params, 'duplicateAfterSeconds'), 0)),
    ];
  },
};

const duplicateTrigger: FaultKind = {
  name: 'duplicate-trigger',
  description:
    'EventBridge delivers the starting event (or the schedule fires) twice or three times, seconds or minutes apart.',
  // dr-promotion is started by a named operator input: a second StartExecution is `second-trigger`.
  workflows: ['instance-recovery', 'mirror-failover', 'snapshot-backup'],
  draw(rng, facts) {
    return { times: int(rng, 2, 3), duplicateAfterSeconds: rng.chance(0.3) ? 0 : int(rng, 1, horizon(facts)) };
  },
  apply(scenario, params) {
    const trigger = scenario.triggers[0];
    trigger.times = num(params, 'times');
    trigger.duplicateAfterSeconds = num(params, 'duplicateAfterSeconds');
  },
  shrink: shrinkNumbers({ times: 2, duplicateAfterSeconds: 0 }),
};

const lateTrigger: FaultKind = {
  name: 'late-trigger',
  description: 'The starting event arrives late, at a random second, while the world (and the other faults) move on.',
  workflows: ALL,
  draw(rng, facts) {
    return { atSeconds: int(rng, 1, horizon(facts)) };
  },
  apply(scenario, params) {
    scenario.triggers[0].atSeconds = num(params, 'atSeconds');
  },
  shrink: shrinkNumbers({ atSeconds: 1 }),
};

const secondTrigger: FaultKind = {
  name: 'second-trigger',
  description:
    'Another start (the same event again, another alarm, a second operator) arrives while the first run is in flight.',
  workflows: ALL,
  draw(rng, facts) {
    return { atSeconds: int(rng, 0, Math.max(1, Math.floor(facts.durationSeconds))) };
  },
  apply(scenario, params) {
    const first = scenario.triggers[0];
    const second = structuredClone(first);
    // A second operator's start is another execution (a name is unique), so it meets the first one's lock. Drawn
    // twice in one schedule, each start gets its own name (the same name with another input is refused by
    // StartExecution with ExecutionAlreadyExists, which would only test the drill).
    if (second.name !== undefined) {
      const taken = new Set(scenario.triggers.map((t) => t.name));
      let name = `${second.name}-second`;
      for (let n = 2; taken.has(name); n++) name = `${second.name}-second-${n}`;
      second.name = name;
    }
    delete second.start;
    second.times = 1;
    second.duplicateAfterSeconds = 0;
    second.atSeconds = num(params, 'atSeconds');
    scenario.triggers.push(second);
  },
  shrink: shrinkNumbers({ atSeconds: 0 }),
};

const stopExecution: FaultKind = {
  name: 'stop-execution',
  description:
    'An operator stops a run (StopExecution) at a random moment, usually the first one: every end must release what it holds.',
  workflows: ALL,
  draw(rng, facts) {
    // Now and then the second execution (a duplicate's or a second trigger's, when the schedule has one; else none).
    const execution = rng.chance(0.25) ? 2 : 1;
    return { execution, atSeconds: int(rng, 0, Math.max(1, Math.floor(facts.durationSeconds))) };
  },
  apply(scenario, params) {
    (scenario.stops ??= []).push({
      execution: num(params, 'execution'),
      atSeconds: num(params, 'atSeconds'),
      error: 'Campaign.Stopped',
      cause: 'an operator stopped the execution (fault campaign)',
    });
  },
  shrink: shrinkNumbers({ execution: 1, atSeconds: 0 }),
};

const approval: FaultKind = {
  name: 'approval',
  description:
    'The human approval comes late (hours), never, is rejected, or says approved: false: only an explicit approval promotes.',
  workflows: ['dr-promotion'],
  draw(rng) {
    const mode = pick(rng, ['late', 'never', 'rejected', 'not-approved'] as const);
    // The base's request keeps the default approval timeout (60 min, the task's HeartbeatSeconds): a decision after
    // it is a timeout, which `never` already is, so decisions come before it; `late` means 10–59 minutes, while the
    // world (and the other faults) move on.
    const afterSeconds = {
      late: int(rng, 600, 3540),
      never: 0,
      rejected: int(rng, 0, 1800),
      'not-approved': int(rng, 0, 1800),
    }[mode];
    return { mode, afterSeconds };
  },
  apply(scenario, params) {
    const afterSeconds = num(params, 'afterSeconds');
    const approvedBy = 'sam@example.com';
    const decision = {
      late: { decision: 'approve' as const, afterSeconds, output: { approved: true, approvedBy } },
      never: { decision: 'never' as const },
      rejected: { decision: 'reject' as const, afterSeconds, error: 'Rejected', cause: `Rejected by ${approvedBy}` },
      'not-approved': { decision: 'approve' as const, afterSeconds, output: { approved: false, approvedBy } },
    }[str(params, 'mode') as 'late' | 'never' | 'rejected' | 'not-approved'];
    scenario.approvals = [decision];
  },
  shrink: shrinkNumbers({ afterSeconds: 0 }),
};

const targetGroupThrottled: FaultKind = {
  name: 'target-group-throttled',
  description:
    "Every load-balancer call of the workflow is throttled (ELBv2 Throttling) with some probability for a window: the account's ELB API budget is shared.",
  workflows: ['instance-recovery', 'mirror-failover', 'dr-promotion'],
  draw(rng, facts) {
    const actions = facts.actions.filter((a) => a.startsWith('elasticloadbalancingv2:')).map((a) => a.split(':')[1]);
    return { actions, probability: fraction(rng), ...window(rng, facts) };
  },
  apply(scenario, params) {
    for (const action of strings(params, 'actions')) {
      addFault(scenario, {
        service: 'elasticloadbalancingv2',
        action,
        error: { code: 'Throttling', statusCode: 400 },
        probability: num(params, 'probability'),
        afterSeconds: num(params, 'afterSeconds'),
        untilSeconds: num(params, 'untilSeconds'),
      });
    }
  },
  shrink(params) {
    const actions = strings(params, 'actions');
    const fewer =
      actions.length > 1 ? actions.map((_, i) => ({ ...params, actions: actions.filter((__, j) => j !== i) })) : [];
    return [
      ...fewer,
      ...smaller(params, 'probability', halved(num(params, 'probability'), 0.05, false)),
      ...narrower(params),
    ];
  },
};

/** Every fault kind of the catalogue, in the order coverage reports list them. */
export const FAULT_KINDS: readonly FaultKind[] = [
  azDark,
  apiThrottling,
  api5xx,
  capacity,
  lostResponse,
  lambdaTimeout,
  bootFailure,
  ssmCommand,
  freezeHangs,
  thawFails,
  mirrorRoleFlap,
  statusPageGarbage,
  statusPageTimeout,
  hookLateOrTwice,
  duplicateTrigger,
  lateTrigger,
  secondTrigger,
  stopExecution,
  approval,
  targetGroupThrottled,
];

/** The kinds that apply to `workflow`. */
export function faultKindsFor(workflow: CampaignWorkflow): FaultKind[] {
  return FAULT_KINDS.filter((k) => k.workflows.includes(workflow));
}

/** The kind named `name` (a schedule file names its faults' kinds); throws for an unknown one. */
export function faultKind(name: string): FaultKind {
  const kind = FAULT_KINDS.find((k) => k.name === name);
  if (!kind) throw new Error(`unknown fault kind "${name}" (known: ${FAULT_KINDS.map((k) => k.name).join(', ')})`);
  return kind;
}
