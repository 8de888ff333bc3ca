import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { DrMirrorSet } from '../workflows/dr-promotion';
import type { MirrorSet } from '../workflows/mirror-failover';
import type { HaConfig } from './config/schema';

/**
 * The configured mirror sets as the construct takes them. Each set's VPC is imported from the configuration
 * alone (ids and AZs given, no context look-up), so `cdk synth` runs offline.
 */
export function mirrorSetsFromConfig(scope: Construct, sets: NonNullable<HaConfig['mirrorSets']>): MirrorSet[] {
  return sets.map((set) => ({
    name: set.name,
    vpc: ec2.Vpc.fromVpcAttributes(scope, `MirrorVpc-${set.name}`, {
      vpcId: set.vpcId,
      availabilityZones: set.probeSubnets.map((s) => s.availabilityZone),
      privateSubnetIds: set.probeSubnets.map((s) => s.subnetId),
    }),
    probeSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    members: set.members,
    statusPort: set.statusPort,
    statusPath: set.statusPath,
    targetGroupArns: set.targetGroupArns,
    loadBalancerArn: set.loadBalancerArn,
    configureHealthCheck: set.configureHealthCheck,
    probeTimeout: Duration.seconds(set.probeTimeoutSeconds),
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
        vpc: ec2.Vpc.fromVpcAttributes(scope, `DrVpc-${set.name}`, {
          vpcId: dr.vpcId,
          availabilityZones: dr.subnets.map((s) => s.availabilityZone),
          privateSubnetIds: dr.subnets.map((s) => s.subnetId),
        }),
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        oldMembers: set.members,
        drMembers: dr.members,
        statusPort: set.statusPort,
        statusPath: set.statusPath,
        drTargetGroupArns: dr.targetGroupArns,
        primaryVpcId: set.vpcId,
        primaryDenyAllGroupId: dr.primaryDenyAllGroupId,
        promotion: dr.promotion,
        promotionTimeout: Duration.seconds(dr.promotion.timeoutSeconds),
        verifyTimeout: Duration.seconds(dr.verifyTimeoutSeconds),
        probeTimeout: Duration.seconds(set.probeTimeoutSeconds),
        maxApprovalTimeout: Duration.minutes(dr.maxApprovalTimeoutMinutes),
      },
    ];
  });
}
