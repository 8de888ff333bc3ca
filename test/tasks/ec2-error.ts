import { EC2ServiceException } from '@aws-sdk/client-ec2';

/** An EC2 API error as the SDK v3 throws it: `name` is EC2's error code (e.g. `InvalidInstanceID.NotFound`). */
export function ec2Error(code: string, message = code, httpStatusCode = 400): EC2ServiceException {
  return new EC2ServiceException({
    name: code,
    message,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}
