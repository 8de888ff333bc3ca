/**
 * Synthesizes a CDK app once and hands the tests its templates and every state machine in it, resolved to plain
 * ASL by the offline engine's resolver (local/template.ts).
 */
import { type App, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { type BuiltApp, buildApp } from '../../infra/build-app';
import { loadConfig } from '../../infra/config/load';
import type { HaConfig } from '../../infra/config/schema';
import { type CfnTemplate, DEFAULT_ENV, type ResolvedStateMachine, resolveStateMachines } from '../../local/template';

export const EXAMPLE_CONFIG_FILE = 'infra/config/example.json';

/** Context for apps built in tests: no asset bundling (no esbuild / Docker). */
export const TEST_APP_CONTEXT = { 'aws:cdk:bundling-stacks': [] as string[] };

/**
 * TEST_APP_CONTEXT, and cdk-nag findings reported by test/infra/nag.test.ts rather than failing every synthesis
 * (buildApp registers the nag packs as validation plugins, which run in `app.synth()`).
 */
export const VALIDATION_REPORTED_ELSEWHERE = {
  ...TEST_APP_CONTEXT,
  '@aws-cdk/core:failSynthOnValidationErrors': false,
};

export interface SynthesizedStack {
  readonly stack: Stack;
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** The same template, for `aws-cdk-lib/assertions`. */
  readonly assertions: Template;
}

export interface SynthesizedStateMachine extends ResolvedStateMachine {
  /** How findings name it: the construct path without trailing `/Resource` segments. */
  readonly label: string;
  readonly stackName: string;
  /** The template that holds it (for the role's policies). */
  readonly template: CfnTemplate;
}

export interface SynthesizedApp {
  readonly stacks: readonly SynthesizedStack[];
  readonly stateMachines: readonly SynthesizedStateMachine[];
}

/** Synthesizes every stack of `app` (one synthesis) and resolves each state machine's definition. */
export function synthesize(app: App): SynthesizedApp {
  const assembly = app.synth();
  const stacks = app.node
    .findAll()
    .filter((c): c is Stack => Stack.isStack(c))
    .map((stack) => {
      const template = assembly.getStackArtifact(stack.artifactId).template as CfnTemplate;
      return { stack, stackName: stack.stackName, template, assertions: Template.fromJSON(template) };
    });
  const stateMachines = stacks.flatMap(({ stack, stackName, template }) => {
    const env = {
      account: Token.isUnresolved(stack.account) ? DEFAULT_ENV.account : stack.account,
      region: Token.isUnresolved(stack.region) ? DEFAULT_ENV.region : stack.region,
    };
    const paths = new Map(
      stack.node
        .findAll()
        .filter((c): c is CfnStateMachine => c instanceof CfnStateMachine)
        .map((c) => [stack.resolve(c.logicalId) as string, c.node.path.replace(/(\/Resource)+$/, '')]),
    );
    return resolveStateMachines(template, env).map((m) => ({
      ...m,
      label: paths.get(m.logicalId) ?? `${stackName}/${m.logicalId}`,
      stackName,
      template,
    }));
  });
  return { stacks, stateMachines };
}

export interface SynthesizedExampleApp extends SynthesizedApp {
  readonly config: HaConfig;
  readonly built: BuiltApp;
}

let example: SynthesizedExampleApp | undefined;

/**
 * The app `cdk synth -c config=infra/config/example.json` deploys, built in-process and synthesized once per
 * process (jest: once per test file).
 *
 * The cdk-nag validation plugins registered by buildApp do not fail this synthesis: test/infra/nag.test.ts owns
 * those findings, and state machine checks should still report their own.
 */
export function synthExampleApp(): SynthesizedExampleApp {
  if (example === undefined) {
    const config = loadConfig(EXAMPLE_CONFIG_FILE);
    const built = buildApp(config, { context: VALIDATION_REPORTED_ELSEWHERE });
    example = { config, built, ...synthesize(built.app) };
  }
  return example;
}
