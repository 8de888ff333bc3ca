/**
 * API errors of the simulated region, and under which name and Cause each reaches a Step Functions Retry/Catch.
 *
 * The names are derived from the installed SDK service models (local/region/sdk-model.ts), not from the code:
 * - `aws-sdk:<service>:*` (docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html: "ServiceName.
 *   ErrorName", both PascalCase, with the `Exception` suffix): Step Functions calls the service with the AWS SDK for
 *   Java 2.x, so the name is `<Java service name>.<Java exception class>`: a code the model defines as an error shape
 *   keeps the shape's name (`ElasticLoadBalancingV2.TargetGroupNotFoundException`, CloudWatch's `InternalServiceFault`
 *   → `CloudWatch.InternalServiceException`), a code it does not define arrives as the service's base exception
 *   (`ServiceName.ServiceNameException`: every EC2 error is `Ec2.Ec2Exception`, ELBv2 throttling is
 *   `ElasticLoadBalancingV2.ElasticLoadBalancingV2Exception`).
 * - optimized integrations (`arn:aws:states:::dynamodb:putItem`, `sns:publish`, `states:startExecution`) use the Java
 *   1.x names: `DynamoDB.ConditionalCheckFailedException`, and `DynamoDB.AmazonDynamoDBException` when unmodeled.
 */
import { SDK_SERVICES, integrationErrorName } from './sdk-model';

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
    // The engine's Lambda-task clients rename it as the JavaScript SDK v3 does (local/engine/clients.ts).
    this.name = code;
  }

  /** Server-side (5xx) or throttling errors are the ones a client may retry. */
  get fault(): 'client' | 'server' {
    return this.statusCode >= 500 ? 'server' : 'client';
  }
}

/** The `Error` a Retry/Catch sees for an API error raised through an SDK-integration (or optimized) Task. */
export function sdkIntegrationErrorName(error: AwsApiError, optimized = false): string {
  if (error.service === 'http') return error.code;
  return integrationErrorName(error.service, error.code, optimized);
}

/**
 * The `Cause` Step Functions reports: the message and the Java SDK's request details, which do not carry the error
 * code for `aws-sdk:*` (Java 2.x: `<message> (Service: Ec2, Status Code: 400, Request ID: <id>)`), and do for the
 * optimized integrations (Java 1.x: `<message> (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: <code>;
 * Request ID: <id>; Proxy: null)`).
 */
export function sdkIntegrationCause(error: AwsApiError, requestId: string, optimized = false): string {
  if (error.service === 'http') {
    return `${error.message} (Service: Http, Status Code: ${error.statusCode}, Request ID: ${requestId})`;
  }
  const known = SDK_SERVICES[error.service];
  if (optimized && known.optimized) {
    return (
      `${error.message} (Service: ${known.optimized.serviceName}; Status Code: ${error.statusCode}; ` +
      `Error Code: ${error.code}; Request ID: ${requestId}; Proxy: null)`
    );
  }
  return `${error.message} (Service: ${known.javaV2Name}, Status Code: ${error.statusCode}, Request ID: ${requestId})`;
}
