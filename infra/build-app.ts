import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { HaConfig } from './config/schema';
import { HaWorkflowsStack } from './stack';

export interface BuiltApp {
  readonly app: App;
  readonly primary: HaWorkflowsStack;
  readonly dr?: HaWorkflowsStack;
}

/** Stack names: `<name>-<region>`, one per region named in the configuration. */
export function stackName(config: HaConfig, region: string): string {
  return `${config.name}-${region}`;
}

/**
 * Builds the ha-workflows app from a validated configuration: the primary stack and, when a DR region is
 * configured, a DR stack that depends on nothing in the primary region.
 */
export function buildApp(config: HaConfig, appProps: AppProps = {}, options: { checks?: boolean } = {}): BuiltApp {
  const app = new App(appProps);
  // cdk-nag runs at synth (and so at deploy); the offline engine's own synth may skip it.
  if (options.checks ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  const env = (region: string) => ({ account: config.account, region });
  const primary = new HaWorkflowsStack(app, stackName(config, config.primaryRegion), {
    config,
    site: 'primary',
    env: env(config.primaryRegion),
    description: 'ha-workflows: instance recovery, mirror failover and backups (primary region)',
  });
  const dr =
    config.drRegion === undefined
      ? undefined
      : new HaWorkflowsStack(app, stackName(config, config.drRegion), {
          config,
          site: 'dr',
          env: env(config.drRegion),
          description: 'ha-workflows: DR promotion (runs without the primary region)',
        });
  return { app, primary, dr };
}
