/**
 * The rules every ha-workflows state machine must pass (DESIGN.md, "Bounded everything"), as pure functions of
 * a plain ASL definition.
 *
 * Which retriers must use full jitter: every retrier that can see a throttling error. That is one whose
 * `ErrorEquals` names
 * - a throttling error: any name containing `Throttl`, `TooManyRequests`, `RequestLimitExceeded`, `Rate`
 *   (e.g. `RateExceeded`), `SlowDown` or `ProvisionedThroughputExceeded`;
 * - a catch-all: `States.ALL` or `States.TaskFailed` (both match a throttled call);
 * - a service's generic error, `<Service>.<Service>Exception` or `<Service>.AWS<Service>Exception` (e.g.
 *   `Ec2.Ec2Exception`, `Lambda.AWSLambdaException`): Step Functions raises it for errors without a more specific
 *   name, throttling included.
 * Without jitter, executions that were throttled together retry together and are throttled again.
 */
import {
  type AslState,
  type CheckOptions,
  type Finding,
  type RuleId,
  type StatesScope,
  allStates,
  isRecord,
  joinPath,
  stateLabel,
  statesScopes,
} from './findings';
import { type IntrinsicNode, parseIntrinsic } from './intrinsics';

/** Upper bound of `MaxAttempts` for one retrier: beyond that a Retry hides an outage instead of riding it out. */
export const MAX_RETRY_ATTEMPTS = 10;

const THROTTLING_NAME = /Throttl|TooManyRequests|RequestLimitExceeded|Rate|SlowDown|ProvisionedThroughputExceeded/;
const CATCH_ALL = new Set(['States.ALL', 'States.TaskFailed']);
const SERVICE_GENERIC = /^(\w+)\.(?:AWS)?\1Exception$/i;

/** True when a retrier with this `ErrorEquals` can see a throttling error (see the module comment). */
export function canSeeThrottling(errorEquals: readonly string[]): boolean {
  return errorEquals.some((e) => CATCH_ALL.has(e) || THROTTLING_NAME.test(e) || SERVICE_GENERIC.test(e));
}

/** Attempt counters are recognised by name: a Choice rule must read a path that mentions "attempt". */
const ATTEMPT_COUNTER = /attempt/i;

/** How the loop-budget rule counts a round. */
export interface LoopBudgetOptions {
  /**
   * Count each Task's TimeoutSeconds in every round (a call that hangs until its timeout in every round), on top of
   * the Waits. Off by default: a poll meant to last "up to N minutes" computes its attempts from its interval, and
   * with a hung call in every round no counter-bounded poll could keep its normal duration; such polls need a
   * deadline, which the counter model cannot see. Turn it on to find the loops whose worst case is dominated by
   * their calls.
   * @default false
   */
  readonly countTaskTimeouts?: boolean;
}

/** Fields only JSONata states have. */
const JSONATA_FIELDS = ['Arguments', 'Output', 'Items'] as const;

/** Checks one state machine definition; returns every finding (empty when it passes). */
export function checkStateMachine(definition: unknown, options: CheckOptions & LoopBudgetOptions): Finding[] {
  const findings: Finding[] = [];
  const report = (path: string, rule: RuleId, message: string) =>
    findings.push({ stateMachine: options.name, path, rule, message });

  if (!isRecord(definition)) {
    report('', 'asl-validator', 'the definition is not a JSON object');
    return findings;
  }
  checkTopLevel(definition, report);
  for (const { name, state, path } of allStates(definition)) {
    checkQueryLanguage(name, state, path, report);
    if (Array.isArray(state.Retry)) checkRetriers(state.Retry, path, report);
    if (state.Type === 'Task') checkTask(state, path, report);
  }
  const machineTimeout = isPositiveInteger(definition.TimeoutSeconds) ? definition.TimeoutSeconds : undefined;
  const budget = { countTaskTimeouts: options.countTaskTimeouts ?? false };
  for (const scope of statesScopes(definition)) checkLoops(scope, definition, machineTimeout, budget, report);
  return findings;
}

type Report = (path: string, rule: RuleId, message: string) => void;

