import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Aws, Errors, type Integration, States, THROTTLING_ERRORS } from '../../contracts/errors';

// ── Budgets: how often and how long a Retry waits ───────────────────────────────────────────────────────────────

/**
 * How often and how long one Retry waits (Step Functions' `IntervalSeconds`, `MaxAttempts`, `BackoffRate`,
 * `MaxDelaySeconds`, `JitterStrategy`), with its worst-case waiting written next to it: `budget()` checks that figure
 * against the arithmetic when this module loads, so the number a reader sees cannot drift from the retrier.
 */
export interface RetryBudget {
  readonly intervalSeconds: number;
  /** Retries after the first attempt (`MaxAttempts`). */
  readonly retries: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds: number;
  /** `JitterStrategy: FULL` (each wait drawn between 0 and its ceiling; the worst case is the ceiling). */
  readonly jitter: boolean;
  /** Σ min(interval × backoff^i, maxDelay) for i < retries: the longest the retrier can wait in all. */
  readonly worstWaitSeconds: number;
}

/**
 * The longest a retrier waits in all: retry i waits min(interval × backoff^i, MaxDelaySeconds) (full jitter only
 * shortens it). Step Functions' defaults fill what the props leave out (IntervalSeconds 1, MaxAttempts 3,
 * BackoffRate 2: "Retrying after an error", Step Functions developer guide).
 */
export function worstWaitSeconds(
  retry: Pick<RetryBudget, 'intervalSeconds' | 'retries' | 'backoffRate'> & { readonly maxDelaySeconds?: number },
): number {
  let total = 0;
  for (let i = 0; i < retry.retries; i++) {
    total += Math.min(retry.intervalSeconds * retry.backoffRate ** i, retry.maxDelaySeconds ?? Infinity);
  }
  return total;
}

/** The same arithmetic over a CDK retrier (what a Task state renders). */
export function worstWaitOf(props: sfn.RetryProps): number {
  return worstWaitSeconds({
    intervalSeconds: props.interval?.toSeconds() ?? 1,
    retries: props.maxAttempts ?? 3,
    backoffRate: props.backoffRate ?? 2,
    maxDelaySeconds: props.maxDelay?.toSeconds(),
  });
}

/** `b`, once its written worst case matches the arithmetic (else an error naming the budget and both figures). */
export function budget(name: string, b: RetryBudget): RetryBudget {
  const computed = worstWaitSeconds(b);
  if (computed !== b.worstWaitSeconds) {
    throw new Error(
      `retry budget ${name}: worstWaitSeconds says ${b.worstWaitSeconds} s, the arithmetic gives ${computed} s`,
    );
  }
  return b;
}

