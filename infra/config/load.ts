import { describeIssues } from '../../lib/issues';
import { readJsonFile } from '../../lib/json-file';
import { configSchema, type HaConfig } from './schema';

/** A configuration file that cannot be used; the message lists every problem with its JSON path and value. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid configuration ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates parsed JSON against the configuration schema; throws ConfigError naming every problem. */
export function parseConfig(data: unknown, file = '<inline>'): HaConfig {
  const result = configSchema.safeParse(data);
  if (!result.success)
    throw new ConfigError(
      file,
      describeIssues(data, result.error.issues).map((p) =>
        p.replace('(check the spelling)', '(check the spelling; see docs/configuration.md)'),
      ),
    );
  return result.data;
}

/** Reads and validates a configuration file. */
export function loadConfig(file: string): HaConfig {
  const read = readJsonFile(file);
  if ('problem' in read) throw new ConfigError(file, [read.problem]);
  return parseConfig(read.data, file);
}
