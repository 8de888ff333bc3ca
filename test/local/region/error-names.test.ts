import { AwsApiError, sdkIntegrationCause, sdkIntegrationErrorName } from '../../../local/region/errors';
import {
  errorShapeFor,
  javaPascalCase,
  javaV2ExceptionName,
  possibleIntegrationErrorNames,
  sdkV3ErrorName,
} from '../../../local/region/sdk-model';

describe('SDK-integration error names come from the installed service model (issue #13 item 5)', () => {
  it('GIVEN a code the model does not define WHEN it reaches Step Functions THEN it is ServiceName.ServiceNameException', () => {
    // ELBv2 models no throttling shape; EC2 models no error shape at all.
    expect(sdkIntegrationErrorName(new AwsApiError('elasticloadbalancingv2', 'Throttling', 'Rate exceeded'))).toBe(
      'ElasticLoadBalancingV2.ElasticLoadBalancingV2Exception',
    );
    expect(sdkIntegrationErrorName(new AwsApiError('ec2', 'RequestLimitExceeded', 'Request limit exceeded.'))).toBe(
      'Ec2.Ec2Exception',
    );
    expect(sdkIntegrationErrorName(new AwsApiError('cloudwatch', 'Throttling', 'Rate exceeded'))).toBe(
      'CloudWatch.CloudWatchException',
    );
  });

  it('GIVEN a modeled query-protocol code WHEN it reaches Step Functions THEN it carries the shape name, not the code', () => {
    // CloudWatch: wire code MissingParameter is the shape MissingRequiredParameterException; InvalidFormat is
    // InvalidFormatFault, which the Java SDK names InvalidFormatException.
    expect(sdkIntegrationErrorName(new AwsApiError('cloudwatch', 'MissingParameter', 'x'))).toBe(
      'CloudWatch.MissingRequiredParameterException',
    );
    expect(sdkIntegrationErrorName(new AwsApiError('cloudwatch', 'InvalidFormat', 'x'))).toBe(
      'CloudWatch.InvalidFormatException',
    );
    // SSM models ThrottlingException (ELBv2 and CloudWatch do not).
    expect(sdkIntegrationErrorName(new AwsApiError('ssm', 'ThrottlingException', 'x'))).toBe('Ssm.ThrottlingException');
    expect(sdkIntegrationErrorName(new AwsApiError('sns', 'NotFound', 'x'), true)).toBe('SNS.NotFoundException');
    expect(sdkIntegrationErrorName(new AwsApiError('sns', 'Throttled', 'x'), true)).toBe('SNS.ThrottledException');
  });

  it('GIVEN an optimized DynamoDB call WHEN the code is unmodeled THEN it is DynamoDB.AmazonDynamoDBException', () => {
    // DynamoDB models no ValidationException shape.
    const e = new AwsApiError('dynamodb', 'ValidationException', 'One or more parameter values were invalid');
    expect(sdkIntegrationErrorName(e, true)).toBe('DynamoDB.AmazonDynamoDBException');
    expect(sdkIntegrationErrorName(e, false)).toBe('DynamoDb.DynamoDbException');
  });

  it('GIVEN an SDK-integration error WHEN its Cause is formed THEN it follows the Java 2.x format without the code', () => {
    const e = new AwsApiError('elasticloadbalancingv2', 'TargetGroupNotFound', 'One or more target groups not found');
    expect(sdkIntegrationCause(e, 'r-1')).toBe(
      'One or more target groups not found (Service: ElasticLoadBalancingV2, Status Code: 400, Request ID: r-1)',
    );
    expect(sdkIntegrationCause(e, 'r-1')).not.toContain('TargetGroupNotFound');
  });

  it('GIVEN an optimized DynamoDB error WHEN its Cause is formed THEN it follows the Java 1.x format', () => {
    const e = new AwsApiError('dynamodb', 'ConditionalCheckFailedException', 'The conditional request failed');
    expect(sdkIntegrationCause(e, 'r-2', true)).toBe(
      'The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ' +
        'ConditionalCheckFailedException; Request ID: r-2; Proxy: null)',
    );
  });

  it('names Java classes as the Java SDK 2.x code generator does', () => {
    expect(javaPascalCase('EC2ThrottledException')).toBe('Ec2ThrottledException');
    expect(javaV2ExceptionName('SSLPolicyNotFoundException')).toBe('SslPolicyNotFoundException');
    expect(javaV2ExceptionName('InternalServiceFault')).toBe('InternalServiceException');
    expect(javaV2ExceptionName('InvocationDoesNotExist')).toBe('InvocationDoesNotExistException');
  });

  it('resolves a code to its shape by name first, then by query code (as @aws-sdk/core does)', () => {
    expect(errorShapeFor('cloudwatch', 'ResourceNotFound')?.name).toBe('ResourceNotFound');
    expect(errorShapeFor('cloudwatch', 'ValidationError')?.name).toBe('ValidationException');
    expect(errorShapeFor('ec2', 'InvalidInstanceID.NotFound')).toBeUndefined();
    expect(sdkV3ErrorName('sns', 'Throttled')).toBe('ThrottledException');
    expect(sdkV3ErrorName('elasticloadbalancingv2', 'Throttling')).toBe('Throttling');
  });

  it('lists what an integration can report: shapes, the base exception, and SdkClientException when optimized', () => {
    expect(possibleIntegrationErrorNames('ec2', false)).toEqual(new Set(['Ec2.Ec2Exception']));
    const sfn = possibleIntegrationErrorNames('sfn', true);
    expect(sfn.has('StepFunctions.ExecutionAlreadyExistsException')).toBe(true);
    expect(sfn.has('StepFunctions.AWSStepFunctionsException')).toBe(true);
    expect(sfn.has('StepFunctions.ThrottlingException')).toBe(false);
  });
});