function checkTopLevel(definition: Record<string, unknown>, report: Report): void {
  if (definition.QueryLanguage !== undefined && definition.QueryLanguage !== 'JSONPath') {
    report(
      '',
      'query-language',
      `the state machine sets QueryLanguage ${JSON.stringify(definition.QueryLanguage)}; only "JSONPath" is allowed ` +
        '(the offline engine ignores JSONata fields silently)',
    );
  }
  const timeout = definition.TimeoutSeconds;
  if (timeout === undefined) {
    report(
      '',
      'state-machine-timeout',
      'the state machine has no TimeoutSeconds; every execution needs an upper bound (HaStateMachine `timeout`)',
    );
  } else if (!isPositiveInteger(timeout)) {
    report(
      '',
      'state-machine-timeout',
      `the state machine's TimeoutSeconds is ${JSON.stringify(timeout)}; it must be a positive whole number`,
    );
  }
}

function checkQueryLanguage(name: string, state: AslState, path: string, report: Report): void {
  const label = stateLabel(name, state);
  if (state.QueryLanguage !== undefined && state.QueryLanguage !== 'JSONPath') {
    report(
      path,
      'query-language',
      `${label} sets QueryLanguage ${JSON.stringify(state.QueryLanguage)}; only "JSONPath" is allowed`,
    );
  }
  for (const field of JSONATA_FIELDS) {
    if (state[field] !== undefined) {
      report(path, 'query-language', `${label} has the JSONata field "${field}"; JSONPath states use Parameters/…Path`);
    }
  }
  if (state.Type === 'Choice' && Array.isArray(state.Choices)) {
    state.Choices.forEach((rule: unknown, i) => {
      if (isRecord(rule) && rule.Condition !== undefined) {
        report(path, 'query-language', `${label} rule ${i + 1} has the JSONata field "Condition"; use Variable`);
      }
    });
  }
  const jsonata = jsonataStrings(state);
  if (jsonata.length > 0) {
    report(
      path,
      'query-language',
      `${label} holds a JSONata expression at ${jsonata.join(', ')}; only JSONPath is allowed`,
    );
  }
}

