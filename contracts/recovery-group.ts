import { z } from 'zod';
import { availabilityZone, configId, subnetId, targetGroupArn, vpcId } from './aws-ids';

/**
 * A recovery group: instances (and their candidate subnets) tagged with one group id, which instance-recovery
 * relaunches in another AZ. One shape, in three views:
 * - `recoveryGroupSchema`: as configured (infra/config `instanceRecovery.groups[]`; the construct's
 *   `InstanceRecoveryWorkflowProps.groups` take the same fields, lists optional);
 * - `RecoveryGroupSettings`: as the instance-recovery definition carries it (lists filled in);
 * - `groupPlacementSchema`: what the definition hands tasks/inspect-instance for each group (built by
 *   `groupPlacement`, parsed by the task's input schema).
 */
export const recoveryGroupSchema = z
  .object({
    /** Region-unique id; protected instances and their candidate subnets carry it as the value of `tagKey`. */
    id: configId('recovery group id'),
    /** The VPC of the group's instances and subnets. */
    vpcId: vpcId,
    /** Target groups the instance serves. */
    targetGroupArns: z.array(targetGroupArn).default([]),
    /** Subnets tried first, in this order. */
    subnetPreference: z.array(subnetId).default([]),
    /** AZs never used for a replacement. */
    impairedZones: z.array(availabilityZone).default([]),
    /** Roles of the instance profiles of the group's instances (iam:PassRole is granted for these only). */
    instanceRoleArns: z
      .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN'))
      .default([]),
  })
  .strict();

/** A recovery group as written in the configuration file (lists optional). */
export type RecoveryGroupConfig = z.input<typeof recoveryGroupSchema>;

type ParsedRecoveryGroup = z.output<typeof recoveryGroupSchema>;

/**
 * One recovery group as the workflow needs it: the configured fields with every list filled in (the roles only
 * shape the construct's IAM policy, so the definition does not carry them).
 */
export type RecoveryGroupSettings = {
  readonly [K in Exclude<keyof ParsedRecoveryGroup, 'instanceRoleArns'>]: Readonly<ParsedRecoveryGroup[K]>;
};

/**
 * What tasks/inspect-instance receives for each group, by group id (its input's `groups`). The task asks only for
 * lists of non-empty strings (a zone may be a name or a zone id): the configuration has checked the values.
 */
export const groupPlacementSchema = z.object({
  /** Zones (names or zone ids) never to launch a replacement in. */
  impairedZones: z.array(z.string().min(1)),
  /** Subnet ids to try first, in this order. */
  subnetPreference: z.array(z.string().min(1)),
  /** Target groups the group's instance serves; echoed in the output for the fence and the switch. */
  targetGroupArns: z.array(z.string().min(1)).default([]),
});

export type GroupPlacement = z.input<typeof groupPlacementSchema>;

/** The entry for one group in the inspect task's payload (the state machine's JSON keeps this key order). */
export function groupPlacement(group: RecoveryGroupSettings): GroupPlacement {
  return {
    impairedZones: [...group.impairedZones],
    subnetPreference: [...group.subnetPreference],
    targetGroupArns: [...group.targetGroupArns],
  };
}
