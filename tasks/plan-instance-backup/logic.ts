import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { type Clients, send } from '../shared/clients';
import { errorName, InstanceNotFound } from '../shared/errors';
import type { PlanInstanceBackupInput, PlanInstanceBackupOutput } from './contract';

const DAY_SECONDS = 86_400;

/**
 * What one instance's backup needs before it takes the lock: the lock's lease, whether the database can be
 * frozen (a freeze needs the instance running: SSM Run Command reaches only running instances) and the expiry
 * tags. Read-only.
 */
export async function planInstanceBackup(
  clients: Pick<Clients, 'ec2'>,
  input: PlanInstanceBackupInput,
): Promise<PlanInstanceBackupOutput> {
  const state = await instanceState(clients, input.instanceId);
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
  };
}

async function instanceState(clients: Pick<Clients, 'ec2'>, instanceId: string): Promise<string> {
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
    return state;
  } catch (e) {
    if (errorName(e) === 'InvalidInstanceID.NotFound') {
      throw new InstanceNotFound(`Instance ${instanceId} does not exist; there is nothing to back up`);
    }
    throw e;
  }
}
