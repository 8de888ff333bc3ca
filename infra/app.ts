#!/usr/bin/env node
// Entry of cdk.json: `npx cdk synth -c config=infra/config/example.json`.
import { App } from 'aws-cdk-lib';
import { buildApp } from './build-app';
import { ConfigError, loadConfig } from './config/load';

/** Why the app refuses to build without `-c config=…`: a default would deploy someone else's settings. */
const MISSING_CONFIG =
  'No configuration given: pass -c config=<file>, e.g. `npx cdk synth -c config=my-config.json` ' +
  '(copy infra/config/example.json and edit it; see docs/configuration.md). Nothing was synthesized.';

function main(): void {
  // An App that never synthesizes reads the CDK CLI's context (cdk.json, -c); only `config` is needed here.
  // (With autoSynth it would write an empty assembly at exit over the real one.)
  const file = new App({ autoSynth: false }).node.tryGetContext('config') as unknown;
  // No default: the example's settings (its account-less stacks, oncall@example.com) must never be deployed by
  // forgetting an option.
  if (typeof file !== 'string' || file.trim() === '') {
    process.stderr.write(`${MISSING_CONFIG}\n`);
    process.exit(1);
  }
  try {
    const { app } = buildApp(loadConfig(file));
    app.synth();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

main();
