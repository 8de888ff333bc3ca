import { Duration } from 'aws-cdk-lib';
import type { BackupPolicy, SnapshotBackupWorkflowProps } from '../workflows/snapshot-backup';
import type { HaConfig } from './config/schema';

/** The configured snapshot-backup section as the construct takes it (everything but the foundation). */
export function snapshotBackupFromConfig(
  config: NonNullable<HaConfig['snapshotBackup']>,
): Omit<SnapshotBackupWorkflowProps, 'foundation'> {
  const policies: BackupPolicy[] = config.policies.map((p) => {
    const c = p.consistency;
    const freezeTimeout = Duration.seconds(c.freezeTimeoutSeconds);
    const consistency: BackupPolicy['consistency'] =
      c.method === 'iris'
        ? { method: 'iris', instanceName: c.instanceName as string, freezeTimeout }
        : c.method === 'command'
          ? {
              method: 'command',
              freezeCommand: c.freezeCommand as string,
              thawCommand: c.thawCommand as string,
              freezeTimeout,
            }
          : { method: 'none' };
    return {
      name: p.name,
      schedule: p.schedule.expression,
      timeZone: p.schedule.timeZone,
      tagKey: p.targets.tagKey,
      tagValue: p.targets.tagValue,
      volumes: p.volumes,
      consistency,
      onFreezeFailure: p.onFreezeFailure,
      retention: p.retention,
      ...(p.copy ? { copy: p.copy } : {}),
      concurrency: p.concurrency,
      notifyOnSuccess: p.notifyOnSuccess,
      completionTimeout: Duration.minutes(p.completionTimeoutMinutes),
      lockWait: Duration.minutes(p.lockWaitMinutes),
      enabled: p.enabled,
    };
  });
  return {
    policies,
    thawTimeout: Duration.seconds(config.thawTimeoutSeconds),
    maxInstancesPerRun: config.maxInstancesPerRun,
    runTimeout: Duration.hours(config.runTimeoutHours),
  };
}
