/**
 * Errors the engine raises, with the flags aws-local-stepfunctions reads when it matches a Retry or Catch
 * (`error.isRetryable ?? true`, `error.isCatchable ?? true`, as its own RuntimeError classes do).
 *
 * Sources: Step Functions Developer Guide, "Handling errors in Step Functions workflows"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):
 * - States.ALL "must appear alone in a Catcher and cannot catch the States.DataLimitExceeded terminal error or
 *   Runtime error types"; States.Runtime errors "aren't retriable and will always cause the execution to fail";
 * - States.TaskFailed "acts as a wildcard that matches any known error name except for States.Timeout";
 * - States.DataLimitExceeded: a state's output, a connector's output, or a state's input after Parameters is larger
 *   than the payload quota (256 KiB, "Step Functions service quotas").
 * "Avoid reaching the history quota" (bp-history-limit.html): 25,000 events; an execution whose event 25,000 is not
 * ExecutionSucceeded fails.
 */

/** An error a Task raises, under the name Retry/Catch match and with the Cause Step Functions reports. */
export class TaskFailure extends Error {
  constructor(
    name: string,
    cause: string,
    private readonly matchable: { readonly retryable: boolean; readonly catchable: boolean } = {
      retryable: true,
      catchable: true,
    },
  ) {
    super(cause);
    this.name = name;
  }

  /** Read by aws-local-stepfunctions: false means no retrier matches it, not even States.ALL. */
  get isRetryable(): boolean {
    return this.matchable.retryable;
  }

  /** Read by aws-local-stepfunctions: false means no catcher matches it, not even States.ALL. */
  get isCatchable(): boolean {
    return this.matchable.catchable;
  }
}

const TERMINAL = { retryable: false, catchable: false } as const;

/** `States.Runtime`: never retried, never caught; the execution fails. */
export class StatesRuntimeFailure extends TaskFailure {
  constructor(cause: string) {
    super('States.Runtime', cause, TERMINAL);
  }
}

/** `States.DataLimitExceeded`: a terminal error (the engine lets no retrier or catcher match it). */
export class DataLimitExceeded extends TaskFailure {
  constructor(cause: string) {
    super('States.DataLimitExceeded', cause, TERMINAL);
  }
}

/** 256 KiB: the largest input or output of a task, state or execution, in UTF-8 bytes of its JSON text. */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** The largest execution history (events). */
export const HISTORY_EVENT_LIMIT = 25_000;

/** A payload's size as Step Functions counts it: the UTF-8 bytes of its JSON text. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/** Throws States.DataLimitExceeded when `value` is larger than 256 KiB. */
export function checkPayload(value: unknown, what: string): number {
  const bytes = payloadBytes(value);
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new DataLimitExceeded(
      `The ${what} has ${bytes} bytes, more than the maximum of ${PAYLOAD_LIMIT_BYTES} bytes (256 KiB) Step Functions allows`,
    );
  }
  return bytes;
}

interface ErrorMatchers {
  readonly Retry?: readonly { readonly ErrorEquals?: readonly string[] }[];
  readonly Catch?: readonly { readonly ErrorEquals?: readonly string[] }[];
}

/**
 * What AWS refuses when a state machine is created: `States.ALL` together with other names in one ErrorEquals, or
 * in a retrier/catcher that is not the last of its Retry/Catch. One message per problem.
 */
export function errorMatcherProblems(stateName: string, state: ErrorMatchers): string[] {
  const out: string[] = [];
  for (const field of ['Retry', 'Catch'] as const) {
    const list = state[field] ?? [];
    list.forEach((m, i) => {
      const names = m.ErrorEquals ?? [];
      if (!names.includes('States.ALL')) return;
      if (names.length > 1) {
        out.push(`state "${stateName}": ${field}[${i}] names States.ALL with other errors; States.ALL must be alone`);
      }
      if (i !== list.length - 1) {
        out.push(
          `state "${stateName}": ${field}[${i}] names States.ALL but is not the last ${field === 'Retry' ? 'retrier' : 'catcher'}`,
        );
      }
    });
  }
  return out;
}
