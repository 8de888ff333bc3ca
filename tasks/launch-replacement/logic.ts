import { createHash } from 'node:crypto';
import {
  DescribeInstancesCommand,
  type Instance,
  RunInstancesCommand,
  type Tag,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import type { CandidateSubnet } from '../inspect-instance/contract';
import { type Clients, send } from '../shared/clients';
import { NoCapacityInAnyZone, TooManyTags, UnexpectedApiResponse, errorName } from '../shared/errors';
import type { LaunchAttempt, LaunchReplacementInput, LaunchReplacementOutput } from './contract';

/** RunInstances errors that mean "not in this zone": try the next candidate subnet. */
export const CAPACITY_ERRORS: ReadonlySet<string> = new Set(['InsufficientInstanceCapacity', 'Unsupported']);
/** EC2 allows 50 user tags per resource. */
export const MAX_TAGS_PER_RESOURCE = 50;
export const REPLACES_TAG = 'ha-workflows:replaces';
export const CREATED_BY_TAG = 'ha-workflows:created-by';
export const CREATED_BY_VALUE = 'ha-workflows';

/** States in which an instance launched earlier by this execution still counts as the replacement. */
const LIVE_STATES = new Set(['pending', 'running', 'stopping', 'stopped']);

/**
 * The RunInstances idempotency token for one execution and subnet: 64 hex characters (the API allows 64 ASCII),
 * the same on every retry, so a retried launch in the same subnet returns the instance already launched.
 */
export function clientToken(executionName: string, subnetId: string): string {
  return createHash('sha256')
    .update(JSON.stringify([executionName, subnetId]))
    .digest('hex');
}

/** The replacement's tags: the source's user tags, then the group and bookkeeping tags (which win on a clash). */
export function replacementTags(input: LaunchReplacementInput): Tag[] {
  const tags = new Map<string, string>(input.source.tags.map((t) => [t.Key, t.Value]));
  tags.set(input.tagKey, input.groupId);
  tags.set(REPLACES_TAG, input.source.instanceId);
  tags.set(CREATED_BY_TAG, CREATED_BY_VALUE);
  if (tags.size > MAX_TAGS_PER_RESOURCE) {
    throw new TooManyTags(
      `The replacement for ${input.source.instanceId} would carry ${tags.size} tags (its ${input.source.tags.length} ` +
        `user tags plus this project's); EC2 allows ${MAX_TAGS_PER_RESOURCE} per resource`,
    );
  }
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

/**
 * Launches the replacement, fenced (deny-all security group only), in the first candidate subnet with capacity.
 * Idempotent: an instance this execution already launched in any candidate subnet (found by its `replaces` tag
 * and client token) is returned instead of launching another, so a retried task never leaves two replacements
 * even when an earlier attempt fell through to a later zone; the per-subnet ClientToken covers the rest
 * (e.g. an earlier launch not yet visible to DescribeInstances).
 */
export async function launchReplacement(
  clients: Pick<Clients, 'ec2'>,
  input: LaunchReplacementInput,
): Promise<LaunchReplacementOutput> {
  const tags = replacementTags(input);
  const earlier = await findEarlierLaunch(clients, input);
  if (earlier) return earlier;

  const { source } = input;
  const attempts: LaunchAttempt[] = [];
  for (const subnet of input.candidateSubnets) {
    try {
      const out = await send(
        clients.ec2,
        new RunInstancesCommand({
          ImageId: source.imageId,
          InstanceType: source.instanceType as _InstanceType,
          ...(source.keyName !== null ? { KeyName: source.keyName } : {}),
          SubnetId: subnet.subnetId,
          SecurityGroupIds: [input.denyAllGroupId],
          ...(source.iamInstanceProfileArn !== null
            ? { IamInstanceProfile: { Arn: source.iamInstanceProfileArn } }
            : {}),
          MinCount: 1,
          MaxCount: 1,
          ClientToken: clientToken(input.executionName, subnet.subnetId),
          TagSpecifications: [
            { ResourceType: 'instance', Tags: tags },
            { ResourceType: 'volume', Tags: tags },
          ],
        }),
      );
      const instanceId = out.Instances?.[0]?.InstanceId;
      if (!instanceId) throw new UnexpectedApiResponse(`RunInstances in ${subnet.subnetId} returned no instance id`);
      attempts.push({ ...subnet });
      return { instanceId, subnetId: subnet.subnetId, availabilityZone: subnet.availabilityZone, attempts };
    } catch (e) {
      const code = errorName(e);
      if (code === undefined || !CAPACITY_ERRORS.has(code)) throw e;
      attempts.push({ ...subnet, error: code });
    }
  }
  throw new NoCapacityInAnyZone(
    `No capacity to launch a ${source.instanceType} replacing ${source.instanceId} in any candidate zone: ` +
      attempts.map((a) => `${a.availabilityZone} (${a.subnetId}): ${a.error}`).join('; '),
  );
}

/**
 * The live instance an earlier attempt of this execution launched in one of the candidate subnets, if any:
 * instances tagged as replacing the source (tags are applied atomically at launch), whose client token is one
 * of this execution's. The first candidate subnet wins.
 */
async function findEarlierLaunch(
  clients: Pick<Clients, 'ec2'>,
  input: LaunchReplacementInput,
): Promise<LaunchReplacementOutput | undefined> {
  const subnetByToken = new Map<string, CandidateSubnet>(
    input.candidateSubnets.map((s) => [clientToken(input.executionName, s.subnetId), s]),
  );
  const found: Instance[] = [];
  let nextToken: string | undefined;
  do {
    const out = await send(
      clients.ec2,
      new DescribeInstancesCommand({
        Filters: [{ Name: `tag:${REPLACES_TAG}`, Values: [input.source.instanceId] }],
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    found.push(...(out.Reservations ?? []).flatMap((r) => r.Instances ?? []));
    nextToken = out.NextToken;
  } while (nextToken);

  const live = found.filter((i) => i.InstanceId && i.ClientToken && LIVE_STATES.has(i.State?.Name ?? ''));
  for (const subnet of input.candidateSubnets) {
    const instance = live.find((i) => subnetByToken.get(i.ClientToken ?? '') === subnet);
    if (instance?.InstanceId) {
      return {
        instanceId: instance.InstanceId,
        subnetId: subnet.subnetId,
        availabilityZone: subnet.availabilityZone,
        attempts: [{ ...subnet }],
      };
    }
  }
  return undefined;
}
