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
  /** The VPC's deny-all security group: the replacement is launched fenced. */
  denyAllGroupId: z.string().min(1),
  /** Subnets to try, in order. */
  candidateSubnets: z.array(candidateSubnetSchema).min(1),
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
