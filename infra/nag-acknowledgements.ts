import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Every cdk-nag finding ha-workflows accepts, with the reason, in one place. A finding not listed here
 * fails `npm test` (test/infra/nag.test.ts).
 */
export interface Acknowledgement {
  /** The rule id, optionally with the finding in brackets, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  readonly reason: string;
  /** Which constructs it applies to. */
  readonly appliesTo: (c: IConstruct) => boolean;
}

const pathEndsWith = (suffix: string) => (c: IConstruct) => c.node.path.endsWith(suffix);

export const ACKNOWLEDGEMENTS: readonly Acknowledgement[] = [];

/** Applies the acknowledgements to every matching construct under `scope`. */
export function acknowledgeKnownFindings(scope: IConstruct): void {
  for (const c of scope.node.findAll()) {
    for (const ack of ACKNOWLEDGEMENTS) {
      if (ack.appliesTo(c)) Validations.of(c).acknowledge({ id: ack.id, reason: ack.reason });
    }
  }
  void Stack;
  void pathEndsWith;
}
