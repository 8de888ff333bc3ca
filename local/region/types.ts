import type { ServiceSimulator, SimulatedRegion } from './region';

/**
 * What services of the simulated region may ask of each other. ELBv2 health, SSM Run Command and the HTTP
 * probe all depend on the EC2 instance behind them; the EC2 simulator implements `InstanceInspector`. The database
 * workload on an instance is workload.ts.
 */

/** What the workload on an instance (the database) is doing: changed by Run Command scripts, read by probes. */
export type WorkloadState = Record<string, string | number | boolean | null>;

export interface InstanceView {
  readonly instanceId: string;
  /** EC2 state name at the current modeled time: pending | running | stopping | stopped | shutting-down | terminated. */
  readonly state: string;
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly privateIpAddress: string;
  /** Booted and its SSM agent registered: SendCommand is accepted. */
  readonly ssmOnline: boolean;
  /** Its availability zone is down, or its boot failed: it runs but answers nothing. */
  readonly impaired: boolean;
  /** Security groups on its primary network interface. */
  readonly securityGroupIds: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly workload: Readonly<WorkloadState>;
}

/** The Availability Zones the region's subnets are in (what "every zone" means to a load balancer). */
export interface ZoneLister {
  availabilityZones(): readonly string[];
}

export interface InstanceInspector {
  /** The instance as it is now, or undefined when no such instance exists (or it is not yet visible). */
  inspectInstance(instanceId: string): InstanceView | undefined;
  /** Finds the instance that has this private IP address (for probes by address). */
  findInstanceByAddress(address: string): InstanceView | undefined;
}

/**
 * What ELBv2 health needs beyond `InstanceInspector`: the instance's past, so a health state that depends on
 * how long an instance has been down is computed exactly however rarely it is read.
 */
export interface InstanceTimeline {
  /** The instance at `fromMs` and at each later moment up to `toMs` when its view may have changed. */
  instanceHistory(instanceId: string, fromMs: number, toMs: number): { at: number; view: InstanceView | undefined }[];
}

/**
 * The region's `ec2` service as an `InstanceInspector` (the EC2 simulator, or a test's stand-in), checked; `who`
 * names the service that needs it in the error when there is none.
 */
export function instanceInspectorOf(region: SimulatedRegion, who: string): ServiceSimulator & InstanceInspector {
  const ec2: ServiceSimulator | undefined = region.hasService('ec2') ? region.service('ec2') : undefined;
  if (!ec2 || !isInstanceInspector(ec2)) throw new Error(`${who} needs the ec2 service (InstanceInspector)`);
  return ec2;
}

function isInstanceInspector(service: ServiceSimulator): service is ServiceSimulator & InstanceInspector {
  return (
    'inspectInstance' in service &&
    typeof service.inspectInstance === 'function' &&
    'findInstanceByAddress' in service &&
    typeof service.findInstanceByAddress === 'function'
  );
}
