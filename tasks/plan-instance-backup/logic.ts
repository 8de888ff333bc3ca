import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { type Clients, send } from '../shared/clients';
import { errorName, InstanceNotFound, NothingToSnapshot } from '../shared/errors';
import type { PlanInstanceBackupInput, PlanInstanceBackupOutput } from './contract';

const DAY_SECONDS = 86_400;

/**
 * What one instance's backup needs before it takes the lock: the lock's lease, whether the database can be
 * frozen (a freeze needs the instance running: SSM Run Command reaches only running instances), the expiry
 * tags and the volumes CreateSnapshots will snapshot. An instance with none (no EBS volume, or only the boot
 * volume and the policy excludes it) is refused with `NothingToSnapshot` here, before any lock or freeze:
 * CreateSnapshots would return an empty set. Read-only.
 */
export async function planInstanceBackup(
  clients: Pick<Clients, 'ec2'>,
  input: PlanInstanceBackupInput,
): Promise<PlanInstanceBackupOutput> {
  const instance = await describeInstance(clients, input.instanceId);
  const state = instance.State?.Name as string;
  const volumeIds = volumesToSnapshot(instance, input.settings.excludeBootVolume);
  const nowEpoch = Math.floor(Date.parse(input.executionStartTime) / 1000);
  const { settings } = input;
  const freeze = settings.method !== 'none' && state === 'running';
  const expiry = (days: number | undefined) =>
    days === undefined ? 'none' : new Date((nowEpoch + days * DAY_SECONDS) * 1000).toISOString();
  return {
    nowEpoch,
    lockExpiresAt: nowEpoch + settings.lockTtlSeconds,
    state,
    freeze,
    lockState: freeze ? 'FROZEN' : 'BACKING_UP',
    expiry: expiry(settings.retention.maxAgeDays),
    copyExpiry: expiry(settings.copy?.retention.maxAgeDays),
    volumeIds,
    volumeCount: volumeIds.length,
  };
}

/**
 * The EBS volumes attached to the instance that CreateSnapshots (`InstanceSpecification` with
 * `ExcludeBootVolume`) snapshots; throws `NothingToSnapshot`, naming the instance and each volume, when none is left.
 */
export function volumesToSnapshot(instance: Instance, excludeBootVolume: boolean): string[] {
  const ebs = (instance.BlockDeviceMappings ?? []).flatMap((m) =>
    m.Ebs?.VolumeId ? [{ device: m.DeviceName ?? '?', volumeId: m.Ebs.VolumeId }] : [],
  );
  const isBoot = (device: string) => device === instance.RootDeviceName;
  const chosen = ebs.filter((v) => !(excludeBootVolume && isBoot(v.device)));
  if (chosen.length > 0) return chosen.map((v) => v.volumeId);
  const listed = ebs
    .map((v) => `${v.volumeId} at ${v.device}` + (isBoot(v.device) ? ' (the boot volume, excluded by the policy)' : ''))
    .join(', ');
  throw new NothingToSnapshot(
    ebs.length === 0
      ? `Instance ${instance.InstanceId} has no EBS volume attached, so CreateSnapshots has nothing to snapshot; ` +
          'it was not frozen. Back it up another way, or remove it from the policy (its tag).'
      : `Instance ${instance.InstanceId} has no volume to snapshot under this policy: its EBS volumes are ${listed}; ` +
          'it was not frozen. Attach a data volume, include the boot volume (volumes: "all"), or remove it from the policy.',
  );
}

async function describeInstance(clients: Pick<Clients, 'ec2'>, instanceId: string): Promise<Instance> {
  try {
    const out = await send(clients.ec2, new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = (out.Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .find((i) => i.InstanceId === instanceId);
    const state = instance?.State?.Name;
    if (state === undefined || state === 'terminated') {
      throw new InstanceNotFound(
        `Instance ${instanceId} is ${state ?? 'not known to EC2'}; there is nothing to back up`,
      );
    }
    return instance as Instance;
  } catch (e) {
    if (errorName(e) === 'InvalidInstanceID.NotFound') {
      throw new InstanceNotFound(`Instance ${instanceId} does not exist; there is nothing to back up`);
    }
    throw e;
  }
}
