import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { formatted, notifyThenFail, stringAt } from '../../fragments';
import { States } from '../../../contracts/errors';
import type { DrReleaseDeps } from '../release-definition';

/** The statuses after which a DR promotion may have ended without releasing its lock. */
export const DR_RELEASED_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/** What both ways into dr-promotion-release share. */
export interface ReleaseSteps {
  readonly scope: Construct;
  readonly deps: DrReleaseDeps;
  /** Catch every error into `$.failure`. */
  readonly onFailure: { readonly errors: string[]; readonly resultPath: string };
  /** The state table key of the mirror set named at a JSONPath. */
  readonly setKey: (setPath: string) => string;
  /** A DynamoDB string attribute read from a JSONPath. */
  readonly str: (path: string) => tasks.DynamoAttributeValue;
  /** A release that failed: notify, then fail. */
  readonly releaseFailed: tasks.SnsPublish;
}

export function releaseSteps(scope: Construct, deps: DrReleaseDeps): ReleaseSteps {
  const setKey = (setPath: string) => formatted(`MIRROR#{${setPath}}`);
  const str = stringAt;

  const releaseFailed = notifyThenFail(scope, 'Notify the lock could not be released', {
    failStateId: 'The lock could not be released',
    topic: deps.topic,
    subject: 'ha-workflows: DR promotion lock NOT released',
    message: formatted(
      'Releasing the DR promotion lock failed ({$.failure.Error}: {$.failure.Cause}). Input: ' +
        '{States.JsonToString($.input)}. Check the mirror set item in the state table, ' +
        'or run ha-workflows dr unlock.',
    ),
  });

  return { scope, deps, onFailure: { errors: [States.ALL], resultPath: '$.failure' }, setKey, str, releaseFailed };
}
