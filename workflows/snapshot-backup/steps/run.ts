import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { formatted, notify, START_CHILD_RETRY } from '../../fragments';
import { Aws, Errors, States } from '../../../contracts/errors';
import type { SnapshotBackupDeps } from '../definition';

export const RUN = '$.run.value';

/**
 * One child execution per selected instance (`startExecution.sync:2` in a Map, at most the policy's concurrency at
 * once), named `<run id>-<instance id>`: a repeated start finds the running child or, once it ended, counts as done.
 * A child that failed, or could not be started (the operators are told), is noted and the others go on.
 */
export function backUpEachInstance(
  scope: Construct,
  deps: SnapshotBackupDeps,
  notifyRunFailed: sfn.IChainable,
): sfn.Map {
  const backUp = new tasks.StepFunctionsStartExecution(scope, 'Back up the instance', {
    stateMachine: deps.instanceMachine,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    name: formatted('{$.runId}-{$.instanceId}'),
    input: sfn.TaskInput.fromObject({
      'instanceId.$': '$.instanceId',
      'runId.$': '$.runId',
      'policy.$': '$.policy',
      'settings.$': '$.settings',
    }),
    associateWithParent: false,
    // Of the child's output (`{ instanceId, skipped, lockWaits }`, every successful end of the child gives it) only
    // what the summary needs: keep the Map's result small.
    // (No ResultPath: the result replaces the iteration's input. aws-local-stepfunctions mishandles an explicit "$".)
    resultSelector: { ok: true, 'instanceId.$': '$.Output.instanceId', 'skipped.$': '$.Output.skipped' },
    taskTimeout: sfn.Timeout.duration(deps.instanceTimeout.plus(Duration.minutes(10))),
  });
  backUp.addRetry(START_CHILD_RETRY);
  backUp.addCatch(
    new sfn.Pass(scope, 'Backup already done in this run', {
      comment: 'A child with this name ended before: an earlier start of this run (a repeated schedule) made it',
      parameters: { ok: true, skipped: false, 'instanceId.$': '$.instanceId' },
    }),
    { errors: [Aws.SFN_EXECUTION_ALREADY_EXISTS], resultPath: '$.error' },
  );
  // A child that could not even be started (Step Functions failing the start past its retries) notified nobody: the
  // run tells the operators which instance has no backup, then notes it like a failed one (found by the fault
  // campaign, snapshot-backup schedule 663618333).
  const notStarted = new sfn.Pass(scope, 'Note the instance backup was not started', {
    parameters: { ok: false, skipped: false, 'instanceId.$': '$.instanceId', 'error.$': '$.error.Error' },
  });
  const notifyNotStarted = notify(scope, 'Notify the instance backup was not started', {
    topic: deps.topic,
    subject: 'ha-workflows: backup NOT STARTED for an instance',
    message: formatted(
      'Backup run {$.runId}: the backup of instance {$.instanceId} could not be started ({$.error.Error}: ' +
        '{$.error.Cause}). No snapshot was taken and the database was not frozen for it; the next scheduled run tries again.',
    ),
    then: notStarted,
  });
  backUp.addCatch(notifyNotStarted, {
    errors: [Aws.SFN_EXECUTION_LIMIT_EXCEEDED, ...Aws.SFN_START_UNMODELED],
    resultPath: '$.error',
  });
  // A failed child notified the operators itself; the run notes the instance and goes on with the others.
  backUp.addCatch(
    new sfn.Pass(scope, 'Note the instance backup failed', {
      parameters: { ok: false, skipped: false, 'instanceId.$': '$.instanceId', 'error.$': '$.error.Error' },
    }),
    { errors: [States.ALL], resultPath: '$.error' },
  );
  const each = new sfn.Map(scope, 'Back up each instance', {
    itemsPath: `${RUN}.instanceIds`,
    itemSelector: {
      'instanceId.$': '$$.Map.Item.Value',
      'runId.$': `${RUN}.runId`,
      'policy.$': `${RUN}.policy`,
      'settings.$': `${RUN}.settings`,
    },
    maxConcurrencyPath: `${RUN}.settings.concurrency`,
    resultPath: '$.outcomes',
  });
  each.itemProcessor(backUp);
  each.addCatch(notifyRunFailed, { errors: [States.ALL], resultPath: '$.failure' });
  return each;
}

/**
 * The run's summary: it fails when any instance's backup failed (naming them), and lists those skipped because
 * another backup held them. Returns its first state.
 */
export function summarizeTheRun(scope: Construct): sfn.Chain {
  const allDone = new sfn.Succeed(scope, 'Every backup succeeded');
  // A backup that found another backup holding its instance for longer than its policy's lock wait: no set.
  const someSkipped = new sfn.Pass(scope, 'List the skipped backups', {
    parameters: {
      'skipped.$': '$.outcomes[?(@.skipped == true)].instanceId',
      note: 'These instances were held by another backup (another policy, or an earlier run) for longer than the policy waits; no set was taken for them in this run (each child notified it).',
    },
    resultPath: '$.summary',
  }).next(new sfn.Succeed(scope, 'Some backups were skipped'));
  const someFailed = new sfn.Fail(scope, 'Some backups failed', {
    error: Errors.BACKUPS_FAILED,
    causePath: '$.summary.cause',
  });
  const listFailed = new sfn.Pass(scope, 'Collect the failed backups', {
    parameters: { 'failed.$': '$.outcomes[?(@.ok == false)].instanceId' },
    resultPath: '$.summary',
  });
  listFailed
    .next(
      new sfn.Pass(scope, 'List the failed backups', {
        parameters: {
          'failed.$': '$.summary.failed',
          'cause.$':
            "States.Format('{} of {} backups of run {} failed (each child execution, and its notification, says why): {}. The run output lists every instance as backed up, skipped or failed.', " +
            'States.ArrayLength($.summary.failed), States.ArrayLength($.outcomes), ' +
            `${RUN}.runId, States.JsonToString($.summary.failed))`,
        },
        resultPath: '$.summary',
      }),
    )
    .next(someFailed);
  const count = new sfn.Pass(scope, 'Count the failed backups', {
    parameters: {
      'anyFailed.$': 'States.ArrayContains($.outcomes[*].ok, false)',
      'anySkipped.$': 'States.ArrayContains($.outcomes[*].skipped, true)',
    },
    resultPath: '$.summary',
  }).next(
    new sfn.Choice(scope, 'Did every backup succeed?')
      .when(sfn.Condition.booleanEquals('$.summary.anyFailed', true), listFailed)
      .when(sfn.Condition.booleanEquals('$.summary.anySkipped', true), someSkipped)
      .otherwise(allDone),
  );
  return count;
}
