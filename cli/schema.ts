import { z } from 'zod';
import { scenarioSchema } from '../local/scenario/schema';

/** The scenario format as JSON Schema (draft 2020-12), for editors and docs/scenario.schema.json. */
export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' });
}
