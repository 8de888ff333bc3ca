import { InputFileError, parseValid } from '../../lib/input-file';
import { readJsonFile } from '../../lib/json-file';
import { type Scenario, scenarioSchema } from './schema';

/** A scenario file that cannot be run; the message names the file and every problem's JSON path. */
export class ScenarioError extends InputFileError {
  constructor(file: string, problems: readonly string[]) {
    super('scenario', file, problems);
    this.name = 'ScenarioError';
  }
}

/** Validates parsed JSON against the scenario schema; throws ScenarioError naming every problem. */
export function parseScenario(data: unknown, file = '<inline>'): Scenario {
  return parseValid(scenarioSchema, data, (problems) => new ScenarioError(file, problems));
}

/**
 * A parsed scenario is plain JSON data; copied through JSON (not structuredClone, which under jest makes objects of
 * another realm).
 */
const copyJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Parsed scenarios by file and text: a campaign or a benchmark loads the same file thousands of times. */
const parsed = new Map<string, { text: string; scenario: Scenario }>();

/** Reads and validates a scenario file; each call returns its own copy, which the caller may change. */
export function loadScenario(file: string): Scenario {
  const read = readJsonFile(file);
  if ('problem' in read) throw new ScenarioError(file, [read.problem]);
  const hit = parsed.get(file);
  if (hit?.text === read.text) return copyJson(hit.scenario);
  const scenario = parseScenario(read.data, file);
  parsed.set(file, { text: read.text, scenario: copyJson(scenario) });
  return scenario;
}
