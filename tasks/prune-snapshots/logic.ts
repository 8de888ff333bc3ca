import { DeleteSnapshotCommand, DescribeSnapshotsCommand, type Snapshot } from '@aws-sdk/client-ec2';
import { tagsOf } from '../shared/tags';
import { BACKUP_TAGS, CREATED_BY_VALUE } from '../../contracts/tags';
import { send, sendAllPages } from '../shared/clients';
import { errorName } from '../shared/errors';
import type { Ec2ForRegion } from '../shared/regional-clients';
import type { InUseSnapshot, PruneSnapshotsInput, PruneSnapshotsOutput, RegionPruned, Retention } from './contract';

const DAY_MS = 86_400_000;

/** One backup set: the snapshots of one backup id. */
export interface BackupSet {
  readonly backupId: string;
  /** Epoch ms: the earliest StartTime of its snapshots (the set's point in time). */
  readonly startTime: number;
  /** `pending` while any snapshot is, `error` when any ended in error, else `completed`. */
  readonly state: 'completed' | 'pending' | 'error';
  readonly snapshotIds: readonly string[];
}

/**
 * Which sets retention lets go, newest first:
 * - a pending set is never deleted (a backup or copy in progress);
 * - the newest `minimumKept` completed sets are always kept;
 * - any other set is deleted when it is older than `maxAgeDays`, or when at least `count` completed sets are
 *   newer than it (a set that ended in error counts for nothing and is kept only while both allow it).
 */
export function expiredSets(sets: readonly BackupSet[], retention: Retention, asOf: number): BackupSet[] {
  const newestFirst = [...sets].sort((a, b) => b.startTime - a.startTime || (a.backupId < b.backupId ? 1 : -1));
  let newerCompleted = 0;
  const expired: BackupSet[] = [];
  for (const set of newestFirst) {
    const protectedByMinimum = set.state === 'completed' && newerCompleted < retention.minimumKept;
    const tooOld = retention.maxAgeDays !== undefined && asOf - set.startTime > retention.maxAgeDays * DAY_MS;
    const beyondCount = retention.count !== undefined && newerCompleted >= retention.count;
    if (set.state !== 'pending' && !protectedByMinimum && (tooOld || beyondCount)) expired.push(set);
    if (set.state === 'completed') newerCompleted += 1;
  }
  return expired;
}

/**
 * Deletes the expired sets of one policy and one instance, in the stack's region and (for cross-region copies)
 * in the copy region. Only snapshots tagged created-by `ha-workflows`, with this policy and this instance, are
 * ever looked at: the DescribeSnapshots filters select them and each one's tags are checked again before it
 * is deleted (IAM allows DeleteSnapshot only on snapshots tagged created-by `ha-workflows` with a configured policy).
 */
export async function pruneSnapshots(ec2For: Ec2ForRegion, input: PruneSnapshotsInput): Promise<PruneSnapshotsOutput> {
  const asOf = Date.parse(input.asOf);
  const { retention, copy } = input.settings;
  const regions: RegionPruned[] = [await pruneRegion(ec2For, input, input.region, retention, false, asOf)];
  if (copy) regions.push(await pruneRegion(ec2For, input, copy.region, copy.retention, true, asOf));
  return { regions, inUse: regions.flatMap((r) => r.inUse) };
}

async function pruneRegion(
  ec2For: Ec2ForRegion,
  input: PruneSnapshotsInput,
  region: string,
  retention: Retention,
  copies: boolean,
  asOf: number,
): Promise<RegionPruned> {
  const client = ec2For(region);
  const own = (await ownSnapshots(client, input.policy, input.instanceId)).filter(
    // In the stack's region, the sets themselves; in the copy region, only the copies (whatever their source).
    (s) => (tagsOf(s)[BACKUP_TAGS.copyOf] !== undefined) === copies,
  );
  const sets = groupSets(own, asOf);
  const expired = expiredSets(sets, retention, asOf);
  let deletedSnapshots = 0;
  const inUse: InUseSnapshot[] = [];
  for (const set of expired) {
    for (const snapshotId of set.snapshotIds) {
      try {
        await send(client, new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
        deletedSnapshots += 1;
      } catch (e) {
        const name = errorName(e);
        // A registered AMI uses it: keep it, tell the operators (deregistering the AMI is their decision).
        if (name === 'InvalidSnapshot.InUse') {
          inUse.push({ region, backupId: set.backupId, snapshotId, reason: (e as Error).message });
          continue;
        }
        // Deleted meanwhile (an earlier attempt of this task): nothing left to do.
        if (name !== 'InvalidSnapshot.NotFound') throw e;
      }
    }
  }
  const partly = new Set(inUse.map((s) => s.backupId));
  const deletedSets = expired.map((s) => s.backupId).filter((id) => !partly.has(id));
  return {
    region,
    deletedSets,
    deletedSnapshots,
    keptSets: sets.length - deletedSets.length,
    inUse,
  };
}

/** This policy's snapshots of this instance: filtered by EC2, then checked again here. */
async function ownSnapshots(client: ReturnType<Ec2ForRegion>, policy: string, instanceId: string): Promise<Snapshot[]> {
  const pages = await sendAllPages(
    client,
    (page) =>
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [
          { Name: `tag:${BACKUP_TAGS.createdBy}`, Values: [CREATED_BY_VALUE] },
          { Name: `tag:${BACKUP_TAGS.policy}`, Values: [policy] },
          { Name: `tag:${BACKUP_TAGS.instanceId}`, Values: [instanceId] },
        ],
        ...page,
      }),
  );
  return pages
    .flatMap((page) => page.Snapshots ?? [])
    .filter((s) => {
      const tags = tagsOf(s);
      return (
        s.SnapshotId !== undefined &&
        tags[BACKUP_TAGS.createdBy] === CREATED_BY_VALUE &&
        tags[BACKUP_TAGS.policy] === policy &&
        tags[BACKUP_TAGS.instanceId] === instanceId &&
        (tags[BACKUP_TAGS.backupId] ?? '') !== ''
      );
    });
}

/** Groups snapshots into sets by backup id (a snapshot without a StartTime counts as taken at `asOf`). */
export function groupSets(snapshots: readonly Snapshot[], asOf: number): BackupSet[] {
  const byId = new Map<string, Snapshot[]>();
  for (const s of snapshots) {
    const id = tagsOf(s)[BACKUP_TAGS.backupId];
    byId.set(id, [...(byId.get(id) ?? []), s]);
  }
  return [...byId.entries()].map(([backupId, members]) => ({
    backupId,
    startTime: Math.min(...members.map((s) => (s.StartTime ? new Date(s.StartTime).getTime() : asOf))),
    state: members.some((s) => s.State === 'pending' || s.State === 'recoverable' || s.State === 'recovering')
      ? 'pending'
      : members.some((s) => s.State === 'error')
        ? 'error'
        : 'completed',
    snapshotIds: members.map((s) => s.SnapshotId as string),
  }));
}
