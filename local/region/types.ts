/**
 * What services of the simulated region may ask of each other. ELBv2 health, SSM Run Command and the HTTP
 * probe all depend on the EC2 instance behind them; the EC2 simulator implements `InstanceInspector`.
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
  /**
   * Changes the workload state of an instance (a Run Command script's effect), now or at `atMs` (epoch ms) when
   * the change happened earlier than the caller's modeled time.
   */
  updateWorkload(instanceId: string, changes: WorkloadState, atMs?: number): void;
}
