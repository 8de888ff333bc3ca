import type {
  DeregisterTargetsInput,
  DescribeLoadBalancersInput,
  DescribeLoadBalancersOutput,
  DescribeTargetGroupsInput,
  DescribeTargetGroupsOutput,
  DescribeTargetHealthInput,
  DescribeTargetHealthOutput,
  RegisterTargetsInput,
  TargetHealth,
  TargetHealthDescription,
  TargetHealthReasonEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { z } from 'zod';
import { AwsApiError } from './errors';
import type { ActionHandler, ServiceSimulator, SimulatedRegion } from './region';
import type { InstanceInspector, InstanceTimeline, InstanceView, ZoneLister } from './types';

const protocols = ['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP'] as const;

/**
 * The starting load-balancer world of a scenario: load balancers (type, enabled Availability Zones) and target
 * groups of instance targets with their health check and attributes. Omitted health-check fields take AWS's
 * defaults for the protocol (CreateTargetGroup API reference).
 */
export const elbv2EnvironmentSchema = z.strictObject({
  /** Load balancers named by `loadBalancerArns`; one not listed here has the type its ARN says and every AZ enabled. */
  loadBalancers: z
    .array(
      z.strictObject({
        loadBalancerArn: z.string(),
        /** @default - from the ARN: `loadbalancer/net/` → network, otherwise application */
        type: z.enum(['application', 'network']).optional(),
        /** The Availability Zones the load balancer is enabled in (its subnets' zones). @default - every zone */
        availabilityZones: z.array(z.string()).optional(),
      }),
    )
    .default([]),
  targetGroups: z
    .array(
      z.strictObject({
        targetGroupArn: z.string(),
        name: z.string(),
        protocol: z.enum(protocols).default('HTTP'),
        port: z.number().int().min(1).max(65535),
        vpcId: z.string().optional(),
        /** With a workload `mirrorRole`, only the mirror primary passes (see `healthCheckVerdict`). */
        healthCheckPath: z.string().optional(),
        healthCheckPort: z.union([z.string(), z.number().int()]).default('traffic-port'),
        /** @default 30 (every protocol of an instance target group) */
        healthCheckIntervalSeconds: z.number().int().min(5).max(300).optional(),
        /** @default 6 for HTTP, 10 for TCP, TLS and HTTPS */
        healthCheckTimeoutSeconds: z.number().int().min(2).max(120).optional(),
        /** @default 5 */
        healthyThresholdCount: z.number().int().min(2).max(10).optional(),
        /** @default 2 */
        unhealthyThresholdCount: z.number().int().min(2).max(10).optional(),
        /** Target group attributes by key, e.g. `{ "deregistration_delay.timeout_seconds": "60" }`. */
        attributes: z.record(z.string(), z.string()).default({}),
        /**
         * The load balancers that use the target group. Omitted: one load balancer of the protocol's type (TCP,
         * TLS, UDP → network; HTTP(S) → application) with every AZ enabled. `[]`: used by none, so every target is
         * `unused` (`Target.NotInUse`).
         */
        loadBalancerArns: z.array(z.string()).optional(),
        targets: z
          .array(
            z.strictObject({
              id: z.string(),
              port: z.number().int().optional(),
              /** The target's health when the drill starts; it then follows its instance. */
              state: z.enum(['healthy', 'unhealthy', 'initial']).default('healthy'),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
});
export type Elbv2Environment = z.input<typeof elbv2EnvironmentSchema>;
type TargetGroupConfig = z.output<typeof elbv2EnvironmentSchema>['targetGroups'][number];
type LoadBalancerConfig = z.output<typeof elbv2EnvironmentSchema>['loadBalancers'][number];

/** What decides a target group's health timing and routing, with AWS's defaults filled in. */
export interface TargetGroupSettings {
  /** The type of the load balancers using it (they are all one type: a target group serves one kind). */
  readonly type: 'application' | 'network';
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** `deregistration_delay.timeout_seconds`: how long a deregistered target drains. */
  readonly deregistrationDelaySeconds: number;
  /** The zones some load balancer of the group is enabled in; undefined = every zone; empty = used by none. */
  readonly enabledZones?: ReadonlySet<string>;
}

/** ELBv2 defaults (CreateTargetGroup / ModifyTargetGroupAttributes API reference, in the installed SDK's model). */
export const TARGET_GROUP_DEFAULTS = {
  intervalSeconds: 30,
  timeoutSeconds: { HTTP: 6, HTTPS: 10, TCP: 10, TLS: 10, UDP: 10, TCP_UDP: 10 },
  healthyThreshold: 5,
  unhealthyThreshold: 2,
  deregistrationDelaySeconds: 300,
} as const;

/** Seconds from registration until a new, passing target is `healthy`: an NLB's registration, then threshold × interval. */
export function timeToHealthySeconds(settings: TargetGroupSettings, nlbRegistrationSeconds: number): number {
  return (
    (settings.type === 'network' ? nlbRegistrationSeconds : 0) + settings.healthyThreshold * settings.intervalSeconds
  );
}

/** Seconds a healthy target's instance fails before the target is `unhealthy`: unhealthy threshold × interval. */
export function timeToUnhealthySeconds(settings: TargetGroupSettings): number {
  return settings.unhealthyThreshold * settings.intervalSeconds;
}

/**
 * Applies a deploy-time `Custom::AWS` call (its `Create` JSON) to a scenario's ELBv2 environment, as deploying the
 * stack would: `ModifyTargetGroup` sets the health check, `ModifyTargetGroupAttributes` the attributes. Calls to
 * other services or target groups the scenario does not have change nothing.
 */
export function applyDeployTimeCall(environment: Elbv2Environment, create: string): void {
  const call = JSON.parse(create) as { service?: string; action?: string; parameters?: Record<string, unknown> };
  const p = call.parameters ?? {};
  if (call.service !== 'ElasticLoadBalancingV2' && call.service !== 'ELBv2') return;
  const group = environment.targetGroups?.find((g) => g.targetGroupArn === p.TargetGroupArn);
  if (!group) return;
  if (call.action === 'ModifyTargetGroup') {
    const set = <K extends keyof typeof group>(key: K, value: unknown) => {
      if (value !== undefined) group[key] = value as (typeof group)[K];
    };
    set('healthCheckPath', p.HealthCheckPath);
    set('healthCheckPort', p.HealthCheckPort);
    set('healthCheckIntervalSeconds', p.HealthCheckIntervalSeconds);
    set('healthCheckTimeoutSeconds', p.HealthCheckTimeoutSeconds);
    set('healthyThresholdCount', p.HealthyThresholdCount);
    set('unhealthyThresholdCount', p.UnhealthyThresholdCount);
  } else if (call.action === 'ModifyTargetGroupAttributes') {
    const attributes = (p.Attributes ?? []) as { Key?: string; Value?: string }[];
    group.attributes = { ...group.attributes };
    for (const a of attributes) if (a.Key !== undefined && a.Value !== undefined) group.attributes[a.Key] = a.Value;
  }
}

const loadBalancerType = (arn: string, listed?: LoadBalancerConfig): 'application' | 'network' =>
  listed?.type ?? (arn.includes(':loadbalancer/net/') ? 'network' : 'application');

/** A target group's settings: its own fields, else AWS's defaults; the type from its load balancers. */
export function targetGroupSettings(
  group: TargetGroupConfig,
  loadBalancers: readonly LoadBalancerConfig[] = [],
): TargetGroupSettings {
  const arns = group.loadBalancerArns;
  const listed = (arn: string) => loadBalancers.find((lb) => lb.loadBalancerArn === arn);
  const byProtocol = ['HTTP', 'HTTPS'].includes(group.protocol) ? 'application' : 'network';
  const type = arns?.length ? loadBalancerType(arns[0], listed(arns[0])) : byProtocol;
  let enabledZones: Set<string> | undefined;
  if (arns !== undefined) {
    const zones = arns.map((arn) => listed(arn)?.availabilityZones);
    enabledZones = zones.some((z) => z === undefined) ? undefined : new Set(zones.flatMap((z) => z ?? []));
  }
  const delay = group.attributes['deregistration_delay.timeout_seconds'];
  return {
    type,
    intervalSeconds: group.healthCheckIntervalSeconds ?? TARGET_GROUP_DEFAULTS.intervalSeconds,
    timeoutSeconds: group.healthCheckTimeoutSeconds ?? TARGET_GROUP_DEFAULTS.timeoutSeconds[group.protocol],
    healthyThreshold: group.healthyThresholdCount ?? TARGET_GROUP_DEFAULTS.healthyThreshold,
    unhealthyThreshold: group.unhealthyThresholdCount ?? TARGET_GROUP_DEFAULTS.unhealthyThreshold,
    deregistrationDelaySeconds: delay === undefined ? TARGET_GROUP_DEFAULTS.deregistrationDelaySeconds : Number(delay),
    enabledZones,
  };
}

interface TargetRecord {
  readonly id: string;
  readonly port: number;
  readonly registeredAt: number;
  /** The state before any health check of this drill: `initial` for a new registration. */
  readonly initialState: 'healthy' | 'unhealthy' | 'initial';
  deregisteredAt?: number;
}
interface TargetGroupRecord {
  readonly config: TargetGroupConfig;
  readonly settings: TargetGroupSettings;
  /** By `id:port`, in registration order. */
  readonly targets: Map<string, TargetRecord>;
}

type Verdict = { ok: true } | { ok: false; reason: TargetHealthReasonEnum; description: string };

/**
 * Whether the instance passes the target group's health check at one moment.
 * - An instance that is not running, or impaired (AZ down, failed boot), or not yet booted fails. "Booted" is
 *   its SSM agent being online: a fine proxy for "the application answers".
 * - Mirror-status page: when the target group checks a path and the workload has a `mirrorRole`, the page
 *   answers 200 only on the mirror primary and 503 on every other member, so only the primary is healthy.
 */
export function healthCheckVerdict(group: TargetGroupConfig, view: InstanceView | undefined): Verdict {
  if (!view || view.state !== 'running' || view.impaired || !view.ssmOnline) {
    return { ok: false, reason: 'Target.FailedHealthChecks', description: 'Health checks failed' };
  }
  const role = view.workload.mirrorRole;
  if (group.healthCheckPath !== undefined && role !== undefined && role !== 'primary') {
    return {
      ok: false,
      reason: 'Target.ResponseCodeMismatch',
      description: 'Health checks failed with these codes: [503]',
    };
  }
  return { ok: true };
}

const elbError = (code: string, message: string) => new AwsApiError('elasticloadbalancingv2', code, message, 400);

/**
 * Simulated Elastic Load Balancing v2 target groups (instance targets behind an ALB or an NLB).
 *
 * Health is computed from the instance's history, not sampled. A target new to an ALB turns `healthy` at its
 * first passing check (checks run every interval from registration: "After your target is registered, it must pass
 * one health check to be considered healthy", ALB user guide); a target new to an NLB is `initial`
 * (`Elb.RegistrationInProgress`) for `elb.nlbRegistration` s, then needs HealthyThresholdCount passing checks
 * (HealthyThresholdCount × interval). A target that was unhealthy turns healthy after HealthyThresholdCount ×
 * interval of passing; a healthy one turns `unhealthy` after UnhealthyThresholdCount × interval of failing. A deregistered target is `draining` for the group's
 * `deregistration_delay.timeout_seconds`, then gone. A stopped or terminated instance is `unused`
 * (`Target.InvalidState`); so is one in an AZ no load balancer of the group is enabled in (`Target.NotInUse`).
 * Traffic goes to the healthy targets, or to every unhealthy one when none is healthy (fail open): `routedTargets`.
 */
export class Elbv2Simulator implements ServiceSimulator {
  readonly name = 'elasticloadbalancingv2' as const;
  readonly actions: Readonly<Record<string, ActionHandler>>;
  private readonly groups = new Map<string, TargetGroupRecord>();
  /** Every load balancer: those the scenario lists and those its target groups name, by ARN. */
  private readonly loadBalancers = new Map<string, LoadBalancerConfig>();

  constructor(
    private readonly region: SimulatedRegion,
    environment: Elbv2Environment,
  ) {
    const env = elbv2EnvironmentSchema.parse(environment);
    const start = region.clock.startMs;
    for (const config of env.targetGroups) {
      const targets = new Map<string, TargetRecord>();
      for (const t of config.targets) {
        const port = t.port ?? config.port;
        targets.set(`${t.id}:${port}`, { id: t.id, port, registeredAt: start, initialState: t.state });
      }
      const settings = targetGroupSettings(config, env.loadBalancers);
      this.groups.set(config.targetGroupArn, { config, settings, targets });
    }
    for (const lb of env.loadBalancers) this.loadBalancers.set(lb.loadBalancerArn, lb);
    for (const arn of env.targetGroups.flatMap((g) => g.loadBalancerArns ?? [])) {
      if (!this.loadBalancers.has(arn)) this.loadBalancers.set(arn, { loadBalancerArn: arn });
    }
    const on =
      <I>(fn: (request: I) => unknown): ActionHandler =>
      (input) =>
        fn(input as I);
    this.actions = {
      RegisterTargets: on((r: RegisterTargetsInput) => this.registerTargets(r)),
      DeregisterTargets: on((r: DeregisterTargetsInput) => this.deregisterTargets(r)),
      DescribeTargetHealth: on((r: DescribeTargetHealthInput) => this.describeTargetHealth(r)),
      DescribeTargetGroups: on((r: DescribeTargetGroupsInput) => this.describeTargetGroups(r)),
      DescribeLoadBalancers: on((r: DescribeLoadBalancersInput) => this.describeLoadBalancers(r)),
    };
  }

  latencyOf(): number {
    return this.region.latency['elb.api'];
  }

  private registerTargets(req: RegisterTargetsInput): Record<string, never> {
    const group = this.group(req.TargetGroupArn);
    const targets = this.required(req.Targets, 'targets');
    this.checkKnown(targets.map((t) => t.Id ?? ''));
    // "If the target is an EC2 instance, it must be in the running state when you register it."
    const notRunning = targets.filter((t) => this.ec2().inspectInstance(t.Id!)?.state !== 'running').map((t) => t.Id);
    if (notRunning.length > 0) {
      throw elbError(
        'InvalidTarget',
        `The following targets are not in a running state and cannot be registered: ${notRunning.map((id) => `'${id}'`).join(', ')}`,
      );
    }
    const now = this.region.clock.now();
    for (const t of targets) {
      const port = t.Port ?? group.config.port;
      const key = `${t.Id}:${port}`;
      const existing = group.targets.get(key);
      if (existing && existing.deregisteredAt === undefined) continue; // already registered: a no-op, as in ELB
      group.targets.set(key, { id: t.Id!, port, registeredAt: now, initialState: 'initial' });
    }
    return {};
  }

  private deregisterTargets(req: DeregisterTargetsInput): Record<string, never> {
    const group = this.group(req.TargetGroupArn);
    const targets = this.required(req.Targets, 'targets');
    this.checkKnown(targets.map((t) => t.Id ?? ''));
    const now = this.region.clock.now();
    for (const t of targets) {
      for (const record of this.matching(group, t.Id!, t.Port)) record.deregisteredAt ??= now;
    }
    return {};
  }

  private describeTargetHealth(req: DescribeTargetHealthInput): DescribeTargetHealthOutput {
    const group = this.group(req.TargetGroupArn);
    const now = this.region.clock.now();
    const describe = (record: TargetRecord): TargetHealthDescription => ({
      Target: { Id: record.id, Port: record.port },
      HealthCheckPort: this.healthCheckPort(group, record.port),
      TargetHealth: this.health(group, record, now),
    });
    if (!req.Targets?.length) return { TargetHealthDescriptions: [...group.targets.values()].map(describe) };
    this.checkKnown(req.Targets.map((t) => t.Id ?? ''));
    return {
      TargetHealthDescriptions: req.Targets.flatMap((t): TargetHealthDescription[] => {
        const records = this.matching(group, t.Id!, t.Port);
        if (records.length > 0) return records.map(describe);
        const port = t.Port ?? group.config.port;
        return [
          {
            Target: { Id: t.Id, Port: port },
            HealthCheckPort: this.healthCheckPort(group, port),
            TargetHealth: {
              State: 'unused',
              Reason: 'Target.NotRegistered',
              Description: 'Target is not registered to the target group',
            },
          },
        ];
      }),
    };
  }

  private describeTargetGroups(req: DescribeTargetGroupsInput): DescribeTargetGroupsOutput {
    let configs = [...this.groups.values()].map((g) => g.config);
    if (req.TargetGroupArns?.length || req.Names?.length) {
      const wanted = req.TargetGroupArns?.length ? req.TargetGroupArns : req.Names!;
      const byKey = (c: TargetGroupConfig) => (req.TargetGroupArns?.length ? c.targetGroupArn : c.name);
      if (wanted.some((w) => !configs.some((c) => byKey(c) === w))) {
        throw elbError('TargetGroupNotFound', 'One or more target groups not found');
      }
      configs = configs.filter((c) => wanted.includes(byKey(c)));
    }
    return {
      TargetGroups: configs.map((c) => {
        const http = c.protocol === 'HTTP' || c.protocol === 'HTTPS' || c.healthCheckPath !== undefined;
        const s = this.groups.get(c.targetGroupArn)!.settings;
        return {
          TargetGroupArn: c.targetGroupArn,
          TargetGroupName: c.name,
          Protocol: c.protocol,
          Port: c.port,
          VpcId: c.vpcId,
          HealthCheckProtocol: http ? (c.protocol === 'HTTPS' ? 'HTTPS' : 'HTTP') : 'TCP',
          HealthCheckPort: String(c.healthCheckPort),
          HealthCheckEnabled: true,
          HealthCheckIntervalSeconds: s.intervalSeconds,
          HealthCheckTimeoutSeconds: s.timeoutSeconds,
          HealthyThresholdCount: s.healthyThreshold,
          UnhealthyThresholdCount: s.unhealthyThreshold,
          ...(http ? { HealthCheckPath: c.healthCheckPath ?? '/', Matcher: { HttpCode: '200' } } : {}),
          LoadBalancerArns: [...(c.loadBalancerArns ?? [])],
          TargetType: 'instance',
          IpAddressType: 'ipv4',
        };
      }),
    };
  }

  /**
   * The load balancers asked for (every one without `LoadBalancerArns`), with their type and the zones they are
   * enabled in: the scenario's `availabilityZones`, else every zone of the region's subnets. An unknown ARN fails the
   * call with `LoadBalancerNotFound` (ELBv2 API Reference, DescribeLoadBalancers, "Errors").
   */
  private describeLoadBalancers(req: DescribeLoadBalancersInput): DescribeLoadBalancersOutput {
    let lbs = [...this.loadBalancers.values()];
    if (req.LoadBalancerArns?.length) {
      const missing = req.LoadBalancerArns.filter((arn) => !this.loadBalancers.has(arn));
      if (missing.length > 0) throw elbError('LoadBalancerNotFound', 'One or more load balancers not found');
      lbs = req.LoadBalancerArns.map((arn) => this.loadBalancers.get(arn)!);
    }
    const everyZone = () =>
      this.region.service<ServiceSimulator & Partial<ZoneLister>>('ec2').availabilityZones?.() ?? [];
    return {
      LoadBalancers: lbs.map((lb) => {
        const type = loadBalancerType(lb.loadBalancerArn, lb);
        const name = lb.loadBalancerArn.split('/').slice(-2, -1)[0];
        return {
          LoadBalancerArn: lb.loadBalancerArn,
          LoadBalancerName: name,
          Type: type,
          Scheme: 'internal',
          State: { Code: 'active' },
          IpAddressType: 'ipv4',
          AvailabilityZones: (lb.availabilityZones ?? everyZone()).map((ZoneName) => ({ ZoneName })),
        };
      }),
    };
  }

  snapshot(): unknown {
    const now = this.region.clock.now();
    return {
      targetGroups: [...this.groups.keys()]
        .map((arn) => this.group(arn))
        .map((group) => ({
          targetGroupArn: group.config.targetGroupArn,
          name: group.config.name,
          type: group.settings.type,
          /** Where new requests go now (healthy targets, or all of them when every one is unhealthy). */
          routedTargets: this.routedTargets(group.config.targetGroupArn),
          targets: [...group.targets.values()].map((t) => {
            const health = this.health(group, t, now);
            return {
              id: t.id,
              port: t.port,
              state: health.State,
              reason: health.Reason,
              registeredAt: new Date(t.registeredAt).toISOString(),
              ...(t.deregisteredAt !== undefined ? { deregisteredAt: new Date(t.deregisteredAt).toISOString() } : {}),
            };
          }),
        })),
    };
  }

  /**
   * The instance IDs the load balancer sends new requests to now: the healthy targets; when there is none and
   * every target in use is unhealthy, all of them (fail open: "If a target group contains only unhealthy
   * registered targets, the load balancer routes requests to all those targets" — ALB and NLB user guides,
   * target group health checks). `initial`, `draining` and `unused` targets get no new requests.
   */
  routedTargets(targetGroupArn: string): string[] {
    const group = this.group(targetGroupArn);
    const now = this.region.clock.now();
    const states = [...group.targets.values()].map((t) => ({ id: t.id, state: this.health(group, t, now).State }));
    const healthy = states.filter((t) => t.state === 'healthy');
    if (healthy.length > 0) return healthy.map((t) => t.id);
    const inUse = states.filter((t) => t.state !== 'draining' && t.state !== 'unused');
    return inUse.length > 0 && inUse.every((t) => t.state === 'unhealthy') ? inUse.map((t) => t.id) : [];
  }

  // ---------------------------------------------------------------- helpers

  private ec2(): InstanceInspector & Partial<InstanceTimeline> {
    return this.region.service<ServiceSimulator & InstanceInspector & Partial<InstanceTimeline>>('ec2');
  }

  private required<T>(value: T | undefined, member: string): T {
    if (value === undefined || value === null) {
      throw elbError(
        'ValidationError',
        `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value;
  }

  /** The target group with its expired draining targets removed. */
  private group(arn: string | undefined): TargetGroupRecord {
    const group = this.groups.get(this.required(arn, 'targetGroupArn'));
    if (!group) throw elbError('TargetGroupNotFound', `Target groups '${arn}' not found`);
    const expired = this.region.clock.now() - group.settings.deregistrationDelaySeconds * 1000;
    for (const [key, t] of group.targets) {
      if (t.deregisteredAt !== undefined && t.deregisteredAt <= expired) group.targets.delete(key);
    }
    return group;
  }

  private checkKnown(ids: string[]): void {
    const unknown = ids.filter((id) => !this.ec2().inspectInstance(id));
    // Message wording inferred; the code is the one the API reference gives for an unknown target.
    if (unknown.length > 0) throw elbError('InvalidTarget', `Instance ID '${unknown[0]}' is not valid`);
  }

  private matching(group: TargetGroupRecord, id: string, port: number | undefined): TargetRecord[] {
    return [...group.targets.values()].filter((t) => t.id === id && (port === undefined || t.port === port));
  }

  private healthCheckPort(group: TargetGroupRecord, port: number): string {
    const hc = String(group.config.healthCheckPort);
    return hc === 'traffic-port' ? String(port) : hc;
  }

  private health(group: TargetGroupRecord, target: TargetRecord, now: number): TargetHealth {
    if (target.deregisteredAt !== undefined) {
      return {
        State: 'draining',
        Reason: 'Target.DeregistrationInProgress',
        Description: 'Target deregistration is in progress',
      };
    }
    const ec2 = this.ec2();
    const view = ec2.inspectInstance(target.id);
    if (!view || view.state === 'stopped' || view.state === 'terminated') {
      return {
        State: 'unused',
        Reason: 'Target.InvalidState',
        Description: `Target is in the ${view?.state ?? 'terminated'} state`,
      };
    }
    const settings = group.settings;
    if (settings.enabledZones && !settings.enabledZones.has(view.availabilityZone)) {
      return {
        State: 'unused',
        Reason: 'Target.NotInUse',
        Description: 'Target group is not configured to receive traffic from the load balancer',
      };
    }
    const upMs = settings.healthyThreshold * settings.intervalSeconds * 1000;
    const downMs = settings.unhealthyThreshold * settings.intervalSeconds * 1000;
    // A new target's checks start once it is registered: after the NLB's registration, at once on an ALB.
    const registration =
      target.initialState === 'initial' && settings.type === 'network' ? this.region.latency['elb.nlbRegistration'] : 0;
    const checksFrom = target.registeredAt + registration * 1000;
    // Without a timeline (an EC2 stand-in that only inspects), assume today's verdict held since registration.
    const history = ec2.instanceHistory?.(target.id, target.registeredAt, now) ?? [{ at: target.registeredAt, view }];
    let state = target.initialState;
    let failure: Verdict | undefined;
    let runStart = history[0].at;
    let run = healthCheckVerdict(group.config, history[0].view);
    const intervalMs = settings.intervalSeconds * 1000;
    const closeRun = (end: number, last: boolean) => {
      const from = Math.max(runStart, checksFrom);
      // A target new to an ALB needs one passing check (checks every interval from its registration); one coming
      // back from unhealthy, or new to an NLB once registered, needs HealthyThresholdCount passing checks in a row.
      if (run.ok && state === 'initial' && settings.type === 'application') {
        const tick = checksFrom + Math.max(1, Math.ceil((from - checksFrom) / intervalMs)) * intervalMs;
        if (last ? tick <= end : tick < end) state = 'healthy';
      }
      if (run.ok && end - from >= upMs) state = 'healthy';
      if (!run.ok && end - from >= downMs) {
        state = 'unhealthy';
        failure = run;
      }
    };
    for (const point of history.slice(1)) {
      const verdict = healthCheckVerdict(group.config, point.view);
      if (verdict.ok === run.ok) continue;
      closeRun(point.at, false);
      [runStart, run] = [point.at, verdict];
    }
    closeRun(now, true);
    if (state === 'healthy') return { State: 'healthy' };
    if (state === 'unhealthy') {
      // Why: the failing run that made it unhealthy, else (unhealthy from the start) today's failure.
      const why = failure ?? (run.ok ? undefined : run);
      return {
        State: 'unhealthy',
        Reason: why && !why.ok ? why.reason : 'Target.FailedHealthChecks',
        Description: why && !why.ok ? why.description : 'Health checks failed',
      };
    }
    // An ALB's registration ends with its first check (one interval); an NLB's after `elb.nlbRegistration`.
    const registered = checksFrom + (registration > 0 ? 0 : settings.intervalSeconds * 1000);
    return now < registered
      ? { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' }
      : { State: 'initial', Reason: 'Elb.InitialHealthChecking', Description: 'Initial health checks in progress' };
  }
}
