import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { formatted } from '../../fragments';
import { Errors } from '../../../contracts/errors';
import { COMMAND_POLL_INTERVAL, SET } from './constants';
import type { DrSteps } from './context';
import { runOnDrMember } from './dr-member-command';

/**
 * 5. Promote the DR member with Run Command (the set's promotion document), read its result until it ends, and go
 * on to `verifyLoop` only when it succeeded.
 */
export function promoteDrMember(steps: DrSteps, verifyLoop: sfn.IChainable): sfn.TaskStateBase {
  const { scope, failWith } = steps;
  const promotionEnded = new sfn.Choice(scope, 'Did the promotion succeed?')
    .when(sfn.Condition.stringEquals('$.promoteResult.status', 'Success'), verifyLoop)
    .otherwise(
      failWith(
        'Note the promotion failed',
        Errors.PROMOTION_FAILED,
        `States.Format('The promotion command on {} ended {} ({}, exit code {}): {} {}; traffic is untouched', ${SET}.drMember.instanceId, $.promoteResult.status, $.promoteResult.details, $.promoteResult.code, $.promoteResult.output, $.promoteResult.errors)`,
      ),
    );
  const promote = runOnDrMember(
    steps,
    'promote',
    { send: 'Promote the DR member', read: 'Read the promotion result', until: 'the promotion finished' },
    {
      comment: formatted('ha-workflows dr-promotion {$$.Execution.Name}'),
      commandPath: '$.promote',
      resultPath: '$.promoteResult',
      keep: ['status', 'details', 'code', 'output', 'errors', 'endedAt'],
      catchSend: [
        {
          next: failWith(
            'Note the promotion was not sent',
            Errors.PROMOTION_FAILED,
            `States.Format('Run Command did not take the promotion of {} ({}: {}); the member was not promoted and traffic is untouched', ${SET}.drMember.instanceId, $.failure.Error, $.failure.Cause)`,
          ),
          resultPath: '$.failure',
        },
      ],
      catchRead: [
        {
          next: failWith(
            'Note the promotion result was not read',
            Errors.PROMOTION_FAILED,
            `States.Format('The promotion result of {} could not be read ({}: {}); check the member before anything else — traffic is untouched', ${SET}.drMember.instanceId, $.failure.Error, $.failure.Cause)`,
          ),
          resultPath: '$.failure',
        },
      ],
      interval: COMMAND_POLL_INTERVAL,
      maxPolls: `${SET}.promotePolls`,
      counterPath: '$.polls.promote',
      outcome: {
        ended: promotionEnded,
        stillRunning: failWith(
          'Note the promotion did not finish in time',
          Errors.PROMOTION_FAILED,
          `States.Format('The promotion command on {} was still {} after {} checks; traffic is untouched — look at the member before anything else', ${SET}.drMember.instanceId, $.promoteResult.status, ${SET}.promotePolls)`,
        ),
      },
    },
  );
  return promote;
}
