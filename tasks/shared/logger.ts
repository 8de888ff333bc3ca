import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

export type TaskLogLevel = NonNullable<ConstructorOptions['logLevel']>;

/**
 * The structured (JSON) logger of one Lambda task: service `ha-workflows`, every line carries `task`.
 * The level comes from `logLevel`, else from POWERTOOLS_LOG_LEVEL / the function's log level, else INFO.
 */
export function taskLogger(task: string, options: { readonly logLevel?: TaskLogLevel } = {}): Logger {
  return new Logger({
    serviceName: 'ha-workflows',
    persistentKeys: { task },
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
}

/**
 * The members of the Lambda context object a task uses (Lambda Developer Guide, "Using the Lambda context object to
 * retrieve Node.js function information"): what Powertools' `addContext` reads into every log line.
 */
export interface LambdaContext {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/** A task handler as Lambda calls it: the event and, from the runtime (or the offline engine), the context. */
export type TaskHandler<T> = (event: unknown, context?: LambdaContext) => Promise<T>;

/**
 * Wraps a task's handler so each invocation's log lines carry the Lambda context: `function_request_id` (the
 * request id), `cold_start` (true on the first invocation of the execution environment), the function's name, ARN,
 * version and memory (Powertools for AWS Lambda, Logger, "Capturing Lambda context info": `logger.addContext`).
 * Without a context (a unit test calling the function directly) the lines carry only the task.
 */
export function withLambdaContext<T>(logger: Logger, fn: (event: unknown) => Promise<T>): TaskHandler<T> {
  return (event, context) => {
    if (context) logger.addContext(context as unknown as Parameters<Logger['addContext']>[0]);
    return fn(event);
  };
}
