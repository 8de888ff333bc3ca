import type {
  DeregisterTargetsInput,
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
import type { InstanceTimeline } from './ec2';
import { AwsApiError } from './errors';
import type { ActionHandler, ServiceSimulator, SimulatedRegion } from './region';
import type { InstanceInspector, InstanceView } from './types';

/** The starting load-balancer world of a scenario: target groups of instance targets. */
export const elbv2EnvironmentSchema = z.strictObject({
  targetGroups: z
    .array(
      z.strictObject({
        targetGroupArn: z.string(),
        name: z.string(),
        protocol: z.enum(['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP']).default('HTTP'),
        port: z.number().int().min(1).max(65535),
        vpcId: z.string().optional(),
        /** With a workload `mirrorRole`, only the mirror primary passes (see `healthCheckVerdict`). */
        healthCheckPath: z.string().optional(),
        healthCheckPort: z.union([z.string(), z.number().int()]).default('traffic-port'),
        loadBalancerArns: z.array(z.string()).default([]),
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
 * Simulated Elastic Load Balancing v2 target groups (instance targets, ALB defaults).
 *
 * Health is computed from the instance's history, not sampled: a target turns `healthy` once its instance has
 * passed the check continuously for `elb.initialToHealthy` s (since registration or since it came back), and
 * `unhealthy` once it has failed continuously for `elb.healthyToUnhealthy` s. A deregistered target is
 * `draining` for `elb.deregistrationDelay` s, then gone. A stopped or terminated instance is `unused`
 * (`Target.InvalidState`).
 */
export class Elbv2Simulator implements ServiceSimulator {
  readonly name = 'elasticloadbalancingv2' as const;
  readonly actions: Readonly<Record<string, ActionHandler>>;
  private readonly groups = new Map<string, TargetGroupRecord>();

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
      this.groups.set(config.targetGroupArn, { config, targets });
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
        const http = c.protocol === 'HTTP' || c.protocol === 'HTTPS';
        return {
          TargetGroupArn: c.targetGroupArn,
          TargetGroupName: c.name,
          Protocol: c.protocol,
          Port: c.port,
          VpcId: c.vpcId,
          HealthCheckProtocol: http ? c.protocol : 'TCP',
          HealthCheckPort: String(c.healthCheckPort),
          HealthCheckEnabled: true,
          // ALB defaults (CreateTargetGroup API reference).
          HealthCheckIntervalSeconds: 30,
          HealthCheckTimeoutSeconds: 5,
          HealthyThresholdCount: 5,
          UnhealthyThresholdCount: 2,
          ...(http ? { HealthCheckPath: c.healthCheckPath ?? '/', Matcher: { HttpCode: '200' } } : {}),
          LoadBalancerArns: [...c.loadBalancerArns],
          TargetType: 'instance',
          IpAddressType: 'ipv4',
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
    const expired = this.region.clock.now() - this.region.latency['elb.deregistrationDelay'] * 1000;
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
    const upMs = this.region.latency['elb.initialToHealthy'] * 1000;
    const downMs = this.region.latency['elb.healthyToUnhealthy'] * 1000;
    // Without a timeline (an EC2 stand-in that only inspects), assume today's verdict held since registration.
    const history = ec2.instanceHistory?.(target.id, target.registeredAt, now) ?? [{ at: target.registeredAt, view }];
    let state = target.initialState;
    let failure: Verdict | undefined;
    let runStart = history[0].at;
    let run = healthCheckVerdict(group.config, history[0].view);
    const closeRun = (end: number) => {
      if (run.ok && end - runStart >= upMs) state = 'healthy';
      if (!run.ok && end - runStart >= downMs) {
        state = 'unhealthy';
        failure = run;
      }
    };
    for (const point of history.slice(1)) {
      const verdict = healthCheckVerdict(group.config, point.view);
      if (verdict.ok === run.ok) continue;
      closeRun(point.at);
      [runStart, run] = [point.at, verdict];
    }
    closeRun(now);
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
    return now - target.registeredAt < upMs
      ? { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' }
      : { State: 'initial', Reason: 'Elb.InitialHealthChecking', Description: 'Initial health checks in progress' };
  }
}
