import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * The layering of DESIGN.md ("Who may import whom"), as eslint.config.mjs enforces it (issue #15): each snippet is
 * linted as if it were the file named, with the repository's own ESLint config (test/lint/lint-snippets.mjs).
 */

/** [file the snippet pretends to be, its code] */
type Snippet = readonly [filePath: string, code: string];

const forbidden: readonly Snippet[] = [
  ['tasks/x/bad.ts', "import { runDrill } from '../../local/drill';"],
  // Type-only imports count: a type couples a task to another layer's shape as much as a value does.
  ['tasks/shared/bad.ts', "import type { RecoveryInput } from '../../workflows/instance-recovery/input';"],
  ['tasks/x/bad.ts', "export { loadConfig } from '../../infra/config/load';"],
  ['tasks/x/bad.ts', "import '../../cli/bin';"],
  ['workflows/instance-recovery/bad.ts', "import { Region } from '../../local/region/region';"],
  ['workflows/base/bad.ts', "import { awsOptions } from '../../cli/aws';"],
  ['workflows/fragments/bad.ts', "import { REPLACES_TAG } from '../instance-recovery/definition';"],
  ['workflows/fragments/bad.ts', "export * from '../../workflows/mirror-failover/input';"],
  ['workflows/fragments/bad.ts', "import { runDrill } from '../../local/drill';"],
  ['workflows/fragments/steps/bad.ts', "import type { DrPromotionRequest } from '../../dr-promotion/input';"],
  ['local/region/bad.ts', "import { HaStack } from '../../infra/stack';"],
  ['local/bad.ts', "import { program } from '../cli/bin';"],
  ['lib/bad.ts', "import { NamedTaskError } from '../tasks/shared/errors';"],
  ['lib/bad.ts', "import { Errors } from '../contracts/errors';"],
  ['contracts/bad.ts', "import { NamedTaskError } from '../tasks/shared/errors';"],
  ['contracts/bad.ts', "import type { RecoveryGroup } from '../workflows/instance-recovery';"],
  ['contracts/bad.ts', "import { configSchema } from '../infra/config/schema';"],
  ['contracts/bad.ts', "export { WORKFLOW_METADATA_KEY } from '../local/drill';"],
];

const allowed: readonly Snippet[] = [
  ['tasks/x/ok.ts', "import { describeIssues } from '../../lib/issues';"],
  ['tasks/x/ok.ts', "import { parseTaskInput } from '../shared/errors';"],
  ['tasks/x/ok.ts', "import { TaskErrorNames } from '../../contracts/errors';"],
  ['workflows/dr-promotion/steps/ok.ts', "import { Errors } from '../../../contracts/errors';"],
  ['workflows/fragments/ok.ts', "import { States } from '../../contracts/errors';"],
  ['infra/config/ok.ts', "import { recoveryGroupSchema } from '../../contracts/recovery-group';"],
  ['local/campaign/ok.ts', "import { REPLACES_TAG } from '../../contracts/tags';"],
  ['cli/ok.ts', "import { WORKFLOW_METADATA_KEY } from '../contracts/metadata';"],
  ['contracts/ok.ts', "import { describeIssues } from '../lib/issues';"],
  ['contracts/ok.ts', "import { availabilityZone } from './aws-ids';"],
  ['workflows/fragments/ok.ts', "import { STATE_TABLE_KEYS } from '../base/foundation';"],
  ['workflows/fragments/ok.ts', "import { parseTaskInput } from '../../tasks/shared/errors';"],
  ['workflows/fragments/ok.ts', "import { API_CALL_TIMEOUT } from './retry';"],
  ['workflows/dr-promotion/ok.ts', "import { acquireLock } from '../fragments';"],
  ['local/ok.ts', "import { makeHandler } from '../tasks/launch-replacement/handler';"],
  ['cli/commands/ok.ts', "import { runDrill } from '../../local/drill';"],
  ['infra/ok.ts', "import { HaFoundation } from '../workflows/base';"],
  ['lib/ok.ts', "import { readFileSync } from 'node:fs';"],
];

interface Reported {
  readonly ruleId: string | null;
  readonly message: string;
  readonly fatal: boolean;
}

const key = (filePath: string, code: string) => `${filePath}: ${code}`;

describe('the layering rule (eslint.config.mjs)', () => {
  /** What the rule reported, by key(filePath, code). */
  let reports: Map<string, readonly Reported[]>;

  beforeAll(() => {
    const snippets = [...forbidden, ...allowed];
    const out = execFileSync(process.execPath, [path.join(__dirname, 'lint-snippets.mjs')], {
      input: JSON.stringify(snippets.map(([filePath, code]) => ({ filePath, code }))),
      encoding: 'utf8',
    });
    const lists = JSON.parse(out) as Reported[][];
    reports = new Map(snippets.map(([filePath, code], i) => [key(filePath, code), lists[i]]));
  });

  it.each(forbidden)('reports %s: %s', (filePath, code) => {
    const messages = reports.get(key(filePath, code)) ?? [];
    expect(messages).toEqual([
      expect.objectContaining({ ruleId: 'no-restricted-imports', message: expect.stringMatching(/DESIGN\.md|#15/) }),
    ]);
  });

  it.each(allowed)('allows %s: %s', (filePath, code) => {
    expect(reports.get(key(filePath, code))).toEqual([]);
  });
});
