import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { STATE_MACHINE_OUTPUT_SUFFIX } from '../../workflows/base';
import { type AwsOptions, cloudFormationClient } from '../aws';

export interface ExecutionSummary {
  /** The workflow id (`dr-promotion`, `instance-recovery`), not the construct's or the state machine's name. */
  readonly workflow: string;
  readonly stateMachineArn: string;
  readonly executionArn: string;
  readonly name: string;
  readonly status: string;
  readonly start?: string;
  readonly durationSeconds?: number;
  /** Why it did not succeed (FAILED, TIMED_OUT, ABORTED): DescribeExecution's error and cause. */
  readonly error?: string;
  readonly cause?: string;
}

/**
 * The workflow id of a state machine from its name or its stack output key: the construct id without CDK's hash and
 * CloudFormation's suffix, in kebab case (`DrPromotion0C663FC0-AbCdEf123456` → `dr-promotion`,
 * `SnapshotBackupInstanceStateMachineArn` → `snapshot-backup-instance`). A name given in the configuration is kept.
 */
export function workflowIdOf(name: string): string {
  const base = name
    .replace(new RegExp(`${STATE_MACHINE_OUTPUT_SUFFIX}$`), '')
    .replace(/-[A-Za-z0-9]{8,}$/, '')
    .replace(/[0-9A-F]{8}$/, '');
  if (!/^[A-Z][A-Za-z0-9]*$/.test(base)) return name;
  return base.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The state machines to report: the given ARNs, the stack's `…StateMachineArn` outputs, or every one listed. */
export async function stateMachinesToReport(
  sfn: SFNClient,
  aws: AwsOptions,
  opts: { stack?: string; stateMachines?: readonly string[] },
): Promise<{ workflow: string; arn: string }[]> {
  if (opts.stateMachines?.length)
    return opts.stateMachines.map((arn) => ({ workflow: workflowIdOf(arn.split(':').pop() ?? arn), arn }));
  if (opts.stack) {
    const out = await cloudFormationClient(aws).send(new DescribeStacksCommand({ StackName: opts.stack }));
    const outputs = out.Stacks?.[0]?.Outputs ?? [];
    return outputs
      .filter((o) => o.OutputKey?.endsWith(STATE_MACHINE_OUTPUT_SUFFIX) && o.OutputValue)
      .map((o) => ({
        workflow: workflowIdOf(o.OutputKey as string),
        arn: o.OutputValue as string,
      }));
  }
  const listed = await sfn.send(new ListStateMachinesCommand({}));
  return (listed.stateMachines ?? []).map((m) => ({
    workflow: workflowIdOf(m.name ?? ''),
    arn: m.stateMachineArn ?? '',
  }));
}

/** The last `limit` executions of each state machine, newest first; why each one that ended otherwise failed. */
export async function recentExecutions(
  sfn: SFNClient,
  machines: readonly { workflow: string; arn: string }[],
  limit: number,
): Promise<ExecutionSummary[]> {
  const rows: ExecutionSummary[] = [];
  for (const m of machines) {
    const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: m.arn, maxResults: limit }));
    for (const e of out.executions ?? []) {
      const ended = e.status !== undefined && !['RUNNING', 'SUCCEEDED', 'PENDING_REDRIVE'].includes(e.status);
      const why = ended ? await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn })) : undefined;
      rows.push({
        workflow: m.workflow,
        stateMachineArn: m.arn,
        executionArn: e.executionArn ?? '',
        name: e.name ?? '',
        status: e.status ?? '',
        start: e.startDate?.toISOString(),
        durationSeconds:
          e.startDate && e.stopDate ? Math.round((e.stopDate.getTime() - e.startDate.getTime()) / 100) / 10 : undefined,
        ...(why?.error ? { error: why.error } : {}),
        ...(why?.cause ? { cause: why.cause } : {}),
      });
    }
  }
  return rows;
}

export function formatStatus(rows: readonly ExecutionSummary[]): string {
  if (rows.length === 0) return 'No executions yet.';
  const table = [
    ['workflow', 'execution', 'status', 'started', 'duration'],
    ...rows.map((r) => [
      r.workflow,
      r.name,
      r.status + (r.error ? ` ${r.error}` : ''),
      r.start ?? '',
      r.durationSeconds === undefined ? 'running' : `${r.durationSeconds} s`,
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
