import { Logger } from '@aws-lambda-powertools/logger';
import { makeHandler as carryOverAlarms } from '../tasks/carry-over-alarms/handler';
import { makeHandler as copySnapshots } from '../tasks/copy-snapshots/handler';
import { makeHandler as drPreflight } from '../tasks/dr-preflight/handler';
import { makeHandler as fenceOldSite } from '../tasks/fence-old-site/handler';
import { makeHandler as inspectInstance } from '../tasks/inspect-instance/handler';
import { makeHandler as launchReplacement } from '../tasks/launch-replacement/handler';
import { makeHandler as planTargetSwitch } from '../tasks/plan-target-switch/handler';
import { makeHandler as planInstanceBackup } from '../tasks/plan-instance-backup/handler';
import { makeHandler as probeMirrorMembers } from '../tasks/probe-mirror-members/handler';
import { makeHandler as pruneSnapshots } from '../tasks/prune-snapshots/handler';
import { makeHandler as recordFreezeWindow } from '../tasks/record-freeze-window/handler';
import { makeHandler as recordOutcome } from '../tasks/record-outcome/handler';
import { makeHandler as selectBackupTargets } from '../tasks/select-backup-targets/handler';
import { makeHandler as validateDrRequest } from '../tasks/validate-dr-request/handler';
import { sdkMaxAttempts, type TaskName } from '../contracts/task-retries';
import { clientsWithAttempts, type LocalClients } from './engine/clients';
import type { LambdaHandler } from './engine/runner';

type MakeHandler = (clients: LocalClients, logger: Logger) => LambdaHandler;

/**
 * The real Lambda task handlers, by the folder name under `tasks/` that each function's template metadata
 * (`ha-workflows:task`) names. The engine gives them clients that reach the simulated region, each making the task's
 * own attempts per call (`sdkMaxAttempts(task)`, contracts/task-retries.ts: the number its real clients are built
 * with, so offline = deployed), and a logger that keeps drills quiet.
 */
const HANDLERS: { readonly [T in TaskName]: MakeHandler } = {
  'inspect-instance': (c, l) => inspectInstance(c, l),
  'launch-replacement': (c, l) => launchReplacement(c, l),
  'carry-over-alarms': (c, l) => carryOverAlarms(c, l),
  'probe-mirror-members': (c, l) => probeMirrorMembers(c, l),
  'plan-target-switch': (c, l) => planTargetSwitch(c, l),
  'select-backup-targets': (c, l) => selectBackupTargets(c, l),
  'plan-instance-backup': (c, l) => planInstanceBackup(c, l),
  'record-freeze-window': (c, l) => recordFreezeWindow(c, l),
  // Its EMF lines go to the simulated CloudWatch (local/engine/clients.ts LocalMetricsSink).
  'record-outcome': (c, l) => recordOutcome(c.metrics, l),
  // One simulated region per drill: a client "for another region" reaches the same one (docs/engine.md).
  'copy-snapshots': (c, l) => copySnapshots(() => c.ec2, l),
  'prune-snapshots': (c, l) => pruneSnapshots(() => c.ec2, l),
  'validate-dr-request': (_c, l) => validateDrRequest(l),
  'dr-preflight': (c, l) => drPreflight(c, l),
  // The primary region's EC2 API, seen from the DR stack, is the same simulated region: a "primary region down"
  // drill puts API faults on the calls this task makes (docs/workflows/dr-promotion.md).
  'fence-old-site': (c, l) => fenceOldSite(() => c.ec2, l),
};

export const TASK_HANDLERS: Readonly<Record<string, MakeHandler>> = Object.fromEntries(
  Object.entries(HANDLERS).map(([task, make]) => [
    task,
    (clients: LocalClients, logger: Logger) =>
      make(clientsWithAttempts(clients, sdkMaxAttempts(task as TaskName)), logger),
  ]),
);

/** A logger that writes nothing: the drill's timeline is the record. */
export function silentLogger(): Logger {
  return new Logger({ serviceName: 'ha-workflows-local', logLevel: 'SILENT' });
}
