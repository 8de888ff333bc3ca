import type { ExecutionResult } from './runner';

/** The states an execution entered, in order (retries and catches not repeated). */
export function statesEntered(execution: ExecutionResult): string[] {
  return execution.timeline
    .filter((e) => e.kind === 'state' && e.detail.startsWith('entered'))
    .map((e) => e.state as string);
}

/** The last state an execution entered: where it ended. */
export function endState(execution: ExecutionResult): string | undefined {
  return statesEntered(execution).at(-1);
}

/** Modeled seconds from the execution's start to the moment it entered `state`. */
export function secondsUntil(execution: ExecutionResult, state: string): number {
  const entry = execution.timeline.find((e) => e.kind === 'state' && e.state === state);
  if (!entry) throw new Error(`execution ${execution.name} never entered "${state}"`);
  return entry.at;
}
