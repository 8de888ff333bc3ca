import { sdkV3ErrorName } from '../../local/region/sdk-model';
import { Aws, LAMBDA_TASK_ERRORS } from '../../contracts/errors';

/** The 5xx codes each service's API reference lists under "Common errors" (and the models' server-fault shapes). */
const SERVER_CODES: readonly (readonly [string, string])[] = [
  ['ec2', 'InternalError'],
  ['ec2', 'Unavailable'],
  ['elasticloadbalancingv2', 'InternalFailure'],
  ['elasticloadbalancingv2', 'ServiceUnavailable'],
  ['ssm', 'InternalServerError'],
  ['dynamodb', 'InternalServerError'],
  ['cloudwatch', 'InternalServiceError'],
  ['sns', 'InternalError'],
];

describe('Aws.SDK_SERVER_ERRORS', () => {
  it('is exactly the names the SDK v3 clients give the services’ 5xx codes (from the installed models)', () => {
    // GIVEN each service's server-error codes / WHEN named as the SDK names them
    const names = new Set(SERVER_CODES.map(([service, code]) => sdkV3ErrorName(service, code)));
    // THEN the list a Lambda task's Retry uses is that set, and a Lambda task may name each one
    expect([...Aws.SDK_SERVER_ERRORS].sort()).toEqual([...names].sort());
    for (const name of names) expect(LAMBDA_TASK_ERRORS).toContain(name);
  });
});
