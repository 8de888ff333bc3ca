import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsCall, pollUntil } from '../../fragments';
import { Aws, Errors, States } from '../../../contracts/errors';
import { NEW_ID, ON_FAILURE, type RecoveryContext } from './context';

// Read-only polls: an EC2 error (after the call's own retries) counts as "not yet" for the poll's whole time
// budget; a persistent one (e.g. InvalidInstanceID.NotFound) ends in the poll's `exhausted` state.
const POLL_TOLERATES = [Aws.EC2, States.TIMEOUT];
const RUNNING_INTERVAL = Duration.seconds(3);
const TERMINATED_INTERVAL = Duration.seconds(5);

/** Reads an instance's state name into `<resultPath>.state`; anything but a tolerated error needs an operator. */
function describeState(ctx: RecoveryContext, id: string, instancePath: string, resultPath: string): AwsCall {
  return new AwsCall(ctx.scope, id, {
    service: 'ec2',
    action: 'describeInstances',
    parameters: { 'InstanceIds.$': `States.Array(${instancePath})` },
    policy: [ctx.describe('ec2:DescribeInstances')],
    resultSelector: { 'state.$': '$.Reservations[0].Instances[0].State.Name' },
    resultPath,
  });
}

const maxAttempts = (timeout: Duration, interval: Duration) =>
  Math.max(1, Math.ceil(timeout.toSeconds() / interval.toSeconds()));

/** Waits until the replacement is `running`, then goes to `then`. */
export function waitUntilRunning(ctx: RecoveryContext, then: sfn.IChainable): sfn.IChainable {
  const { scope, deps } = ctx;
  const readReplacement = describeState(ctx, 'Read replacement state', NEW_ID, '$.replacement');
  const poll = pollUntil(scope, {
    check: readReplacement,
    done: sfn.Condition.stringEquals('$.replacement.state', 'running'),
    interval: RUNNING_INTERVAL,
    maxAttempts: maxAttempts(deps.runningTimeout, RUNNING_INTERVAL),
    counterPath: '$.polls.running',
    label: 'replacement running',
    waitFirst: true,
    tolerateErrors: POLL_TOLERATES,
    exhausted: ctx.failWith(
      'Replacement did not start',
      Errors.REPLACEMENT_NOT_RUNNING,
      `The replacement was not running (or could not be read) within ${deps.runningTimeout.toSeconds()} s`,
    ),
    then,
  });
  // Anything else (after the tolerated errors, which pollUntil catches first) needs an operator.
  readReplacement.addCatch(ctx.needsAttention, ON_FAILURE);
  return poll;
}

/**
 * Waits until the failed instance is `terminated`, then goes to `then`. The fence is confirmed only there: a deny-all
 * security group does not cut connections that are already tracked, and on an impaired host a `shutting-down` guest
 * may still run and write. Until then the replacement stays fenced; if the termination never completes, an operator
 * decides (NEEDS_ATTENTION).
 */
export function confirmFailedInstanceGone(ctx: RecoveryContext, then: sfn.IChainable): sfn.IChainable {
  const { scope, deps } = ctx;
  const readOld = describeState(ctx, 'Read failed instance state', '$.instanceId', '$.old');
  const poll = pollUntil(scope, {
    check: readOld,
    done: sfn.Condition.stringEquals('$.old.state', 'terminated'),
    interval: TERMINATED_INTERVAL,
    maxAttempts: maxAttempts(deps.terminatedTimeout, TERMINATED_INTERVAL),
    counterPath: '$.polls.fence',
    label: 'failed instance terminated',
    tolerateErrors: POLL_TOLERATES,
    exhausted: ctx.failWith(
      'Fence not confirmed',
      Errors.FENCE_UNCONFIRMED,
      `The failed instance was not confirmed terminated within ${deps.terminatedTimeout.toSeconds()} s; ` +
        'the replacement stays fenced and unregistered',
    ),
    then,
  });
  readOld.addCatch(ctx.needsAttention, ON_FAILURE);
  return poll;
}