/** The budgets, each with its arithmetic (checked by `budget()`). */
export const BUDGETS = {
  /** 5 retries × 2 from 1 s, cap 20 s, full jitter: 1 + 2 + 4 + 8 + 16 = 31 s. */
  THROTTLING: budget('THROTTLING', {
    intervalSeconds: 1,
    retries: 5,
    backoffRate: 2,
    maxDelaySeconds: 20,
    jitter: true,
    worstWaitSeconds: 31,
  }),
  /** 3 retries × 2 from 1 s, cap 10 s, full jitter: 1 + 2 + 4 = 7 s. */
  SHORT: budget('SHORT', {
    intervalSeconds: 1,
    retries: 3,
    backoffRate: 2,
    maxDelaySeconds: 10,
    jitter: true,
    worstWaitSeconds: 7,
  }),
  /** 3 retries × 2 from 1 s, cap 4 s, full jitter: 1 + 2 + 4 = 7 s (every second may be a second of freeze). */
  FROZEN: budget('FROZEN', {
    intervalSeconds: 1,
    retries: 3,
    backoffRate: 2,
    maxDelaySeconds: 4,
    jitter: true,
    worstWaitSeconds: 7,
  }),
  /** 3 retries × 2 from 1 s, cap 4 s, no jitter: 1 + 2 + 4 = 7 s (waiting for something to become visible). */
  VISIBLE: budget('VISIBLE', {
    intervalSeconds: 1,
    retries: 3,
    backoffRate: 2,
    maxDelaySeconds: 4,
    jitter: false,
    worstWaitSeconds: 7,
  }),
  /** 10 retries (the project's cap) × 2 from 1 s, cap 15 s, full jitter: 1 + 2 + 4 + 8 + 6 × 15 = 105 s. */
  LONG: budget('LONG', {
    intervalSeconds: 1,
    retries: 10,
    backoffRate: 2,
    maxDelaySeconds: 15,
    jitter: true,
    worstWaitSeconds: 105,
  }),
  /** 10 retries × 2 from 1 s, cap 30 s, full jitter: 1 + 2 + 4 + 8 + 16 + 5 × 30 = 181 s. */
  LONGEST: budget('LONGEST', {
    intervalSeconds: 1,
    retries: 10,
    backoffRate: 2,
    maxDelaySeconds: 30,
    jitter: true,
    worstWaitSeconds: 181,
  }),
  /** 6 retries × 2 from 1 s, cap 20 s, full jitter: 1 + 2 + 4 + 8 + 16 + 20 = 51 s. */
  NOTIFY: budget('NOTIFY', {
    intervalSeconds: 1,
    retries: 6,
    backoffRate: 2,
    maxDelaySeconds: 20,
    jitter: true,
    worstWaitSeconds: 51,
  }),
  /** 2 retries × 2 from 1 s, cap 4 s, no jitter: 1 + 2 = 3 s (plus the timeouts themselves). */
  READ_AGAIN: budget('READ_AGAIN', {
    intervalSeconds: 1,
    retries: 2,
    backoffRate: 2,
    maxDelaySeconds: 4,
    jitter: false,
    worstWaitSeconds: 3,
  }),
  /** 2 retries × 2 from 2 s, cap 4 s, no jitter: 2 + 4 = 6 s (plus the timeouts themselves). */
  RUN_AGAIN: budget('RUN_AGAIN', {
    intervalSeconds: 2,
    retries: 2,
    backoffRate: 2,
    maxDelaySeconds: 4,
    jitter: false,
    worstWaitSeconds: 6,
  }),
  /** 8 retries × 2 from 60 s, cap 600 s, no jitter: 60 + 120 + 240 + 480 + 4 × 600 = 3,300 s. */
  COPY_LIMIT: budget('COPY_LIMIT', {
    intervalSeconds: 60,
    retries: 8,
    backoffRate: 2,
    maxDelaySeconds: 600,
    jitter: false,
    worstWaitSeconds: 3300,
  }),
} as const;

/** A retrier with its worst-case waiting (the budget's, which the renderer ignores: only the RetryProps reach ASL). */
export type RetryPolicy = sfn.RetryProps & { readonly worstWaitSeconds: number };

/** The retrier for `errors` with budget `b`. */
export function retryOn(errors: readonly string[], b: RetryBudget): RetryPolicy {
  // Frozen: the named policies are shared by every Task that adds them.
  return Object.freeze({
    errors: Object.freeze([...errors]) as string[],
    interval: Duration.seconds(b.intervalSeconds),
    maxAttempts: b.retries,
    backoffRate: b.backoffRate,
    maxDelay: Duration.seconds(b.maxDelaySeconds),
    ...(b.jitter ? { jitterStrategy: sfn.JitterType.FULL } : {}),
    worstWaitSeconds: b.worstWaitSeconds,
  });
}

// ── The table: per integration, which errors are retried with which budget ──────────────────────────────────────

/**
 * The one home of the SDK-integration and optimized Tasks' retries: for each integration, each kind of failure it
 * retries, the names that failure reaches a Retry under (contracts/errors.ts), and its budget. `throttling` is every
 * Task's default (`throttlingRetry`, AwsCall); the other rows are for the calls named in their comments. The named
 * policies below are this table's cells. A read also retries a lost or late answer (`READ_TIMEOUT_RETRY`, any
 * integration).
 */
