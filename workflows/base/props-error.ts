/**
 * Invalid construct props: one error that lists every problem (prop, value received, what is allowed),
 * thrown once from the constructor so nothing is half-built.
 */
export class PropsError extends Error {
  constructor(
    readonly construct: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid props for ${construct}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PropsError';
  }

  static throwIfAny(construct: string, problems: readonly string[]): void {
    if (problems.length > 0) throw new PropsError(construct, problems);
  }
}
