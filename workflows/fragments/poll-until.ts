import type { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

export interface PollUntilProps {
  /** Reads the current state; writes it where `done` looks (a Task, or a CustomState such as a Lambda invoke). */
  readonly check: sfn.TaskStateBase | sfn.CustomState;
  /** True when polling may stop. */
  readonly done: sfn.Condition;
  /** Pause between checks. */
  readonly interval: Duration;
  /**
   * Checks at most this many times, then goes to `exhausted`. A string is a JSONPath to that number in the
   * state's input (when the limit differs by item, e.g. per mirror set).
   */
  readonly maxAttempts: number | string;
  /** Where the attempt counter lives, e.g. `$.polls.replacementRunning` (holds `{ attempts }`). */
  readonly counterPath: string;
  /** A few words for state names: "replacement running" → "Is replacement running?". */
  readonly label: string;
  /** The Choice's name when "Is <label>?" does not read well. @default `Is ${label}?` */
  readonly decideId?: string;
  /** Where to go when the last check still says no. */
  readonly exhausted: sfn.IChainable;
  /** Where to go when done. */
  readonly then: sfn.IChainable;
  /** Wait one interval before the first check (when the first check could not possibly succeed). */
  readonly waitFirst?: boolean;
  /**
   * Errors of `check` (after its own Retry) that count as "not yet" instead of failing: the loop waits and checks
   * again until its attempts are used up, then goes to `exhausted`. For read-only checks, so that a transient
   * error is tolerated for the loop's whole time budget (maxAttempts × interval), not only for the check's
   * retries; a persistent error still ends in `exhausted` in bounded time. The error is kept at
   * `<counterPath>.lastError` until the next check.
   * @default - none: an error of `check` goes to its own Catch (or fails the execution)
   */
  readonly tolerateErrors?: readonly string[];
  /**
   * More rules of the Choice after each check, tried in order after `done` and the attempts' limit. Each leads to a
   * chain that pollUntil links back to the check (e.g. a longer wait, counted as several checks).
   * @default - none
   */
  readonly moreRules?: readonly PollRule[];
  /**
   * Runs when not done and attempts remain, instead of waiting at once: it is handed the loop's Wait, goes there to
   * keep waiting, or elsewhere to leave the loop.
   * @default - wait at once
   */
  readonly beforeWait?: (wait: sfn.Wait) => sfn.IChainable;
}

/** A further way out of the Choice after each check, which comes back to the check. */
export interface PollRule {
  readonly condition: sfn.Condition;
  /** Where the rule leads; its end is linked back to the check. */
  readonly then: sfn.Chain;
}

/**
 * A bounded polling loop: check → done? → then; attempts used up? → exhausted; [more rules → … → check;] else
 * [beforeWait →] wait → count → check. The loop passes through a Choice that reads the attempt counter, so it always
 * ends.
 */
export function pollUntil(scope: Construct, props: PollUntilProps): sfn.IChainable {
  const attempts = `${props.counterPath}.attempts`;
  const usedUp = (): sfn.Condition =>
    typeof props.maxAttempts === 'number'
      ? sfn.Condition.numberGreaterThanEquals(attempts, props.maxAttempts)
      : sfn.Condition.numberGreaterThanEqualsJsonPath(attempts, props.maxAttempts);
  const start = new sfn.Pass(scope, `Start checking ${props.label}`, {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: props.counterPath,
  });
  const wait = new sfn.Wait(scope, `Wait before checking ${props.label}`, {
    time: sfn.WaitTime.duration(props.interval),
  });
  const count = new sfn.Pass(scope, `Count check of ${props.label}`, {
    parameters: { 'attempts.$': `States.MathAdd(${attempts}, 1)` },
    resultPath: props.counterPath,
  });
  const decide = new sfn.Choice(scope, props.decideId ?? `Is ${props.label}?`)
    .when(props.done, props.then)
    .when(usedUp(), props.exhausted);
  for (const rule of props.moreRules ?? []) decide.when(rule.condition, rule.then);
  decide.otherwise(props.beforeWait ? props.beforeWait(wait) : wait);
  if (props.tolerateErrors?.length) {
    // Reads no path the failed check would have written: only the counter decides.
    const again = new sfn.Choice(scope, `Can ${props.label} be checked again?`)
      .when(usedUp(), props.exhausted)
      .otherwise(wait);
    props.check.addCatch(again, { errors: [...props.tolerateErrors], resultPath: `${props.counterPath}.lastError` });
  }
  // CDK renders the states in the order their links were made: count → check, then the rules', then the start's.
  wait.next(count).next(props.check);
  for (const rule of props.moreRules ?? []) rule.then.next(props.check);
  props.check.next(decide);
  return props.waitFirst ? start.next(wait) : start.next(props.check);
}