export const RETRY_TABLE = {
  'aws-sdk:ec2': {
    /**
     * Throttling (and, EC2 modeling no error shapes, every other EC2 error: bounded): THROTTLING, at most 31 s.
     */
    throttling: retryOn(THROTTLING_ERRORS['aws-sdk:ec2'], BUDGETS.THROTTLING),
    /** A call made while a database is frozen (CreateSnapshots): FROZEN, at most 7 s more of freeze. */
    frozen: retryOn([Aws.EC2], BUDGETS.FROZEN),
    /** An instance recovery's idempotent calls (describe, modify, tag, terminate): LONG, at most 105 s. */
    recovery: retryOn([Aws.EC2], BUDGETS.LONG),
  },
  'aws-sdk:elasticloadbalancingv2': {
    throttling: retryOn(THROTTLING_ERRORS['aws-sdk:elasticloadbalancingv2'], BUDGETS.THROTTLING),
  },
  'aws-sdk:ssm': {
    throttling: retryOn(THROTTLING_ERRORS['aws-sdk:ssm'], BUDGETS.THROTTLING),
    /** GetCommandInvocation before the invocation is visible: VISIBLE, at most 7 s. */
    invocationNotVisible: retryOn([Aws.SSM_INVOCATION_DOES_NOT_EXIST], BUDGETS.VISIBLE),
  },
  'aws-sdk:cloudwatch': { throttling: retryOn(THROTTLING_ERRORS['aws-sdk:cloudwatch'], BUDGETS.THROTTLING) },
  'aws-sdk:sfn': { throttling: retryOn(THROTTLING_ERRORS['aws-sdk:sfn'], BUDGETS.THROTTLING) },
  'aws-sdk:dynamodb': { throttling: retryOn(THROTTLING_ERRORS['aws-sdk:dynamodb'], BUDGETS.THROTTLING) },
  dynamodb: {
    throttling: retryOn(THROTTLING_ERRORS.dynamodb, BUDGETS.THROTTLING),
    /** An idempotent write or a read: DynamoDB's own failures and a lost response, THROTTLING budget, at most 31 s. */
    serverError: retryOn([...Aws.DYNAMODB_SERVER, States.TIMEOUT], BUDGETS.THROTTLING),
    /** A release of another execution's lock (not re-entrant, so no `States.Timeout`): at most 31 s. */
    serverErrorNotReentrant: retryOn(Aws.DYNAMODB_SERVER, BUDGETS.THROTTLING),
    /** Throttling on the release of an execution's own lock: LONGEST, at most 181 s. */
    releaseThrottling: retryOn(THROTTLING_ERRORS.dynamodb, BUDGETS.LONGEST),
    /** DynamoDB's own failures (and a lost response) on the release of an execution's own lock: at most 181 s. */
    releaseServerError: retryOn([...Aws.DYNAMODB_SERVER, States.TIMEOUT], BUDGETS.LONGEST),
  },
  sns: {
    throttling: retryOn(THROTTLING_ERRORS.sns, BUDGETS.THROTTLING),
    /** SNS's own failure or a lost response on Publish: NOTIFY, at most 51 s. */
    serverError: retryOn([Aws.SNS_INTERNAL_ERROR, States.TIMEOUT], BUDGETS.NOTIFY),
  },
  states: {
    throttling: retryOn(THROTTLING_ERRORS.states, BUDGETS.THROTTLING),
    /** startExecution: the open-executions quota and every unmodeled or client-side error: at most 31 s. */
    startChild: retryOn([Aws.SFN_EXECUTION_LIMIT_EXCEEDED, ...Aws.SFN_START_UNMODELED], BUDGETS.THROTTLING),
  },
  /**
   * A Lambda task: the Lambda service's own errors, and, for a task the state machine re-runs, the SDK's names for
   * throttling and a service's own failure (lambdaTaskRetries in ./tasks.ts applies them from the task's declaration).
   */
  lambda: {
    /** Lambda's own service errors (the function did not run): SHORT, at most 7 s. */
    service: retryOn(Aws.LAMBDA_SERVICE, BUDGETS.SHORT),
    /** Throttling its one-attempt SDK calls met: LONGEST, at most 181 s (see RERUN_THROTTLING_RETRY). */
    rerunThrottling: retryOn(THROTTLING_ERRORS.lambda, BUDGETS.LONGEST),
    /** An AWS service's own failure its one-attempt SDK calls met: LONG, at most 105 s (RERUN_SERVER_ERROR_RETRY). */
    rerunServerError: retryOn(Aws.SDK_SERVER_ERRORS, BUDGETS.LONG),
  },
} as const satisfies { readonly [I in Exclude<Integration, 'lambda'>]: { readonly throttling: RetryPolicy } } & {
  readonly [I in Integration]: Record<string, RetryPolicy>;
};

/**
 * The throttling retry of one Task (`RETRY_TABLE[integration].throttling`): the names its integration reports
 * throttling under (`THROTTLING_ERRORS`), THROTTLING budget, at most 31 s of waiting (less with jitter). Where
 * throttling is unmodeled (every EC2 error is `Ec2.Ec2Exception`, ELBv2's and CloudWatch's throttling arrive under
 * their generic name), the service's other unmodeled errors are retried too, a bounded number of times, before the
 * Catch sees them. Pass the Task itself or its integration.
 */
