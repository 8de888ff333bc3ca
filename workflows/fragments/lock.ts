import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  CLEANUP_WRITE_RETRY,
  IDEMPOTENT_WRITE_RETRY,
  RELEASE_SERVER_ERROR_RETRY,
  RELEASE_THROTTLING_RETRY,
} from './retry';
import { numberAt, stringAt, updateItem } from './state-item';

/**
 * Names the lock's attributes in the state table. The lease (`expiresAt`) is deliberately NOT the table's TTL
 * attribute (`STATE_TABLE_KEYS.ttlAttribute`): DynamoDB TTL deletes the whole item once it expires, and the lock
 * shares its item with durable state (a group's NEEDS_ATTENTION and current instance, a mirror set's DR state).
 * An expired lease is only a permission to take the lock over; the item and its record stay.
 * Source: DynamoDB Developer Guide, "Using time to live (TTL) in DynamoDB" (TTL deletes expired items).
 */
export const LOCK_ATTRIBUTES = {
  owner: 'owner',
  expiresAt: 'leaseExpiresAt',
  state: 'state',
  /**
   * The owner whose own release last removed the lock: lets that owner's retried release find its own release. A
   * cleanup's release of an ended owner's lock removes it (see `releaseLock`).
   */
  lastOwner: 'lastOwner',
} as const;

export interface LockProps {
  readonly table: dynamodb.ITable;
  /** The item's partition key, e.g. `formatted('GROUP#{$.group}')`. */
  readonly key: string;
  /** Where the execution's start, in epoch seconds, is (as a number). */
  readonly nowEpochPath: string;
  /** Where the lock's expiry, in epoch seconds, is (as a number). */
  readonly expiresAtPath: string;
  /** Extra `SET` clauses with their names and values, e.g. `#state = :state`. */
  readonly set?: readonly string[];
  /** An extra condition, ANDed with "nobody holds the lock (or its holder's lease expired)". */
  readonly condition?: string;
  readonly names?: Record<string, string>;
  readonly values?: Record<string, tasks.DynamoAttributeValue>;
}

const baseNames = { '#owner': LOCK_ATTRIBUTES.owner, '#expiresAt': LOCK_ATTRIBUTES.expiresAt };

/**
 * Takes a per-resource lock owned by this execution: one conditional UpdateItem. A second execution for the
 * same resource fails it with `DynamoDB.ConditionalCheckFailedException` and should end quietly. A holder that
 * died leaves a lease that expires at `leaseExpiresAt` (never the table's TTL attribute: see LOCK_ATTRIBUTES).
 * Re-entrant: the lock's own owner may take it again, so an attempt whose response was lost (`States.Timeout`, a 500
 * after the write) is retried (IDEMPOTENT_WRITE_RETRY) and finds its own lock instead of handing off to itself.
 */
export function takeLock(scope: Construct, id: string, props: LockProps): tasks.DynamoUpdateItem {
  return updateItem(scope, id, {
    table: props.table,
    key: props.key,
    update: ['SET #owner = :me, #expiresAt = :expiresAt', ...(props.set ?? [])].join(', '),
    condition:
      '(attribute_not_exists(#owner) OR #expiresAt < :now OR #owner = :me)' +
      (props.condition ? ` AND (${props.condition})` : ''),
    names: { ...baseNames, ...props.names },
    values: {
      ':me': stringAt('$$.Execution.Id'),
      ':now': numberAt(props.nowEpochPath),
      ':expiresAt': numberAt(props.expiresAtPath),
      ...props.values,
    },
    retry: IDEMPOTENT_WRITE_RETRY,
  });
}

export interface ReleaseProps {
  readonly table: dynamodb.ITable;
  readonly key: string;
  /** `SET` clauses recorded with the release (the resource's new state). */
  readonly set: readonly string[];
  /** An extra condition, ANDed with "the owner holds the lock" (e.g. "no event was handed over"). */
  readonly condition?: string;
  /**
   * Where the owner whose lock is released is: another execution's ARN, for a cleanup that releases what an ended
   * execution left (a rescue, a release on a status event, an operator's unlock).
   * @default '$$.Execution.Id' - this execution's own lock
   */
  readonly ownerPath?: string;
  readonly names?: Record<string, string>;
  readonly values?: Record<string, tasks.DynamoAttributeValue>;
}

/**
 * Records the resource's state and releases the lock, only if its owner (this execution, or `ownerPath`) still holds
 * it (and `condition` holds): otherwise `DynamoDB.ConditionalCheckFailedException`. Never releases a lock another
 * execution took meanwhile. The release names its owner in `lastOwner`; an execution's release of its OWN lock
 * (no `ownerPath`) also succeeds again while nobody took the lock since its release, so an attempt whose response
 * was lost is retried (RELEASE_SERVER_ERROR_RETRY, as long as throttling) and a record written after the release (a failure found later in the
 * run) still lands. A cleanup's release of another execution's lock (`ownerPath`) stays strict: it releases only a
 * lock still held, and is retried on DynamoDB's own failures only (CLEANUP_WRITE_RETRY).
 */
export function releaseLock(scope: Construct, id: string, props: ReleaseProps): tasks.DynamoUpdateItem {
  const held = '#owner = :me' + (props.condition ? ` AND ${props.condition}` : '');
  const own = props.ownerPath === undefined;
  return updateItem(scope, id, {
    table: props.table,
    key: props.key,
    // A cleanup's release removes `lastOwner`: the lock was taken from its owner, not given up by it, so a later
    // release by that owner (a redrive of the ended execution, docs/redrive.md) fails instead of finding "its own".
    update: own
      ? `SET ${[...props.set, '#lastOwner = :me'].join(', ')} REMOVE #owner, #expiresAt`
      : `${props.set.length > 0 ? `SET ${props.set.join(', ')} ` : ''}REMOVE #owner, #expiresAt, #lastOwner`,
    condition: own ? `(${held}) OR (attribute_not_exists(#owner) AND #lastOwner = :me)` : held,
    names: { ...baseNames, '#lastOwner': LOCK_ATTRIBUTES.lastOwner, ...props.names },
    values: { ':me': stringAt(props.ownerPath ?? '$$.Execution.Id'), ...props.values },
    throttling: own ? RELEASE_THROTTLING_RETRY : undefined,
    retry: own ? RELEASE_SERVER_ERROR_RETRY : CLEANUP_WRITE_RETRY,
  });
}
