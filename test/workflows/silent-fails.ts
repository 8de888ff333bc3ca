/** Walks a state machine's top-level states for failure paths that reach a Fail state without telling anyone. */

/** The optimized SNS integration every notification uses (workflows/fragments/notify.ts). */
export const PUBLISH = 'arn:aws:states:::sns:publish';

/** What the walk reads of a state. */
export interface WalkedState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Catch?: readonly { readonly Next: string }[];
}

/** The states reachable from `start` without passing a notification; returns a path to each Fail reached. */
export function silentFails(states: Record<string, WalkedState>, start: string): string[][] {
  const found: string[][] = [];
  const seen = new Set<string>();
  const walk = (name: string, path: string[]) => {
    if (seen.has(name)) return;
    seen.add(name);
    const state = states[name];
    if (!state) throw new Error(`no state "${name}"`);
    if (state.Type === 'Task' && state.Resource === PUBLISH) return; // notified: this path is not silent
    if (state.Type === 'Fail') {
      found.push([...path, name]);
      return;
    }
    const next = [
      state.Next,
      state.Default,
      ...(state.Choices ?? []).map((c) => c.Next),
      ...(state.Catch ?? []).map((c) => c.Next),
    ].filter((n): n is string => n !== undefined);
    for (const n of next) walk(n, [...path, name]);
  };
  walk(start, []);
  return found;
}
