import * as path from 'node:path';
import { buildWorld } from '../local/drill';
import { WallClock } from '../local/engine/wall-clock';
import { SimulatedRegion } from '../local/region/region';
import { loadScenario } from '../local/scenario/load';
import { environmentSchema } from '../local/scenario/schema';
import { type LocalEndpoint, serveStepFunctions } from '../local/server';
import { synthesize } from './template';

export interface ServeOptions {
  readonly port: number;
  readonly config: string;
  readonly site: 'primary' | 'dr';
  /** A scenario whose configuration, environment, seed, latency and faults the world starts from. */
  readonly scenario?: string;
  /** Modeled seconds per wall-clock second (default 1: executions and approvals follow the wall clock). */
  readonly timeScale?: number;
}

/**
 * Starts the local Step Functions endpoint over the synthesized workflows, running on the engine's
 * simulated region. Task tokens are settled by SendTaskSuccess / SendTaskFailure (e.g. `ha-workflows approve`).
 */
export async function serve(opts: ServeOptions): Promise<{ endpoint: LocalEndpoint; machines: string[] }> {
  const scenario = opts.scenario ? loadScenario(opts.scenario) : undefined;
  const config =
    scenario === undefined
      ? opts.config
      : typeof scenario.config === 'string'
        ? path.resolve(path.dirname(opts.scenario as string), scenario.config)
        : scenario.config;
  const site = synthesize(config)[scenario?.site ?? opts.site];
  if (!site) throw new Error(`the configuration has no ${opts.site} stack (set drRegion for a DR stack)`);
  const region = new SimulatedRegion({
    regionName: site.env.region,
    accountId: site.env.account,
    seed: scenario?.seed ?? 1,
    clock: new WallClock(opts.timeScale ?? 1),
    latency: scenario?.latency,
    faults: scenario?.faults,
  });
  const sfn = buildWorld(region, site.template, site.env, scenario?.environment ?? environmentSchema.parse({}), {
    broker: 'live',
  });
  const endpoint = await serveStepFunctions(region, opts.port);
  return { endpoint, machines: [...sfn.machines.keys()] };
}
