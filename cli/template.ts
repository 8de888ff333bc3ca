import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildApp, stackName } from '../infra/build-app';
import { loadConfig, parseConfig } from '../infra/config/load';
import type { HaConfig } from '../infra/config/schema';
import type { CfnTemplate, ResolveEnv } from '../local/template';
import { readShared, writeShared } from './synth-cache';

export interface SynthesizedSite {
  readonly template: CfnTemplate;
  readonly env: ResolveEnv;
  readonly stackName: string;
}

const cache = new Map<string, Sites>();

type Sites = Record<'primary' | 'dr', SynthesizedSite | undefined>;

/** The account the engine models when the configuration names none. */
export const LOCAL_ACCOUNT = '123456789012';

/**
 * Synthesizes the app for a configuration (a file path, or the configuration object) without bundling
 * the Lambda code (the engine runs the handlers from source), once per configuration and process.
 */
export function synthesize(config: string | Record<string, unknown>): Sites {
  const key = typeof config === 'string' ? path.resolve(config) : JSON.stringify(config);
  const hit = cache.get(key);
  if (hit) return hit;
  const shared = readShared<Sites>(config);
  if (shared) {
    cache.set(key, shared);
    return shared;
  }
  const sites = synthesizeNow(config);
  cache.set(key, sites);
  writeShared(config, sites);
  return sites;
}

function synthesizeNow(config: string | Record<string, unknown>): Sites {
  const cfg: HaConfig = typeof config === 'string' ? loadConfig(config) : parseConfig(config, '<scenario config>');
  const outdir = mkdtempSync(path.join(tmpdir(), 'ha-workflows-synth-'));
  try {
    const { app, dr } = buildApp(cfg, { outdir, context: { 'aws:cdk:bundling-stacks': [] } }, { checks: false });
    const assembly = app.synth();
    const site = (region: string): SynthesizedSite => {
      const name = stackName(cfg, region);
      return {
        template: assembly.getStackByName(name).template as CfnTemplate,
        env: { account: cfg.account ?? LOCAL_ACCOUNT, region, partition: 'aws' },
        stackName: name,
      };
    };
    return { primary: site(cfg.primaryRegion), dr: dr && cfg.drRegion ? site(cfg.drRegion) : undefined };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
