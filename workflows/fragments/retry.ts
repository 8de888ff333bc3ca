import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Aws, Errors, type Integration, States, THROTTLING_ERRORS } from '../../contracts/errors';

/**
 * The throttling retry of one Task: the names its integration reports throttling under (`THROTTLING_ERRORS`), 5
 * retries × backoff 2 from 1 s, capped at 20 s, full jitter → at most 1 + 2 + 4 + 8 + 16 = 31 s of waiting (less with
 * jitter). Where throttling is unmodeled (every EC2 error is `Ec2.Ec2Exception`, ELBv2's and CloudWatch's throttling
 * arrive under their generic name), the service's other unmodeled errors are retried too, a bounded number of times,
 * before the Catch sees them. Pass the Task itself or its integration.
 */
export function throttlingRetry(target: Integration | sfn.TaskStateBase | sfn.CustomState): sfn.RetryProps {
  const integration = typeof target === 'string' ? target : integrationOf(target);
  return {
    errors: [...THROTTLING_ERRORS[integration]],
    interval: Duration.seconds(1),
    maxAttempts: 5,
    backoffRate: 2,
    maxDelay: Duration.seconds(20),
    jitterStrategy: sfn.JitterType.FULL,
  };
}

/** The integration a CDK Task state uses; throws for a kind of Task this project does not use. */
export function integrationOf(task: sfn.TaskStateBase | sfn.CustomState): Integration {
  if (task instanceof sfn.CustomState) {
    const resource = String((task as unknown as { stateJson: { Resource?: unknown } }).stateJson.Resource ?? '');
    const m = /:states:::(aws-sdk:\w+|\w+):/.exec(resource);
    if (m && m[1] in THROTTLING_ERRORS) return m[1] as Integration;
    throw new Error(
      `throttlingRetry: no throttling error names are known for the resource ${resource} (THROTTLING_ERRORS)`,
    );
  }
  if (task instanceof tasks.CallAwsService) {
    const service = (task as unknown as { props: tasks.CallAwsServiceProps }).props.service;
    const integration = `aws-sdk:${service}`;
    if (integration in THROTTLING_ERRORS) return integration as Integration;
    throw new Error(`throttlingRetry: no throttling error names are known for ${integration} (THROTTLING_ERRORS)`);
  }
  if (
    task instanceof tasks.DynamoGetItem ||
    task instanceof tasks.DynamoPutItem ||
    task instanceof tasks.DynamoUpdateItem ||
    task instanceof tasks.DynamoDeleteItem
  ) {
    return 'dynamodb';
  }
  if (task instanceof tasks.SnsPublish) return 'sns';
  if (task instanceof tasks.StepFunctionsStartExecution) return 'states';
  if (task instanceof tasks.LambdaInvoke) return 'lambda';
  throw new Error(`throttlingRetry: unknown kind of Task ${task.node.path}; pass its Integration`);
}

