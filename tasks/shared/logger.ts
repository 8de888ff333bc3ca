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
