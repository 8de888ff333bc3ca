import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListExecutionsCommand, ListStateMachinesCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { STATE_MACHINE_OUTPUT_SUFFIX } from '../../workflows/base';
import { type AwsOptions, cloudFormationClient } from '../aws';

export interface ExecutionSummary {
  readonly workflow: string;
  readonly name: string;
  readonly status: string;
  readonly start?: string;
  readonly durationSeconds?: number;
}

/** The state machines to report: the given ARNs, the stack's `…StateMachineArn` outputs, or every one listed. */
export async function stateMachinesToReport(
  sfn: SFNClient,
  aws: AwsOptions,
  opts: { stack?: string; stateMachines?: readonly string[] },
): Promise<{ workflow: string; arn: string }[]> {
  if (opts.stateMachines?.length)
    return opts.stateMachines.map((arn) => ({ workflow: arn.split(':').pop() ?? arn, arn }));
  if (opts.stack) {
    const out = await cloudFormationClient(aws).send(new DescribeStacksCommand({ StackName: opts.stack }));
    const outputs = out.Stacks?.[0]?.Outputs ?? [];
    return outputs
      .filter((o) => o.OutputKey?.endsWith(STATE_MACHINE_OUTPUT_SUFFIX) && o.OutputValue)
      .map((o) => ({
        workflow: (o.OutputKey as string)
          .slice(0, -STATE_MACHINE_OUTPUT_SUFFIX.length)
          .replace(/([a-z])([A-Z])/g, '$1-$2')
          .toLowerCase(),
        arn: o.OutputValue as string,
      }));
  }
  const listed = await sfn.send(new ListStateMachinesCommand({}));
  return (listed.stateMachines ?? []).map((m) => ({ workflow: m.name ?? '', arn: m.stateMachineArn ?? '' }));
}

/** The last `limit` executions of each state machine, newest first. */
export async function recentExecutions(
  sfn: SFNClient,
  machines: readonly { workflow: string; arn: string }[],
  limit: number,
): Promise<ExecutionSummary[]> {
  const rows: ExecutionSummary[] = [];
  for (const m of machines) {
    const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: m.arn, maxResults: limit }));
    for (const e of out.executions ?? []) {
      rows.push({
        workflow: m.workflow,
        name: e.name ?? '',
        status: e.status ?? '',
        start: e.startDate?.toISOString(),
        durationSeconds:
          e.startDate && e.stopDate ? Math.round((e.stopDate.getTime() - e.startDate.getTime()) / 100) / 10 : undefined,
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
      r.status,
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
