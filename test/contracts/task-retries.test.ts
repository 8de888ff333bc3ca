import * as fs from 'node:fs';
import * as path from 'node:path';
import { Aws, States } from '../../contracts/errors';
import { TASK_METADATA_KEY } from '../../contracts/metadata';
import {
  CLIENT_LAYER_ATTEMPTS,
  retriedByStateMachine,
  SDK_DEFAULT_MAX_ATTEMPTS,
  sdkMaxAttempts,
  TASK_NAMES,
  TASK_RETRIES,
  type TaskName,
  taskName,
  unsoundDeclarations,
} from '../../contracts/task-retries';
import type { CfnTemplate } from '../../local/template';
import { synthExampleApp } from '../harness/synth';

type Retrier = { ErrorEquals: string[]; MaxAttempts?: number };
type State = { Type?: string; Resource?: string; Parameters?: Record<string, unknown>; Retry?: Retrier[] } & Record<
  string,
  unknown
>;

/** The names an SDK error of a Lambda task reaches a Retry under (contracts/errors.ts). */
const SDK_NAMES: readonly string[] = [...Aws.SDK_THROTTLING, ...Aws.SDK_SERVER_ERRORS];

/** Every state of a definition, with those inside Parallel branches and Map processors. */
function allStates(definition: { States: Record<string, State> }): [string, State][] {
  return Object.entries(definition.States).flatMap(([name, s]) => [
    [name, s] as [string, State],
    ...((s.Branches as { States: Record<string, State> }[] | undefined) ?? []).flatMap(allStates),
    ...(['Iterator', 'ItemProcessor'] as const).flatMap((k) =>
      s[k] ? allStates(s[k] as { States: Record<string, State> }) : [],
    ),
  ]);
}

/** Every string value of `key` anywhere in `json` (the set settings a run-time function ARN is read from). */
function valuesOf(json: unknown, key: string): string[] {
  if (Array.isArray(json)) return json.flatMap((v) => valuesOf(v, key));
  if (json === null || typeof json !== 'object') return [];
  return Object.entries(json).flatMap(([k, v]) => (k === key && typeof v === 'string' ? [v] : valuesOf(v, key)));
}

/** The tasks a Lambda Task state may invoke: its function, or every function its run-time path can hold. */
function tasksOf(state: State, definition: unknown, template: CfnTemplate): TaskName[] {
  const params = state.Parameters ?? {};
  const arns =
    typeof params.FunctionName === 'string'
      ? [params.FunctionName]
      : valuesOf(definition, String(params['FunctionName.$']).replace(/^.*\./, ''));
  return arns.map((arn) => {
    const logicalId = /:function:([^:]+)/.exec(arn)?.[1] ?? '';
    const task = template.Resources?.[logicalId]?.Metadata?.[TASK_METADATA_KEY];
    if (typeof task !== 'string') throw new Error(`no task function behind ${arn}`);
    return taskName(task);
  });
}

/**
 * How many times one SDK call of `task` can be tried for an error `name` in all: its client's attempts × the runs
 * the Task's Retry allows for that name (1 + MaxAttempts of the first retrier matching it).
 */
function triesFor(task: TaskName, retry: readonly Retrier[], name: string): number {
  const retrier = retry.find((r) => r.ErrorEquals.includes(name) || r.ErrorEquals.includes(States.ALL));
  return sdkMaxAttempts(task) * (1 + (retrier ? (retrier.MaxAttempts ?? 3) : 0));
}

/** The layers that multiply: an SDK error name a Task's Retry re-runs the task on while its clients retry too. */
function multiplied(task: TaskName, retry: readonly Retrier[]): string[] {
  return SDK_NAMES.filter((name) => sdkMaxAttempts(task) > 1 && triesFor(task, retry, name) > sdkMaxAttempts(task));
}

