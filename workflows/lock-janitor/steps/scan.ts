import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { STATE_TABLE_KEYS } from '../../base/foundation';
import { AwsCall, LOCK_ATTRIBUTES } from '../../fragments';
import { Errors, States } from '../../../contracts/errors';
import { FAILED_INSTANCE_ATTRIBUTE } from '../constants';
import type { LockJanitorDeps } from '../definition';
import { ENDED } from './paths';

/** Takes the ended execution from its status-change event (`$.ended`); anything else fails. */
export function readEvent(scope: Construct, next: sfn.IChainable): sfn.IChainable {
  const takeEnded = new sfn.Pass(scope, 'Take the ended execution from the event', {
    parameters: {
      'executionArn.$': '$.detail.executionArn',
      'name.$': '$.detail.name',
      'status.$': '$.detail.status',
      'stateMachineArn.$': '$.detail.stateMachineArn',
      'at.$': '$.time',
    },
    resultPath: ENDED,
  });
  takeEnded.next(next);
  const unrecognized = new sfn.Fail(scope, 'Not an execution status event', {
    error: Errors.INVALID_INPUT,
    cause:
      'Expected a "Step Functions Execution Status Change" event (detail.executionArn, name, status, stateMachineArn)',
  });
  return new sfn.Choice(scope, 'Read the event')
    .when(
      sfn.Condition.and(
        ...['$.detail.executionArn', '$.detail.name', '$.detail.status', '$.detail.stateMachineArn', '$.time'].flatMap(
          (p) => [sfn.Condition.isPresent(p), sfn.Condition.isString(p)],
        ),
      ),
      takeEnded,
    )
    .otherwise(unrecognized);
}

export interface FindLocksProps {
  /** Releases the items found (`$.scan.Items`). */
  readonly releaseEach: sfn.IChainable;
  /** Where a failed scan goes (with `$.released` and `$.scanNote` saying so). */
  readonly report: sfn.IChainable;
}

/**
 * Scans the state table for the items whose `owner` is the ended execution (one Scan page, up to 1 MB). A FAILED
 * execution that held nothing was reported by its own failure path: the janitor ends quietly.
 */
export function findLocks(scope: Construct, deps: LockJanitorDeps, props: FindLocksProps): sfn.IChainable {
  const failedScan = new sfn.Pass(scope, 'Note the table could not be scanned', {
    parameters: { 'error.$': "States.Format('the scan failed ({}): nothing released', $.scanError.Error)" },
    resultPath: '$.released',
  });
  failedScan.next(
    new sfn.Pass(scope, 'Note nothing was scanned', {
      result: sfn.Result.fromObject({ complete: 'NO - the scan failed' }),
      resultPath: '$.scanNote',
    }).next(props.report),
  );
  const scan = new AwsCall(scope, 'Find the locks of the ended execution', {
    service: 'dynamodb',
    action: 'scan',
    parameters: {
      TableName: deps.table.tableName,
      FilterExpression: '#owner = :arn',
      ProjectionExpression: '#pk, #failed',
      ExpressionAttributeNames: {
        '#owner': LOCK_ATTRIBUTES.owner,
        '#pk': STATE_TABLE_KEYS.partitionKey,
        '#failed': FAILED_INSTANCE_ATTRIBUTE,
      },
      ExpressionAttributeValues: { ':arn': { 'S.$': `${ENDED}.executionArn` } },
    },
    policy: [new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [deps.table.tableArn] })],
    resultPath: '$.scan',
  });
  scan.addCatch(failedScan, { errors: [States.ALL], resultPath: '$.scanError' });
  const reportedByItself = new sfn.Succeed(scope, 'The failed execution held nothing', {
    comment: 'Its own failure path released its locks and notified the operators: nothing to add',
  });
  scan.next(
    new sfn.Choice(scope, 'Did it fail holding nothing?')
      .when(
        sfn.Condition.and(
          sfn.Condition.stringEquals(`${ENDED}.status`, 'FAILED'),
          sfn.Condition.not(sfn.Condition.isPresent('$.scan.Items[0]')),
        ),
        reportedByItself,
      )
      .otherwise(props.releaseEach),
  );
  return scan;
}
