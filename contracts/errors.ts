/**
 * Error names are part of the API: Retry and Catch use these constants, the Lambda tasks throw errors named by them,
 * and operators match them in alarms and runbooks. This module is their one home (issue #15): workflows import it to
 * build Retry/Catch and Fail states, tasks to name what they throw, the engine and the tests to check both sides.
 * How each AWS name is formed (and how sure we are) is in local/region/errors.ts and docs/engine.md ("Error names").
 */

/** Step Functions' own errors. */
export const States = {
  ALL: 'States.ALL',
  TASK_FAILED: 'States.TaskFailed',
  TIMEOUT: 'States.Timeout',
  HEARTBEAT_TIMEOUT: 'States.HeartbeatTimeout',
} as const;

/**
 * Errors AWS services raise through Step Functions integrations. Only names AWS emits (test/harness/error-names.ts
 * checks every Retry/Catch against the installed SDK models): `aws-sdk:*` tasks get the AWS SDK for Java 2.x names
 * (a modeled error shape's name, else the service's generic `ServiceName.ServiceNameException`), optimized tasks
 * (`dynamodb:*`, `sns:publish`, `states:startExecution`, `lambda:invoke`) the Java 1.x names.
 */
export const Aws = {
  /** Every EC2 error through an SDK integration: EC2 models no error shapes, the code is only in the message. */
  EC2: 'Ec2.Ec2Exception',
  /** A failed condition on the optimized DynamoDB integration (`arn:aws:states:::dynamodb:*`). */
  DYNAMODB_CONDITION_FAILED: 'DynamoDB.ConditionalCheckFailedException',
  DYNAMODB_THROUGHPUT: 'DynamoDB.ProvisionedThroughputExceededException',
  DYNAMODB_REQUEST_LIMIT: 'DynamoDB.RequestLimitExceededException',
  DYNAMODB_THROTTLING: 'DynamoDB.ThrottlingException',
  /**
   * DynamoDB's own failures on the optimized integration, worth retrying ("Error handling with DynamoDB": HTTP 500
   * `InternalServerError`, 503 `ServiceUnavailable`, "OK to retry? Yes"): the modeled `InternalServerError` shape as its
   * Java 1.x class, and the generic name every unmodeled error (503 among them) arrives under.
   */
  DYNAMODB_SERVER: ['DynamoDB.InternalServerErrorException', 'DynamoDB.AmazonDynamoDBException'],
  /** DynamoDB throttling through an SDK integration (`aws-sdk:dynamodb:scan`): the Java 2.x names (`DynamoDb.`). */
  DYNAMODB_SDK_THROTTLING: [
    'DynamoDb.ProvisionedThroughputExceededException',
    'DynamoDb.RequestLimitExceededException',
    'DynamoDb.ThrottlingException',
  ],
  /** Every ELBv2 error its model has no shape for, throttling (`Throttling`) included. */
  ELB_UNMODELED: 'ElasticLoadBalancingV2.ElasticLoadBalancingV2Exception',
  /** Every CloudWatch error its model has no shape for, throttling (`Throttling`) included. */
  CLOUDWATCH_UNMODELED: 'CloudWatch.CloudWatchException',
  SNS_THROTTLED: 'SNS.ThrottledException',
  /** SNS's own failure (HTTP 500 `InternalError`, the modeled `InternalErrorException` shape). */
  SNS_INTERNAL_ERROR: 'SNS.InternalErrorException',
  SSM_THROTTLING: 'Ssm.ThrottlingException',
  /** Every Step Functions error through `aws-sdk:sfn:*` its model has no shape for, throttling included. */
  SFN_UNMODELED: 'Sfn.SfnException',
  /** GetCommandInvocation before the invocation is visible (about a second after SendCommand). */
  SSM_INVOCATION_DOES_NOT_EXIST: 'Ssm.InvocationDoesNotExistException',
  /** `states:startExecution` with a name already used by a closed execution (or by a running one with other input). */
  SFN_EXECUTION_ALREADY_EXISTS: 'StepFunctions.ExecutionAlreadyExistsException',
  /** `states:startExecution` over the open-executions quota. */
  SFN_EXECUTION_LIMIT_EXCEEDED: 'StepFunctions.ExecutionLimitExceededException',
  /** Every `states:startExecution` error the model has no shape for (throttling included), and the client's own. */
  SFN_START_UNMODELED: ['StepFunctions.AWSStepFunctionsException', 'StepFunctions.SdkClientException'],
  /**
   * Lambda service-side and client-side failures worth retrying (not the function's own errors): the names "Handle
   * Lambda service exceptions" (docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html) lists,
   * and the throttling it names.
   */
  LAMBDA_SERVICE: [
    'Lambda.ClientExecutionTimeoutException',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  /**
   * A Lambda function that ran past its own timeout, as a Lambda task reports it (the function's timeout, not the
   * Task's `TimeoutSeconds`, which is `States.Timeout`).
   */
  LAMBDA_TIMED_OUT: 'Sandbox.Timedout',
  /**
   * Throttling as a Lambda task's SDK v3 clients name it once their own retries gave up: the modeled exception class
   * (DynamoDB `ProvisionedThroughputExceededException`, `ThrottlingException`; SNS `ThrottledException`; SSM
   * `ThrottlingException`), else the API's code (EC2 `RequestLimitExceeded`, ELBv2 and CloudWatch `Throttling`).
   */
  SDK_THROTTLING: [
    'RequestLimitExceeded',
    'Throttling',
    'ThrottlingException',
    'ProvisionedThroughputExceededException',
    'ThrottledException',
  ],
  /**
   * A service's own failure (HTTP 500/503) as a Lambda task's SDK v3 clients name it once their own 3 attempts gave
   * up (the SDK retries 5xx as TRANSIENT): the modeled exception class, else the API's code — EC2 `InternalError`,
   * `Unavailable`; ELBv2 `InternalFailure`, `ServiceUnavailable`; SSM and DynamoDB `InternalServerError`; CloudWatch
   * `InternalServiceFault` (wire code `InternalServiceError`); SNS `InternalErrorException`
   * (test/contracts/errors.test.ts derives each from the SDK models).
   */
  SDK_SERVER_ERRORS: [
    'InternalError',
    'Unavailable',
    'InternalFailure',
    'ServiceUnavailable',
    'InternalServerError',
    'InternalServiceFault',
    'InternalErrorException',
  ],
} as const;

/**
 * How a Task reaches AWS, for the error names it can see: `aws-sdk:<service>`, or an optimized integration
 * (`dynamodb`, `sns`, `states` for startExecution, `lambda` for invoke).
 */
export type Integration =
  | 'aws-sdk:ec2'
  | 'aws-sdk:elasticloadbalancingv2'
  | 'aws-sdk:ssm'
  | 'aws-sdk:cloudwatch'
  | 'aws-sdk:sfn'
  | 'aws-sdk:dynamodb'
  | 'dynamodb'
  | 'sns'
  | 'states'
  | 'lambda';

/**
 * The names throttling reaches a Retry under, per integration (test/harness/error-names.test.ts derives each from the
 * service's throttling codes and its SDK model). Where throttling is unmodeled, the name is the service's generic one,
 * so a throttling retry also retries that service's other unmodeled errors a bounded number of times.
 */
export const THROTTLING_ERRORS: Readonly<Record<Integration, readonly string[]>> = {
  'aws-sdk:ec2': [Aws.EC2],
  'aws-sdk:elasticloadbalancingv2': [Aws.ELB_UNMODELED],
  'aws-sdk:ssm': [Aws.SSM_THROTTLING],
  'aws-sdk:cloudwatch': [Aws.CLOUDWATCH_UNMODELED],
  'aws-sdk:sfn': [Aws.SFN_UNMODELED],
  'aws-sdk:dynamodb': Aws.DYNAMODB_SDK_THROTTLING,
  dynamodb: [Aws.DYNAMODB_THROUGHPUT, Aws.DYNAMODB_REQUEST_LIMIT, Aws.DYNAMODB_THROTTLING],
  sns: [Aws.SNS_THROTTLED],
  states: [Aws.SFN_START_UNMODELED[0]],
  lambda: Aws.SDK_THROTTLING,
};

/**
 * The names of the errors the Lambda tasks throw. Step Functions sees an error's `name` as the Lambda
 * `errorType`, so these are what a Retry/Catch matches: part of the API, never renamed.
 * AWS SDK errors are not listed: they propagate unchanged, named as SDK v3 names them (the modeled exception class,
 * else the API's error code). A workflow may Retry/Catch a Lambda task's error only if it is declared here or in
 * `LAMBDA_TASK_ERRORS` (below), which test/harness/error-names.ts checks: a new task error is one line here
 * (its class, in tasks/shared/errors.ts, takes its `name` from here).
 */
export const TaskErrorNames = {
  /** The task's input failed its schema; the message lists every problem. */
  InvalidTaskInput: 'InvalidTaskInput',
  /** inspect-instance: no subnet of the recovery group is left outside the failed and impaired zones. */
  NoCandidateSubnet: 'NoCandidateSubnet',
  /** inspect-instance: the configuration names no deny-all security group for the instance's VPC. */
  NoDenyAllGroup: 'NoDenyAllGroup',
  /** inspect-instance: the instance has no VPC placement any more (e.g. terminated), so no subnet can be chosen. */
  InstanceNotInVpc: 'InstanceNotInVpc',
  /** launch-replacement: the replacement would carry more than the 50 tags EC2 allows per resource. */
  TooManyTags: 'TooManyTags',
  /** launch-replacement: every candidate subnet failed with a capacity error. */
  NoCapacityInAnyZone: 'NoCapacityInAnyZone',
  /** An AWS API answered without a field it always returns; nothing was assumed. */
  UnexpectedApiResponse: 'UnexpectedApiResponse',
  /** select-backup-targets: the trigger names a backup policy that is not configured. */
  UnknownBackupPolicy: 'UnknownBackupPolicy',
  /** select-backup-targets: the policy selects more instances than one run may back up. */
  TooManyBackupTargets: 'TooManyBackupTargets',
  /** plan-instance-backup: the instance to back up does not exist (any more). */
  InstanceNotFound: 'InstanceNotFound',
  /**
   * launch-replacement (check): a replacement could not be launched (AMI missing or not available, instance type
   * offered in no candidate zone, launch not permitted); nothing was launched.
   */
  ReplacementNotLaunchable: 'ReplacementNotLaunchable',
  /** plan-instance-backup: the instance has no volume the policy would snapshot (none, or only an excluded boot volume). */
  NothingToSnapshot: 'NothingToSnapshot',
  /**
   * copy-snapshots: CopySnapshot failed `ResourceLimitExceeded` (20 concurrent copies per destination region);
   * the copies started so far stand (a retry skips them), the rest wait for a retry.
   */
  SnapshotCopyLimitReached: 'SnapshotCopyLimitReached',
  /**
   * dr-preflight (after the approval): the approval task's output did not approve (`approved: true` with a visible
   * `approvedBy`); returned as the preflight's decision, the workflow fails with it.
   */
  ApprovalRejected: 'ApprovalRejected',
} as const;

export type TaskErrorName = (typeof TaskErrorNames)[keyof typeof TaskErrorNames];

/**
 * Errors ha-workflows raises; an execution that fails names one of these. Where a workflow fails with the error a task
 * threw (or returned), the name is the task's, taken from `TaskErrorNames`: each name is written once.
 */
export const Errors = {
  /** No subnet of the group in another AZ could take the replacement (capacity or unsupported type). */
  NO_CAPACITY_IN_ANY_ZONE: TaskErrorNames.NoCapacityInAnyZone,
  /** The group has no subnet outside the failed and impaired AZs. */
  NO_CANDIDATE_SUBNET: TaskErrorNames.NoCandidateSubnet,
  /** The replacement did not reach `running` within the polling cap. */
  REPLACEMENT_NOT_RUNNING: 'ReplacementNotRunning',
  /** The replacement did not become healthy in its target groups within the polling cap. */
  REPLACEMENT_NOT_HEALTHY: 'ReplacementNotHealthy',
  /** The failed instance could not be confirmed `terminated` within the polling cap; the replacement stays fenced. */
  FENCE_UNCONFIRMED: 'FenceUnconfirmed',
  /** A started execution's input does not match the workflow's schema. */
  INVALID_INPUT: 'InvalidInput',
  /** mirror-failover: two or more members answered SUCCESS until the deadline (split brain); nothing was registered. */
  AMBIGUOUS_PRIMARY: 'AmbiguousPrimary',
  /** mirror-failover: no member answered SUCCESS until the deadline; nothing was registered. */
  NO_PRIMARY: 'NoPrimary',
  /** mirror-failover: the primary was not healthy in every target group within the polling cap. */
  PRIMARY_NOT_HEALTHY: 'PrimaryNotHealthy',
  /** mirror-failover: the trigger names no configured mirror set. */
  UNKNOWN_MIRROR_SET: 'UnknownMirrorSet',
  /** snapshot-backup: the freeze command failed (non-zero exit); a thaw was still sent, no application-consistent set exists. */
  FREEZE_FAILED: 'FreezeFailed',
  /** snapshot-backup: the freeze command did not finish within the freeze timeout; a thaw was still sent. */
  FREEZE_TIMED_OUT: 'FreezeTimedOut',
  /** snapshot-backup: every thaw attempt failed: the database may still be frozen (highest severity). */
  THAW_FAILED: 'ThawFailed',
  /** snapshot-backup: CreateSnapshots failed (after its retries); the database was thawed. */
  SNAPSHOT_NOT_CREATED: 'SnapshotNotCreated',
  /** snapshot-backup: a snapshot of the set ended in state `error`. */
  SNAPSHOT_FAILED: 'SnapshotFailed',
  /**
   * snapshot-backup (copy-snapshots): the copy region had its 20 concurrent snapshot copies in progress; retried
   * (COPY_LIMIT_RETRY), then the backup fails with it: a copy is never dropped silently.
   */
  SNAPSHOT_COPY_LIMIT_REACHED: TaskErrorNames.SnapshotCopyLimitReached,
  /** snapshot-backup: the set was not completed within the completion timeout. */
  SNAPSHOT_NOT_COMPLETED: 'SnapshotNotCompleted',
  /** snapshot-backup: the backup of one or more instances of a scheduled run failed (each child execution names why). */
  BACKUPS_FAILED: 'BackupsFailed',
  /** dr-promotion: the old primary still answers SUCCESS on its status page (and the input does not force). */
  PRIMARY_STILL_ACTIVE: 'PrimaryStillActive',
  /** dr-promotion: the mirror set's promotion is already recorded in the DR state table (and the input does not force). */
  ALREADY_PROMOTED: 'AlreadyPromoted',
  /** dr-promotion: the DR member is not running, so it cannot be promoted. */
  DR_MEMBER_NOT_RUNNING: 'DrMemberNotRunning',
  /** dr-promotion: another execution holds the mirror set's lock; this start was refused. */
  PROMOTION_IN_PROGRESS: 'PromotionInProgress',
  /** dr-promotion: nobody approved or rejected within the approval timeout; nothing was changed. */
  APPROVAL_TIMED_OUT: 'ApprovalTimedOut',
  /** dr-promotion: an operator rejected the promotion; nothing was changed. (Also the error `reject` sends.) */
  REJECTED: 'Rejected',
  /** dr-promotion: the promotion command failed, could not be sent, or did not finish in time; traffic is untouched. */
  PROMOTION_FAILED: 'PromotionFailed',
  /** dr-promotion: the promoted member did not answer SUCCESS on its status page in time; traffic is untouched. */
  PROMOTION_NOT_VERIFIED: 'PromotionNotVerified',
  /**
   * instance-recovery: the pre-termination check found that no replacement can be launched (AMI missing or not
   * available, type offered in no candidate zone, launch not permitted); the instance is fenced, not terminated.
   */
  REPLACEMENT_NOT_LAUNCHABLE: TaskErrorNames.ReplacementNotLaunchable,
  /**
   * snapshot-backup: the instance has no volume the policy would snapshot (no EBS volume, or only the boot volume
   * and the policy excludes it); refused before the lock and the freeze. Also when CreateSnapshots returns no
   * snapshot although the plan found volumes (a volume detached meanwhile); the database was thawed.
   */
  NOTHING_TO_SNAPSHOT: TaskErrorNames.NothingToSnapshot,
  /** snapshot-backup: CreateSnapshots returned fewer snapshots than the instance had volumes to snapshot at the plan. */
  SNAPSHOT_SET_INCOMPLETE: 'SnapshotSetIncomplete',
  /**
   * mirror-failover: the primary kept moving for every round the workflow may go (re-probed after each switch);
   * no member that is not primary was left registered while one member answered SUCCESS.
   */
  PRIMARY_KEEPS_MOVING: 'PrimaryKeepsMoving',
  /** mirror-failover (inside the healthy wait): the member just registered no longer answers SUCCESS; go round. */
  PRIMARY_MOVED: 'PrimaryMoved',
  /** mirror-failover: another execution held the mirror set, and the event could be neither handed to it nor run. */
  MIRROR_SET_BUSY: 'MirrorSetBusy',
  /**
   * dr-promotion: the approval task's output did not approve (anything but `approved: true` with a visible
   * `approvedBy`), or could not be checked; treated as a rejection, nothing was changed.
   */
  APPROVAL_REJECTED: TaskErrorNames.ApprovalRejected,
  /** dr-promotion unlock: the execution holding the mirror set lock is still running; nothing was released. */
  LOCK_HOLDER_RUNNING: 'LockHolderRunning',
} as const;

/**
 * Every error a Lambda task may end with, as its `errorType` (test/harness/error-names.ts accepts these, and nothing
 * else, in a Lambda task's Retry/Catch besides the Lambda service's own names): the errors the tasks throw on purpose
 * (`TaskErrorNames`; declaring a new one there is the one-line change) and the SDK errors they let through.
 */
export const LAMBDA_TASK_ERRORS: readonly string[] = [
  ...Object.values(TaskErrorNames),
  ...Aws.SDK_THROTTLING,
  ...Aws.SDK_SERVER_ERRORS,
];

/** Errors a callback (`.waitForTaskToken`) can be failed with: what `ha-workflows reject` sends (SendTaskFailure). */
export const CALLBACK_ERRORS: readonly string[] = [Errors.REJECTED];
