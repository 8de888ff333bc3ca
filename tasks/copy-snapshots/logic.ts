import { CopySnapshotCommand, DescribeSnapshotsCommand, type Snapshot, type Tag } from '@aws-sdk/client-ec2';
import { tagsOf } from '../shared/tags';
import { BACKUP_TAGS, CREATED_BY_VALUE } from '../../contracts/tags';
import { send, sendAllPages } from '../shared/clients';
import { SnapshotCopyLimitReached, UnexpectedApiResponse, errorName } from '../shared/errors';
import type { Ec2ForRegion } from '../shared/regional-clients';
import type { CopySnapshotsInput, CopySnapshotsOutput } from './contract';

/**
 * Starts one cross-region copy per snapshot of the set, in the destination region, carrying the set's own tags
 * (CopySnapshot does not copy tags) plus where it was copied from. Idempotent: a snapshot that already has a copy
 * tagged as its copy is not copied again. Does not wait for the copies to complete.
 *
 * EBS allows 20 concurrent copies per destination region: a copy refused with `ResourceLimitExceeded` ends the
 * call with `SnapshotCopyLimitReached` (the copies started so far stand; the workflow retries later and a retry
 * starts only the missing ones). No copy is ever dropped silently.
 */
export async function copySnapshots(ec2For: Ec2ForRegion, input: CopySnapshotsInput): Promise<CopySnapshotsOutput> {
  const source = ec2For(input.sourceRegion);
  const destination = ec2For(input.destinationRegion);
  const originals = await describe(source, { SnapshotIds: [...input.snapshotIds] });
  const existing = await describe(destination, {
    OwnerIds: ['self'],
    Filters: [
      { Name: `tag:${BACKUP_TAGS.createdBy}`, Values: [CREATED_BY_VALUE] },
      { Name: `tag:${BACKUP_TAGS.backupId}`, Values: [input.backupId] },
      { Name: `tag:${BACKUP_TAGS.copyOf}`, Values: [...input.snapshotIds] },
    ],
  });
  const copied = new Set(existing.flatMap((s) => tagsOf(s)[BACKUP_TAGS.copyOf] ?? []));
  let started = 0;
  for (const snapshot of originals) {
    const id = snapshot.SnapshotId as string;
    if (copied.has(id)) continue;
    const tags = tagsOf(snapshot);
    if (tags[BACKUP_TAGS.createdBy] !== CREATED_BY_VALUE || tags[BACKUP_TAGS.instanceId] !== input.instanceId) {
      throw new UnexpectedApiResponse(`Snapshot ${id} is not a snapshot-backup snapshot of ${input.instanceId}`);
    }
    const carried: Tag[] = Object.entries({
      ...tags,
      [BACKUP_TAGS.copyOf]: id,
      [BACKUP_TAGS.sourceRegion]: input.sourceRegion,
      [BACKUP_TAGS.expiry]: input.expiry,
    })
      .filter(([k]) => !k.startsWith('aws:'))
      .map(([Key, Value]) => ({ Key, Value }));
    try {
      await send(
        destination,
        new CopySnapshotCommand({
          SourceRegion: input.sourceRegion,
          SourceSnapshotId: id,
          Description: `ha-workflows ${input.backupId}: copy of ${id} (${input.instanceId}) from ${input.sourceRegion}`,
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: carried }],
        }),
      );
    } catch (e) {
      if (errorName(e) !== 'ResourceLimitExceeded') throw e;
      const left = originals.length - copied.size - started;
      throw new SnapshotCopyLimitReached(
        `${input.destinationRegion} has its 20 concurrent snapshot copies in progress: backup ${input.backupId} ` +
          `has ${started} copies started by this call and ${left} still to start`,
      );
    }
    started += 1;
  }
  return { started, existing: copied.size };
}

async function describe(
  client: ReturnType<Ec2ForRegion>,
  request: ConstructorParameters<typeof DescribeSnapshotsCommand>[0],
): Promise<Snapshot[]> {
  const pages = await sendAllPages(client, (page) => new DescribeSnapshotsCommand({ ...request, ...page }));
  return pages.flatMap((page) => (page.Snapshots ?? []).filter((s) => s.SnapshotId));
}
