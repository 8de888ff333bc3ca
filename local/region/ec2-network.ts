import type { IpPermission } from '@aws-sdk/client-ec2';
import { z } from 'zod';

/**
 * Security-group rules and network interfaces of the simulated EC2 (issue #13 items 8, 9, 12).
 *
 * - A group's rules are stateful allow rules (no deny rules exist): traffic is allowed when any rule of any group of
 *   the interface allows it. A group created without egress rules gets "allow all outbound"; without ingress rules it
 *   admits nothing (VPC User Guide, "Security group rules").
 * - Connection tracking: changing an interface's groups does not cut flows that are already tracked; the workload
 *   keeps serving its established connections until the instance stops (writers.ts models that on the timeline).
 * - Not modeled: ICMP types, prefix lists, group-to-group references beyond "some rule exists", NACLs, routes.
 */

export const ruleSchema = z.strictObject({
  /** `tcp`, `udp`, `icmp` or `-1` (all traffic). */
  protocol: z.enum(['tcp', 'udp', 'icmp', '-1']).default('-1'),
  /** Omitted with protocol `-1`: every port. */
  fromPort: z.number().int().min(-1).max(65535).optional(),
  toPort: z.number().int().min(-1).max(65535).optional(),
  /** IPv4 range the rule allows; omitted together with `sourceGroupId`: 0.0.0.0/0. */
  cidr: z.string().optional(),
  /** Another security group as the peer (traffic from/to its members). */
  sourceGroupId: z.string().optional(),
  description: z.string().optional(),
});
export type SecurityGroupRule = z.output<typeof ruleSchema>;

/** "allow all traffic" to or from anywhere (IPv4). */
export const ALLOW_ALL: SecurityGroupRule = { protocol: '-1', cidr: '0.0.0.0/0' };

/**
 * A scenario group's rules. Omitted: a workload group that admits its clients (all traffic in) and allows all
 * outbound traffic (EC2's default egress rule). A deny-all group says `"ingress": [], "egress": []`.
 */
export const groupRulesSchema = {
  ingress: z.array(ruleSchema).default([ALLOW_ALL]),
  egress: z.array(ruleSchema).default([ALLOW_ALL]),
};

/** One extra network interface of a scenario instance (the primary one, device index 0, is the instance's own). */
export const networkInterfaceSchema = z.strictObject({
  networkInterfaceId: z
    .string()
    .regex(/^eni-([0-9a-f]{8}|[0-9a-f]{17})$/)
    .optional(),
  deviceIndex: z.number().int().min(1).max(31),
  /** A subnet in the instance's availability zone. @default the instance's subnet */
  subnetId: z.string().optional(),
  privateIpAddress: z.string().optional(),
  securityGroupIds: z.array(z.string()).min(1),
});

export interface GroupRules {
  readonly ingress: readonly SecurityGroupRule[];
  readonly egress: readonly SecurityGroupRule[];
}

const coversPort = (rule: SecurityGroupRule, protocol: 'tcp' | 'udp', port: number): boolean => {
  if (rule.protocol === '-1') return true;
  if (rule.protocol !== protocol) return false;
  const from = rule.fromPort ?? 0;
  const to = rule.toPort ?? 65535;
  return (from === -1 && to === -1) || (from <= port && port <= to);
};

/** A rule that reaches any public address (an AWS endpoint without a VPC endpoint): 0.0.0.0/0. */
const reachesInternet = (rule: SecurityGroupRule): boolean =>
  rule.sourceGroupId === undefined && (rule.cidr === undefined || rule.cidr === '0.0.0.0/0');

/**
 * True when the groups let the instance open a TCP connection to an AWS regional endpoint on `port` (SSM, S3 and
 * package repositories are HTTPS, 443).
 */
export function allowsEgress(groups: readonly (GroupRules | undefined)[], port = 443): boolean {
  return groups.some((g) => g?.egress.some((r) => reachesInternet(r) && coversPort(r, 'tcp', port)) ?? false);
}

/** True when the groups admit some inbound traffic: the workload's clients can connect and write. */
export function admitsClients(groups: readonly (GroupRules | undefined)[]): boolean {
  return groups.some((g) => (g?.ingress.length ?? 0) > 0);
}

/** A rule as DescribeSecurityGroups renders it (`IpPermissions` / `IpPermissionsEgress`). */
export function toIpPermission(rule: SecurityGroupRule): IpPermission {
  return {
    IpProtocol: rule.protocol,
    ...(rule.protocol !== '-1' ? { FromPort: rule.fromPort ?? 0, ToPort: rule.toPort ?? 65535 } : {}),
    IpRanges:
      rule.sourceGroupId === undefined
        ? [{ CidrIp: rule.cidr ?? '0.0.0.0/0', ...(rule.description ? { Description: rule.description } : {}) }]
        : [],
    UserIdGroupPairs: rule.sourceGroupId
      ? [{ GroupId: rule.sourceGroupId, ...(rule.description ? { Description: rule.description } : {}) }]
      : [],
    Ipv6Ranges: [],
    PrefixListIds: [],
  };
}

type CfnRule = Record<string, unknown>;
const asPort = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));

function fromCfnRule(r: CfnRule, peerKey: 'SourceSecurityGroupId' | 'DestinationSecurityGroupId'): SecurityGroupRule {
  const protocol = String(r.IpProtocol ?? '-1').toLowerCase();
  const known = protocol === 'tcp' || protocol === 'udp' || protocol === 'icmp' ? protocol : '-1';
  const peer = r[peerKey];
  return {
    protocol: known,
    fromPort: asPort(r.FromPort),
    toPort: asPort(r.ToPort),
    ...(typeof peer === 'string' ? { sourceGroupId: peer } : { cidr: String(r.CidrIp ?? r.CidrIpv6 ?? '0.0.0.0/0') }),
    ...(typeof r.Description === 'string' ? { description: r.Description } : {}),
  };
}

/**
 * The rules of an `AWS::EC2::SecurityGroup` of the template: its `SecurityGroupIngress` and `SecurityGroupEgress`;
 * without `SecurityGroupEgress` EC2 adds "allow all outbound" (CloudFormation `AWS::EC2::SecurityGroup`:
 * "When you create a security group, if you do not add egress rules, we add egress rules that allow all outbound
 * IPv4 and IPv6 traffic").
 */
export function rulesFromTemplate(properties: Record<string, unknown>): {
  ingress: SecurityGroupRule[];
  egress: SecurityGroupRule[];
} {
  const list = (v: unknown) => (Array.isArray(v) ? (v as CfnRule[]) : []);
  return {
    ingress: list(properties.SecurityGroupIngress).map((r) => fromCfnRule(r, 'SourceSecurityGroupId')),
    egress:
      properties.SecurityGroupEgress === undefined
        ? [ALLOW_ALL]
        : list(properties.SecurityGroupEgress).map((r) => fromCfnRule(r, 'DestinationSecurityGroupId')),
  };
}
