/**
 * The base scenario of each campaign workflow: a healthy world in which the workflow succeeds with no fault. A
 * campaign draws faults for it and applies them to a fresh copy, so every schedule starts from the same world and a
 * violation is the faults' doing, not the base's.
 *
 * The bases are ordinary scenario files (local/campaign/bases/<workflow>.json) without `expect`: the campaign's
 * invariants judge a drill, not per-scenario expectations. A written-out failing schedule keeps the base's `config`
 * path, so it is resolved against the base's directory (the file returned here).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DrillResult } from '../drill';
import type { ScenarioInput } from '../scenario/schema';
import type { BaseFacts, CampaignWorkflow } from './types';

/** The folder holding the base scenario files. */
export const BASES_DIR = path.join(__dirname, 'bases');

const texts = new Map<CampaignWorkflow, string>();

/**
 * The base scenario of `workflow`: its file (absolute path, for resolving `config`) and the scenario as written
 * (input form, before defaults), a fresh deep copy on each call so that applying faults never changes the next one.
 */
export function baseScenario(workflow: CampaignWorkflow): { file: string; scenario: ScenarioInput } {
  const file = path.join(BASES_DIR, `${workflow}.json`);
  let text = texts.get(workflow);
  if (text === undefined) {
    text = readFileSync(file, 'utf8');
    texts.set(workflow, text);
  }
  return { file, scenario: JSON.parse(text) as ScenarioInput };
}

/**
 * What the fault kinds may draw from: the zones of the base's subnets, its instances, the API actions the base drill
 * called (a fault on an action the workflow never calls changes nothing) and how long it took (moments and windows
 * are drawn inside it).
 */
export function baseFacts(workflow: CampaignWorkflow, result: DrillResult): BaseFacts {
  const ec2 = baseScenario(workflow).scenario.environment?.ec2;
  const zones = [...new Set((ec2?.subnets ?? []).map((s) => s.availabilityZone))].sort();
  const instanceIds = (ec2?.instances ?? []).map((i) => i.instanceId);
  const actions = [...new Set(result.calls.map((c) => `${c.service}:${c.action}`))].sort();
  return { workflow, zones, instanceIds, actions, durationSeconds: result.modeledSeconds };
}
