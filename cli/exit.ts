/**
 * The exit codes of every `ha-workflows` command (docs/cli.md#exit-codes): 0 success; 1 the workflow or the drill
 * failed (or a campaign found a violation); 2 a usage or input error: an unknown option, a bad value, a file that
 * cannot be read or is invalid, an execution or state machine that does not exist, no region or credentials.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A command line that cannot run as given (exit code 2); the message says what to pass. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
