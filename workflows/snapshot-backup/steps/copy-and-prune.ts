import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { COPY_LIMIT_RETRY, lambdaTask, notify } from '../../fragments';
import { COPY_TASK_TIMEOUT, PLAN } from './constants';
import { aboutTheBackup, type BackupSteps } from './context';

/**
 * Copy the set to the policy's other region (when it has one), prune the sets past their retention (an expired
 * snapshot an AMI uses is kept, and the operators told), then `release`.
 */
export function copyAndPrune(steps: BackupSteps, release: sfn.IChainable): sfn.IChainable {
  const { scope, deps, region, onFailure, recordFailed } = steps;
  const prune = lambdaTask(scope, 'Prune expired sets', {
    fn: deps.pruneFunction,
    task: 'prune-snapshots',
    payload: {
      'instanceId.$': '$.instanceId',
      'policy.$': '$.policy',
      'asOf.$': '$$.Execution.StartTime',
      region,
      'settings.$': '$.settings',
    },
    resultSelector: {
      'regions.$': '$.Payload.regions',
      'inUse.$': '$.Payload.inUse',
      'inUseCount.$': 'States.ArrayLength($.Payload.inUse)',
    },
    resultPath: '$.prune',
    timeout: Duration.minutes(5),
  });
  prune.addCatch(recordFailed, onFailure);
  // An expired snapshot a registered AMI uses cannot be deleted: the backup still succeeds, the operators are told.
  const notifyInUse = notify(scope, 'Notify snapshots kept for an AMI', {
    topic: deps.topic,
    subject: 'ha-workflows: expired backup snapshots kept (in use by an AMI)',
    message: aboutTheBackup(
      'could not prune {$.prune.inUseCount} expired snapshot(s): a registered AMI uses them. Deregister the AMI, ' +
        'or keep the snapshots on purpose: {States.JsonToString($.prune.inUse)}',
    ),
    then: release,
  });
  prune.next(
    new sfn.Choice(scope, 'Were expired snapshots kept for an AMI?')
      .when(sfn.Condition.numberGreaterThan('$.prune.inUseCount', 0), notifyInUse)
      .otherwise(release),
  );

  let afterCompletion: sfn.IChainable = prune;
  if (deps.copyFunction) {
    const copy = lambdaTask(scope, 'Copy the set to the other region', {
      fn: deps.copyFunction,
      task: 'copy-snapshots',
      payload: {
        'instanceId.$': '$.instanceId',
        'backupId.$': '$.runId',
        sourceRegion: region,
        'destinationRegion.$': '$.settings.copy.region',
        'snapshotIds.$': '$.snapshot.snapshotIds',
        'expiry.$': `${PLAN}.copyExpiry`,
      },
      resultPath: '$.copy',
      timeout: COPY_TASK_TIMEOUT,
    });
    // The copy region's 20 concurrent copies: wait for some to complete, then start the missing ones.
    copy.addRetry(COPY_LIMIT_RETRY);
    copy.addCatch(recordFailed, onFailure);
    copy.next(prune);
    afterCompletion = new sfn.Choice(scope, 'Copy the set to another region?')
      .when(sfn.Condition.isPresent('$.settings.copy'), copy)
      .otherwise(prune);
  }
  return afterCompletion;
}
