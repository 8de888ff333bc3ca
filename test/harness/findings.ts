/**
 * What every check of the harness returns, and how it walks the states of an ASL definition.
 *
 * A finding names the state machine, the state (as a path a person can follow in the console, e.g.
 * `Map "Back up each instance" > Task "Create snapshots"`), the rule and one sentence saying what is wrong.
 */

/** The rules the harness enforces; the id appears in every message. */
export type RuleId =
  | 'query-language'
  | 'state-machine-timeout'
  | 'task-timeout'
  | 'task-retry'
  | 'retry-max-attempts'
  | 'retry-backoff-rate'
  | 'retry-max-delay'
  | 'retry-jitter'
  | 'task-catch'
  | 'callback-heartbeat'
  | 'loop-attempt-counter'
  | 'loop-counter-increases'
  | 'loop-budget'
  | 'intrinsic-syntax'
  | 'asl-validator'
  | 'sdk-unknown-service'
  | 'sdk-unknown-action'
  | 'sdk-unknown-parameter'
  | 'sdk-missing-parameter'
  | 'iam-missing-action'
  | 'iam-wildcard-action'
  | 'iam-destructive-action'
  | 'iam-unknown-role'
  | 'error-name-unknown';

export interface Finding {
  /** The state machine, e.g. its construct path `ha-workflows-eu-west-1/InstanceRecovery`. */
  readonly stateMachine: string;
  /** Where in the definition: `Map "Back up each instance" > Task "Create snapshots"`; '' for the machine itself. */
  readonly path: string;
  readonly rule: RuleId;
  /** One sentence: what is wrong and what is allowed. */
  readonly message: string;
}

/** Options every check takes. */
export interface CheckOptions {
  /** How findings name the state machine. */
  readonly name: string;
}

/** One line per finding: `<machine>: <path>: [rule] message`. */
export function formatFinding(f: Finding): string {
  return `${f.stateMachine}: ${f.path === '' ? '(state machine)' : f.path}: [${f.rule}] ${f.message}`;
}

/** A state of an ASL definition; fields are read defensively because the input is untrusted JSON. */
export type AslState = Record<string, unknown>;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `Task "Create snapshots"`. */
export function stateLabel(name: string, state: AslState): string {
  return `${typeof state.Type === 'string' ? state.Type : 'State'} "${name}"`;
}

/** Joins path segments with ` > `. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(' > ');
}

/** One `States` object of a definition: the top level, a Map's item processor or a Parallel branch. */
export interface StatesScope {
  /** Path of the container ('' for the top level), e.g. `Map "Back up each instance"` or `Parallel "X" > branch 2`. */
  readonly path: string;
  readonly startAt: unknown;
  readonly states: Record<string, AslState>;
}

/** A state with the path that leads to it. */
export interface VisitedState {
  readonly name: string;
  readonly state: AslState;
  /** `Map "Back up each instance" > Task "Create snapshots"`. */
  readonly path: string;
  readonly scope: StatesScope;
}

/** The nested `States` objects of one state (Map item processor / iterator, Parallel branches). */
function childScopes(name: string, state: AslState, parentPath: string): StatesScope[] {
  const here = joinPath(parentPath, stateLabel(name, state));
  const scopes: StatesScope[] = [];
  if (state.Type === 'Map') {
    const processor = isRecord(state.ItemProcessor) ? state.ItemProcessor : state.Iterator;
    if (isRecord(processor) && isRecord(processor.States)) {
      scopes.push({ path: here, startAt: processor.StartAt, states: processor.States as Record<string, AslState> });
    }
  }
  if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
    state.Branches.forEach((branch: unknown, i) => {
      if (isRecord(branch) && isRecord(branch.States)) {
        scopes.push({
          path: joinPath(here, `branch ${i + 1}`),
          startAt: branch.StartAt,
          states: branch.States as Record<string, AslState>,
        });
      }
    });
  }
  return scopes;
}

/** Every `States` object of the definition, the top level first. */
export function statesScopes(definition: unknown): StatesScope[] {
  const out: StatesScope[] = [];
  const visit = (scope: StatesScope) => {
    out.push(scope);
    for (const [name, state] of Object.entries(scope.states)) {
      if (isRecord(state)) for (const child of childScopes(name, state, scope.path)) visit(child);
    }
  };
  if (isRecord(definition) && isRecord(definition.States)) {
    visit({ path: '', startAt: definition.StartAt, states: definition.States as Record<string, AslState> });
  }
  return out;
}

/** Every state of the definition, including those inside Map item processors and Parallel branches. */
export function allStates(definition: unknown): VisitedState[] {
  return statesScopes(definition).flatMap((scope) =>
    Object.entries(scope.states)
      .filter(([, state]) => isRecord(state))
      .map(([name, state]) => ({ name, state, path: joinPath(scope.path, stateLabel(name, state)), scope })),
  );
}