export function throttlingRetry(target: Integration | sfn.TaskStateBase | sfn.CustomState): RetryPolicy {
  const integration = typeof target === 'string' ? target : integrationOf(target);
  if (integration === 'lambda') {
    throw new Error(
      "throttlingRetry: a Lambda task's retries come from its declaration (contracts/task-retries.ts): use lambdaTask or lambdaTaskRetries",
    );
  }
  const cell = RETRY_TABLE[integration].throttling;
  return { ...cell, errors: [...(cell.errors ?? [])] };
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

// ── The named policies (cells of RETRY_TABLE, or budgets of the Lambda tasks' own errors) ─────────────────────────

/** Lambda service errors (RETRY_TABLE.lambda.service): SHORT, at most 7 s. */
export const LAMBDA_SERVICE_RETRY: RetryPolicy = RETRY_TABLE.lambda.service;

/**
 * An EC2 call made while a database is frozen (CreateSnapshots, RETRY_TABLE['aws-sdk:ec2'].frozen): FROZEN, at most
 * 7 s more of freeze. Shorter than throttlingRetry (31 s) because every second here is a second of suspended database
 * writes, and EC2's errors all share one name, so a hard error is retried too before the thaw.
 */
export const FROZEN_CALL_RETRY: RetryPolicy = RETRY_TABLE['aws-sdk:ec2'].frozen;

/**
 * GetCommandInvocation right after SendCommand: the invocation is not visible for about a second
 * (latency-model §4). VISIBLE, at most 7 s.
 */
export const INVOCATION_VISIBLE_RETRY: RetryPolicy = RETRY_TABLE['aws-sdk:ssm'].invocationNotVisible;

/**
 * Starting a child execution (`states:startExecution`): the open-executions quota, and every unmodeled error (its
 * throttling, `ThrottlingException`, has no shape in the model, so it arrives as `AWSStepFunctionsException`) or
 * client-side one: THROTTLING budget, at most 31 s. A retried start with the same name and input finds the child
 * already running (StartExecution is idempotent for it).
 */
export const START_CHILD_RETRY: RetryPolicy = RETRY_TABLE.states.startChild;

/**
 * An instance recovery's EC2 calls (all idempotent: describe, modify, tag, terminate): EC2 errors all arrive as
 * `Ec2.Ec2Exception`, throttling and hard errors alike, so this is bounded by time rather than by the error's
 * kind: LONG, at most 105 s of waiting before the Catch sees a hard error (e.g. InvalidInstanceID.NotFound).
 * A call throttled half the time fails all 11 attempts with probability 2^-11.
 */
export const RECOVERY_EC2_RETRY: RetryPolicy = RETRY_TABLE['aws-sdk:ec2'].recovery;

/**
 * Throttling met by a Lambda task the state machine re-runs (`rerun: true` in contracts/task-retries.ts; its SDK
 * clients make one attempt per call, so the name is the API's throttling code): LONGEST, at most 181 s of waiting
 * over 11 runs — longer than before (LONG, 105 s, plus the SDK's own backoff of up to 1 + 2 s per call and run), with
 * each call tried 11 times instead of 3 × 11. A hard error keeps its own name and is not retried.
 */
export const RERUN_THROTTLING_RETRY: RetryPolicy = RETRY_TABLE.lambda.rerunThrottling;

/**
 * A cross-region snapshot copy refused because the destination region already has its 20 concurrent copies in
 * progress (EBS quota, not adjustable; a copy takes minutes to hours): COPY_LIMIT, at most 3,300 s of waiting before
 * the Catch sees it. Only for a task that starts just the copies still missing (copy-snapshots).
 */
export const COPY_LIMIT_RETRY: RetryPolicy = retryOn([Errors.SNAPSHOT_COPY_LIMIT_REACHED], BUDGETS.COPY_LIMIT);
/** COPY_LIMIT_RETRY's worst-case waiting, in seconds. */
export const COPY_LIMIT_RETRY_WAIT_SECONDS = COPY_LIMIT_RETRY.worstWaitSeconds;

/**
 * An idempotent Lambda task whose response may be lost: the Task's own timeout (`States.Timeout`) or the
 * function's (`Sandbox.Timedout`). RUN_AGAIN, at most 6 s of waiting (plus the timeouts themselves). Only for tasks
 * that find what an earlier attempt did (ClientToken, tags).
 */
export const LOST_RESPONSE_RETRY: RetryPolicy = retryOn([States.TIMEOUT, Aws.LAMBDA_TIMED_OUT], BUDGETS.RUN_AGAIN);

/**
 * An idempotent DynamoDB write (a lock taken or released by its own owner, a hand-off mark, a record keyed by the
 * execution) whose call failed on DynamoDB's side or whose response was lost: DynamoDB's server errors and the Task's
 * own timeout (`States.Timeout`: the write may have taken effect). Retrying is safe only because a second attempt
 * finds what the first did (takeLock accepts its own lock, releaseLock its own release). THROTTLING budget, at most
 * 31 s of waiting, plus up to 5 × API_CALL_TIMEOUT for lost responses. Found by the fault campaign: one DynamoDB 500
 * on the lock failed a mirror failover and left traffic on the old primary.
 */
export const IDEMPOTENT_WRITE_RETRY: RetryPolicy = RETRY_TABLE.dynamodb.serverError;

/**
 * A DynamoDB read (GetItem on the optimized integration) whose call failed on DynamoDB's side or timed out: reading
 * again changes nothing, so the same errors and budget as IDEMPOTENT_WRITE_RETRY (at most 31 s). Before, these reads
 * retried throttling only, so one DynamoDB 500 on the rescue's read of a frozen instance's record ended the rescue
 * (CRITICAL) without a thaw.
 */
export const DYNAMODB_READ_RETRY: RetryPolicy = RETRY_TABLE.dynamodb.serverError;

/**
 * Throttling on a release of an execution's own lock: a lock left held blocks every later run of its resource until
 * the lease expires, so the release waits out throttling longer than other calls. LONGEST, at most 181 s of waiting.
 * Found by the fault campaign: DynamoDB throttling 60–75 % of writes for minutes left a finished backup's lock held.
 */
export const RELEASE_THROTTLING_RETRY: RetryPolicy = RETRY_TABLE.dynamodb.releaseThrottling;

/**
 * DynamoDB's own failures (and a lost response) on a release of an execution's own lock: retried as long as
 * throttling (RELEASE_THROTTLING_RETRY), for the same reason: LONGEST, at most 181 s of waiting. The release is
 * idempotent (it also succeeds on its own earlier release, see releaseLock). Found by the fault campaign: DynamoDB
 * failing 80 % of writes for 160 s outlasted IDEMPOTENT_WRITE_RETRY (5 retries) and left a finished backup's lock
 * held until its lease expired.
 */
export const RELEASE_SERVER_ERROR_RETRY: RetryPolicy = RETRY_TABLE.dynamodb.releaseServerError;

/**
 * A cleanup's release of another execution's lock (releaseLock with `ownerPath`) that met DynamoDB's own failure:
 * retried like IDEMPOTENT_WRITE_RETRY (at most 31 s) but not on `States.Timeout` — such a release is not re-entrant (a
 * second attempt after one that took effect finds the lock gone and reports it released before), and a lost response
 * is rarer than a 500 that changed nothing. Found by the fault campaign: one DynamoDB 500 on the lock janitor's
 * release left a stopped recovery's lock held until its lease expired.
 */
export const CLEANUP_WRITE_RETRY: RetryPolicy = RETRY_TABLE.dynamodb.serverErrorNotReentrant;

/**
 * A notification whose Publish failed on SNS's side or whose response was lost: at worst the operators get the same
 * message twice, which is better than none, and a minute late is better than never. NOTIFY, at most 51 s of waiting.
 * Found by the fault campaign: one SNS 500 left a failed run unannounced (and with 3 retries, SNS failing half the
 * calls for a minute still did).
 */
export const NOTIFY_RETRY: RetryPolicy = RETRY_TABLE.sns.serverError;

/**
 * A read (Describe*, Get*) whose response was lost or came late: nothing changed, so it is read again. READ_AGAIN,
 * at most 3 s of waiting (plus the timeouts). Found by the fault campaign: one slow DescribeTargetHealth failed a
 * mirror failover's healthy wait.
 */
export const READ_TIMEOUT_RETRY: RetryPolicy = retryOn([States.TIMEOUT], BUDGETS.READ_AGAIN);

/**
 * An AWS service's own failure (HTTP 500/503) met by a Lambda task the state machine re-runs (`rerun: true`; one SDK
 * attempt per call): LONG, at most 105 s of waiting over 11 runs — before, SERVER_ERROR (14 s, 4 runs) on top of the
 * client's 3 attempts, 12 attempts in all. Found by the fault campaign: one ELBv2 500 surviving the SDK's retries
 * failed a mirror failover's target read and left traffic on the old primary.
 */
export const RERUN_SERVER_ERROR_RETRY: RetryPolicy = RETRY_TABLE.lambda.rerunServerError;

/** Default `TimeoutSeconds` of one AWS API call made by a Task. */
export const API_CALL_TIMEOUT = Duration.seconds(30);

/** Default `TimeoutSeconds` of a Lambda task. */
export const LAMBDA_TASK_TIMEOUT = Duration.seconds(60);
