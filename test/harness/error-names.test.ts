import { SDK_SERVICES, integrationErrorName, sdkV3ErrorName } from '../../local/region/sdk-model';
import { Aws, type Integration, LAMBDA_TASK_ERRORS, TaskErrorNames, THROTTLING_ERRORS } from '../../contracts/errors';
import { checkErrorNames, taskErrorNames } from './error-names';

const arn = (tail: string) => `arn:aws:states:::${tail}`;
const machine = (state: Record<string, unknown>) => ({ StartAt: 'S', States: { S: { ...state, End: true } } });
const task = (resource: string, errorEquals: string[]) =>
  machine({ Type: 'Task', Resource: arn(resource), Retry: [{ ErrorEquals: errorEquals }] });
const unknownNames = (definition: unknown) =>
  checkErrorNames(definition, { name: 'm' }).map((f) => /lists "([^"]+)"/.exec(f.message)?.[1]);

describe('error-name-unknown: every ErrorEquals name is one its state can produce (issue #13 item 6)', () => {
  it('GIVEN names AWS never emits (the retry lists before the fix) WHEN checked THEN each is reported', () => {
    expect(
      unknownNames(
        task('aws-sdk:elasticloadbalancingv2:registerTargets', [
          'ElasticLoadBalancingV2.ThrottlingException',
          'Ec2.Ec2Exception',
          'RequestLimitExceeded',
        ]),
      ),
    ).toEqual(['ElasticLoadBalancingV2.ThrottlingException', 'Ec2.Ec2Exception', 'RequestLimitExceeded']);
    expect(unknownNames(task('aws-sdk:cloudwatch:describeAlarms', ['CloudWatch.ThrottlingException']))).toEqual([
      'CloudWatch.ThrottlingException',
    ]);
    expect(unknownNames(task('states:startExecution.sync:2', ['StepFunctions.ThrottlingException']))).toEqual([
      'StepFunctions.ThrottlingException',
    ]);
    expect(unknownNames(task('dynamodb:putItem', ['DynamoDb.ConditionalCheckFailedException']))).toEqual([
      'DynamoDb.ConditionalCheckFailedException',
    ]);
  });

  it('GIVEN modeled, generic and States names WHEN checked THEN nothing is reported', () => {
    expect(
      unknownNames(
        task('aws-sdk:elasticloadbalancingv2:registerTargets', [
          'ElasticLoadBalancingV2.ElasticLoadBalancingV2Exception',
          'ElasticLoadBalancingV2.TargetGroupNotFoundException',
          'States.Timeout',
          'States.ALL',
        ]),
      ),
    ).toEqual([]);
    expect(
      unknownNames(
        task('dynamodb:updateItem', ['DynamoDB.ConditionalCheckFailedException', 'DynamoDB.AmazonDynamoDBException']),
      ),
    ).toEqual([]);
    expect(unknownNames(task('aws-sdk:ec2:describeInstances', ['Ec2.Ec2Exception']))).toEqual([]);
  });

  it("GIVEN a Lambda task WHEN it retries the function's declared errors and Lambda's service errors THEN nothing is reported, but an undeclared name is", () => {
    expect(
      unknownNames(
        task('lambda:invoke', [
          ...Aws.LAMBDA_SERVICE,
          Aws.LAMBDA_TIMED_OUT,
          TaskErrorNames.NoCapacityInAnyZone,
          'Throttling',
        ]),
      ),
    ).toEqual([]);
    expect(unknownNames(task('lambda:invoke', ['NoSuchTaskError', 'Ec2.Ec2Exception']))).toEqual([
      'NoSuchTaskError',
      'Ec2.Ec2Exception',
    ]);
  });

  it('GIVEN a callback task WHEN it catches the error a rejection sends THEN nothing is reported', () => {
    expect(unknownNames(task('sns:publish.waitForTaskToken', ['Rejected', 'SNS.ThrottledException']))).toEqual([]);
    expect(unknownNames(task('sns:publish', ['Rejected']))).toEqual(['Rejected']);
  });

  it('GIVEN a Map WHEN its Catch names an inner Fail error or an inner task error THEN nothing is reported', () => {
    const inner = {
      StartAt: 'Call',
      States: {
        Call: { Type: 'Task', Resource: arn('aws-sdk:ec2:describeInstances'), Next: 'Gone' },
        Gone: { Type: 'Fail', Error: 'PrimaryMoved' },
      },
    };
    const map = (names: string[]) =>
      machine({ Type: 'Map', ItemProcessor: inner, Catch: [{ ErrorEquals: names, Next: 'S' }] });
    expect(unknownNames(map(['PrimaryMoved', 'Ec2.Ec2Exception']))).toEqual([]);
    expect(unknownNames(map(['DynamoDB.ConditionalCheckFailedException']))).toEqual([
      'DynamoDB.ConditionalCheckFailedException',
    ]);
  });

  it('does not judge resources it has no model for', () => {
    expect(taskErrorNames('arn:aws:states:eu-west-1:1:activity:x')).toBeUndefined();
  });
});

describe('throttling names per integration are what the service model makes of its throttling codes', () => {
  const integrations = Object.keys(THROTTLING_ERRORS) as Integration[];
  it.each(integrations.filter((i) => i !== 'lambda'))('%s', (integration) => {
    const optimized = !integration.startsWith('aws-sdk:');
    const optimizedService: Record<string, string> = { dynamodb: 'dynamodb', sns: 'sns', states: 'sfn' };
    const service = optimized ? optimizedService[integration] : integration.slice('aws-sdk:'.length);
    const derived = new Set(
      SDK_SERVICES[service].throttlingCodes.map((code) => integrationErrorName(service, code, optimized)),
    );
    expect(new Set(THROTTLING_ERRORS[integration])).toEqual(derived);
  });

  it("lambda: the names a Lambda task's SDK v3 clients throw for each service's throttling codes", () => {
    // The services the engine gives Lambda tasks clients for (local/engine/clients.ts).
    const services = ['ec2', 'elasticloadbalancingv2', 'ssm', 'dynamodb', 'cloudwatch', 'sns'];
    const derived = new Set(services.flatMap((s) => SDK_SERVICES[s].throttlingCodes.map((c) => sdkV3ErrorName(s, c))));
    expect(new Set(THROTTLING_ERRORS.lambda)).toEqual(derived);
    for (const name of derived) expect(LAMBDA_TASK_ERRORS).toContain(name);
  });
});
