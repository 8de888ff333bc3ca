#!/usr/bin/env node
// Entry of cdk.json: `npx cdk synth -c config=infra/config/example.json`.
import { App } from 'aws-cdk-lib';
import { buildApp } from './build-app';
import { ConfigError, loadConfig } from './config/load';

const DEFAULT_CONFIG = 'infra/config/example.json';

function main(): void {
  // An App that never synthesizes reads the CDK CLI's context (cdk.json, -c); only `config` is needed here.
  // (With autoSynth it would write an empty assembly at exit over the real one.)
  const file = (new App({ autoSynth: false }).node.tryGetContext('config') as string | undefined) ?? DEFAULT_CONFIG;
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
