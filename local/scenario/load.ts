import { describeIssues, readJsonFile } from '../../tasks/shared/validation';
import { type Scenario, scenarioSchema } from './schema';

/** A scenario file that cannot be run; the message names the file and every problem's JSON path. */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid scenario ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

export function parseScenario(data: unknown, file = '<inline>'): Scenario {
  const result = scenarioSchema.safeParse(data);
  if (!result.success) throw new ScenarioError(file, describeIssues(data, result.error.issues));
  return result.data;
}

export function loadScenario(file: string): Scenario {
  const read = readJsonFile(file);
  if ('problem' in read) throw new ScenarioError(file, [read.problem]);
  return parseScenario(read.data, file);
}
