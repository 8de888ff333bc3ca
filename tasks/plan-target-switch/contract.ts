import { z } from 'zod';

const INSTANCE_ID = /^i-[0-9a-zA-Z]+$/;
const instanceId = z.string().regex(INSTANCE_ID, { error: 'expected an EC2 instance id (i-...)' });

export const inputSchema = z
  .object({
    /** The member that answered SUCCESS: it must be the only registered member afterwards. */
    primary: instanceId,
    /** Every member of the mirror set (the primary included); only these are ever deregistered. */
    members: z.array(instanceId).min(1),
    /** The set's target groups. */
    targetGroupArns: z.array(z.string().regex(/^arn:aws[a-z-]*:elasticloadbalancing:/)).min(1),
  })
  .refine((i) => i.members.includes(i.primary), {
    path: ['primary'],
    error: 'expected one of the members',
  });
export type PlanTargetSwitchInput = z.infer<typeof inputSchema>;

export interface RegisterTarget {
  readonly targetGroupArn: string;
  readonly instanceId: string;
}

export interface DeregisterTarget extends RegisterTarget {
  /** The port it is registered on (deregistration names it). */
  readonly port: number;
}

export interface PlanTargetSwitchOutput {
  /** False when the primary is already registered in every target group and no other member is. */
  readonly changes: boolean;
  /** Where the primary must be registered (target groups that do not have it). */
  readonly register: readonly RegisterTarget[];
  /** Every other member still registered (not draining), with its port. */
  readonly deregister: readonly DeregisterTarget[];
  /** The members other than the primary that were registered, comma-separated, or `none`: "switched from". */
  readonly previous: string;
  /** Registered targets that are not members of the set: left alone, counted for the record. */
  readonly otherTargets: number;
}