/** Where a `{% … %}` string occurs in a state, not counting the states nested in it. */
function jsonataStrings(state: AslState): string[] {
  const out: string[] = [];
  const visit = (v: unknown, where: string) => {
    if (typeof v === 'string') {
      if (/^\s*\{%[\s\S]*%\}\s*$/.test(v)) out.push(where);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${where}[${i}]`));
    } else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) visit(x, where === '' ? k : `${where}.${k}`);
    }
  };
  for (const [k, v] of Object.entries(state)) {
    if (k === 'ItemProcessor' || k === 'Iterator' || k === 'Branches') continue;
    visit(v, k);
  }
  return out;
}

function checkTask(state: AslState, path: string, report: Report): void {
  if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
    report(
      path,
      'task-timeout',
      'the Task has no TimeoutSeconds: a call that never answers would hold the execution until the state machine ' +
        'times out (set `taskTimeout`)',
    );
  }
  if (!Array.isArray(state.Retry) || state.Retry.length === 0) {
    report(
      path,
      'task-retry',
      'the Task has no Retry: every Task needs a bounded Retry (MaxAttempts 1-' +
        `${MAX_RETRY_ATTEMPTS}, BackoffRate > 1, MaxDelaySeconds, JitterStrategy "FULL" for throttling)`,
    );
  }
  if (!Array.isArray(state.Catch) || state.Catch.length === 0) {
    report(
      path,
      'task-catch',
      'the Task has no Catch: when its retries are exhausted the execution would fail without the workflow ' +
        'cleaning up or notifying anyone',
    );
  }
  const resource = typeof state.Resource === 'string' ? state.Resource : '';
  if (
    resource.endsWith('.waitForTaskToken') &&
    state.HeartbeatSeconds === undefined &&
    state.HeartbeatSecondsPath === undefined
  ) {
    report(
      path,
      'callback-heartbeat',
      `the Task waits for a task token (${resource}) but has no HeartbeatSeconds: a lost callback would only be ` +
        'noticed at TimeoutSeconds (set `heartbeatTimeout`)',
    );
  }
}

function checkRetriers(retry: unknown[], path: string, report: Report): void {
  retry.forEach((retrier, i) => {
    if (!isRecord(retrier)) {
      report(path, 'task-retry', `retrier ${i + 1} is not an object`);
      return;
    }
    const errors = Array.isArray(retrier.ErrorEquals) ? retrier.ErrorEquals.map(String) : [];
    const which = `retrier ${i + 1} (ErrorEquals ${JSON.stringify(errors)})`;
    const catchAll = errors.includes('States.ALL') ? ' A States.ALL retrier in particular must be bounded.' : '';

    const attempts = retrier.MaxAttempts;
    if (attempts === undefined) {
      report(
        path,
        'retry-max-attempts',
        `${which} has no MaxAttempts; set it explicitly, between 1 and ${MAX_RETRY_ATTEMPTS}.${catchAll}`,
      );
    } else if (!isPositiveInteger(attempts) || attempts > MAX_RETRY_ATTEMPTS) {
      report(
        path,
        'retry-max-attempts',
        `${which} has MaxAttempts ${JSON.stringify(attempts)}; it must be a whole number between 1 and ` +
          `${MAX_RETRY_ATTEMPTS}.${catchAll}`,
      );
    }

    const backoff = retrier.BackoffRate;
    if (typeof backoff !== 'number' || !(backoff > 1)) {
      report(
        path,
        'retry-backoff-rate',
        `${which} has BackoffRate ${backoff === undefined ? '(none)' : JSON.stringify(backoff)}; it must be ` +
          'set and greater than 1 so that retries back off',
      );
    }

    const maxDelay = retrier.MaxDelaySeconds;
    if (maxDelay === undefined) {
      report(
        path,
        'retry-max-delay',
        `${which} has no MaxDelaySeconds; set it so that the exponential backoff has a ceiling`,
      );
    } else if (!isPositiveInteger(maxDelay)) {
      report(
        path,
        'retry-max-delay',
        `${which} has MaxDelaySeconds ${JSON.stringify(maxDelay)}; it must be a positive whole number`,
      );
    }

    if (canSeeThrottling(errors) && retrier.JitterStrategy !== 'FULL') {
      report(
        path,
        'retry-jitter',
        `${which} can catch throttling errors but has JitterStrategy ` +
          `${retrier.JitterStrategy === undefined ? '(none)' : JSON.stringify(retrier.JitterStrategy)}; it must be ` +
          '"FULL" so that throttled executions do not retry in lockstep',
      );
    }
  });
}

/** Transitions of one state inside its `States` object: Next, Default, Choices[].Next, Catch[].Next. */
function successors(state: AslState): string[] {
  const out: string[] = [];
  if (typeof state.Next === 'string') out.push(state.Next);
  if (typeof state.Default === 'string') out.push(state.Default);
  for (const list of [state.Choices, state.Catch]) {
    if (!Array.isArray(list)) continue;
    for (const rule of list) if (isRecord(rule) && typeof rule.Next === 'string') out.push(rule.Next);
  }
  return out;
}

/** The paths a Choice state's rules read: every Variable and every `…Path` comparison, nested And/Or/Not included. */
export function choiceReads(state: AslState): string[] {
  const out: string[] = [];
  const visit = (rule: unknown) => {
    if (!isRecord(rule)) return;
    for (const [k, v] of Object.entries(rule)) {
      if ((k === 'Variable' || k.endsWith('Path')) && typeof v === 'string') out.push(v);
      if (k === 'And' || k === 'Or') (Array.isArray(v) ? v : []).forEach(visit);
      if (k === 'Not') visit(v);
    }
  };
  if (Array.isArray(state.Choices)) state.Choices.forEach(visit);
  return out;
}

/**
 * Strongly connected components of the transition graph of one `States` object (Tarjan). Each component that holds
 * a cycle must contain a Choice that reads an attempt counter.
 */
export function cycles(states: Record<string, AslState>): string[][] {
  const names = Object.keys(states);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;

  const connect = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of successors(states[v])) {
      if (!(w in states)) continue;
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = component.length === 1 && successors(states[v]).includes(v);
      if (component.length > 1 || selfLoop) out.push(names.filter((n) => component.includes(n)));
    }
  };
  for (const n of names) if (isRecord(states[n]) && !index.has(n)) connect(n);
  return out;
}

function checkLoops(
  scope: StatesScope,
  definition: Record<string, unknown>,
  machineTimeout: number | undefined,
  budget: Required<LoopBudgetOptions>,
  report: Report,
): void {
  const resolve = (path: string) => resolveNumber(definition, scope, path);
  for (const component of cycles(scope.states)) {
    const labels = component.map((n) => stateLabel(n, scope.states[n]));
    const where = joinPath(scope.path, labels[0]);
    const guarded = component.some((n) => {
      const s = scope.states[n];
      return s.Type === 'Choice' && choiceReads(s).some((p) => ATTEMPT_COUNTER.test(p));
    });
    if (!guarded) {
      report(
        where,
        'loop-attempt-counter',
        `the states ${labels.join(', ')} form a loop without a Choice on an attempt counter; every loop must pass a ` +
          'Choice whose rule reads a counter such as "$.poll.attempt", so that it ends after a bounded number of rounds',
      );
      continue;
    }
    const counters = loopCounters(scope.states, component, resolve);
    if (counters.length === 0) {
      report(
        where,
        'loop-counter-increases',
        `the loop ${labels.join(', ')}: its Choice reads an attempt counter but never compares it with a number ` +
          '(NumericLessThan, NumericGreaterThanEquals…), so nothing bounds the rounds',
      );
      continue;
    }
    const problems = counters.flatMap((c) => (c.problem ? [c.problem] : []));
    for (const problem of problems)
      report(where, 'loop-counter-increases', `the loop ${labels.join(', ')}: ${problem}`);
    if (problems.length > 0 || machineTimeout === undefined) continue;
    // The outermost counters: those whose own cycle is the whole loop (the loop ends when the first of them does).
    const outer = counters.filter((c) => c.cycle.length === component.length);
    const worsts = outer.map((c) => worstCase(scope.states, counters, c, resolve, budget));
    if (outer.length === 0 || worsts.some((w) => w === undefined)) continue;
    const worst = worsts.reduce((a, b) => (b!.seconds < a!.seconds ? b : a));
    if (worst !== undefined && worst.seconds > machineTimeout) {
      report(
        where,
        'loop-budget',
        `the loop ${labels.join(', ')} can take ${worst.seconds} s (${worst.detail}), longer than the state ` +
          `machine's TimeoutSeconds ${machineTimeout}: the execution would time out before the loop gives up; ` +
          'lower the attempts or the interval, or raise the timeout',
      );
    }
  }
}

