import { z } from 'zod';
import { candidateSubnetSchema, sourceInstanceSchema } from '../inspect-instance/contract';

export const inputSchema = z.object({
  /** `$$.Execution.Name`: with the subnet id it makes the RunInstances idempotency token. */
  executionName: z.string().min(1).max(80),
  groupId: z.string().min(1),
  /** The recovery-group tag key, e.g. `ha-workflows:recovery-group`. */
  tagKey: z.string().min(1).max(128),
  /** The failed instance, as "Inspect failed instance" described it. */
  source: sourceInstanceSchema,
  /** The VPC's deny-all security group (the failed instance's fence). */
  denyAllGroupId: z.string().min(1),
  /**
   * The boot security group of each VPC, by VPC id: no ingress, HTTPS (443) egress only. The replacement is launched
   * with it alone, so that its SSM agent and user data reach their endpoints while no client reaches it and it reaches
   * no data-tier port; a deny-all group would leave the agent offline and the boot unable to fetch anything.
   */
  bootGroups: z.record(z.string().min(1), z.string().min(1)),
  /** Subnets to try, in order. */
  candidateSubnets: z.array(candidateSubnetSchema).min(1),
  /**
   * `launch` (the default) launches the replacement; `check` launches nothing and verifies that a launch can
   * succeed: the AMI exists and is `available`, the instance type is offered in a candidate zone, and a
   * `DryRun` of the very launch request is permitted. Run before the only instance is terminated.
   */
  mode: z.enum(['launch', 'check']).default('launch'),
});

export type LaunchReplacementInput = z.infer<typeof inputSchema>;

export interface LaunchAttempt {
  readonly subnetId: string;
  readonly availabilityZone: string;
  /** The error code of a failed attempt (e.g. `InsufficientInstanceCapacity`); absent for the launch that worked. */
  readonly error?: string;
}

export interface LaunchReplacementOutput {
  readonly instanceId: string;
  readonly subnetId: string;
  readonly availabilityZone: string;
  /** Every subnet tried, in order; the last one is where the replacement runs. */
  readonly attempts: readonly LaunchAttempt[];
}

/** What `mode: check` found: a launch can be tried in `offeredSubnets` (in order). */
export interface LaunchCheckOutput {
  readonly imageId: string;
  readonly imageState: 'available';
  /** The candidate subnets whose zone offers the instance type, in the candidates' order (at least one). */
  readonly offeredSubnets: readonly { readonly subnetId: string; readonly availabilityZone: string }[];
  /** The subnet the DryRun launch was checked in. */
  readonly dryRunSubnetId: string;
}
