import {
  DescribeInstancesCommand,
  type Instance,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { send } from '../shared/clients';
import { errorName } from '../shared/errors';
import type { Ec2ForRegion } from '../shared/regional-clients';
import type { FenceOldSiteInput, FenceOldSiteOutput, MemberFence } from './contract';

/**
 * States that count as fenced: the instance no longer runs. `stopping` is not enough (the database may still
 * write until the OS is down), and neither is the deny-all group alone (it does not cut tracked connections).
 */
export const FENCED_STATES: readonly string[] = ['stopped', 'terminated'];
/** States from which a forced stop can still take a member down. */
const FORCEABLE_STATES: ReadonlySet<string> = new Set(['pending', 'running', 'stopping']);

/**
 * Fences the old site from the DR region, best effort: for each old member, StopInstances and a swap to the
 * deny-all security group on every one of its network interfaces (two independent attempts: either may fail while
 * the other works), then one DescribeInstances to confirm. The interfaces come from a first DescribeInstances:
 * `ModifyInstanceAttribute Groups` changes only an instance with a single interface (with several, EC2 refuses it
 * with `InvalidInstanceID`, "There are multiple interfaces attached to instance …"), so each interface is swapped
 * with `ModifyNetworkInterfaceAttribute`; when the region does not answer that read, the instance-level call is
 * tried instead. Every call is bounded by the client's own retries; an error is recorded, never
 * thrown, so the workflow decides what an unconfirmed fence means. `check` reads the states and, from check
 * `forceStopAfterChecks` on, stops each member still running or `stopping` with `Force: true`: on an impaired host a
 * graceful stop can stay `stopping` (EC2 User Guide, "Troubleshoot Amazon EC2 instance stop issues"), and the
 * database there may still write. The forced stop is confirmed by a later check.
 */
export async function fenceOldSite(ec2ForRegion: Ec2ForRegion, input: FenceOldSiteInput): Promise<FenceOldSiteOutput> {
  const ec2 = ec2ForRegion(input.region);
  const actions = new Map<string, string[]>(input.instanceIds.map((id) => [id, []]));
  if (input.mode === 'fence') {
    const interfaces = await interfacesOf(ec2, input.instanceIds);
    await Promise.all(
      input.instanceIds.map(async (id) => {
        const log = actions.get(id)!;
        const enis = interfaces?.get(id);
        if (enis && enis.length > 0) {
          await Promise.all(enis.map((eni) => swapInterface(ec2, eni, input.denyAllGroupId, log)));
        } else {
          if (!interfaces) log.push('DescribeInstances (interfaces) failed');
          try {
            await send(ec2, new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: [input.denyAllGroupId] }));
            log.push(`ModifyInstanceAttribute Groups=${input.denyAllGroupId} ok`);
          } catch (e) {
            log.push(`ModifyInstanceAttribute ${errorName(e) ?? 'error'}`);
          }
        }
        try {
          await send(ec2, new StopInstancesCommand({ InstanceIds: [id] }));
          log.push('StopInstances ok');
        } catch (e) {
          log.push(`StopInstances ${errorName(e) ?? 'error'}`);
        }
      }),
    );
  }
  const states = new Map<string, string>();
  try {
    const out = await send(ec2, new DescribeInstancesCommand({ InstanceIds: [...input.instanceIds] }));
    for (const i of out.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
      if (i.InstanceId) states.set(i.InstanceId, i.State?.Name ?? 'unknown');
    }
  } catch (e) {
    for (const id of input.instanceIds) actions.get(id)!.push(`DescribeInstances ${errorName(e) ?? 'error'}`);
  }
  const force =
    input.mode === 'check' &&
    input.forceStopAfterChecks !== undefined &&
    (input.checkNumber ?? 0) >= input.forceStopAfterChecks;
  if (force) {
    await Promise.all(
      input.instanceIds
        .filter((id) => FORCEABLE_STATES.has(states.get(id) ?? ''))
        .map(async (id) => {
          try {
            await send(ec2, new StopInstancesCommand({ InstanceIds: [id], Force: true }));
            actions.get(id)!.push('StopInstances Force=true ok');
          } catch (e) {
            actions.get(id)!.push(`StopInstances Force=true ${errorName(e) ?? 'error'}`);
          }
        }),
    );
  }
  const members: MemberFence[] = input.instanceIds.map((id) => {
    const state = states.get(id) ?? 'unknown';
    return { instanceId: id, state, confirmed: FENCED_STATES.includes(state), actions: actions.get(id)! };
  });
  const confirmed = members.filter((m) => m.confirmed).map((m) => m.instanceId);
  const unconfirmed = members.filter((m) => !m.confirmed).map((m) => m.instanceId);
  return {
    members,
    confirmedCount: confirmed.length,
    allConfirmed: unconfirmed.length === 0,
    confirmed: confirmed.join(', ') || 'none',
    unconfirmed: unconfirmed.join(', ') || 'none',
    summary: members
      .map(
        (m) =>
          `${m.instanceId} ${m.state}${m.confirmed ? ' (fenced)' : ' (NOT confirmed)'}${m.actions.length ? `: ${m.actions.join(', ')}` : ''}`,
      )
      .join('; '),
  };
}

/** Each member's network interface ids, primary first; undefined when the region did not answer. */
async function interfacesOf(ec2: ReturnType<Ec2ForRegion>, ids: readonly string[]) {
  try {
    const out = await send(ec2, new DescribeInstancesCommand({ InstanceIds: [...ids] }));
    const instances: Instance[] = out.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
    return new Map(
      instances.map((i) => [
        i.InstanceId ?? '',
        [...(i.NetworkInterfaces ?? [])]
          .sort((a, b) => (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0))
          .flatMap((n) => (n.NetworkInterfaceId ? [n.NetworkInterfaceId] : [])),
      ]),
    );
  } catch {
    return undefined;
  }
}

/** Swaps the deny-all group onto one interface, recording the outcome. */
async function swapInterface(ec2: ReturnType<Ec2ForRegion>, eni: string, group: string, log: string[]) {
  try {
    await send(ec2, new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, Groups: [group] }));
    log.push(`ModifyNetworkInterfaceAttribute ${eni} Groups=${group} ok`);
  } catch (e) {
    log.push(`ModifyNetworkInterfaceAttribute ${eni} ${errorName(e) ?? 'error'}`);
  }
}
