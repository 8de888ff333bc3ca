import { Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { HaFoundation } from '../workflows/base';

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

export const pathEndsWith = (suffix: string) => (c: IConstruct) => c.node.path.endsWith(suffix);

/** An email subscription (`CfnSubscription`) of the operators' topic of an HaFoundation, and nothing else. */
function isOperatorEmailSubscription(c: IConstruct): boolean {
  if (!(c instanceof sns.CfnSubscription) || c.protocol !== sns.SubscriptionProtocol.EMAIL) return false;
  const topic = c.node.scope?.node.scope;
  const foundation = topic?.node.scope;
  return foundation instanceof HaFoundation && topic === foundation.topic;
}

export const ACKNOWLEDGEMENTS: readonly Acknowledgement[] = [
  {
    id: 'Serverless-SNSRedrivePolicy',
    reason:
      'Email notifications to operators are a convenience: a message SNS cannot deliver to an inbox needs no ' +
      'dead-letter queue, because the authoritative record of every run is the execution history (logged at level ALL) ' +
      'and the state table.',
    appliesTo: isOperatorEmailSubscription,
  },
];

/** Applies the acknowledgements to every matching construct under `scope`. */
export function acknowledgeKnownFindings(scope: IConstruct): void {
  for (const c of scope.node.findAll()) {
    for (const ack of ACKNOWLEDGEMENTS) {
      if (ack.appliesTo(c)) Validations.of(c).acknowledge({ id: ack.id, reason: ack.reason });
    }
  }
}
