import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { countBooleans, EXECUTION_START, formatted, lambdaTask, notifyThenFail, recordOutcome } from '../fragments';
import { States } from '../../contracts/errors';
import type { BackupSettings } from './input';
import { backUpEachInstance, RUN, summarizeTheRun } from './steps/run';

export interface SnapshotBackupDeps {
  readonly topic: sns.ITopic;
  readonly selectFunction: lambda.IFunction;
  /** Records the outcome metrics of a run (tasks/record-outcome). */
  readonly outcomeFunction: lambda.IFunction;
  /** The per-instance machine, started once per selected instance. */
  readonly instanceMachine: sfn.IStateMachine;
  /** The longest one instance's backup may take (the child machine's timeout). */
  readonly instanceTimeout: Duration;
  /** Every configured policy, by name. */
  readonly policies: Readonly<Record<string, BackupSettings>>;
  /** The most instances one run backs up (the parent's history grows by about 8 events per instance). */
  readonly maxTargets: number;
}

/**
 * snapshot-backup: one run of one policy, started by the policy's schedule or an operator. Selects the
 * instances (by tag), then starts one `snapshot-backup-instance` execution per instance and waits for it
 * (`startExecution.sync:2` in a Map, at most the policy's concurrency at once). Each child is named
 * `<run id>-<instance id>`, and its input is built from the run and the instance only: a start repeated by a
 * retry or by a duplicate delivery of the schedule finds the running child (and waits for it) or, once it has
 * ended, fails with ExecutionAlreadyExists, which counts as done — one backup per instance and run.
 * A pure function of its dependencies; it creates no resources.
 */
export function snapshotBackupDefinition(scope: Construct, deps: SnapshotBackupDeps): sfn.IChainable {
  const notifyRunFailed = notifyThenFail(scope, 'Notify the backup run failed', {
    failStateId: 'Backup run failed',
    topic: deps.topic,
    subject: 'ha-workflows: snapshot backup run FAILED',
    message: formatted('The backup run {$$.Execution.Name} could not start: {$.failure.Error}. {$.failure.Cause}'),
  });

  const select = lambdaTask(scope, 'Select the instances to back up', {
    fn: deps.selectFunction,
    task: 'select-backup-targets',
    payload: {
      'trigger.$': '$',
      'executionName.$': '$$.Execution.Name',
      maxTargets: deps.maxTargets,
      policies: deps.policies,
    },
    resultPath: '$.run',
  });
  select.addCatch(notifyRunFailed, { errors: [States.ALL], resultPath: '$.failure' });

  const each = backUpEachInstance(scope, deps, notifyRunFailed); // one child execution per instance
  // RunTime and the instances backed up, failed and skipped, per policy; then fail if any failed, list the skipped.
  each.next(
    recordOutcome(scope, 'Record the outcome of the run', {
      fn: deps.outcomeFunction,
      workflow: 'snapshot-backup',
      namePath: `${RUN}.policy`,
      tally: {
        total: 'States.ArrayLength($.outcomes)',
        failed: countBooleans('$.outcomes[*].ok', false),
        skipped: countBooleans('$.outcomes[*].skipped', true),
      },
      startedAtPath: EXECUTION_START,
      then: summarizeTheRun(scope),
    }),
  );

  return sfn.Chain.start(select).next(
    new sfn.Choice(scope, 'Is there an instance to back up?')
      .when(sfn.Condition.numberGreaterThan(`${RUN}.count`, 0), each)
      .otherwise(new sfn.Succeed(scope, 'No instance to back up')),
  );
}
