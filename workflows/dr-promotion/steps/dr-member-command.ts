import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { pollUntilNames, runCommand, type RunCommandProps } from '../../fragments';
import { SET } from './constants';
import type { DrSteps } from './context';

/** The selected set's documents for its DR member: the read-only mirror state query, and the promotion. */
export type DrMemberDocument = 'query' | 'promote';

/** The state names of one command on the DR member. */
export interface DrMemberCommandNames {
  /** The SendCommand task. */
  readonly send: string;
  /** The GetCommandInvocation task. */
  readonly read: string;
  /** What the polling loop waits for, e.g. "the promotion finished" (its states are named by pollUntilNames). */
  readonly until: string;
}

/**
 * Runs one of the selected set's documents (`<document>Document` with `<document>Parameters`) on its DR member with
 * Run Command: send, then read the result until it ends. The send is allowed by the workflow's SendCommand policy;
 * the read (GetCommandInvocation) has no resource type.
 */
export function runOnDrMember(
  steps: DrSteps,
  document: DrMemberDocument,
  names: DrMemberCommandNames,
  props: Omit<RunCommandProps, 'documentPath' | 'instanceIdPath' | 'parameters' | 'sendPolicy' | 'readPolicy'>,
): sfn.TaskStateBase {
  return runCommand(
    steps.scope,
    { send: names.send, read: names.read, ...pollUntilNames(names.until) },
    {
      documentPath: `${SET}.${document}Document`,
      instanceIdPath: `${SET}.drMember.instanceId`,
      parameters: `${SET}.${document}Parameters`,
      sendPolicy: steps.deps.sendCommandPolicy,
      readPolicy: [new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation'], resources: ['*'] })],
      ...props,
    },
  );
}
