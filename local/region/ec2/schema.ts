import { z } from 'zod';
import { becomePrimaryHookSchema, workloadChangesSchema, workloadStateSchema } from '../workload';
import { imagesSchema } from './images';
import { groupRulesSchema, networkInterfaceSchema } from './network';

/**
 * The output as Step Functions (and any JSON transport) delivers it: SDK `Date` fields become ISO strings.
 * Every EC2 action here returns `Json<SdkOutputType>`.
 */
export type Json<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

const tags = z.record(z.string(), z.string()).default({});
const instanceStates = ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped'] as const;

/** The starting EC2 world of a scenario. */
export const ec2EnvironmentSchema = z.strictObject({
  vpcs: z.array(z.strictObject({ vpcId: z.string(), cidrBlock: z.string().optional(), tags })).default([]),
  subnets: z
    .array(
      z.strictObject({
        subnetId: z.string(),
        vpcId: z.string(),
        availabilityZone: z.string(),
        /** Private IPs of new instances are drawn from it. @default 10.0.<index>.0/24 */
        cidrBlock: z.string().optional(),
        tags,
      }),
    )
    .default([]),
  securityGroups: z
    .array(
      z.strictObject({
        groupId: z.string(),
        vpcId: z.string(),
        groupName: z.string(),
        description: z.string().optional(),
        tags,
        ...groupRulesSchema,
      }),
    )
    .default([]),
  /** Known AMIs: only these exist (local/region/ec2/images.ts). */
  images: imagesSchema,
  /** Instance profiles RunInstances accepts (those of `instances` are added). */
  instanceProfiles: z.array(z.strictObject({ name: z.string(), arn: z.string() })).default([]),
  instances: z
    .array(
      z.strictObject({
        instanceId: z.string(),
        imageId: z.string(),
        instanceType: z.string(),
        keyName: z.string().optional(),
        subnetId: z.string(),
        privateIpAddress: z.string().optional(),
        securityGroupIds: z.array(z.string()).default([]),
        /** Interfaces beyond the primary one (device index 0 is `subnetId` + `securityGroupIds`), each with its groups. */
        networkInterfaces: z.array(networkInterfaceSchema).default([]),
        /** Instance profile ARN. */
        iamInstanceProfile: z.string().optional(),
        tags,
        state: z.enum(instanceStates).default('running'),
        /** @default one day before the drill starts */
        launchTime: z.iso.datetime().optional(),
        /** @default one 8 GiB gp3 root volume /dev/xvda */
        volumes: z
          .array(
            z.strictObject({
              volumeId: z.string(),
              device: z.string(),
              sizeGiB: z.number().int().positive(),
              volumeType: z.string().default('gp3'),
              /** The root volume (deleted on termination). */
              boot: z.boolean().default(false),
              tags,
            }),
          )
          .optional(),
        /** The database's state, e.g. `{ "mirrorRole": "primary", "frozen": false }`. */
        workload: workloadStateSchema.default({}),
        /**
         * The database's become-primary hook (an IRIS `^ZMIRROR` NotifyBecomePrimary entry point that runs
         * `aws events put-events`): whenever the workload's `mirrorRole` changes to `primary` from another role, the
         * member puts the mirror set's "Mirror Member Became Primary" event, `delaySeconds` later, `times` times
         * `duplicateAfterSeconds` apart (a late or repeated hook).
         */
        becomePrimaryHook: becomePrimaryHookSchema.optional(),
        disableApiTermination: z.boolean().default(false),
        /**
         * Seconds this instance stays `shutting-down` once terminated (a bare-metal instance can take more than
         * 19 minutes; a host that never completes the termination: a very large number).
         * @default the latency model's `ec2.shuttingDownToTerminated`
         */
        shuttingDownSeconds: z.number().positive().optional(),
      }),
    )
    .default([]),
  /** AZ outages: instances there keep running but answer nothing; launches there fail. */
  impairedAvailabilityZones: z
    .array(z.strictObject({ zone: z.string(), fromSeconds: z.number().nonnegative().default(0) }))
    .default([]),
  /** Launches (and starts) in an AZ fail with this error, `times` times (omitted: always). */
  capacity: z
    .array(
      z.strictObject({
        availabilityZone: z.string(),
        instanceType: z.string().optional(),
        error: z.enum(['InsufficientInstanceCapacity', 'Unsupported']),
        times: z.number().int().positive().optional(),
      }),
    )
    .default([]),
  /** New instances matching this boot but never answer (impaired, SSM agent never online); `count` of them. */
  bootFailures: z
    .array(
      z.strictObject({
        availabilityZone: z.string().optional(),
        imageId: z.string().optional(),
        count: z.number().int().positive().optional(),
      }),
    )
    .default([]),
  /** Snapshots of these volumes / instances end in state `error`. */
  snapshotFailures: z
    .array(z.strictObject({ volumeId: z.string().optional(), instanceId: z.string().optional() }))
    .default([]),
  /** Snapshots that exist when the drill starts (earlier backups, someone else's snapshots: retention drills). */
  snapshots: z
    .array(
      z.strictObject({
        snapshotId: z.string().regex(/^snap-([0-9a-f]{8}|[0-9a-f]{17})$/),
        /** @default vol-ffffffff (the volume id EC2 reports for a copy or a deleted volume) */
        volumeId: z.string().default('vol-ffffffff'),
        instanceId: z.string().optional(),
        volumeSizeGiB: z.number().int().positive().default(8),
        startTime: z.iso.datetime(),
        /** `pending` completes `ebs.snapshotCompletion` s into the drill. */
        state: z.enum(['completed', 'pending', 'error']).default('completed'),
        description: z.string().default(''),
        tags,
      }),
    )
    .default([]),
  /**
   * Scripted workload changes: at `atSeconds` of modeled time, `set` is merged into the instance's workload
   * (e.g. a mirror member becoming primary 20 s into the drill: `{ "mirrorRole": "primary" }`). With
   * `everySeconds`, the change repeats at that period until `untilSeconds` (a flapping primary).
   */
  workloadChanges: workloadChangesSchema,
});
export type Ec2Environment = z.input<typeof ec2EnvironmentSchema>;
export type Env = z.output<typeof ec2EnvironmentSchema>;
