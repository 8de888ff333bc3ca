import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { DrMirrorSet } from '../workflows/dr-promotion';
import type { MirrorSet } from '../workflows/mirror-failover';
import type { HaConfig } from './config/schema';

/**
 * A VPC imported from the configuration alone (its id and its private subnets with their AZs, no context look-up),
 * so `cdk synth` runs offline.
 */
function vpcFromConfig(
  scope: Construct,
  id: string,
  vpcId: string,
  subnets: readonly { readonly subnetId: string; readonly availabilityZone: string }[],
): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(scope, id, {
    vpcId,
    availabilityZones: subnets.map((s) => s.availabilityZone),
    privateSubnetIds: subnets.map((s) => s.subnetId),
  });
}

/** How a member's mirror status page is probed: the same settings for mirror-failover and dr-promotion. */
function statusProbe(set: NonNullable<HaConfig['mirrorSets']>[number]) {
  return {
    statusPort: set.statusPort,
    statusPath: set.statusPath,
    probeTimeout: Duration.seconds(set.probeTimeoutSeconds),
  };
}

/**
 * The configured mirror sets as the construct takes them. Each set's VPC is imported from the configuration
 * alone (ids and AZs given, no context look-up), so `cdk synth` runs offline.
 */
export function mirrorSetsFromConfig(scope: Construct, sets: NonNullable<HaConfig['mirrorSets']>): MirrorSet[] {
  return sets.map((set) => ({
    name: set.name,
    vpc: vpcFromConfig(scope, `MirrorVpc-${set.name}`, set.vpcId, set.probeSubnets),
    probeSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    members: set.members,
    ...statusProbe(set),
    targetGroupArns: set.targetGroupArns,
    loadBalancerArn: set.loadBalancerArn,
    configureHealthCheck: set.configureHealthCheck,
    primaryWait: Duration.seconds(set.primaryWaitSeconds),
    healthyTimeout: Duration.seconds(set.healthyTimeoutSeconds),
  }));
}

/**
 * The configured mirror sets that have a DR site, as the dr-promotion construct takes them (DR stack). The DR VPC
 * is imported from the configuration alone, as above.
 */
export function drSetsFromConfig(scope: Construct, sets: NonNullable<HaConfig['mirrorSets']>): DrMirrorSet[] {
  return sets.flatMap((set) => {
    const dr = set.dr;
    if (!dr) return [];
    return [
      {
        name: set.name,
        vpc: vpcFromConfig(scope, `DrVpc-${set.name}`, dr.vpcId, dr.subnets),
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        oldMembers: set.members,
        drMembers: dr.members,
        ...statusProbe(set),
        drTargetGroupArns: dr.targetGroupArns,
        primaryVpcId: set.vpcId,
        primaryDenyAllGroupId: dr.primaryDenyAllGroupId,
        promotion: dr.promotion,
        promotionTimeout: Duration.seconds(dr.promotion.timeoutSeconds),
        verifyTimeout: Duration.seconds(dr.verifyTimeoutSeconds),
        maxApprovalTimeout: Duration.minutes(dr.maxApprovalTimeoutMinutes),
      },
    ];
  });
}
