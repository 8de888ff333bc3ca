/**
 * `detail-type` of the status-change events Step Functions sends to EventBridge (source `aws.states`) when an
 * execution ends (Step Functions Developer Guide, "Automating Step Functions event delivery with EventBridge"). The
 * snapshot-backup rescue, the dr-promotion release and the lock janitor are started by it.
 */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';