/** One attempt counter of a loop: how it starts, grows and ends, or why it cannot be shown to end. */
interface LoopCounter {
  readonly path: string;
  readonly problem?: string;
  readonly start: number;
  readonly step: number;
  /** The counter value at which the Choice ends the loop; undefined when only known at run time. */
  readonly bound?: number;
  /** The states of the loop that reset it (a nested loop's counter is reset in each round of the outer loop). */
  readonly resetBy: readonly string[];
  /** The states of its own loop: the cycle through the state that increases it, not passing where it is reset. */
  readonly cycle: readonly string[];
}

/**
 * Every counter the loop's Choices compare with a number, each with the Pass state of the loop that must increase it
 * (`States.MathAdd(<counter>, n)`, n > 0) and where it starts (the smallest literal a Pass state of the scope sets
 * it to; 0 if none is found).
 */
function loopCounters(
  states: Record<string, AslState>,
  component: readonly string[],
  resolve: (path: string) => number | undefined,
): LoopCounter[] {
  const comparisons = component
    .filter((n) => states[n].Type === 'Choice')
    .flatMap((n) => counterComparisons(states[n], resolve));
  const paths = [...new Set(comparisons.map((c) => c.counter))];
  return paths.map((path) => {
    const bounds = comparisons.filter((c) => c.counter === path).map((c) => c.bound);
    const bound = bounds.some((b) => b === undefined) ? undefined : Math.max(...(bounds as number[]));
    const key = lastSegment(path);
    const parent = path.slice(0, path.length - key.length - 1);
    const initialisers = Object.entries(states).filter(
      ([, s]) =>
        s.Type === 'Pass' &&
        s.ResultPath === parent &&
        isRecord(s.Result) &&
        typeof (s.Result as Record<string, unknown>)[key] === 'number',
    );
    const starts = initialisers.map(([, s]) => (s.Result as Record<string, number>)[key]);
    const start = starts.length > 0 ? Math.min(...starts) : 0;
    const resetBy = initialisers.map(([n]) => n).filter((n) => component.includes(n));
    const base = { path, start, bound, resetBy, step: 1, cycle: [] as string[] };

    const updates = component.flatMap((n) =>
      intrinsicWrites(states[n])
        .filter((w) => samePath(w.path, path))
        .map((w) => ({ ...w, name: n, state: stateLabel(n, states[n]) })),
    );
    if (updates.length === 0) {
      return {
        ...base,
        problem:
          `its Choice compares the counter ${path}, but no state of the loop writes it; a Pass state in the loop ` +
          `must set it to States.MathAdd(${path}, 1)`,
      };
    }
    let step = Infinity;
    const cycle = cycleThrough(states, component, updates[0].name, resetBy);
    for (const u of updates) {
      const n = mathAddStep(u.text, path);
      if (n === undefined || !(n > 0)) {
        return {
          ...base,
          problem:
            `${u.state} sets the counter ${path} to ${u.text}; it must be States.MathAdd(${path}, n) with n a ` +
            'positive number, so that every round brings the loop closer to its bound',
        };
      }
      step = Math.min(step, n);
    }
    return { ...base, step, cycle };
  });
}

