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
  /** Lambda service-side failures worth retrying (not the function's own errors). */
  LAMBDA_SERVICE: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
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
  /** The failed instance could not be confirmed shutting-down/terminated within the polling cap. */
  FENCE_UNCONFIRMED: 'FenceUnconfirmed',
  /** A started execution's input does not match the workflow's schema. */
  INVALID_INPUT: 'InvalidInput',
} as const;
