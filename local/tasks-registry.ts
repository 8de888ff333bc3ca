import { Logger } from '@aws-lambda-powertools/logger';
import { makeHandler as carryOverAlarms } from '../tasks/carry-over-alarms/handler';
import { makeHandler as inspectInstance } from '../tasks/inspect-instance/handler';
import { makeHandler as launchReplacement } from '../tasks/launch-replacement/handler';
import type { LocalClients } from './engine/clients';
import type { LambdaHandler } from './engine/runner';

/**
 * The real Lambda task handlers, by the folder name under `tasks/` that each function's template metadata
 * (`ha-workflows:task`) names. The engine gives them clients that reach the simulated region, and a logger
 * that keeps drills quiet.
 */
export const TASK_HANDLERS: Readonly<Record<string, (clients: LocalClients, logger: Logger) => LambdaHandler>> = {
  'inspect-instance': (c, l) => inspectInstance(c, l),
  'launch-replacement': (c, l) => launchReplacement(c, l),
  'carry-over-alarms': (c, l) => carryOverAlarms(c, l),
};

/** A logger that writes nothing: the drill's timeline is the record. */
export function silentLogger(): Logger {
  return new Logger({ serviceName: 'ha-workflows-local', logLevel: 'SILENT' });
}
