import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsCall, pollUntil, throttlingRetry } from '../../fragments';
import { Errors, States } from '../../../contracts/errors';
import { BACKUP_TAGS, CREATED_BY_VALUE } from '../../../contracts/tags';
import { CREATED, LOST_SET_LOOKUP_INTERVAL, LOST_SET_LOOKUPS, PLAN } from './constants';
import type { BackupSteps } from './context';

/**
 * CreateSnapshots of the instance's volumes, one crash-consistent set, tagged as the workflow's own: `application`
 * when taken frozen, else `crash` with the reason (`$.consistencyNote.text`).
 */
export function createSnapshots(
  steps: BackupSteps,
  id: string,
  consistency: string | undefined,
  retry: sfn.RetryProps,
): AwsCall {
  const { scope, deps } = steps;
  return new AwsCall(scope, id, {
    service: 'ec2',
    action: 'createSnapshots',
    parameters: {
      InstanceSpecification: {
        'InstanceId.$': '$.instanceId',
        'ExcludeBootVolume.$': '$.settings.excludeBootVolume',
      },
      'Description.$': `States.Format('ha-workflows {} of {}', $.runId, $.instanceId)`,
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: [
            { Key: BACKUP_TAGS.createdBy, Value: CREATED_BY_VALUE },
            { Key: BACKUP_TAGS.policy, 'Value.$': '$.policy' },
            { Key: BACKUP_TAGS.backupId, 'Value.$': '$.runId' },
            { Key: BACKUP_TAGS.instanceId, 'Value.$': '$.instanceId' },
            { Key: BACKUP_TAGS.expiry, 'Value.$': `${PLAN}.expiry` },
            ...(consistency === undefined
              ? [
                  { Key: BACKUP_TAGS.consistency, Value: 'crash' },
                  { Key: BACKUP_TAGS.consistencyNote, 'Value.$': '$.consistencyNote.text' },
                ]
              : [{ Key: BACKUP_TAGS.consistency, Value: consistency }]),
          ],
        },
      ],
    },
    policy: deps.createSnapshotsPolicy,
    // Only stored: while the database is frozen nothing reads into the response (an empty or absent list
    // would be an uncatchable States.Runtime). "Read the set" picks the ids after the thaw.
    resultPath: CREATED,
    // Never on States.Timeout: CreateSnapshots has no ClientToken, so a retry after a lost response would
    // make a second set. A timed-out call is followed by a look-up of the set by its tags instead.
    retry,
  });
}

/** The ways to the set: read from the response, or found by its tags after a lost response. */
export interface SetSteps {
  /** Read the set CreateSnapshots returned, check it covers the plan, go on. */
  readonly readSetMade: sfn.Choice;
  /** After a lost response (States.Timeout): look the set up by its tags, a few times. */
  readonly findLostSet: sfn.IChainable;
  /** After the set is known: a frozen set records its freeze window first (`toCompletion.otherwise(…)`). */
  readonly toCompletion: sfn.Choice;
}

/**
 * The set: from the response, or (after a lost response) found by its tags; checked against the plan, then
 * `waitForCompletion`.
 */
