import { type HistoryEvent, SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { isVisibleName, MAX_APPROVER_CHARACTERS } from '../../tasks/dr-preflight/approval';
import { fullHistory } from './watch';

import { UsageError } from '../exit';

export { UsageError };

/**
 * Who approves or rejects: `--by`, which must name a person visibly. Never defaulted from $USER or "operator": the
 * name is what the audit trail records. (The caller's STS identity would be the other source, but
 * @aws-sdk/client-sts is not a dependency of this project, and `local serve` answers no STS call: `--by` is required.)
 */
export function deciderName(command: 'approve' | 'reject' | 'unlock', by: string | undefined): string {
  if (by === undefined) {
    throw new UsageError(
      `ha-workflows ${command}: --by <your name> is required (who ${command}s is recorded; ` +
        'it is never taken from $USER).',
    );
  }
  if (!isVisibleName(by) || by.length > MAX_APPROVER_CHARACTERS) {
    throw new UsageError(
      `ha-workflows ${command}: --by ${JSON.stringify(by)} is not a name (blank, invisible or control characters, ` +
        `or longer than ${MAX_APPROVER_CHARACTERS} characters); pass who you are.`,
    );
  }
  return by.trim();
}

/** A `.waitForTaskToken` task still waiting, found in the execution history. */
export interface PendingApproval {
  readonly token: string;
  readonly state: string;
}

/** The first string under a key named like `taskToken` anywhere in a value (Parameters are user-shaped). */
export function findTaskToken(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('{')) {
      try {
        return findTaskToken(JSON.parse(trimmed));
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (/^task_?token$/i.test(k) && typeof v === 'string') return v;
    if (
      /^task_?token$/i.test(k) &&
      v &&
      typeof v === 'object' &&
      typeof (v as { StringValue?: unknown }).StringValue === 'string'
    ) {
      return (v as { StringValue: string }).StringValue; // an SNS message attribute
    }
    const inner = findTaskToken(v);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * The task waiting for a token: the last `.waitForTaskToken` task scheduled without a result yet. The token
 * is read from the task's Parameters, where a workflow must pass it under a key named `TaskToken` (or
 * `taskToken`) — in the payload, the message, or an SNS message attribute.
 */
export function pendingApproval(events: readonly HistoryEvent[]): PendingApproval | undefined {
  let pending: PendingApproval | undefined;
  let state = '';
  for (const e of events) {
    const type = e.type ?? '';
    if (type === 'TaskStateEntered') state = e.stateEnteredEventDetails?.name ?? '';
    if (type === 'TaskScheduled' && e.taskScheduledEventDetails?.resource?.endsWith('.waitForTaskToken')) {
      const token = findTaskToken(e.taskScheduledEventDetails.parameters);
      pending = token ? { token, state } : undefined;
    }
    if (['TaskSucceeded', 'TaskFailed', 'TaskTimedOut', 'TaskStartFailed', 'TaskSubmitFailed'].includes(type)) {
      if (type !== 'TaskSucceeded' || e.taskSucceededEventDetails?.resource?.endsWith('.waitForTaskToken')) {
        pending = undefined;
      }
    }
    if (type.startsWith('Execution') && type !== 'ExecutionStarted') pending = undefined;
  }
  return pending;
}

export class NothingToApprove extends Error {
  constructor(executionArn: string) {
    super(`Nothing in ${executionArn} is waiting for approval (no pending .waitForTaskToken task).`);
    this.name = 'NothingToApprove';
  }
}

export async function approve(client: SFNClient, executionArn: string, by: string): Promise<PendingApproval> {
  deciderName('approve', by);
  const pending = pendingApproval(await fullHistory(client, executionArn));
  if (!pending) throw new NothingToApprove(executionArn);
  const output = JSON.stringify({ approved: true, approvedBy: by, approvedAt: new Date().toISOString() });
  await client.send(new SendTaskSuccessCommand({ taskToken: pending.token, output }));
  return pending;
}

export async function reject(
  client: SFNClient,
  executionArn: string,
  by: string,
  reason: string,
): Promise<PendingApproval> {
  deciderName('reject', by);
  const pending = pendingApproval(await fullHistory(client, executionArn));
  if (!pending) throw new NothingToApprove(executionArn);
  await client.send(
    new SendTaskFailureCommand({ taskToken: pending.token, error: 'Rejected', cause: `Rejected by ${by}: ${reason}` }),
  );
  return pending;
}
