import type {
  DescribeSecurityGroupsRequest,
  DescribeSecurityGroupsResult,
  DescribeSubnetsRequest,
  DescribeSubnetsResult,
  IpPermission,
  ModifyNetworkInterfaceAttributeRequest,
  RunInstancesRequest,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { applyFilters, toTagList } from './filters';
import {
  type Ec2Store,
  ec2Error,
  entryAt,
  groupsAt,
  type InstanceRecord,
  recordGroups,
  required,
  type SubnetRecord,
} from './records';
import type { Env, Json } from './schema';

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

// ---------------------------------------------------------------------------------------------------------------
// Subnets, security groups and network interfaces of the simulated EC2.

const ipToNumber = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const numberToIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/**
 * The VPC side of the simulated EC2: subnets (private addresses are drawn from their CIDR blocks), security groups
 * with their rules, secondary network interfaces, and the actions that read or change them.
 */
export class Network {
  constructor(private readonly store: Ec2Store) {}

  /** Loads the scenario's subnets and security groups. */
  load(): void {
    const { env, subnets, groups } = this.store;
    env.subnets.forEach((s, index) =>
      subnets.set(s.subnetId, { ...s, cidrBlock: s.cidrBlock ?? `10.0.${index}.0/24`, tags: { ...s.tags } }),
    );
    for (const g of env.securityGroups) {
      groups.set(g.groupId, {
        ...g,
        description: g.description ?? g.groupName,
        tags: { ...g.tags },
        ingress: [...g.ingress],
        egress: [...g.egress],
      });
    }
  }

  /** The zones of the region's subnets, sorted. */
  availabilityZones(): string[] {
    return [...new Set([...this.store.subnets.values()].map((s) => s.availabilityZone))].sort();
  }

  subnet(subnetId: string): SubnetRecord {
    const subnet = this.store.subnets.get(subnetId);
    if (!subnet) throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
    return subnet;
  }

  /** A free private address of the subnet (AWS reserves the first four addresses and the last one). */
  allocateIp(subnet: SubnetRecord): string {
    const [base, bits] = subnet.cidrBlock.split('/');
    const size = 2 ** (32 - Number(bits));
    const used = new Set(this.store.liveInstances().map((r) => r.privateIpAddress));
    for (let attempt = 0; attempt < 1000; attempt++) {
      const ip = numberToIp(ipToNumber(base) + 4 + Math.floor(this.store.region.random.next() * (size - 5)));
      if (!used.has(ip)) return ip;
    }
    throw ec2Error(
      'InsufficientFreeAddressesInSubnet',
      `There are not enough free addresses in subnet '${subnet.subnetId}' to satisfy the requested number of instances.`,
    );
  }

  /** The groups, checked to exist in `vpcId`. */
  checkGroups(groupIds: string[], vpcId: string): string[] {
    for (const id of groupIds) {
      const group = this.store.groups.get(id);
      if (!group) throw ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
      if (group.vpcId !== vpcId) {
        throw ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist in VPC '${vpcId}'`);
      }
    }
    return [...groupIds];
  }

  /**
   * The rules of these groups. An interface the scenario gave no group stands for its VPC's default group, as
   * an instance always has one: all traffic in (from the group) and out.
   */
  groupRulesOf(groupIds: readonly string[]): (GroupRules | undefined)[] {
    if (groupIds.length === 0) return [{ ingress: [ALLOW_ALL], egress: [ALLOW_ALL] }];
    return groupIds.map((id) => this.store.groups.get(id));
  }

  /** The agent on the instance reaches the SSM endpoints over HTTPS through the primary interface at `t` (item 9). */
  primaryAllowsEgress(rec: InstanceRecord, t: number): boolean {
    return allowsEgress(this.groupRulesOf(groupsAt(rec, t)[rec.networkInterfaceId] ?? []));
  }

  /** Some group of some interface of the instance admits clients at `t` (writers.ts). */
  admitsClientsAt(rec: InstanceRecord, t: number): boolean {
    return Object.values(groupsAt(rec, t)).some((ids) => admitsClients(this.groupRulesOf(ids)));
  }

  /** `{ GroupId, GroupName }` of each group, as DescribeInstances lists them. */
  groupRefs(groupIds: readonly string[]): { GroupId: string; GroupName: string | undefined }[] {
    return groupIds.map((id) => ({ GroupId: id, GroupName: this.store.groups.get(id)?.groupName }));
  }

  /** A secondary interface of a RunInstances request (`NetworkInterfaces[1…]`). */
  launchInterface(rec: InstanceRecord, spec: NonNullable<RunInstancesRequest['NetworkInterfaces']>[number]): void {
    const subnet = spec.SubnetId ? this.store.subnets.get(spec.SubnetId) : rec.subnet;
    if (!subnet) throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${spec.SubnetId}' does not exist`);
    rec.extraInterfaces.push({
      networkInterfaceId: `eni-${this.store.region.random.hex(17)}`,
      deviceIndex: spec.DeviceIndex ?? rec.extraInterfaces.length + 1,
      subnet,
      privateIpAddress: this.allocateIp(subnet),
      securityGroupIds: this.checkGroups(spec.Groups ?? [], subnet.vpcId),
    });
  }

  /** A scenario instance's secondary interfaces; returns the problems found. */
  loadInterfaces(rec: InstanceRecord, specs: Env['instances'][number]['networkInterfaces']): string[] {
    const problems: string[] = [];
    for (const spec of specs) {
      const subnet = spec.subnetId ? this.store.subnets.get(spec.subnetId) : rec.subnet;
      const where = `instance ${rec.instanceId} interface ${spec.deviceIndex}`;
      if (!subnet) {
        problems.push(`${where}: unknown subnetId '${spec.subnetId}'`);
        continue;
      }
      if (subnet.availabilityZone !== rec.subnet.availabilityZone) {
        problems.push(`${where}: subnet ${subnet.subnetId} is not in ${rec.subnet.availabilityZone}`);
      }
      if (spec.deviceIndex === 0 || rec.extraInterfaces.some((x) => x.deviceIndex === spec.deviceIndex)) {
        problems.push(`${where}: device index ${spec.deviceIndex} is already used`);
      }
      const unknown = spec.securityGroupIds.filter((g) => this.store.groups.get(g)?.vpcId !== subnet.vpcId);
      if (unknown.length > 0) problems.push(`${where}: unknown securityGroupIds in its VPC: ${unknown.join(', ')}`);
      rec.extraInterfaces.push({
        networkInterfaceId: spec.networkInterfaceId ?? `eni-${this.store.region.random.hex(17)}`,
        deviceIndex: spec.deviceIndex,
        subnet,
        privateIpAddress: spec.privateIpAddress ?? this.allocateIp(subnet),
        securityGroupIds: [...spec.securityGroupIds],
      });
    }
    return problems;
  }

  describeSubnets(req: DescribeSubnetsRequest): Json<DescribeSubnetsResult> {
    const { region, subnets } = this.store;
    const recs = (req.SubnetIds ?? []).map((id) => this.subnet(id));
    const matched = applyFilters(
      req.SubnetIds?.length ? recs : [...subnets.values()],
      req.Filters,
      ['subnet-id', 'vpc-id', 'availability-zone', 'cidr-block', 'state'],
      (s) => ({
        tags: s.tags,
        fields: {
          'subnet-id': s.subnetId,
          'vpc-id': s.vpcId,
          'availability-zone': s.availabilityZone,
          'cidr-block': s.cidrBlock,
          state: 'available',
        },
      }),
    );
    const used = (s: SubnetRecord) => this.store.liveInstances().filter((r) => r.subnet === s).length;
    return {
      Subnets: matched.map((s) => ({
        SubnetId: s.subnetId,
        SubnetArn: `arn:aws:ec2:${region.regionName}:${region.accountId}:subnet/${s.subnetId}`,
        VpcId: s.vpcId,
        AvailabilityZone: s.availabilityZone,
        CidrBlock: s.cidrBlock,
        State: 'available',
        AvailableIpAddressCount: 2 ** (32 - Number(s.cidrBlock.split('/')[1])) - 5 - used(s),
        DefaultForAz: false,
        MapPublicIpOnLaunch: false,
        OwnerId: region.accountId,
        Tags: toTagList(s.tags),
      })),
    };
  }

  describeSecurityGroups(req: DescribeSecurityGroupsRequest): Json<DescribeSecurityGroupsResult> {
    const { region, groups } = this.store;
    const recs = (req.GroupIds ?? []).map((id) => {
      const group = groups.get(id);
      if (!group) throw ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
      return group;
    });
    const matched = applyFilters(
      req.GroupIds?.length ? recs : [...groups.values()],
      req.Filters,
      ['group-id', 'group-name', 'vpc-id', 'description'],
      (g) => ({
        tags: g.tags,
        fields: { 'group-id': g.groupId, 'group-name': g.groupName, 'vpc-id': g.vpcId, description: g.description },
      }),
    );
    return {
      SecurityGroups: matched.map((g) => ({
        GroupId: g.groupId,
        GroupName: g.groupName,
        Description: g.description,
        VpcId: g.vpcId,
        OwnerId: region.accountId,
        SecurityGroupArn: `arn:aws:ec2:${region.regionName}:${region.accountId}:security-group/${g.groupId}`,
        IpPermissions: g.ingress.map(toIpPermission),
        IpPermissionsEgress: g.egress.map(toIpPermission),
        Tags: toTagList(g.tags),
      })),
    };
  }

  /**
   * Replaces one interface's groups. The interface is found on an instance that `isListed` (visible, not terminated)
   * at the caller's modeled time.
   */
  modifyNetworkInterfaceAttribute(
    req: ModifyNetworkInterfaceAttributeRequest,
    isListed: (rec: InstanceRecord, t: number) => boolean,
  ): Record<string, never> {
    const eni = required(req.NetworkInterfaceId, 'NetworkInterfaceId');
    const now = this.store.now();
    const rec = [...this.store.instances.values()].find(
      (r) =>
        (r.networkInterfaceId === eni || r.extraInterfaces.some((x) => x.networkInterfaceId === eni)) &&
        isListed(r, now) &&
        entryAt(r, now).state !== 'terminated',
    );
    if (!rec) throw ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${eni}' does not exist`);
    if (req.Groups) {
      const extra = rec.extraInterfaces.find((x) => x.networkInterfaceId === eni);
      const groups = this.checkGroups(req.Groups, (extra?.subnet ?? rec.subnet).vpcId);
      if (extra) extra.securityGroupIds = groups;
      else rec.securityGroupIds = groups;
      recordGroups(rec, now);
    }
    return {};
  }
}