export function theSet(steps: BackupSteps, waitForCompletion: sfn.IChainable): SetSteps {
  const { scope, deps, onFailure, recordFailed, failWith } = steps;
  const toCompletion = new sfn.Choice(scope, 'Was the set taken frozen?')
    // The crash-consistent paths note why; the frozen path records its freeze window first.
    .when(sfn.Condition.isPresent('$.consistencyNote'), waitForCompletion);
  // (otherwise: "Record the freeze window", below)
  const checkCoverage = new sfn.Choice(scope, 'Does the set cover every planned volume?')
    .when(
      sfn.Condition.numberLessThanJsonPath('$.snapshot.count', `${PLAN}.volumeCount`),
      failWith(
        'Note the set is incomplete',
        Errors.SNAPSHOT_SET_INCOMPLETE,
        "States.Format('CreateSnapshots made {} snapshot(s) of instance {} where the plan found {} volume(s) {} (a volume was detached meanwhile?); the set {} cannot restore the instance: {}', " +
          `$.snapshot.count, $.instanceId, ${PLAN}.volumeCount, States.JsonToString(${PLAN}.volumeIds), $.runId, States.JsonToString($.snapshot.snapshotIds))`,
      ),
    )
    .otherwise(toCompletion);
  const keepIds = new sfn.Pass(scope, 'Keep the snapshot ids', {
    parameters: {
      'snapshotIds.$': `${CREATED}.Snapshots[*].SnapshotId`,
      'count.$': `States.ArrayLength(${CREATED}.Snapshots)`,
    },
    resultPath: '$.snapshot',
  });
  keepIds
    .next(
      new sfn.Pass(scope, 'Forget the CreateSnapshots response', {
        result: sfn.Result.fromObject({}),
        resultPath: CREATED,
      }),
    )
    .next(checkCoverage);
  const hasSet = sfn.Condition.isPresent(`${CREATED}.Snapshots[0].SnapshotId`);
  const readSetMade = new sfn.Choice(scope, 'Did CreateSnapshots return a set?')
    .when(hasSet, keepIds)
    .otherwise(
      failWith(
        'Note CreateSnapshots returned no snapshot',
        Errors.NOTHING_TO_SNAPSHOT,
        "States.Format('CreateSnapshots returned no snapshot of instance {} although the plan found volume(s) {} (detached meanwhile?); no set exists for backup {}', " +
          `$.instanceId, States.JsonToString(${PLAN}.volumeIds), $.runId)`,
      ),
    );
  // A lost response (States.Timeout after the call took effect): find the set by the tags the call put on it.
  const lookUp = new AwsCall(scope, 'Look for the set the call made', {
    service: 'ec2',
    action: 'describeSnapshots',
    parameters: {
      OwnerIds: ['self'],
      Filters: [
        { Name: `tag:${BACKUP_TAGS.createdBy}`, Values: [CREATED_BY_VALUE] },
        { Name: `tag:${BACKUP_TAGS.policy}`, 'Values.$': 'States.Array($.policy)' },
        { Name: `tag:${BACKUP_TAGS.backupId}`, 'Values.$': 'States.Array($.runId)' },
        { Name: `tag:${BACKUP_TAGS.instanceId}`, 'Values.$': 'States.Array($.instanceId)' },
      ],
    },
    policy: [deps.describeSnapshotsPolicy],
    resultPath: CREATED,
  });
  lookUp.addCatch(recordFailed, onFailure);
  const findLostSet = pollUntil(scope, {
    check: lookUp,
    done: hasSet,
    interval: LOST_SET_LOOKUP_INTERVAL,
    maxAttempts: LOST_SET_LOOKUPS,
    counterPath: '$.polls.lookUp',
    label: 'the set of the lost call found',
    exhausted: failWith(
      'Note the lost call made no set',
      Errors.SNAPSHOT_NOT_CREATED,
      "States.Format('CreateSnapshots for {} timed out ({}), and no snapshot tagged with backup {} was found by {} look-ups: the call made no set', " +
        `$.instanceId, $.failure.Cause, $.runId, ${LOST_SET_LOOKUPS})`,
    ),
    then: keepIds,
  });
  return { readSetMade, findLostSet, toCompletion };
}

/** The crash-consistent set: when no freeze is configured, or (by the policy) after a freeze failed. */
export interface CrashSetSteps {
  readonly takeCrashSet: sfn.TaskStateBase;
  /** After a failed freeze: a crash-consistent set when the policy says so, else the backup fails. */
  readonly fallBack: sfn.Choice;
}

/** Take a crash-consistent set (a lost response is looked up like the frozen one's). */
export function crashConsistentSet(steps: BackupSteps, set: SetSteps): CrashSetSteps {
  const { readSetMade, findLostSet } = set;
  const { scope, onFailure, recordFailed, failWith } = steps;
  const takeCrashSet = createSnapshots(steps, 'Take a crash-consistent set', undefined, throttlingRetry('aws-sdk:ec2'));
  takeCrashSet.addCatch(findLostSet, { errors: [States.TIMEOUT], resultPath: '$.failure' });
  takeCrashSet.addCatch(
    failWith(
      'Note the crash-consistent set was not created',
      Errors.SNAPSHOT_NOT_CREATED,
      "States.Format('CreateSnapshots for {} failed: {} {}', $.instanceId, $.failure.Error, $.failure.Cause)",
    ),
    onFailure,
  );
  takeCrashSet.next(readSetMade);

  const fallBack = new sfn.Choice(scope, 'Fall back to a crash-consistent set?')
    .when(
      sfn.Condition.stringEquals('$.settings.onFreezeFailure', 'crash-consistent'),
      new sfn.Pass(scope, 'Note the set is crash-consistent after a failed freeze', {
        parameters: { 'text.$': "States.Format('freeze-failed: {}', $.failure.Error)" },
        resultPath: '$.consistencyNote',
      }).next(takeCrashSet),
    )
    .otherwise(recordFailed);
  return { takeCrashSet, fallBack };
}
