import {
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  type Instance,
  type Subnet,
  type Tag as Ec2Tag,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { FENCED_BY_TAG, PROJECT_TAG_PREFIX } from '../../contracts/tags';
import { type Clients, send, sendAllPages } from '../shared/clients';
import {
  InstanceNotInVpc,
  NoCandidateSubnet,
  NoDenyAllGroup,
  UnexpectedApiResponse,
  errorName,
} from '../shared/errors';
import type { CandidateSubnet, InspectInstanceInput, InspectInstanceOutput, SourceInstance, Tag } from './contract';

/** Tags AWS reserves; they cannot be set by a caller. */
export const AWS_TAG_PREFIX = 'aws:';

/**
 * Decides whether a failed instance is protected by a recovery group and, if so, gathers what the workflow
 * needs to replace it: the source instance's launch settings, the VPC's deny-all group and the candidate
 * subnets outside the failed and impaired zones, in order of preference, and only in zones the load balancers of
 * the group's target groups are enabled in (a target elsewhere stays `unused`, `Target.NotInUse`, and never becomes
 * healthy: Elastic Load Balancing User Guide, "Target health status"). Read-only.
 */
export async function inspectInstance(
  clients: Pick<Clients, 'ec2' | 'elbv2'>,
  input: InspectInstanceInput,
): Promise<InspectInstanceOutput> {
  const instance = await describeInstance(clients, input.instanceId);
  if (!instance) return { protected: false, reason: 'Instance not found' };

  const tags = instance.Tags ?? [];
  const groupId = tagValue(tags, input.tagKey);
  if (groupId === undefined) return { protected: false, reason: `Instance has no ${input.tagKey} tag` };
  const group = Object.hasOwn(input.groups, groupId) ? input.groups[groupId] : undefined;
  if (!group) return { protected: false, reason: `Recovery group "${groupId}" is not configured` };
  const fencedBy = tagValue(tags, FENCED_BY_TAG);
  if (fencedBy !== undefined) return { protected: false, reason: `Instance already fenced by ${fencedBy}` };

  const source = toSource(instance, input.tagKey);
  const denyAllGroupId = Object.hasOwn(input.denyAllGroups, source.vpcId)
    ? input.denyAllGroups[source.vpcId]
    : undefined;
  if (!denyAllGroupId) {
    throw new NoDenyAllGroup(
      `No deny-all security group is configured for ${source.vpcId} (instance ${source.instanceId}, group "${groupId}")`,
    );
  }

  const subnets = await describeGroupSubnets(clients, input.tagKey, groupId, source.vpcId);
  const excluded = new Set([source.availabilityZone, ...group.impairedZones, ...(input.impairedZones ?? [])]);
  const served = await servedZones(clients, group.targetGroupArns);
  const candidateSubnets = orderCandidates(
    subnets.filter((s) => isUsable(s, excluded) && (!served || served.has(s.AvailabilityZone ?? ''))),
    group.subnetPreference,
  );
  if (candidateSubnets.length === 0) {
    const impaired = [...new Set([...group.impairedZones, ...(input.impairedZones ?? [])])];
    const lb = served
      ? ` and in a zone every target group's load balancers are enabled in [${[...served].sort().join(', ')}]`
      : '';
    throw new NoCandidateSubnet(
      `No candidate subnet for recovery group "${groupId}" in ${source.vpcId}: ` +
        `${subnets.length} subnet(s) tagged ${input.tagKey}=${groupId}, none outside the failed zone ` +
        `${source.availabilityZone} and the impaired zones [${impaired.join(', ')}]${lb}`,
    );
  }

  const nowEpoch = Math.floor(Date.parse(input.executionStartTime) / 1000);
  return {
    protected: true,
    instanceId: source.instanceId,
    groupId,
    nowEpoch,
    lockExpiresAt: nowEpoch + input.lockTtlSeconds,
    source,
    denyAllGroupId,
    targetGroupArns: group.targetGroupArns,
    candidateSubnets,
  };
}

/** DescribeLoadBalancers takes at most 20 ARNs per call (ELBv2 API Reference, DescribeLoadBalancers). */
const LOAD_BALANCERS_PER_CALL = 20;

/**
 * The zones a replacement can take traffic in: for each target group, the zones some load balancer using it is
 * enabled in; the intersection over the target groups. Undefined when no target group is used by a load balancer
 * (nothing to restrict).
 */
async function servedZones(
  clients: Pick<Clients, 'elbv2'>,
  targetGroupArns: readonly string[],
): Promise<Set<string> | undefined> {
  if (targetGroupArns.length === 0) return undefined;
  const groups = await send(clients.elbv2, new DescribeTargetGroupsCommand({ TargetGroupArns: [...targetGroupArns] }));
  const perGroup = (groups.TargetGroups ?? []).map((g) => g.LoadBalancerArns ?? []).filter((arns) => arns.length > 0);
  if (perGroup.length === 0) return undefined;
  const arns = [...new Set(perGroup.flat())];
  const zonesOf = new Map<string, string[]>();
  for (let i = 0; i < arns.length; i += LOAD_BALANCERS_PER_CALL) {
    const out = await send(
      clients.elbv2,
      new DescribeLoadBalancersCommand({ LoadBalancerArns: arns.slice(i, i + LOAD_BALANCERS_PER_CALL) }),
    );
    for (const lb of out.LoadBalancers ?? []) {
      if (lb.LoadBalancerArn) {
        zonesOf.set(
          lb.LoadBalancerArn,
          (lb.AvailabilityZones ?? []).flatMap((z) => (z.ZoneName ? [z.ZoneName] : [])),
        );
      }
    }
  }
  const sets = perGroup.map((lbs) => new Set(lbs.flatMap((arn) => zonesOf.get(arn) ?? [])));
  return sets.reduce((acc, set) => new Set([...acc].filter((z) => set.has(z))));
}

/** The instance, or undefined when EC2 does not know it (any more). */
async function describeInstance(clients: Pick<Clients, 'ec2'>, instanceId: string): Promise<Instance | undefined> {
  try {
    const out = await send(clients.ec2, new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
  } catch (e) {
    if (errorName(e) === 'InvalidInstanceID.NotFound') return undefined;
    throw e;
  }
}

async function describeGroupSubnets(
  clients: Pick<Clients, 'ec2'>,
  tagKey: string,
  groupId: string,
  vpcId: string,
): Promise<Subnet[]> {
  const pages = await sendAllPages(
    clients.ec2,
    (page) =>
      new DescribeSubnetsCommand({
        Filters: [
          { Name: `tag:${tagKey}`, Values: [groupId] },
          { Name: 'vpc-id', Values: [vpcId] },
        ],
        ...page,
      }),
  );
  return pages.flatMap((out) => out.Subnets ?? []);
}

/** Outside every excluded zone (matched by zone name or zone id) and not in a failed state. */
function isUsable(subnet: Subnet, excludedZones: ReadonlySet<string>): boolean {
  if (!subnet.SubnetId || !subnet.AvailabilityZone) return false;
  if (subnet.State !== undefined && subnet.State !== 'available') return false;
  if (excludedZones.has(subnet.AvailabilityZone)) return false;
  return !(subnet.AvailabilityZoneId && excludedZones.has(subnet.AvailabilityZoneId));
}

/** Preferred subnets first (in the preference's order), then by zone name, then by subnet id. */
export function orderCandidates(subnets: readonly Subnet[], preference: readonly string[]): CandidateSubnet[] {
  const rank = (id: string) => {
    const i = preference.indexOf(id);
    return i === -1 ? preference.length : i;
  };
  return subnets
    .map((s) => ({ subnetId: s.SubnetId ?? '', availabilityZone: s.AvailabilityZone ?? '' }))
    .sort(
      (a, b) =>
        rank(a.subnetId) - rank(b.subnetId) ||
        compare(a.availabilityZone, b.availabilityZone) ||
        compare(a.subnetId, b.subnetId),
    );
}

function toSource(instance: Instance, groupTagKey: string): SourceInstance {
  const { InstanceId, ImageId, InstanceType, State } = instance;
  if (!InstanceId || !ImageId || !InstanceType || !State?.Name) {
    throw new UnexpectedApiResponse(
      `DescribeInstances returned instance ${InstanceId ?? '(no id)'} without ImageId, InstanceType or State`,
    );
  }
  const availabilityZone = instance.Placement?.AvailabilityZone;
  if (!instance.VpcId || !instance.SubnetId || !availabilityZone) {
    throw new InstanceNotInVpc(
      `Instance ${InstanceId} (state ${State.Name}) has no VPC, subnet or zone any more; no replacement subnet can be chosen`,
    );
  }
  const interfaces = [...(instance.NetworkInterfaces ?? [])].sort(
    (a, b) =>
      (a.Attachment?.NetworkCardIndex ?? 0) - (b.Attachment?.NetworkCardIndex ?? 0) ||
      (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0),
  );
  const primary = interfaces.find((n) => (n.Attachment?.DeviceIndex ?? 0) === 0);
  const groups = primary?.Groups ?? instance.SecurityGroups ?? [];
  return {
    instanceId: InstanceId,
    imageId: ImageId,
    instanceType: InstanceType,
    keyName: instance.KeyName ?? null,
    subnetId: instance.SubnetId,
    availabilityZone,
    vpcId: instance.VpcId,
    state: State.Name,
    securityGroupIds: groups.flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
    networkInterfaceIds: interfaces.flatMap((n) => (n.NetworkInterfaceId ? [n.NetworkInterfaceId] : [])),
    iamInstanceProfileArn: instance.IamInstanceProfile?.Arn ?? null,
    tags: userTags(instance.Tags ?? [], groupTagKey),
  };
}

/** Drops `aws:` tags and the project's bookkeeping tags; keeps the group tag. */
export function userTags(tags: readonly Ec2Tag[], groupTagKey: string): Tag[] {
  return tags.flatMap(({ Key, Value }) => {
    if (!Key || Key.startsWith(AWS_TAG_PREFIX)) return [];
    if (Key.startsWith(PROJECT_TAG_PREFIX) && Key !== groupTagKey) return [];
    return [{ Key, Value: Value ?? '' }];
  });
}

function tagValue(tags: readonly Ec2Tag[], key: string): string | undefined {
  return tags.find((t) => t.Key === key)?.Value;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