describe('TASK_RETRIES: one declaration per Lambda task', () => {
  it('declares every task folder, and nothing else', () => {
    const folders = fs
      .readdirSync(path.join(__dirname, '..', '..', 'tasks'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'shared')
      .map((d) => d.name)
      .sort();
    expect([...TASK_NAMES].sort()).toEqual(folders);
    expect(Object.keys(TASK_RETRIES).sort()).toEqual(folders);
  });

  it.each(TASK_NAMES)('%s says why', (task) => {
    expect(TASK_RETRIES[task].why.length).toBeGreaterThan(20);
  });

  it('gives one SDK attempt to a task the state machine re-runs, more to one whose clients retry', () => {
    expect(sdkMaxAttempts('plan-instance-backup')).toBe(1);
    expect(sdkMaxAttempts('inspect-instance')).toBe(CLIENT_LAYER_ATTEMPTS);
    expect(sdkMaxAttempts('fence-old-site')).toBe(SDK_DEFAULT_MAX_ATTEMPTS);
  });

  it('lets only a task whose run may be repeated be re-run by the state machine', () => {
    expect(unsoundDeclarations()).toEqual([]);
    expect(
      unsoundDeclarations({
        once: { rerun: false, sdkAttempts: 1, why: 'x' },
        none: { rerun: true, sdkAttempts: 0, why: 'x' },
      }),
    ).toEqual([
      'once: one SDK attempt needs the state machine to re-run it, but its run may not be repeated',
      'none: sdkAttempts must be a whole number of at least 1, got 0',
    ]);
  });

  it("states the client layer's worst case from the SDK's backoff (base 1 s for throttling, 50 ms else, cap 20 s)", () => {
    const wait = (base: number) =>
      Array.from({ length: CLIENT_LAYER_ATTEMPTS - 1 }, (_, i) => Math.min(20, base * 2 ** i)).reduce((a, b) => a + b);
    expect(wait(1)).toBe(111);
    expect(wait(0.05)).toBeCloseTo(25.55, 6);
  });

  it('refuses an unknown task name, listing the known ones', () => {
    expect(() => taskName('no-such-task')).toThrow(/"no-such-task" is not a Lambda task \(.*fence-old-site/);
  });

  it('finds a multiplication where there is one (the check below is not vacuous)', () => {
    // GIVEN a task whose clients retry (fence-old-site, 3 attempts) and a Retry on an SDK throttling name
    const retry = [{ ErrorEquals: ['RequestLimitExceeded'], MaxAttempts: 5 }];
    // THEN the product 3 × 6 = 18 is found, and so is States.ALL
    expect(triesFor('fence-old-site', retry, 'RequestLimitExceeded')).toBe(18);
    expect(multiplied('fence-old-site', retry)).toEqual(['RequestLimitExceeded']);
    expect(multiplied('fence-old-site', [{ ErrorEquals: [States.ALL], MaxAttempts: 1 }])).toEqual(SDK_NAMES);
    expect(multiplied('plan-instance-backup', retry)).toEqual([]);
  });
});

describe('no retry layer multiplies another, on every Lambda Task of the synthesized app', () => {
  const app = synthExampleApp();
  const lambdaStates = app.stateMachines.flatMap((m) =>
    allStates(m.definition as { States: Record<string, State> })
      .filter(([, s]) => s.Type === 'Task' && /:states:::lambda:invoke/.test(String(s.Resource)))
      .map(([name, s]) => ({
        label: `${m.label} "${name}"`,
        retry: s.Retry ?? [],
        tasks: tasksOf(s, m.definition, m.template),
      })),
  );

  it('finds the Lambda Tasks of every task that has a function in the app', () => {
    const invoked = new Set(lambdaStates.flatMap((s) => s.tasks));
    expect([...invoked].sort()).toEqual([...TASK_NAMES].sort());
    expect(lambdaStates.every((s) => s.tasks.length > 0)).toBe(true);
  });

  it('never retries an SDK error name on a Task whose clients retry it too', () => {
    const offenders = lambdaStates.flatMap((s) =>
      s.tasks.flatMap((task) => multiplied(task, s.retry).map((name) => `${s.label} (${task}): ${name}`)),
    );
    expect(offenders).toEqual([]);
  });

  it('retries every SDK error name of a re-run task in the state machine (its only layer), at most 11 tries per call', () => {
    for (const s of lambdaStates) {
      for (const task of s.tasks.filter((t) => retriedByStateMachine(t))) {
        for (const name of SDK_NAMES) {
          const tries = triesFor(task, s.retry, name);
          expect({ state: s.label, name, tries: tries > 1 && tries <= 11 }).toEqual({
            state: s.label,
            name,
            tries: true,
          });
        }
      }
    }
  });
});
