/**
 * What a Lambda probe task sees when it GETs a member's mirror-status URL (not an AWS API). Action `Get`
 * ({ Url, TimeoutSeconds }) → { StatusCode, Body, LatencySeconds }; network failures throw AwsApiError('http', code)
 * with Node's error codes.
 *
 * An endpoint bound to an instance answers by the instance's state at the current modeled time:
 * - running, not impaired: the workload's `mirrorRole` decides, as the IRIS/Caché mirror-status page does: the primary
 *   answers 200 `SUCCESS`, every other member 503 `FAILED`. An endpoint's `status`/`body` override this.
 * - stopping or shutting down: the OS is going down and nothing listens any more: `ECONNREFUSED`.
 * - pending, stopped, terminated, unknown, or impaired: nothing answers; a VPC drops packets to an address with no
 *   running host rather than resetting the connection, so the caller waits for its timeout: `ETIMEDOUT` after
 *   TimeoutSeconds.
 * An endpoint with `down: true` refuses connections (the host is up, the web server is not); an unknown URL is
 * refused too. Modeled time: `http.probe` plus the endpoint's `latencySeconds`; when that exceeds TimeoutSeconds the
 * call fails with ETIMEDOUT after TimeoutSeconds.
 */
import { z } from 'zod';
import { AwsApiError } from './errors';
import type { ActionHandler, ServiceSimulator, SimulatedRegion } from './region';
import { SsmSimulator } from './ssm';
import { type InstanceInspector, instanceInspectorOf } from './types';
import type { PendingWorkloadEffects } from './workload';

export const httpEnvironmentSchema = z.strictObject({
  endpoints: z
    .array(
      z.strictObject({
        url: z.url(),
        /** The instance that serves it. Omitted: a fixed endpoint answering `status` / `body`. */
        instanceId: z.string().optional(),
        status: z.number().int().min(100).max(599).optional(),
        body: z.string().optional(),
        /** Extra seconds the server takes to answer, on top of `http.probe`. */
        latencySeconds: z.number().nonnegative().default(0),
        /** Connections are refused. */
        down: z.boolean().default(false),
      }),
    )
    .default([]),
});
export type HttpEnvironment = z.input<typeof httpEnvironmentSchema>;
type Endpoint = z.output<typeof httpEnvironmentSchema>['endpoints'][number];

export interface HttpGetInput {
  readonly Url: string;
  /** Seconds the client waits for an answer. Omitted: 10. */
  readonly TimeoutSeconds?: number;
}

export interface HttpGetOutput {
  readonly StatusCode: number;
  readonly Body: string;
  /** Modeled seconds the request took. */
  readonly LatencySeconds: number;
}

const DEFAULT_TIMEOUT_SECONDS = 10;

/** What the probe needs of the region: the instances behind the endpoints, and Run Command's pending effects. */
export interface HttpDependencies {
  readonly instances: InstanceInspector;
  /** Applied before a member's workload is read, so that a promotion script that has ended shows. */
  readonly pendingEffects?: PendingWorkloadEffects;
}

export class HttpSimulator implements ServiceSimulator {
  readonly name = 'http' as const;
  readonly actions: Readonly<Record<string, ActionHandler>> = {
    Get: (input) => this.get(input as unknown as HttpGetInput),
  };
  /** Every request, with its modeled time and outcome. */
  readonly requests: { at: number; url: string; statusCode?: number; error?: string }[] = [];
  private readonly endpoints = new Map<string, Endpoint>();

  constructor(
    private readonly region: SimulatedRegion,
    environment: HttpEnvironment = {},
    /** @default the region's `ec2` and `ssm` services, looked up at each use */
    private readonly dependencies?: HttpDependencies,
  ) {
    for (const e of httpEnvironmentSchema.parse(environment).endpoints) this.endpoints.set(e.url, e);
  }

  latencyOf(_action: string): number {
    return this.region.latency['http.probe'];
  }

  snapshot(): unknown {
    return { endpoints: [...this.endpoints.values()], requests: structuredClone(this.requests) };
  }

  private get(input: HttpGetInput): HttpGetOutput {
    if (typeof input.Url !== 'string') throw new TypeError('http Get needs a Url');
    const timeout = input.TimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    if (!(timeout > 0)) throw new RangeError(`http Get: TimeoutSeconds must be positive, got ${timeout}`);
    const at = this.region.clock.elapsedSeconds();
    const probe = this.region.latency['http.probe'];
    // The region adds `http.probe` after the call; this adds the rest of the modeled time.
    const fail = (code: 'ECONNREFUSED' | 'ETIMEDOUT', message: string): never => {
      if (code === 'ETIMEDOUT') this.region.clock.advanceSeconds(Math.max(0, timeout - probe));
      this.requests.push({ at, url: input.Url, error: code });
      // No HTTP response, so no status code.
      throw new AwsApiError('http', code, message, 0);
    };
    const endpoint = this.endpoints.get(input.Url);
    if (!endpoint) return fail('ECONNREFUSED', `connect ECONNREFUSED (no server at ${input.Url})`);
    let status = endpoint.status ?? 200;
    let body = endpoint.body ?? '';
    if (endpoint.instanceId !== undefined) {
      this.settleRunCommand();
      const view = this.inspector().inspectInstance(endpoint.instanceId);
      if (view?.state === 'stopping' || view?.state === 'shutting-down') {
        return fail('ECONNREFUSED', `connect ECONNREFUSED (${endpoint.instanceId} is ${view.state})`);
      }
      if (!view || view.state !== 'running' || view.impaired) {
        const why = !view ? 'does not exist' : view.impaired ? 'is impaired' : `is ${view.state}`;
        return fail('ETIMEDOUT', `connect ETIMEDOUT (${endpoint.instanceId} ${why})`);
      }
      const primary = view.workload.mirrorRole === 'primary';
      status = endpoint.status ?? (primary ? 200 : 503);
      body = endpoint.body ?? (primary ? 'SUCCESS' : 'FAILED');
    }
    if (endpoint.down) return fail('ECONNREFUSED', `connect ECONNREFUSED (${input.Url} is down)`);
    const latency = probe + endpoint.latencySeconds;
    if (latency > timeout) return fail('ETIMEDOUT', `request to ${input.Url} timed out after ${timeout} s`);
    this.region.clock.advanceSeconds(endpoint.latencySeconds);
    this.requests.push({ at, url: input.Url, statusCode: status });
    return { StatusCode: status, Body: body, LatencySeconds: latency };
  }

  /** Lets Run Command effects that are due (e.g. a promotion script) reach the workload before it is read. */
  private settleRunCommand(): void {
    if (this.dependencies) {
      this.dependencies.pendingEffects?.settle();
      return;
    }
    const ssm = this.region.hasService('ssm') ? this.region.service('ssm') : undefined;
    if (ssm instanceof SsmSimulator) ssm.settle();
  }

  private inspector(): InstanceInspector {
    return this.dependencies?.instances ?? instanceInspectorOf(this.region, 'the simulated http probe');
  }
}
