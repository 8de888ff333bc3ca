import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { CfnSubscription } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import { buildApp } from '../../infra/build-app';
import { loadConfig } from '../../infra/config/load';
import { ACKNOWLEDGEMENTS } from '../../infra/nag-acknowledgements';
import { EXAMPLE_CONFIG_FILE, TEST_APP_CONTEXT } from '../harness/synth';

const ROOT = join(__dirname, '..', '..');

// GIVEN the example app, built as `cdk synth` builds it (validation plugins registered, acknowledgements applied)
let app: App;

/** One line per unacknowledged finding: rule id, construct path, description. */
function unacknowledged(pack: NagPack): string[] {
  return pack
    .validateScope(app)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath ?? '(no path)'}: ${v.description}`),
    );
}

describe('cdk-nag', () => {
  beforeAll(() => {
    app = buildApp(loadConfig(EXAMPLE_CONFIG_FILE), { context: TEST_APP_CONTEXT }).app;
  });

  it('finds nothing unacknowledged with the AwsSolutions rules', () => {
    expect(unacknowledged(new AwsSolutionsChecks(app))).toEqual([]);
  });

  it('finds nothing unacknowledged with the Serverless rules', () => {
    expect(unacknowledged(new ServerlessChecks(app))).toEqual([]);
  });

  it('synthesizes with the validation plugins enabled, as `cdk synth` does', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it("acknowledges the missing redrive policy only on the operators' email subscriptions", () => {
    const acknowledgesRedrive = (data: unknown) =>
      typeof data === 'object' &&
      data !== null &&
      Object.keys(data).some((k) => k.endsWith('Serverless-SNSRedrivePolicy'));
    const acknowledged = app.node
      .findAll()
      .filter((c) =>
        c.node.metadata.some(
          (m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && acknowledgesRedrive(m.data),
        ),
      )
      .map((c) => ({ path: c.node.path, protocol: c instanceof CfnSubscription ? c.protocol : c.constructor.name }));
    expect(acknowledged).toEqual([
      { path: 'ha-workflows-eu-west-1/Foundation/OperatorTopic/oncall@example.com/Resource', protocol: 'email' },
      { path: 'ha-workflows-eu-central-1/Foundation/OperatorTopic/oncall@example.com/Resource', protocol: 'email' },
    ]);
  });
});

describe('acknowledgements', () => {
  it.each(
    ACKNOWLEDGEMENTS.map((a, i) => [typeof a.ids === 'function' ? `#${i} (ids per stack)` : a.ids.join(', '), a]),
  )('gives %s a specific reason', (_id, ack) => {
    for (const id of typeof ack.ids === 'function' ? [] : ack.ids) {
      expect(id).toMatch(/^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[.+\])?$/);
    }
    expect(ack.reason.trim().length).toBeGreaterThanOrEqual(40);
  });

  it('are made nowhere but infra/nag-acknowledgements.ts', () => {
    // GIVEN every TypeScript source of the project (this file excepted: it names the pattern)
    const sources = ['infra', 'workflows', 'tasks', 'cli', 'local', 'bench', 'test'].flatMap((dir) =>
      tsFiles(join(ROOT, dir)),
    );
    const allowed = new Set(['infra/nag-acknowledgements.ts', 'test/infra/nag.test.ts']);
    // WHEN searching for acknowledgement and suppression calls
    const pattern = /\.acknowledge(Warning|Info)?\s*\(|NagSuppressions\s*\./;
    const offenders = sources
      .map((file) => relative(ROOT, file).split('\\').join('/'))
      .filter((file) => !allowed.has(file))
      .filter((file) => pattern.test(readFileSync(join(ROOT, file), 'utf8')));
    // THEN there are none
    expect(offenders).toEqual([]);
  });
});

function tsFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(path);
    return /\.(ts|tsx|mts|cts)$/.test(e.name) ? [path] : [];
  });
}
