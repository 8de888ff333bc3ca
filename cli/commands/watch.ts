import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';

export interface WatchOptions {
  readonly write: (text: string) => void;
  /** Show a spinner line for the running state (only on a terminal). */
  readonly spinner?: boolean;
  readonly intervalMs?: number;
  /** Stop after this long (ms) even if the execution is still running. */
  readonly maxWaitMs?: number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const secondsBetween = (a: Date | undefined, b: Date | undefined) => (a && b ? (b.getTime() - a.getTime()) / 1000 : 0);

/** Reads every page of the execution's history. */
export async function fullHistory(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** One line for a history event worth showing, or undefined. */
export function describeEvent(
  event: HistoryEvent,
  start: Date | undefined,
  entered: Map<string, Date>,
): string | undefined {
  const at = `+${secondsBetween(start, event.timestamp).toFixed(1)}s`.padStart(9);
  const type = event.type ?? '';
  if (type.endsWith('StateEntered') && event.stateEnteredEventDetails?.name) {
    if (event.timestamp) entered.set(event.stateEnteredEventDetails.name, event.timestamp);
    return `${at}  ▶ ${event.stateEnteredEventDetails.name}`;
  }
  if (type.endsWith('StateExited') && event.stateExitedEventDetails?.name) {
    const name = event.stateExitedEventDetails.name;
    return `${at}  ✓ ${name} (${secondsBetween(entered.get(name), event.timestamp).toFixed(1)} s)`;
  }
  if (type === 'TaskFailed' || type === 'TaskTimedOut') {
    const d = event.taskFailedEventDetails ?? event.taskTimedOutEventDetails;
    return `${at}  ✗ ${d?.resourceType}:${d?.resource} ${d?.error ?? ''}`;
  }
  if (type === 'TaskSubmitted') return `${at}  … waiting for a task token (approve or reject)`;
  return undefined;
}

/**
 * The events after `afterId`, oldest first, read newest-first (`reverseOrder`) and only as far back as needed: a
 * watch reads each event once, not the whole history every second. (GetExecutionHistory returns no `nextToken` on
 * its last page, so a forward read cannot resume where it stopped; events carry increasing `id`s. API reference:
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html: `reverseOrder`,
 * `nextToken`, `maxResults` up to 1000, `includeExecutionData`.)
 */
export async function historySince(
  client: SFNClient,
  executionArn: string,
  afterId: number,
  options: { readonly includeExecutionData?: boolean; readonly pageSize?: number } = {},
): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: options.pageSize ?? 100,
        includeExecutionData: options.includeExecutionData ?? false,
        nextToken,
      }),
    );
    for (const event of page.events ?? []) {
      if ((event.id ?? 0) <= afterId) return fresh.reverse();
      fresh.push(event);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return fresh.reverse();
}

/** How a watched execution ended (or stood when the watch stopped waiting). */
export interface WatchResult {
  readonly executionArn: string;
  readonly status: string;
  readonly error?: string;
  readonly cause?: string;
  readonly startDate?: string;
  readonly stopDate?: string;
  readonly durationSeconds?: number;
}

/**
 * Follows an execution's history live: a line per state with elapsed time, a spinner for the running one,
 * and at the end the status with the error and cause. Returns the final status.
 */
export async function watchExecution(client: SFNClient, executionArn: string, opts: WatchOptions): Promise<string> {
  return (await watch(client, executionArn, opts)).status;
}

/** `watchExecution`, returning the whole result (status, error, cause, times). */
export async function watch(client: SFNClient, executionArn: string, opts: WatchOptions): Promise<WatchResult> {
  const interval = opts.intervalMs ?? 1000;
  const started = Date.now();
  const entered = new Map<string, Date>();
  let lastId = 0;
  let frame = 0;
  let running: string | undefined;
  for (;;) {
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    const events = await historySince(client, executionArn, lastId);
    if (opts.spinner) opts.write('\r\x1b[K');
    for (const event of events) {
      lastId = Math.max(lastId, event.id ?? 0);
      const line = describeEvent(event, described.startDate, entered);
      if (line) opts.write(`${line}\n`);
      const type = event.type ?? '';
      if (type.endsWith('StateEntered')) running = event.stateEnteredEventDetails?.name;
      if (type.endsWith('StateExited')) running = undefined;
    }
    const status = described.status ?? 'UNKNOWN';
    const result: WatchResult = {
      executionArn,
      status,
      ...(described.error ? { error: described.error } : {}),
      ...(described.cause ? { cause: described.cause } : {}),
      startDate: described.startDate?.toISOString(),
      stopDate: described.stopDate?.toISOString(),
      ...(described.stopDate ? { durationSeconds: secondsBetween(described.startDate, described.stopDate) } : {}),
    };
    if (status !== 'RUNNING' && status !== 'PENDING_REDRIVE') {
      const took = secondsBetween(described.startDate, described.stopDate);
      opts.write(`${status} after ${took.toFixed(1)} s${described.error ? `: ${described.error}` : ''}\n`);
      if (described.cause) opts.write(`cause: ${described.cause}\n`);
      return result;
    }
    if (opts.maxWaitMs !== undefined && Date.now() - started > opts.maxWaitMs) return result;
    if (opts.spinner && running) {
      const since = secondsBetween(entered.get(running), new Date());
      opts.write(`${FRAMES[frame++ % FRAMES.length]} ${running} ${since.toFixed(0)} s`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
