import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsCall, pollUntil } from '../../fragments';
import { Errors } from '../../../contracts/errors';
import type { BackupSteps } from './context';

/** Wait until every snapshot of the set is completed (or one failed, or the policy's checks are used up). */
export function waitUntilCompleted(steps: BackupSteps, afterCompletion: sfn.IChainable): sfn.IChainable {
  const { scope, deps, onFailure, recordFailed, failWith } = steps;
  const readSet = new AwsCall(scope, 'Read the snapshot states', {
    service: 'ec2',
    action: 'describeSnapshots',
    parameters: { 'SnapshotIds.$': '$.snapshot.snapshotIds' },
    policy: [deps.describeSnapshotsPolicy],
    resultSelector: {
      'pending.$': "States.ArrayContains($.Snapshots[*].State, 'pending')",
      'error.$': "States.ArrayContains($.Snapshots[*].State, 'error')",
    },
    resultPath: '$.completion',
  });
  readSet.addCatch(recordFailed, onFailure);
  const checkFailed = new sfn.Choice(scope, 'Did a snapshot fail?')
    .when(
      sfn.Condition.booleanEquals('$.completion.error', true),
      failWith(
        'Note a snapshot failed',
        Errors.SNAPSHOT_FAILED,
        "States.Format('A snapshot of the set {} of instance {} ended in state error; the set cannot be restored: {}', " +
          '$.runId, $.instanceId, States.JsonToString($.snapshot.snapshotIds))',
      ),
    )
    .otherwise(afterCompletion);
  const waitForCompletion = pollUntil(scope, {
    check: readSet,
    done: sfn.Condition.or(
      sfn.Condition.booleanEquals('$.completion.error', true),
      sfn.Condition.booleanEquals('$.completion.pending', false),
    ),
    interval: deps.completionPollInterval,
    maxAttempts: '$.settings.completionPolls',
    counterPath: '$.polls.completion',
    label: 'the snapshot set complete',
    waitFirst: true,
    exhausted: failWith(
      'Note the set did not complete',
      Errors.SNAPSHOT_NOT_COMPLETED,
      "States.Format('The snapshot set {} of instance {} was still pending after {} checks: {}', " +
        '$.runId, $.instanceId, $.settings.completionPolls, States.JsonToString($.snapshot.snapshotIds))',
    ),
    then: checkFailed,
  });
  return waitForCompletion;
}
