import { createHash } from 'node:crypto';
import { DescribeInstancesCommand, type Filter } from '@aws-sdk/client-ec2';
import { type Clients, sendAllPages } from '../shared/clients';
import { TooManyBackupTargets, UnknownBackupPolicy } from '../shared/errors';
import type { SelectBackupTargetsInput, SelectBackupTargetsOutput } from './contract';

/** Instance states whose volumes can be snapshotted (terminated and shutting-down instances are skipped). */
export const BACKUP_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/**
 * Picks the policy the trigger names and the instances it selects (by tag), and names the run. Read-only.
 * The run id is derived from the schedule's invocation time, so a schedule delivered twice names one run (and so
 * one child execution per instance); an operator's run is named after its execution.
 */
export async function selectBackupTargets(
  clients: Pick<Clients, 'ec2'>,
  input: SelectBackupTargetsInput,
): Promise<SelectBackupTargetsOutput> {
  const { policy } = input.trigger;
  const settings = Object.hasOwn(input.policies, policy) ? input.policies[policy] : undefined;
  if (!settings) {
    const known = Object.keys(input.policies).sort();
    throw new UnknownBackupPolicy(
      `No backup policy "${policy}" is configured (configured: ${known.length ? known.join(', ') : 'none'})`,
    );
  }
  const instanceIds = await describeTargets(clients, settings.tagKey, settings.tagValue, input.trigger.instanceIds);
  if (instanceIds.length > input.maxTargets) {
    throw new TooManyBackupTargets(
      `Policy "${policy}" selects ${instanceIds.length} instances (${settings.tagKey}=${settings.tagValue}); one run ` +
        `backs up at most ${input.maxTargets}. Split the policy (for example by tag value).`,
    );
  }
  return {
    runId: runIdOf(policy, input.trigger.scheduledTime, input.executionName),
    policy,
    settings,
    instanceIds,
    count: instanceIds.length,
  };
}

/**
 * `<policy>-<yyyymmddThhmmssZ>` for a scheduled run, `<policy>-manual-<12 hex of the execution name>` otherwise:
 * at most 40 + 8 + 12 = 60 characters, so that `<runId>-<instance id>` (≤ 80) is a valid execution name.
 */
export function runIdOf(policy: string, scheduledTime: string | undefined, executionName: string): string {
  if (scheduledTime !== undefined) {
    const iso = new Date(Date.parse(scheduledTime)).toISOString();
    return `${policy}-${iso.slice(0, 19).replace(/[-:]/g, '')}Z`;
  }
  return `${policy}-manual-${createHash('sha256').update(executionName).digest('hex').slice(0, 12)}`;
}

async function describeTargets(
  clients: Pick<Clients, 'ec2'>,
  tagKey: string,
  tagValue: string,
  only: readonly string[] | undefined,
): Promise<string[]> {
  const filters: Filter[] = [
    { Name: `tag:${tagKey}`, Values: [tagValue] },
    { Name: 'instance-state-name', Values: BACKUP_INSTANCE_STATES },
    ...(only ? [{ Name: 'instance-id', Values: [...only] }] : []),
  ];
  const ids = new Set<string>();
  const pages = await sendAllPages(
    clients.ec2,
    (page) => new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, ...page }),
  );
  for (const out of pages) {
    for (const r of out.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) ids.add(i.InstanceId);
  }
  return [...ids].sort();
}
