/**
 * API errors of the simulated region, and the one table that says under which name each reaches a
 * Step Functions Retry/Catch.
 *
 * Convention (docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html): an AWS SDK
 * integration error is `ServiceName.ErrorName`, both PascalCase, and the error name always carries the
 * `Exception` suffix even where the service's own code does not (S3 `BucketAlreadyExists` →
 * `S3.BucketAlreadyExistsException`).
 */

export type ServiceName = 'ec2' | 'elasticloadbalancingv2' | 'ssm' | 'dynamodb' | 'cloudwatch' | 'sns' | 'sfn' | 'http';

/** An error the simulated API returns: the API's own error code and message, like the SDK's ServiceException. */
export class AwsApiError extends Error {
  constructor(
    readonly service: ServiceName,
    /** The API's error code, e.g. `InvalidInstanceID.NotFound`, `ConditionalCheckFailedException`. */
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    // The JavaScript SDK v3 names a service exception after its error code.
    this.name = code;
  }

  /** Server-side (5xx) or throttling errors are the ones a client may retry. */
  get fault(): 'client' | 'server' {
    return this.statusCode >= 500 ? 'server' : 'client';
  }
}

/**
 * The prefix Step Functions gives each service's SDK-integration errors, with how sure we are.
 * `generic`: the service's Java SDK has no modeled error shapes, so every error arrives as one generic
 * exception and the API's code is only in the Cause.
 */
export const SDK_ERROR_NAMING: Record<
  Exclude<ServiceName, 'http'>,
  { prefix: string; generic?: string; source: string; certainty: 'documented' | 'observed' | 'inferred' }
> = {
  ec2: {
    prefix: 'Ec2',
    generic: 'Ec2.Ec2Exception',
    source:
      'EC2 (query protocol) models no error shapes; public Step Functions projects report every EC2 error as `Ec2.Ec2Exception` and match the code in the Cause',
    certainty: 'observed',
  },
  elasticloadbalancingv2: {
    prefix: 'ElasticLoadBalancingV2',
    source: 'ServiceName.ErrorName rule; the service model names errors e.g. TargetGroupNotFoundException',
    certainty: 'inferred',
  },
  ssm: {
    prefix: 'Ssm',
    source: 'ServiceName.ErrorName rule (e.g. Ssm.InvocationDoesNotExistException)',
    certainty: 'inferred',
  },
  dynamodb: {
    prefix: 'DynamoDb',
    source: 'ServiceName.ErrorName rule; the optimized integration uses `DynamoDB.` instead (see OPTIMIZED_PREFIX)',
    certainty: 'documented',
  },
  cloudwatch: { prefix: 'CloudWatch', source: 'ServiceName.ErrorName rule', certainty: 'inferred' },
  sns: { prefix: 'Sns', source: 'ServiceName.ErrorName rule', certainty: 'inferred' },
  sfn: { prefix: 'Sfn', source: 'ServiceName.ErrorName rule (aws-sdk:sfn:*)', certainty: 'inferred' },
};

/**
 * Optimized integrations (`arn:aws:states:::dynamodb:putItem`, `arn:aws:states:::sns:publish`) use the
 * service's own capitalisation: `DynamoDB.ConditionalCheckFailedException`, `SNS.…`.
 * Source: docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html (error handling examples).
 */
export const OPTIMIZED_PREFIX: Partial<Record<ServiceName, string>> = {
  dynamodb: 'DynamoDB',
  sns: 'SNS',
  // arn:aws:states:::states:startExecution — e.g. StepFunctions.ExecutionAlreadyExistsException
  // (docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html).
  sfn: 'StepFunctions',
};

function withExceptionSuffix(code: string): string {
  const bare = code.replace(/\./g, '');
  return bare.endsWith('Exception') ? bare : `${bare}Exception`;
}

/** The `Error` a Retry/Catch sees for an API error raised through an SDK-integration Task. */
export function sdkIntegrationErrorName(error: AwsApiError, optimized = false): string {
  if (error.service === 'http') return error.code;
  const naming = SDK_ERROR_NAMING[error.service];
  if (naming.generic && !optimized) return naming.generic;
  const prefix = (optimized && OPTIMIZED_PREFIX[error.service]) || naming.prefix;
  return `${prefix}.${withExceptionSuffix(error.code)}`;
}

/** The `Cause` Step Functions reports: the message plus the service's code and status, as the Java SDK formats it. */
export function sdkIntegrationCause(error: AwsApiError, requestId: string): string {
  const naming = error.service === 'http' ? 'Http' : SDK_ERROR_NAMING[error.service].prefix;
  return `${error.message} (Service: ${naming}, Status Code: ${error.statusCode}, Request ID: ${requestId}, Error Code: ${error.code})`;
}
