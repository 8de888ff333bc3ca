/**
 * Check 3: the definition is valid Amazon States Language according to asl-validator@4 (JSON schemas per state
 * type, transition targets, terminal states, duplicate names, JSONPath syntax, Resource ARNs).
 *
 * API: `aslValidator(definition, { checkPaths, checkArn })` returns `{ isValid, errors, errorsText }`; each error
 * has an `Error code` and a `Message`, and schema errors a `schemaError.instancePath` (a JSON pointer). The
 * validator mutates its argument (it fills in `QueryLanguage`), so it is handed a deep copy.
 */
import aslValidator from 'asl-validator';
import { type CheckOptions, type Finding, isRecord, joinPath, stateLabel } from './findings';

export function validateAsl(definition: unknown, options: CheckOptions): Finding[] {
  const { errors } = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  return errors.map((e) => ({
    stateMachine: options.name,
    path: e.schemaError ? statePathOf(definition, e.schemaError.instancePath) : '',
    rule: 'asl-validator',
    message: `asl-validator ${e['Error code']}: ${e.Message}`,
  }));
}

/** `/States/Back up/ItemProcessor/States/Snap/Retry/0` → `Map "Back up" > Task "Snap"`. */
export function statePathOf(definition: unknown, pointer: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = definition;
  let path = '';
  for (let i = 0; i < segments.length; i++) {
    if (!isRecord(node) && !Array.isArray(node)) break;
    const key = segments[i];
    const child: unknown = Array.isArray(node) ? node[Number(key)] : node[key];
    if (key === 'States' && isRecord(child) && i + 1 < segments.length && isRecord(child[segments[i + 1]])) {
      path = joinPath(path, stateLabel(segments[i + 1], child[segments[i + 1]] as Record<string, unknown>));
      node = child[segments[i + 1]];
      i++;
    } else if (key === 'Branches' && Array.isArray(child) && i + 1 < segments.length) {
      path = joinPath(path, `branch ${Number(segments[i + 1]) + 1}`);
      node = child[Number(segments[i + 1])];
      i++;
    } else {
      node = child;
    }
  }
  return path;
}
