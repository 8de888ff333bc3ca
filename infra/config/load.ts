import { InputFileError, parseValid } from '../../lib/input-file';
import { readJsonFile } from '../../lib/json-file';
import { configSchema, type HaConfig } from './schema';

/** A configuration file that cannot be used; the message lists every problem with its JSON path and value. */
export class ConfigError extends InputFileError {
  constructor(file: string, problems: readonly string[]) {
    super('configuration', file, problems);
    this.name = 'ConfigError';
  }
}

/** Validates parsed JSON against the configuration schema; throws ConfigError naming every problem. */
export function parseConfig(data: unknown, file = '<inline>'): HaConfig {
  return parseValid(
    configSchema,
    data,
    (problems) =>
      new ConfigError(
        file,
        problems.map((p) => p.replace('(check the spelling)', '(check the spelling; see docs/configuration.md)')),
      ),
  );
}

/** Reads and validates a configuration file. */
export function loadConfig(file: string): HaConfig {
  const read = readJsonFile(file);
  if ('problem' in read) throw new ConfigError(file, [read.problem]);
  return parseConfig(read.data, file);
}