/** Lambda service errors: 3 retries × backoff 2 from 1 s, cap 10 s, full jitter → at most 1 + 2 + 4 = 7 s. */
export const LAMBDA_SERVICE_RETRY: sfn.RetryProps = {
  errors: [...Aws.LAMBDA_SERVICE],
  interval: Duration.seconds(1),
  maxAttempts: 3,
  backoffRate: 2,
  maxDelay: Duration.seconds(10),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * An EC2 call made while a database is frozen (CreateSnapshots): 3 retries × backoff 2 from 1 s, cap 4 s, full
 * jitter → at most 1 + 2 + 4 = 7 s more of freeze. Shorter than throttlingRetry (31 s) because every second
 * here is a second of suspended database writes, and EC2's errors all share one name, so a hard error is
 * retried too before the thaw.
 */
export const FROZEN_CALL_RETRY: sfn.RetryProps = {
  errors: [Aws.EC2],
  interval: Duration.seconds(1),
  maxAttempts: 3,
  backoffRate: 2,
  maxDelay: Duration.seconds(4),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * GetCommandInvocation right after SendCommand: the invocation is not visible for about a second
 * (latency-model §4). 3 retries × backoff 2 from 1 s, cap 4 s → at most 1 + 2 + 4 = 7 s.
 */
export const INVOCATION_VISIBLE_RETRY: sfn.RetryProps = {
  errors: [Aws.SSM_INVOCATION_DOES_NOT_EXIST],
  interval: Duration.seconds(1),
  maxAttempts: 3,
  backoffRate: 2,
  maxDelay: Duration.seconds(4),
};

/**
 * Starting a child execution (`states:startExecution`): the open-executions quota, and every unmodeled error (its
 * throttling, `ThrottlingException`, has no shape in the model, so it arrives as `AWSStepFunctionsException`) or
 * client-side one, 5
 * retries × backoff 2 from 1 s, cap 20 s, full jitter → at most 31 s. A retried start with the same name and
 * input finds the child already running (StartExecution is idempotent for it).
 */
export const START_CHILD_RETRY: sfn.RetryProps = {
  errors: [Aws.SFN_EXECUTION_LIMIT_EXCEEDED, ...Aws.SFN_START_UNMODELED],
  interval: Duration.seconds(1),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(20),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * An instance recovery's EC2 calls (all idempotent: describe, modify, tag, terminate): EC2 errors all arrive as
 * `Ec2.Ec2Exception`, throttling and hard errors alike, so this is bounded by time rather than by the error's
 * kind: 10 retries (the project's cap) × backoff 2 from 1 s, capped at 15 s, full jitter → at most
 * 1 + 2 + 4 + 8 + 6 × 15 = 105 s of waiting before the Catch sees a hard error (e.g. InvalidInstanceID.NotFound).
 * A call throttled half the time fails all 11 attempts with probability 2^-11.
 */
export const RECOVERY_EC2_RETRY: sfn.RetryProps = {
  errors: [Aws.EC2],
  interval: Duration.seconds(1),
  maxAttempts: 10,
  backoffRate: 2,
  maxDelay: Duration.seconds(15),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * A recovery's Lambda tasks whose SDK clients gave up on throttling (3 attempts each, then the error's name is the
 * API's throttling code): 10 retries × backoff 2 from 1 s, capped at 15 s, full jitter → at most 105 s. A hard
 * error keeps its own name and is not retried.
 */
export const RECOVERY_LAMBDA_THROTTLING_RETRY: sfn.RetryProps = {
  errors: [...Aws.SDK_THROTTLING],
  interval: Duration.seconds(1),
  maxAttempts: 10,
  backoffRate: 2,
  maxDelay: Duration.seconds(15),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * A cross-region snapshot copy refused because the destination region already has its 20 concurrent copies in
 * progress (EBS quota, not adjustable; a copy takes minutes to hours): 8 retries × backoff 2 from 60 s, capped at
 * 600 s, no jitter → 60 + 120 + 240 + 480 + 4 × 600 = 3,300 s of waiting before the Catch sees it. Only for a
 * task that starts just the copies still missing (copy-snapshots).
 */
export const COPY_LIMIT_RETRY: sfn.RetryProps = {
  errors: [Errors.SNAPSHOT_COPY_LIMIT_REACHED],
  interval: Duration.seconds(60),
  maxAttempts: 8,
  backoffRate: 2,
  maxDelay: Duration.seconds(600),
};
/** COPY_LIMIT_RETRY's worst-case waiting, in seconds. */
export const COPY_LIMIT_RETRY_WAIT_SECONDS = 3300;

/**
 * An idempotent Lambda task whose response may be lost: the Task's own timeout (`States.Timeout`) or the
 * function's (`Sandbox.Timedout`). 2 retries × backoff 2 from 2 s → at most 2 + 4 = 6 s of waiting (plus the
 * timeouts themselves). Only for tasks that find what an earlier attempt did (ClientToken, tags).
 */
export const LOST_RESPONSE_RETRY: sfn.RetryProps = {
  errors: [States.TIMEOUT, Aws.LAMBDA_TIMED_OUT],
  interval: Duration.seconds(2),
  maxAttempts: 2,
  backoffRate: 2,
  maxDelay: Duration.seconds(4),
};

/**
 * An idempotent DynamoDB write (a lock taken or released by its own owner, a hand-off mark, a record keyed by the
 * execution) whose call failed on DynamoDB's side or whose response was lost: DynamoDB's server errors and the Task's
 * own timeout (`States.Timeout`: the write may have taken effect). Retrying is safe only because a second attempt
 * finds what the first did (takeLock accepts its own lock, releaseLock its own release). 5 retries × backoff 2 from
 * 1 s, cap 20 s, full jitter → at most 31 s of waiting, plus up to 5 × API_CALL_TIMEOUT for lost responses. Found by
 * the fault campaign: one DynamoDB 500 on the lock failed a mirror failover and left traffic on the old primary.
 */
export const IDEMPOTENT_WRITE_RETRY: sfn.RetryProps = {
  errors: [...Aws.DYNAMODB_SERVER, States.TIMEOUT],
  interval: Duration.seconds(1),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(20),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * A DynamoDB read (GetItem on the optimized integration) whose call failed on DynamoDB's side or timed out: reading
 * again changes nothing, so the same errors and budget as IDEMPOTENT_WRITE_RETRY: 5 retries × backoff 2 from 1 s, cap 20 s, full jitter → at most 31 s of waiting. Before,
 * these reads retried throttling only, so one DynamoDB 500 on the rescue's read of a frozen instance's record ended
 * the rescue (CRITICAL) without a thaw.
 */
export const DYNAMODB_READ_RETRY: sfn.RetryProps = { ...IDEMPOTENT_WRITE_RETRY };

/**
 * Throttling on a release of an execution's own lock: a lock left held blocks every later run of its resource until
 * the lease expires, so the release waits out throttling longer than other calls. 10 retries × backoff 2 from 1 s,
 * cap 30 s, full jitter → at most 1 + 2 + 4 + 8 + 16 + 5 × 30 = 181 s of waiting. Found by the fault campaign:
 * DynamoDB throttling 60–75 % of writes for minutes left a finished backup's lock held.
 */
export const RELEASE_THROTTLING_RETRY: sfn.RetryProps = {
  errors: [...THROTTLING_ERRORS.dynamodb],
  interval: Duration.seconds(1),
  maxAttempts: 10,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * DynamoDB's own failures (and a lost response) on a release of an execution's own lock: retried as long as
 * throttling (RELEASE_THROTTLING_RETRY), for the same reason. 10 retries × backoff 2 from 1 s, cap 30 s, full
 * jitter → at most 181 s of waiting. The release is idempotent (it also succeeds on its own earlier release, see
 * releaseLock). Found by the fault campaign: DynamoDB failing 80 % of writes for 160 s outlasted
 * IDEMPOTENT_WRITE_RETRY (5 retries) and left a finished backup's lock held until its lease expired.
 */
export const RELEASE_SERVER_ERROR_RETRY: sfn.RetryProps = {
  ...RELEASE_THROTTLING_RETRY,
  errors: [...Aws.DYNAMODB_SERVER, States.TIMEOUT],
};

/**
 * A cleanup's release of another execution's lock (releaseLock with `ownerPath`) that met DynamoDB's own failure:
 * retried like IDEMPOTENT_WRITE_RETRY but not on `States.Timeout` — such a release is not re-entrant (a second attempt
 * after one that took effect finds the lock gone and reports it released before), and a lost response is rarer than
 * a 500 that changed nothing. Found by the fault campaign: one DynamoDB 500 on the lock janitor's release left a
 * stopped recovery's lock held until its lease expired.
 */
export const CLEANUP_WRITE_RETRY: sfn.RetryProps = {
  ...IDEMPOTENT_WRITE_RETRY,
  errors: [...Aws.DYNAMODB_SERVER],
};

/**
 * A notification whose Publish failed on SNS's side or whose response was lost: at worst the operators get the same
 * message twice, which is better than none, and a minute late is better than never. 6 retries × backoff 2 from 1 s,
 * cap 20 s, full jitter → at most 1 + 2 + 4 + 8 + 16 + 20 = 51 s of waiting. Found by the fault campaign: one SNS
 * 500 left a failed run unannounced (and with 3 retries, SNS failing half the calls for a minute still did).
 */
export const NOTIFY_RETRY: sfn.RetryProps = {
  errors: [Aws.SNS_INTERNAL_ERROR, States.TIMEOUT],
  interval: Duration.seconds(1),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.seconds(20),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * A read (Describe*, Get*) whose response was lost or came late: nothing changed, so it is read again.
 * 2 retries × backoff 2 from 1 s → at most 1 + 2 = 3 s of waiting (plus the timeouts). Found by the fault campaign:
 * one slow DescribeTargetHealth failed a mirror failover's healthy wait.
 */
export const READ_TIMEOUT_RETRY: sfn.RetryProps = {
  errors: [States.TIMEOUT],
  interval: Duration.seconds(1),
  maxAttempts: 2,
  backoffRate: 2,
  maxDelay: Duration.seconds(4),
};

/**
 * A Lambda task that only reads (or whose writes find what an earlier attempt did), whose SDK call failed on the
 * service's side after the client's own 3 attempts: 3 retries × backoff 2 from 2 s, cap 10 s, full jitter → at most
 * 2 + 4 + 8 = 14 s of waiting. Found by the fault campaign: one ELBv2 500 surviving the SDK's retries failed a mirror
 * failover's target read and left traffic on the old primary.
 */
export const SDK_SERVER_ERROR_RETRY: sfn.RetryProps = {
  errors: [...Aws.SDK_SERVER_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 3,
  backoffRate: 2,
  maxDelay: Duration.seconds(10),
  jitterStrategy: sfn.JitterType.FULL,
};

/** Default `TimeoutSeconds` of one AWS API call made by a Task. */
export const API_CALL_TIMEOUT = Duration.seconds(30);

/** Default `TimeoutSeconds` of a Lambda task. */
export const LAMBDA_TASK_TIMEOUT = Duration.seconds(60);
