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

/** Fields only JSONata states have. */
const JSONATA_FIELDS = ['Arguments', 'Output', 'Items'] as const;

/** Checks one state machine definition; returns every finding (empty when it passes). */
export function checkStateMachine(definition: unknown, options: CheckOptions): Finding[] {
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
  for (const scope of statesScopes(definition)) checkLoops(scope, report);
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

function checkLoops(scope: StatesScope, report: Report): void {
  for (const component of cycles(scope.states)) {
    const guarded = component.some((n) => {
      const s = scope.states[n];
      return s.Type === 'Choice' && choiceReads(s).some((p) => ATTEMPT_COUNTER.test(p));
    });
    if (guarded) continue;
    const labels = component.map((n) => stateLabel(n, scope.states[n]));
    report(
      joinPath(scope.path, labels[0]),
      'loop-attempt-counter',
      `the states ${labels.join(', ')} form a loop without a Choice on an attempt counter; every loop must pass a ` +
        'Choice whose rule reads a counter such as "$.poll.attempt", so that it ends after a bounded number of rounds',
    );
  }
}

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}
