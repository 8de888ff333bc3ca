import { z } from 'zod';
import { groupPlacementSchema } from '../../contracts/recovery-group';

const INSTANCE_ID = /^i-[0-9a-zA-Z]+$/;

/** A tag as EC2 spells it. */
export const tagSchema = z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) });
export type Tag = z.infer<typeof tagSchema>;

/** What a replacement needs to know about the failed instance: compact, no raw API response. */
export const sourceInstanceSchema = z.object({
  instanceId: z.string().regex(INSTANCE_ID, { error: 'expected an EC2 instance id (i-...)' }),
  imageId: z.string().min(1),
  instanceType: z.string().min(1),
  keyName: z.string().min(1).nullable(),
  subnetId: z.string().min(1),
  availabilityZone: z.string().min(1),
  vpcId: z.string().min(1),
  state: z.string().min(1),
  /** Security groups of the primary network interface. */
  securityGroupIds: z.array(z.string().min(1)),
  /** Every network interface attached, in device-index order. */
  networkInterfaceIds: z.array(z.string().min(1)),
  iamInstanceProfileArn: z.string().min(1).nullable(),
  /** User-visible tags only: no `aws:` tags and no `ha-workflows:` bookkeeping tags except the group tag. */
  tags: z.array(tagSchema),
});
export type SourceInstance = z.infer<typeof sourceInstanceSchema>;

/** A subnet a replacement may be launched in, in order of preference. */
export const candidateSubnetSchema = z.object({ subnetId: z.string().min(1), availabilityZone: z.string().min(1) });
export type CandidateSubnet = z.infer<typeof candidateSubnetSchema>;

const TTL_RANGE = 'expected an integer from 60 to 86400 (seconds)';

export const inputSchema = z.object({
  instanceId: z.string().regex(INSTANCE_ID, { error: 'expected an EC2 instance id (i-...)' }),
  /** `$$.Execution.StartTime`: the workflow's notion of now (modeled time in the offline engine). */
  executionStartTime: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' }),
  /** The tag whose value names the instance's recovery group, e.g. `ha-workflows:recovery-group`. */
  tagKey: z.string().min(1).max(128),
  lockTtlSeconds: z.int({ error: TTL_RANGE }).min(60, { error: TTL_RANGE }).max(86400, { error: TTL_RANGE }),
  /** Configured recovery groups by group id (contracts/recovery-group.ts; instance-recovery builds each entry). */
  groups: z.record(z.string().min(1), groupPlacementSchema),
  /** The deny-all ("blackhole") security group of each VPC, by VPC id. */
  denyAllGroups: z.record(z.string().min(1), z.string().min(1)),
  /** Zones (names or zone ids) the triggering event reports as impaired. */
  impairedZones: z.array(z.string().min(1)).optional(),
});

export type InspectInstanceInput = z.infer<typeof inputSchema>;

export interface UnprotectedInstance {
  readonly protected: false;
  readonly reason: string;
}

export interface ProtectedInstance {
  readonly protected: true;
  readonly instanceId: string;
  readonly groupId: string;
  /** Whole seconds since the epoch of `executionStartTime`. */
  readonly nowEpoch: number;
  /** `nowEpoch + lockTtlSeconds`: when the recovery lock may be taken over. */
  readonly lockExpiresAt: number;
  readonly source: SourceInstance;
  readonly denyAllGroupId: string;
  /** The group's target groups (from the configuration). */
  readonly targetGroupArns: readonly string[];
  /** At least one. */
  readonly candidateSubnets: readonly CandidateSubnet[];
}

export type InspectInstanceOutput = UnprotectedInstance | ProtectedInstance;
