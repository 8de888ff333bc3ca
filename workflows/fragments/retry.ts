import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Aws } from './errors';

/**
 * Retry on throttling and EC2's generic error: 5 retries × backoff 2 from 1 s, capped at 20 s, full
 * jitter → at most 1 + 2 + 4 + 8 + 16 = 31 s of waiting (less with jitter).
 * EC2 errors all arrive as `Ec2.Ec2Exception`, so this also retries EC2's non-transient errors a bounded
 * number of times before the Catch sees them.
 */
export const THROTTLING_RETRY: sfn.RetryProps = {
  errors: [
    Aws.EC2,
    Aws.DYNAMODB_THROUGHPUT,
    Aws.DYNAMODB_THROTTLING,
    Aws.ELB_THROTTLING,
    Aws.CLOUDWATCH_THROTTLING,
    Aws.SNS_THROTTLED,
    Aws.SSM_THROTTLING,
    ...Aws.SDK_THROTTLING,
  ],
  interval: Duration.seconds(1),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(20),
  jitterStrategy: sfn.JitterType.FULL,
};

/** Lambda service errors: 3 retries × backoff 2 from 1 s, cap 10 s, full jitter → at most 1 + 2 + 4 = 7 s. */
export const LAMBDA_SERVICE_RETRY: sfn.RetryProps = {
  errors: [...Aws.LAMBDA_SERVICE],
  interval: Duration.seconds(1),
  maxAttempts: 3,
  backoffRate: 2,
  maxDelay: Duration.seconds(10),
  jitterStrategy: sfn.JitterType.FULL,
};

/** Default `TimeoutSeconds` of one AWS API call made by a Task. */
export const API_CALL_TIMEOUT = Duration.seconds(30);

/** Default `TimeoutSeconds` of a Lambda task. */
export const LAMBDA_TASK_TIMEOUT = Duration.seconds(60);
