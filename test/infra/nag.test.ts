import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CfnSubscription } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/build-app';
import { loadConfig } from '../../infra/config/load';
import { type Acknowledgement, acknowledgementsOf, HaFoundation } from '../../workflows/base';
import { InstanceRecoveryWorkflow } from '../../workflows/instance-recovery';
import { LockJanitor } from '../../workflows/lock-janitor';
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

beforeAll(() => {
  app = buildApp(loadConfig(EXAMPLE_CONFIG_FILE), { context: TEST_APP_CONTEXT }).app;
});

describe('cdk-nag', () => {
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

describe('IAM5 acknowledgements of wildcard resources', () => {
  it('accept no action on an acknowledged wildcard resource beyond the ones they name (wildcardActions)', () => {
    expect(grantsBeyondAcknowledgements(app)).toEqual([]);
  });

  it('would reject ec2:TerminateInstances on "*" added to a role whose IAM5 Resource::* is acknowledged', () => {
    // GIVEN a fresh example app whose instance-recovery state machine role also gets a wide TerminateInstances
    const built = buildApp(loadConfig(EXAMPLE_CONFIG_FILE), { context: TEST_APP_CONTEXT });
    const recovery = built.app.node.findAll().find((c) => c.node.path.endsWith('/InstanceRecovery/Role'));
    (recovery as iam.Role).addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ec2:TerminateInstances'], resources: ['*'] }),
    );
    // WHEN the acknowledged wildcard grants are compared with the actions each acknowledgement names
    // THEN the terminate is reported (cdk-nag alone would accept it under the role's Resource::* acknowledgement)
    expect(grantsBeyondAcknowledgements(built.app)).toEqual([
      expect.stringMatching(/InstanceRecovery\/Role\/DefaultPolicy\/Resource: ec2:TerminateInstances on \*$/),
    ]);
    expect(new AwsSolutionsChecks(built.app).validateScope(built.app).violations).toEqual([]);
  });
});

describe('acknowledgements', () => {
  it('name a rule (and finding) and give a specific reason, each of them', () => {
    // GIVEN every acknowledgement made in the example app
    const made = app.node.findAll().flatMap((c) => acknowledgementsOf(c).map((ack) => ({ path: c.node.path, ack })));
    expect(made.length).toBeGreaterThan(0);
    // THEN each id is a rule id (with its finding) and each reason says why, specifically
    const bad = made.flatMap(({ path, ack }) => [
      ...ack.ids
        .filter((id) => !/^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[.+\])?$/.test(id))
        .map((id) => `${path}: id ${id}`),
      ...(ack.reason.trim().length < 40 ? [`${path}: reason ${JSON.stringify(ack.reason)}`] : []),
    ]);
    expect(bad).toEqual([]);
  });

  it('come with the constructs: a workflow in an app of its own has no unacknowledged finding', () => {
    // GIVEN an app that is not ours: a foundation, an instance recovery and the lock janitor in a stack of its own
    const own = new App({ context: TEST_APP_CONTEXT });
    const stack = new Stack(own, 'TheirStack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const foundation = new HaFoundation(stack, 'Ha', { notificationEmails: ['ops@example.com'] });
    const recovery = new InstanceRecoveryWorkflow(stack, 'Recovery', {
      foundation,
      groups: [{ id: 'web', vpcId: 'vpc-0abc1234' }],
    });
    new LockJanitor(stack, 'Janitor', { foundation, stateMachines: [recovery.stateMachine] });
    // WHEN the cdk-nag packs check it (no app-level acknowledgement applied)
    const findings = [new AwsSolutionsChecks(own), new ServerlessChecks(own)].flatMap((pack) =>
      pack.validateScope(own).violations.map((v) => v.ruleName),
    );
    // THEN there are none
    expect(findings).toEqual([]);
  });

  it('match the findings when the configuration names the account (cdk-nag then prints it in ARNs)', () => {
    // GIVEN the example app deployed to a named account (an environment-agnostic stack prints <AWS::AccountId>)
    const config = { ...loadConfig(EXAMPLE_CONFIG_FILE), account: '123456789012' };
    const named = buildApp(config, { context: TEST_APP_CONTEXT }).app;
    // WHEN the cdk-nag packs check it
    const findings = [new AwsSolutionsChecks(named), new ServerlessChecks(named)].flatMap((pack) =>
      pack.validateScope(named).violations.map((v) => v.ruleName),
    );
    // THEN every finding is acknowledged, as in the environment-agnostic app
    expect(findings).toEqual([]);
  });

  it('are made nowhere but through acknowledge() (workflows/base/acknowledgements.ts)', () => {
    // GIVEN every TypeScript source of the project (this file excepted: it names the pattern)
    const sources = ['infra', 'workflows', 'tasks', 'cli', 'local', 'bench', 'test'].flatMap((dir) =>
      tsFiles(join(ROOT, dir)),
    );
    const allowed = new Set(['workflows/base/acknowledgements.ts', 'test/infra/nag.test.ts']);
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

const IAM5_RESOURCE = /^AwsSolutions-IAM5\[Resource::(.+)\]$/;

/** The wildcard resources an acknowledgement accepts for IAM5 (as cdk-nag flattens them). */
function acknowledgedResources(ack: Acknowledgement): string[] {
  return ack.ids.flatMap((id) => IAM5_RESOURCE.exec(id)?.[1] ?? []);
}

/** The Allow statements of every IAM policy (and role inline policy) at or under `c`, resolved. */
function allowStatements(c: IConstruct): { path: string; actions: string[]; resources: string[] }[] {
  return c.node.findAll().flatMap((node) => {
    let documents: unknown[] = [];
    if (node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy) documents = [node.policyDocument];
    else if (node instanceof iam.CfnRole) {
      const policies = Stack.of(node).resolve(node.policies) as { policyDocument: unknown }[] | undefined;
      documents = (policies ?? []).map((p) => p.policyDocument);
    }
    return documents.flatMap((d) => {
      const doc = Stack.of(node).resolve(d) as { Statement?: Record<string, unknown>[] };
      return (doc.Statement ?? [])
        .filter((st) => st.Effect === 'Allow')
        .map((st) => ({
          path: node.node.path,
          actions: ([] as unknown[]).concat(st.Action ?? []).map(String),
          resources: ([] as unknown[]).concat(st.Resource ?? []).map(flattenCfnReference),
        }));
    });
  });
}

/**
 * `<path>: <action> on <resource>` for every action granted on a wildcard resource that an IAM5 acknowledgement
 * accepts but whose `wildcardActions` do not list.
 */
function grantsBeyondAcknowledgements(root: IConstruct): string[] {
  const out = new Set<string>();
  for (const c of root.node.findAll()) {
    for (const ack of acknowledgementsOf(c)) {
      const resources = acknowledgedResources(ack);
      if (resources.length === 0) continue;
      const allowed = new Set((ack.wildcardActions ?? []).map((a) => a.toLowerCase()));
      for (const st of allowStatements(c)) {
        for (const r of st.resources.filter((x) => resources.includes(x))) {
          for (const a of st.actions.filter((x) => !allowed.has(x.toLowerCase()))) out.add(`${st.path}: ${a} on ${r}`);
        }
      }
    }
  }
  return [...out].sort();
}

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
