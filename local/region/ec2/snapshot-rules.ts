import { AwsApiError } from '../errors';

/**
 * EBS snapshot rules of the simulated region (issue #13 item 13).
 *
 * - "There is a limit of 20 concurrent snapshot copy requests per destination Region. If you exceed this quota,
 *   you receive a ResourceLimitExceeded error." (docs.aws.amazon.com/ebs/latest/userguide/ebs-copy-snapshot.html;
 *   the EBS quotas page lists "Concurrent snapshot copies per destination Region: 20, not adjustable").
 * - "You cannot delete a snapshot of the root device of an EBS volume used by a registered AMI. You must first
 *   deregister the AMI before you can delete the snapshot." (DeleteSnapshot API reference); the error code is
 *   `InvalidSnapshot.InUse` (EC2 API error codes). The simulator refuses any snapshot of a registered AMI's block
 *   device mappings, the root device's included.
 */

/** Concurrent snapshot copies per destination region (not adjustable). */
export const CONCURRENT_COPIES_PER_REGION = 20;

/** Throws `ResourceLimitExceeded` when `inProgress` copies already run into this (the destination) region. */
export function checkCopyLimit(inProgress: number, region: string): void {
  if (inProgress >= CONCURRENT_COPIES_PER_REGION) {
    throw new AwsApiError(
      'ec2',
      'ResourceLimitExceeded',
      `You have reached the limit of ${CONCURRENT_COPIES_PER_REGION} concurrent snapshot copies to ${region}. ` +
        'Wait for a copy to complete and try again.',
    );
  }
}

/** Throws `InvalidSnapshot.InUse` when a registered AMI uses the snapshot. */
export function checkSnapshotNotInUse(snapshotId: string, usedByImage: string | undefined): void {
  if (usedByImage !== undefined) {
    throw new AwsApiError(
      'ec2',
      'InvalidSnapshot.InUse',
      `The snapshot ${snapshotId} is currently in use by ${usedByImage}`,
    );
  }
}
