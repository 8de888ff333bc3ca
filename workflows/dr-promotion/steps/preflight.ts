import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { formatted } from '../../fragments';
import { QUERY_POLL_INTERVAL, QUERY_POLLS, REQ, SET } from './constants';
import type { DrSteps } from './context';
import { runOnDrMember } from './dr-member-command';

/** The preflight function's event: the same checks before the approval is asked and right after it. */
export function preflightPayload(steps: DrSteps, stage: 'request' | 'approved'): Record<string, unknown> {
  const { deps, region } = steps;
  return {
    'mirrorSet.$': `${SET}.name`,
    'oldMembers.$': `${SET}.oldMembers`,
    'drMember.$': `${SET}.drMember`,
    'probeTimeoutSeconds.$': `${SET}.probeTimeoutSeconds`,
    tableName: deps.table.tableName,
    'key.$': formatted(`MIRROR#{${SET}.name}`),
    'query.$': '$.queryResult',
    'executionArn.$': '$$.Execution.Id',
    region,
    'force.$': `${REQ}.force`,
    stage,
    ...(stage === 'approved' ? { 'approval.$': '$.approval' } : {}),
  };
}

/** The preflight: first the mirror state query, then the preflight function (which decides). */
export interface PreflightSteps {
  /** Its first state: the mirror state query (Run Command on the DR member). */
  readonly start: sfn.TaskStateBase;
  /** The preflight function (then `checks.next(…)`), writing `$.preflight.value`. */
  readonly checks: sfn.CustomState;
}

/**
 * 2. Preflight: ask the DR member for its mirror state (Run Command; its answer is only information for the
 * approvers, so a query that fails or does not end still goes on), then run the preflight checks.
 */
export function preflightChecks(steps: DrSteps): PreflightSteps {
  const { scope, onFailure, auditFailed, setLambda } = steps;
  // The same checks run before the approval is asked and again right after it, immediately before fencing.
  const preflight = setLambda(
    'Run the preflight checks',
    `${SET}.preflightFunctionArn`,
    preflightPayload(steps, 'request'),
    '$.preflight',
  );
  preflight.addCatch(auditFailed, onFailure);
  const queryNotSent = new sfn.Pass(scope, 'Note the mirror state query was not sent', {
    parameters: { status: 'NotSent', 'output.$': '$.queryError.Error' },
    resultPath: '$.queryResult',
  }).next(preflight);
  const queryNotRead = new sfn.Pass(scope, 'Note the mirror state query was not read', {
    parameters: { status: 'NotRead', 'output.$': '$.queryError.Error' },
    resultPath: '$.queryResult',
  }).next(preflight);
  const sendQuery = runOnDrMember(
    steps,
    'query',
    {
      send: 'Ask the DR member for its mirror state',
      read: 'Read the mirror state',
      until: 'the mirror state query finished',
    },
    {
      comment: 'ha-workflows dr-promotion: mirror state query',
      commandPath: '$.query',
      resultPath: '$.queryResult',
      keep: ['status', 'output'],
      catchSend: [{ next: queryNotSent, resultPath: '$.queryError' }],
      catchRead: [{ next: queryNotRead, resultPath: '$.queryError' }],
      interval: QUERY_POLL_INTERVAL,
      maxPolls: QUERY_POLLS,
      counterPath: '$.polls.query',
      outcome: { ended: preflight, stillRunning: preflight },
    },
  );
  return { start: sendQuery, checks: preflight };
}
