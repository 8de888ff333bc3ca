/**
 * The CloudFormation metadata keys the constructs write on their resources and the offline engine (and the CLI) reads
 * to find them in a synthesized template. One home (issue #15): workflows/base writes them, local/ and cli/ read them.
 */

/** On each state machine's resource: which workflow it is (`instance-recovery`, `snapshot-backup-instance`, …). */
export const WORKFLOW_METADATA_KEY = 'ha-workflows:workflow';

/** On each task function's resource: which `tasks/<name>/handler.ts` it runs. */
export const TASK_METADATA_KEY = 'ha-workflows:task';
