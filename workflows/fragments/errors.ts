/**
 * Error names are part of the API: Retry and Catch use these constants, and operators match them in alarms
 * and runbooks. How each AWS name is formed (and how sure we are) is in local/region/errors.ts and
 * docs/errors.md.
 */

/** Step Functions' own errors. */
export const States = {
  ALL: 'States.ALL',
  TASK_FAILED: 'States.TaskFailed',
  TIMEOUT: 'States.Timeout',
  HEARTBEAT_TIMEOUT: 'States.HeartbeatTimeout',
} as const;

/** Errors AWS services raise through Step Functions integrations. */
export const Aws = {
  /** Every EC2 error through an SDK integration: EC2 models no error shapes, the code is in the Cause. */
  EC2: 'Ec2.Ec2Exception',
  /** A failed condition on the optimized DynamoDB integration (`arn:aws:states:::dynamodb:*`). */
  DYNAMODB_CONDITION_FAILED: 'DynamoDB.ConditionalCheckFailedException',
  DYNAMODB_THROUGHPUT: 'DynamoDB.ProvisionedThroughputExceededException',
  DYNAMODB_THROTTLING: 'DynamoDB.ThrottlingException',
  ELB_THROTTLING: 'ElasticLoadBalancingV2.ThrottlingException',
  CLOUDWATCH_THROTTLING: 'CloudWatch.ThrottlingException',
  SNS_THROTTLED: 'SNS.ThrottledException',
  SSM_THROTTLING: 'Ssm.ThrottlingException',
  /** GetCommandInvocation before the invocation is visible (about a second after SendCommand). */
  SSM_INVOCATION_DOES_NOT_EXIST: 'Ssm.InvocationDoesNotExistException',
  /** `states:startExecution` with a name already used by a closed execution (or by a running one with other input). */
  SFN_EXECUTION_ALREADY_EXISTS: 'StepFunctions.ExecutionAlreadyExistsException',
  /** Lambda service-side failures worth retrying (not the function's own errors). */
  LAMBDA_SERVICE: [
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
  /** Throttling codes as a Lambda task's SDK client names them (the error's `name` is the API code). */
  SDK_THROTTLING: ['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException'],
} as const;

/** Errors ha-workflows raises; an execution that fails names one of these. */
export const Errors = {
  /** No subnet of the group in another AZ could take the replacement (capacity or unsupported type). */
  NO_CAPACITY_IN_ANY_ZONE: 'NoCapacityInAnyZone',
  /** The group has no subnet outside the failed and impaired AZs. */
  NO_CANDIDATE_SUBNET: 'NoCandidateSubnet',
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
  SNAPSHOT_COPY_LIMIT_REACHED: 'SnapshotCopyLimitReached',
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
  REPLACEMENT_NOT_LAUNCHABLE: 'ReplacementNotLaunchable',
  /**
   * snapshot-backup: the instance has no volume the policy would snapshot (no EBS volume, or only the boot volume
   * and the policy excludes it); refused before the lock and the freeze. Also when CreateSnapshots returns no
   * snapshot although the plan found volumes (a volume detached meanwhile); the database was thawed.
   */
  NOTHING_TO_SNAPSHOT: 'NothingToSnapshot',
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
  APPROVAL_REJECTED: 'ApprovalRejected',
  /** dr-promotion unlock: the execution holding the mirror set lock is still running; nothing was released. */
  LOCK_HOLDER_RUNNING: 'LockHolderRunning',
} as const;
