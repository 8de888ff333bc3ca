/**
 * The set-up every Lambda task test repeats: SDK clients mocked for a describe block, a logger that writes nothing,
 * the error an EC2 call fails with, and the error a handler rejects with.
 */
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { taskLogger } from '../../tasks/shared/logger';

/** What {@link mockedForEachTest} needs of an aws-sdk-client-mock stub. */
interface ClientStub {
  reset(): unknown;
  restore(): void;
}

/**
 * Makes `stub` (from `mockClient(XxxClient)`) the calling describe block's mock of that client: reset before each
 * test (no behaviour, no calls: aws-sdk-client-mock's `reset()` stubs the client afresh), then `given` sets the
 * block's default answers; restored after the block. The client is not mocked outside the block's tests: the stub
 * is restored at once here, so that another block of the file, or a module loaded afresh, sees the real client.
 */
export function mockedForEachTest<S extends ClientStub>(stub: S, given?: (stub: S) => void): S {
  stub.restore();
  beforeEach(() => {
    stub.reset();
    given?.(stub);
  });
  afterAll(() => {
    stub.restore();
  });
  return stub;
}

/** A task's logger that writes nothing. */
export function silentLogger(name: string): ReturnType<typeof taskLogger> {
  return taskLogger(name, { logLevel: 'SILENT' });
}

/** An EC2 API error as the SDK v3 throws it: `name` is EC2's error code (e.g. `InvalidInstanceID.NotFound`). */
export function ec2Error(code: string, message = code, httpStatusCode = 400): EC2ServiceException {
  return new EC2ServiceException({
    name: code,
    message,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}
