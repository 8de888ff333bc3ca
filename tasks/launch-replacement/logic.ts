import { createHash } from 'node:crypto';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypeOfferingsCommand,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  type Tag,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { CREATED_BY_TAG, CREATED_BY_VALUE, REPLACES_TAG } from '../../contracts/tags';
import type { CandidateSubnet } from '../inspect-instance/contract';
import { type Clients, send, sendAllPages } from '../shared/clients';
import {
  NoCapacityInAnyZone,
  ReplacementNotLaunchable,
  TooManyTags,
  UnexpectedApiResponse,
  errorName,
} from '../shared/errors';
import type { LaunchAttempt, LaunchCheckOutput, LaunchReplacementInput, LaunchReplacementOutput } from './contract';

/** RunInstances errors that mean "not in this zone": try the next candidate subnet. */
export const CAPACITY_ERRORS: ReadonlySet<string> = new Set(['InsufficientInstanceCapacity', 'Unsupported']);
/** EC2 allows 50 user tags per resource. */
export const MAX_TAGS_PER_RESOURCE = 50;

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
 * Launches the replacement, with the boot security group only, in the first candidate subnet with capacity.
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
          ...runRequest(input, subnet, tags),
          // Explicit, so that the launch and the check's DryRun of the same request are told apart in audit logs.
          DryRun: false,
          ClientToken: clientToken(input.executionName, subnet.subnetId),
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
 * The boot security group of the source's VPC: the replacement's only group until the failed instance is confirmed
 * gone (no client reaches it, it reaches nothing but HTTPS endpoints).
 */
export function bootGroupOf(input: LaunchReplacementInput): string {
  const { source } = input;
  const group = Object.hasOwn(input.bootGroups, source.vpcId) ? input.bootGroups[source.vpcId] : undefined;
  if (!group) {
    throw new ReplacementNotLaunchable(
      `No replacement for ${source.instanceId} can be launched: no boot security group is configured for its VPC ` +
        `${source.vpcId} (known: ${Object.keys(input.bootGroups).join(', ') || 'none'})`,
    );
  }
  return group;
}

/** The replacement's RunInstances request in one subnet, with the boot security group only; no ClientToken. */
function runRequest(input: LaunchReplacementInput, subnet: CandidateSubnet, tags: Tag[]): RunInstancesCommandInput {
  const { source } = input;
  return {
    ImageId: source.imageId,
    InstanceType: source.instanceType as _InstanceType,
    ...(source.keyName !== null ? { KeyName: source.keyName } : {}),
    SubnetId: subnet.subnetId,
    SecurityGroupIds: [bootGroupOf(input)],
    ...(source.iamInstanceProfileArn !== null ? { IamInstanceProfile: { Arn: source.iamInstanceProfileArn } } : {}),
    MinCount: 1,
    MaxCount: 1,
    TagSpecifications: [
      { ResourceType: 'instance', Tags: tags },
      { ResourceType: 'volume', Tags: tags },
    ],
  };
}

/** AMI errors that mean "this AMI cannot be launched" (anything else, e.g. throttling, is thrown on for a retry). */
const IMAGE_ERRORS: ReadonlySet<string> = new Set([
  'InvalidAMIID.NotFound',
  'InvalidAMIID.Malformed',
  'InvalidAMIID.Unavailable',
]);

/**
 * Errors worth another try (the SDK's own throttling codes, and any server error): thrown on, so Step Functions
 * retries the task; every other error of the DryRun launch means the launch would fail.
 */
const TRANSIENT_ERRORS: ReadonlySet<string> = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'EC2ThrottledException',
  'InternalError',
  'ServiceUnavailable',
  'Unavailable',
]);

function isTransient(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return TRANSIENT_ERRORS.has(errorName(error) ?? '') || (status !== undefined && status >= 500);
}

/**
 * Checks, without launching anything, that the replacement can be launched: the AMI exists and is `available`
 * (DescribeImages), the instance type is offered in at least one candidate zone (DescribeInstanceTypeOfferings),
 * and the launch request itself is permitted (RunInstances with `DryRun`: EC2 answers `DryRunOperation` when the
 * request would have succeeded, `UnauthorizedOperation` when it is denied). Capacity cannot be checked ahead.
 * Throws `ReplacementNotLaunchable` naming what failed; transient errors are thrown on unchanged (retry).
 */
export async function checkLaunchable(
  clients: Pick<Clients, 'ec2'>,
  input: LaunchReplacementInput,
): Promise<LaunchCheckOutput> {
  const { source } = input;
  const tags = replacementTags(input);
  const refuse = (why: string) =>
    new ReplacementNotLaunchable(`No replacement for ${source.instanceId} can be launched: ${why}`);
  bootGroupOf(input);

  let images;
  try {
    images = await send(clients.ec2, new DescribeImagesCommand({ ImageIds: [source.imageId] }));
  } catch (e) {
    if (IMAGE_ERRORS.has(errorName(e) ?? '')) throw refuse(`AMI ${source.imageId}: ${errorName(e)}`);
    throw e;
  }
  const image = (images.Images ?? []).find((i) => i.ImageId === source.imageId);
  if (!image) throw refuse(`AMI ${source.imageId} does not exist (any more)`);
  if (image.State !== 'available')
    throw refuse(`AMI ${source.imageId} is ${image.State ?? 'in no state'}, not available`);

  const zones = [...new Set(input.candidateSubnets.map((s) => s.availabilityZone))];
  const offerings = await sendAllPages(
    clients.ec2,
    (page) =>
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: 'availability-zone',
        Filters: [
          { Name: 'instance-type', Values: [source.instanceType] },
          { Name: 'location', Values: zones },
        ],
        ...page,
      }),
  );
  const offered = new Set<string>();
  for (const o of offerings.flatMap((out) => out.InstanceTypeOfferings ?? [])) {
    if (o.InstanceType === source.instanceType && o.Location) offered.add(o.Location);
  }
  const offeredSubnets = input.candidateSubnets.filter((s) => offered.has(s.availabilityZone));
  if (offeredSubnets.length === 0) {
    throw refuse(
      `instance type ${source.instanceType} is offered in none of the candidate zones [${zones.join(', ')}]`,
    );
  }

  const [first] = offeredSubnets;
  try {
    await send(clients.ec2, new RunInstancesCommand({ ...runRequest(input, first, tags), DryRun: true }));
  } catch (e) {
    if (errorName(e) === 'DryRunOperation') {
      return {
        imageId: source.imageId,
        imageState: 'available',
        offeredSubnets: offeredSubnets.map((s) => ({ ...s })),
        dryRunSubnetId: first.subnetId,
      };
    }
    if (isTransient(e)) throw e;
    throw refuse(
      `a DryRun launch in ${first.subnetId} (${first.availabilityZone}) failed ${errorName(e) ?? 'with an unnamed error'}: ` +
        `${e instanceof Error ? e.message : String(e)}`,
    );
  }
  throw new UnexpectedApiResponse(`RunInstances with DryRun in ${first.subnetId} returned without DryRunOperation`);
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
  const pages = await sendAllPages(
    clients.ec2,
    (page) =>
      new DescribeInstancesCommand({
        Filters: [{ Name: `tag:${REPLACES_TAG}`, Values: [input.source.instanceId] }],
        ...page,
      }),
  );
  const found = pages.flatMap((out) => (out.Reservations ?? []).flatMap((r) => r.Instances ?? []));

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
