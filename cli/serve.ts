import * as path from 'node:path';
import { buildWorld } from '../local/drill';
import { WallClock } from '../local/engine/wall-clock';
import { SimulatedRegion } from '../local/region/region';
import { loadScenario } from '../local/scenario/load';
import { environmentSchema } from '../local/scenario/schema';
import { type LocalEndpoint, serveStepFunctions } from '../local/server';
import { loadConfig, parseConfig } from '../infra/config/load';
import { UsageError } from './exit';
import { synthesize } from './template';

/** The sites `local serve --site` takes. */
export const SITES = ['primary', 'dr'] as const;

/** The configuration `local serve` uses without --config or --scenario. */
export const DEFAULT_SERVE_CONFIG = 'infra/config/example.json';

/** What `local serve` was given on the command line, before it is checked. */
export interface ServeFlags {
  readonly port: number;
  readonly config?: string;
  readonly site?: string;
  readonly scenario?: string;
  readonly timeScale: number;
}

/**
 * Checks every option of `local serve` before anything is synthesized (which takes seconds): the port, the time
 * scale, the site (naming the valid ones, and the sites the configuration has), and the configuration or scenario
 * file (read and validated). Throws UsageError, or the file's error, naming the option.
 */
export function validateServeOptions(flags: ServeFlags): ServeOptions {
  if (!Number.isInteger(flags.port) || flags.port < 0 || flags.port > 65535) {
    throw new UsageError(`--port ${flags.port}: a port number from 0 (any free port) to 65535`);
  }
  if (!Number.isFinite(flags.timeScale) || flags.timeScale <= 0) {
    throw new UsageError(`--time-scale ${flags.timeScale}: a number of modeled seconds per wall-clock second above 0`);
  }
  if (flags.site !== undefined && !(SITES as readonly string[]).includes(flags.site)) {
    throw new UsageError(`--site ${flags.site}: one of ${SITES.join(', ')}`);
  }
  if (flags.scenario !== undefined && flags.config !== undefined) {
    throw new UsageError('--config and --scenario: give one (a scenario names its own configuration)');
  }
  const scenario = flags.scenario === undefined ? undefined : loadScenario(flags.scenario);
  if (scenario && flags.site !== undefined && flags.site !== scenario.site) {
    throw new UsageError(`--site ${flags.site}: the scenario ${flags.scenario} runs on the ${scenario.site} site`);
  }
  const site = (scenario?.site ?? flags.site ?? 'primary') as ServeOptions['site'];
  const configFile = flags.config ?? DEFAULT_SERVE_CONFIG;
  const config =
    scenario === undefined
      ? loadConfig(configFile)
      : typeof scenario.config === 'string'
        ? loadConfig(path.resolve(path.dirname(flags.scenario as string), scenario.config))
        : parseConfig(scenario.config, `${flags.scenario} (its config)`);
  if (site === 'dr' && config.drRegion === undefined) {
    throw new UsageError(
      `--site dr: the configuration ${scenario ? `of ${flags.scenario}` : configFile} has no DR stack (no drRegion); ` +
        'its only site is primary',
    );
  }
  return { port: flags.port, config: configFile, site, scenario: flags.scenario, timeScale: flags.timeScale };
}

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