/** n of `States.MathAdd(<counter>, n)`, or undefined when the text is anything else. */
function mathAddStep(text: string, counter: string): number | undefined {
  let call: IntrinsicNode;
  try {
    call = parseIntrinsic(text);
  } catch {
    return undefined;
  }
  if (call.kind !== 'call' || call.name !== 'States.MathAdd' || call.args.length !== 2) return undefined;
  const [path, n] = call.args;
  return path.kind === 'path' && samePath(path.path, counter) && n.kind === 'number' ? n.value : undefined;
}

/**
 * Seconds a state adds to one round: a Wait's seconds; with `countTaskTimeouts`, a Task's TimeoutSeconds too (one
 * attempt; retries not counted).
 */
function stateSeconds(
  state: AslState,
  resolve: (path: string) => number | undefined,
  budget: Required<LoopBudgetOptions>,
): number | undefined {
  if (state.Type === 'Wait') {
    if (typeof state.Seconds === 'number') return state.Seconds;
    return typeof state.SecondsPath === 'string' ? resolve(state.SecondsPath) : undefined;
  }
  if (state.Type === 'Task' && budget.countTaskTimeouts) {
    return typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : 0;
  }
  return 0;
}

/** The states on a cycle through `through` in `component`, not passing through `avoid` (Tarjan on the subgraph). */
function cycleThrough(
  states: Record<string, AslState>,
  component: readonly string[],
  through: string,
  avoid: readonly string[],
): string[] {
  const sub: Record<string, AslState> = {};
  for (const n of component) if (!avoid.includes(n)) sub[n] = states[n];
  return cycles(sub).find((c) => c.includes(through)) ?? [];
}

/**
 * The worst-case duration of a loop whose counter is `counter`: rounds × (the Waits and Task timeouts of one round,
 * Task retries not counted). A loop nested in it (a counter whose cycle lies inside this one) counts as its own worst
 * case in every round. Undefined when a bound or a wait is only known at run time and not found among the
 * definition's literals.
 */
function worstCase(
  states: Record<string, AslState>,
  counters: readonly LoopCounter[],
  counter: LoopCounter,
  resolve: (path: string) => number | undefined,
  budget: Required<LoopBudgetOptions>,
): { seconds: number; detail: string } | undefined {
  if (counter.bound === undefined) return undefined;
  const rounds = Math.max(0, Math.ceil((counter.bound - counter.start) / counter.step));
  const loop = counter.cycle;
  const nested = counters.filter(
    (c) =>
      c !== counter && c.cycle.length > 0 && c.cycle.length < loop.length && c.cycle.every((n) => loop.includes(n)),
  );
  // Only the outermost of the nested loops count here; theirs are counted in their own worst case.
  const direct = nested.filter(
    (c) => !nested.some((d) => d !== c && d.cycle.length > c.cycle.length && c.cycle.every((n) => d.cycle.includes(n))),
  );
  let roundSeconds = 0;
  for (const n of loop) {
    if (direct.some((c) => c.cycle.includes(n))) continue;
    const seconds = stateSeconds(states[n], resolve, budget);
    if (seconds === undefined) return undefined;
    roundSeconds += seconds;
  }
  const parts = [
    `${rounds} round(s) of ${roundSeconds} s of ${budget.countTaskTimeouts ? 'waits and task timeouts' : 'waits'}`,
  ];
  for (const c of direct) {
    const w = worstCase(states, counters, c, resolve, budget);
    if (w === undefined) return undefined;
    roundSeconds += w.seconds;
    parts.push(`plus, in each round, a nested loop on ${c.path} of ${w.seconds} s [${w.detail}]`);
  }
  return { seconds: rounds * roundSeconds, detail: `counter ${counter.path}: ${parts.join(', ')}` };
}

