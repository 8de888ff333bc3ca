import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { STATE_MACHINE_OUTPUT_SUFFIX } from '../../workflows/base/ha-state-machine';
import type { DrUnlockRequest } from '../../workflows/dr-promotion/release-definition';
import { deciderName, UsageError } from './approve';
import { stateMachineFinder } from './dr-start';

/** The stack output naming the dr-promotion-release state machine. */
export const DR_RELEASE_OUTPUT = `DrPromotionRelease${STATE_MACHINE_OUTPUT_SUFFIX}`;

export interface DrUnlockFlags {
  readonly mirrorSet?: string;
  readonly by?: string;
  readonly reason?: string;
  readonly force?: boolean;
}

/** The unlock request the flags describe; throws UsageError (exit code 2) when one is missing or blank. */
export function buildUnlockRequest(flags: DrUnlockFlags): DrUnlockRequest {
  if (!flags.mirrorSet?.trim()) throw new UsageError('ha-workflows dr unlock: --mirror-set <name> is required.');
  const by = deciderName('unlock', flags.by);
  const reason = flags.reason?.trim() || 'stale lock cleared by an operator';
  return { unlock: { mirrorSet: flags.mirrorSet.trim(), by, reason, force: flags.force === true } };
}

/** The release state machine: given, from the DR stack's output, or the one listed whose name says so. */
export const drReleaseStateMachine = stateMachineFinder({
  output: DR_RELEASE_OUTPUT,
  what: 'DR promotion release state machines',
  nameMatches: (name) => /DrPromotion.*Release/.test(name),
});

export interface DrUnlockResult {
  readonly executionArn: string;
  readonly status: string;
  /** `released`, `not locked`, `changed` (someone else took or released it meanwhile), or `refused`. */
  readonly outcome: 'released' | 'not locked' | 'changed' | 'refused' | 'failed';
  readonly error?: string;
  readonly cause?: string;
}

/**
 * Clears a stale mirror set lock through the release state machine (so it runs where the lock lives, with the
 * machine's own audit item and notification, also against `local serve`): starts it with the unlock request and
 * waits (bounded) for its end.
 */
export async function unlockMirrorSet(
  client: SFNClient,
  stateMachineArn: string,
  request: DrUnlockRequest,
  options: { readonly pollMs?: number; readonly maxPolls?: number; readonly now?: () => number } = {},
): Promise<DrUnlockResult> {
  const now = options.now ?? Date.now;
  const set = request.unlock.mirrorSet.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  const name = `unlock-${set}-${now().toString(36)}`;
  const started = await client.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(request) }),
  );
  const executionArn = started.executionArn!;
  for (let i = 0; i < (options.maxPolls ?? 120); i++) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') {
      if (d.status === 'FAILED' && d.error === 'LockHolderRunning') {
        return { executionArn, status: d.status, outcome: 'refused', error: d.error, cause: d.cause };
      }
      if (d.status !== 'SUCCEEDED') {
        return { executionArn, status: d.status ?? 'UNKNOWN', outcome: 'failed', error: d.error, cause: d.cause };
      }
      return { executionArn, status: d.status, outcome: await ended(client, executionArn) };
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
  }
  return {
    executionArn,
    status: 'RUNNING',
    outcome: 'failed',
    cause: 'still running; follow it with ha-workflows watch',
  };
}

/** Whether the release machine released the lock or found it changed, from the state it ended in. */
async function ended(client: SFNClient, executionArn: string): Promise<DrUnlockResult['outcome']> {
  const history = await client.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 20 }),
  );
  const last = (history.events ?? []).find((e) => e.type === 'SucceedStateEntered')?.stateEnteredEventDetails?.name;
  if (last === 'The lock changed meanwhile: nothing released') return 'changed';
  if (last === 'The mirror set is not locked') return 'not locked';
  return 'released';
}
