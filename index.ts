/**
 * The package root: what an app that depends on `ha-workflows` imports (README.md, "Use as a library").
 *
 * The constructs and the types of their props, nothing else: a definition, a task or the engine is not part of the
 * library's API. Compiled to dist/index.js and dist/index.d.ts (tsconfig.build.json, scripts/compile.ts).
 */
export { HaFoundation, type HaFoundationProps, PropsError } from './workflows/base';
export {
  InstanceRecoveryWorkflow,
  type InstanceRecoveryWorkflowProps,
  type RecoveryGroup,
} from './workflows/instance-recovery';
export {
  MirrorFailoverWorkflow,
  type MirrorFailoverWorkflowProps,
  type MirrorMember,
  type MirrorSet,
} from './workflows/mirror-failover';
export {
  DrPromotionWorkflow,
  type DrPromotionWorkflowProps,
  type DrMember,
  type DrMirrorSet,
  type PromotionPreset,
  type PromotionSettings,
} from './workflows/dr-promotion';
export {
  SnapshotBackupWorkflow,
  type SnapshotBackupWorkflowProps,
  type BackupPolicy,
  type BackupRetention,
  type CommandConsistency,
  type IrisConsistency,
  type NoConsistency,
} from './workflows/snapshot-backup';
export { LockJanitor, type LockJanitorProps } from './workflows/lock-janitor';
/** The site dashboard (it graphs each workflow's `outcomeMetrics`) and the outcome metrics' names, for your alarms. */
export { HaDashboard, type HaDashboardProps, type OutcomeMetric } from './workflows/base';
export { OUTCOMES, RESULT_METRICS, FREEZE_WINDOW_METRICS, type OutcomeWorkflow } from './contracts/outcomes';