/** Numeric comparisons of a Choice rule and the value at which each one flips (integers). */
const BOUND_OF: Readonly<Record<string, (n: number) => number>> = {
  NumericEquals: (n) => n,
  NumericGreaterThanEquals: (n) => n,
  NumericGreaterThan: (n) => n + 1,
  NumericLessThan: (n) => n,
  NumericLessThanEquals: (n) => n + 1,
};

/** Every `{ counter, bound }` a Choice compares, nested And/Or/Not included; a `…Path` bound is resolved by `resolve`. */
function counterComparisons(
  state: AslState,
  resolve: (path: string) => number | undefined,
): { counter: string; bound: number | undefined; rule: string }[] {
  const out: { counter: string; bound: number | undefined; rule: string }[] = [];
  const visit = (rule: unknown) => {
    if (!isRecord(rule)) return;
    if (typeof rule.Variable === 'string' && ATTEMPT_COUNTER.test(rule.Variable)) {
      for (const [op, flip] of Object.entries(BOUND_OF)) {
        const literal = rule[op];
        const path = rule[`${op}Path`];
        if (typeof literal === 'number') out.push({ counter: rule.Variable, bound: flip(literal), rule: op });
        if (typeof path === 'string') {
          const n = resolve(path);
          out.push({ counter: rule.Variable, bound: n === undefined ? undefined : flip(n), rule: `${op}Path` });
        }
      }
    }
    for (const k of ['And', 'Or']) if (Array.isArray(rule[k])) (rule[k] as unknown[]).forEach(visit);
    visit(rule.Not);
  };
  if (Array.isArray(state.Choices)) state.Choices.forEach(visit);
  return out;
}

/**
 * The largest number stored under `key` (the last segment of a path such as `$.set.verifyChecks`) anywhere in the
 * definition's literals: a worst case for a bound or a wait that the workflow reads from its own settings.
 */
function largestLiteral(definition: unknown, key: string): number | undefined {
  let best: number | undefined;
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === key && typeof x === 'number') best = Math.max(best ?? x, x);
        else if (k === key && Array.isArray(x) && x.every((e) => typeof e === 'number') && x.length > 0) {
          best = Math.max(best ?? -Infinity, ...(x as number[]));
        } else visit(x);
      }
    }
  };
  visit(definition);
  return best;
}

/**
 * A worst case for a number the workflow reads at `path`: the largest literal under its last segment, or, when a
 * Pass state sets the path to `States.ArrayGetItem(<list>, …)`, the largest literal of that list.
 */
function resolveNumber(definition: unknown, scope: StatesScope, path: string): number | undefined {
  const literal = largestLiteral(definition, lastSegment(path));
  if (literal !== undefined) return literal;
  for (const state of Object.values(scope.states)) {
    for (const w of intrinsicWrites(state)) {
      if (!samePath(w.path, path)) continue;
      try {
        const call = parseIntrinsic(w.text);
        if (call.kind === 'call' && call.name === 'States.ArrayGetItem' && call.args[0]?.kind === 'path') {
          return largestLiteral(definition, lastSegment(call.args[0].path));
        }
      } catch {
        // not an intrinsic this resolver understands
      }
    }
  }
  return undefined;
}

const lastSegment = (path: string) => /([A-Za-z0-9_]+)\]?$/.exec(path)?.[1] ?? path;

/** The paths a state writes with an intrinsic: `ResultPath` + each `.$` key of its Parameters, nested included. */
function intrinsicWrites(state: AslState): { path: string; text: string }[] {
  if (state.Type !== 'Pass' || !isRecord(state.Parameters)) return [];
  const base = typeof state.ResultPath === 'string' ? state.ResultPath : '$';
  const out: { path: string; text: string }[] = [];
  const visit = (v: Record<string, unknown>, at: string) => {
    for (const [k, x] of Object.entries(v)) {
      if (k.endsWith('.$') && typeof x === 'string') out.push({ path: `${at}.${k.slice(0, -2)}`, text: x });
      else if (isRecord(x)) visit(x, `${at}.${k}`);
    }
  };
  visit(state.Parameters, base);
  return out;
}

/** Normalises `$['a'].b` spellings enough to compare the paths this project writes. */
const samePath = (a: string, b: string) => a.replace(/\s/g, '') === b.replace(/\s/g, '');

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}
