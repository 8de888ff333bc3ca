import { executionClock, VirtualClock } from '../clock';
import { type LatencyModel, latencyModel } from '../latency';
import { Random } from '../random';
import { AwsApiError, type ServiceName } from './errors';
import { type ApiFault, deepPartialMatch } from './faults';
import type { RequestRates } from './request-rates';

/** One API call as the region saw it. */
export interface ApiCallRecord {
  /** Modeled seconds since the drill started, when the call was made. */
  readonly at: number;
  readonly service: ServiceName;
  readonly action: string;
  readonly input: unknown;
  /** The error code, when the call failed. */
  readonly error?: string;
  /** Modeled seconds the call took. */
  readonly latency: number;
}

export type ActionHandler = (input: Record<string, unknown>) => unknown;

/**
 * One service of the simulated region. It keeps its own state, answers PascalCase actions with the real
 * API's output shapes (typed with the SDK's output types) and throws `AwsApiError` with the real codes.
 * Time-dependent state (an instance booting, a snapshot completing) is computed from `region.clock` when read.
 */
export interface ServiceSimulator {
  readonly name: ServiceName;
  readonly actions: Readonly<Record<string, ActionHandler>>;
  /** Modeled seconds an action takes (the region adds it to the clock after the call). */
  latencyOf(action: string): number;
  /** The service's state as plain JSON, for a drill's final `environment` and expectations. */
  snapshot(): unknown;
}

export interface SimulatedRegionOptions {
  readonly regionName?: string;
  readonly accountId?: string;
  readonly seed?: number;
  readonly clock?: VirtualClock;
  readonly latency?: Partial<Record<string, number>>;
  readonly faults?: readonly ApiFault[];
}

/**
 * An in-memory AWS region, deterministic for a given seed. Both SDK-integration Tasks and the Lambda
 * tasks' clients reach it through `call(service, action, input)`.
 */
export class SimulatedRegion {
  readonly regionName: string;
  readonly accountId: string;
  /** The drill's own clock: where every execution starts, and which follows the latest one to end. */
  readonly baseClock: VirtualClock;
  readonly random: Random;
  readonly latency: LatencyModel;
  readonly calls: ApiCallRecord[] = [];
  private readonly services = new Map<ServiceName, ServiceSimulator>();
  private readonly faults: { fault: ApiFault; remaining: number }[];
  private requestCounter = 0;
  /** The account's EC2 request-rate buckets, when a scenario turns them on (local/region/request-rates.ts). */
  private requestRates?: RequestRates;

  constructor(options: SimulatedRegionOptions = {}) {
    this.regionName = options.regionName ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.baseClock = options.clock ?? new VirtualClock();
    this.random = new Random(options.seed ?? 1);
    this.latency = latencyModel(options.latency);
    this.faults = (options.faults ?? []).map((fault) => ({ fault, remaining: fault.times ?? Infinity }));
  }

  /**
   * Modeled time as the caller sees it: the running execution's own clock, or the drill's base clock
   * outside any execution. Services compute time-dependent state from it.
   */
  get clock(): VirtualClock {
    return executionClock.getStore() ?? this.baseClock;
  }

  register(service: ServiceSimulator): this {
    this.services.set(service.name, service);
    return this;
  }

  service<T extends ServiceSimulator>(name: ServiceName): T {
    const s = this.services.get(name);
    if (!s) throw new Error(`the simulated region has no ${name} service`);
    return s as T;
  }

  hasService(name: ServiceName): boolean {
    return this.services.has(name);
  }

  addFault(fault: ApiFault): void {
    this.faults.push({ fault, remaining: fault.times ?? Infinity });
  }

  /** Throttles EC2 requests with the account's token buckets from now on. */
  useRequestRates(rates: RequestRates): void {
    this.requestRates = rates;
  }

  /** A request id in the AWS format, deterministic for the seed. */
  nextRequestId(): string {
    this.requestCounter += 1;
    return this.random.uuid();
  }

  /**
   * Calls an API: applies faults, runs the action at the current modeled time, then advances the clock by
   * the call's latency. Throws `AwsApiError` for API errors, and a plain Error naming the service and action
   * when the region does not implement it.
   */
  async call(service: ServiceName, action: string, input: Record<string, unknown> = {}): Promise<unknown> {
    this.clock.checkAlive(); // a Lambda function past its timeout is frozen: it makes no more calls
    const at = this.clock.elapsedSeconds();
    const sim = this.services.get(service);
    const handler = sim?.actions[action];
    if (!sim || !handler) {
      throw new Error(
        `the simulated region does not implement ${service}:${action}` +
          (sim ? ` (implemented: ${Object.keys(sim.actions).sort().join(', ')})` : ''),
      );
    }
    let latency = sim.latencyOf(action);
    let injected: ApiFault['error'] | undefined;
    for (const f of this.faults) {
      const { fault } = f;
      if (fault.service !== service || fault.action !== action || f.remaining <= 0) continue;
      if (fault.afterSeconds !== undefined && at < fault.afterSeconds) continue;
      if (fault.untilSeconds !== undefined && at >= fault.untilSeconds) continue;
      if (fault.match && !deepPartialMatch(input, fault.match)) continue;
      if (fault.probability !== undefined && !this.random.chance(fault.probability)) continue;
      f.remaining -= 1;
      latency += fault.addLatencySeconds ?? 0;
      if (fault.error && !injected) injected = fault.error;
    }
    const record = (error?: string) =>
      this.calls.push({ at, service, action, input: structuredClone(input), latency, ...(error ? { error } : {}) });
    try {
      if (service === 'ec2') this.requestRates?.admit(action, input, this.clock.now());
      if (injected) {
        throw new AwsApiError(
          service,
          injected.code,
          injected.message ?? `Injected fault: ${injected.code}`,
          injected.statusCode ?? 400,
        );
      }
      const output = handler(structuredClone(input));
      record();
      return structuredClone(output);
    } catch (e) {
      record(e instanceof AwsApiError ? e.code : String(e));
      throw e;
    } finally {
      this.clock.advanceSeconds(latency);
    }
  }

  /** Every service's state as plain JSON. */
  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, s] of this.services) out[name] = s.snapshot();
    return out;
  }
}
