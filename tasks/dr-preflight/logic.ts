import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { type Clients, send } from '../shared/clients';
import { errorName } from '../shared/errors';
import { TaskErrorNames } from '../../contracts/errors';
import { probeMirrorMembers } from '../probe-mirror-members/logic';
import { checkApproval } from './approval';
import type { DrPreflightInput, DrPreflightOutput, PreflightDecision } from './contract';

/** Longest part of the mirror-state query's output kept in the summary. */
const QUERY_OUTPUT_CHARACTERS = 1000;

/**
 * The DR promotion's preflight, from the DR region, each check bounded and none fatal by itself: the old
 * members' status pages (reachable? primary?), the DR member's EC2 state and status page, and a promotion
 * already recorded in the DR state table. Then the decision: a DR member that is not running cannot be promoted;
 * an old primary that still answers SUCCESS, or a recorded promotion, stops the workflow unless forced.
 *
 * The same checks run twice: before the approval is asked (`stage: request`) and right after it, immediately before
 * the old site is fenced (`stage: approved`): an approval can take hours, and a primary that came back meanwhile
 * must not be fenced. At that stage the approval itself is checked first: only `approved: true` with a visible
 * `approvedBy` approves; anything else ends `ApprovalRejected` without probing anything.
 */
export async function drPreflight(
  clients: Pick<Clients, 'http' | 'ec2' | 'dynamodb'>,
  request: DrPreflightInput,
): Promise<DrPreflightOutput> {
  const input = { ...request, stage: request.stage ?? 'request' };
  const arn = input.executionArn;
  const approveCommand = `ha-workflows approve ${arn} --region ${input.region} --by '<your name>'`;
  const rejectCommand = `ha-workflows reject ${arn} --region ${input.region} --by '<your name>' --reason '<why>'`;
  let approvedBy = 'none';
  if (input.stage === 'approved') {
    const approval = checkApproval(input.approval);
    if (!approval.approved) {
      const cause =
        `The approval is not valid: ${approval.why}. Only {"approved": true, "approvedBy": "<who>"} approves ` +
        '(ha-workflows approve sends it). Treated as a rejection: nothing was changed.';
      return {
        decision: TaskErrorNames.ApprovalRejected,
        cause,
        oldPrimaries: 'not checked',
        oldMembers: 'not checked',
        memberState: 'not checked',
        memberStatus: 'not checked',
        mirrorState: 'not checked',
        recordedPromotion: 'not checked',
        summary: `approval rejected: ${approval.why}`,
        approveCommand,
        rejectCommand,
        stage: input.stage,
        approvedBy,
      };
    }
    approvedBy = approval.approvedBy;
  }
  const started = new Date(0).toISOString();
  const [old, dr, memberState, recordedPromotion] = await Promise.all([
    probeMirrorMembers(clients, {
      mirrorSet: input.mirrorSet,
      members: input.oldMembers,
      timeoutSeconds: input.probeTimeoutSeconds,
      executionStartTime: started,
      lockTtlSeconds: 60,
    }),
    probeMirrorMembers(clients, {
      mirrorSet: input.mirrorSet,
      members: [input.drMember],
      timeoutSeconds: input.probeTimeoutSeconds,
      executionStartTime: started,
      lockTtlSeconds: 60,
    }),
    instanceState(clients, input.drMember.instanceId),
    recorded(clients, input.tableName, input.key),
  ]);
  const output = (input.query.output ?? '').trim();
  const mirrorState =
    input.query.status === 'Success'
      ? output.length > QUERY_OUTPUT_CHARACTERS
        ? `${output.slice(0, QUERY_OUTPUT_CHARACTERS)}…`
        : output || '(no output)'
      : `query ${input.query.status}${output ? `: ${output.slice(0, QUERY_OUTPUT_CHARACTERS)}` : ''}`;

  let decision: PreflightDecision = 'PROCEED';
  let cause = '';
  if (memberState !== 'running') {
    decision = 'DrMemberNotRunning';
    cause = `The DR member ${input.drMember.instanceId} is ${memberState}; it cannot be promoted. Nothing was changed.`;
  } else if (old.primaryCount > 0 && !input.force) {
    decision = 'PrimaryStillActive';
    cause =
      input.stage === 'approved'
        ? `The old primary ${old.primaries} answers SUCCESS on its status page again (checked after the approval ` +
          `by ${approvedBy}, before fencing); nothing was changed. Its writes since the preflight would be lost: ` +
          'fail it over or stop it first, or start again with "force": true if you are sure.'
        : `The old primary ${old.primaries} still answers SUCCESS on its status page; nothing was changed and no ` +
          'approval was asked. Fail it over or stop it first, or start again with "force": true if you are sure.';
  } else if (recordedPromotion !== 'none' && !input.force) {
    decision = 'AlreadyPromoted';
    cause =
      `A promotion of ${input.mirrorSet} is already recorded (${recordedPromotion}); nothing was changed. ` +
      'Start again with "force": true to promote once more.';
  }
  const summary = [
    ...(input.stage === 'approved' ? [`checked again after the approval by ${approvedBy}`] : []),
    `old members: ${old.summary}`,
    `old primary answering SUCCESS: ${old.primaries}${input.force && old.primaryCount > 0 ? ' (FORCED)' : ''}`,
    `DR member ${input.drMember.instanceId}: ${memberState}; status page ${dr.summary}`,
    `DR member mirror state: ${mirrorState}`,
    `promotion already recorded: ${recordedPromotion}`,
  ].join('\n');
  return {
    decision,
    cause,
    oldPrimaries: old.primaries,
    oldMembers: old.summary,
    memberState,
    memberStatus: dr.summary,
    mirrorState,
    recordedPromotion,
    summary,
    approveCommand,
    rejectCommand,
    stage: input.stage,
    approvedBy,
  };
}

async function instanceState(clients: Pick<Clients, 'ec2'>, instanceId: string): Promise<string> {
  try {
    const out = await send(clients.ec2, new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    return instance?.State?.Name ?? 'not found';
  } catch (e) {
    const name = errorName(e);
    return name === 'InvalidInstanceID.NotFound' ? 'not found' : `unknown (${name ?? 'error'})`;
  }
}

async function recorded(clients: Pick<Clients, 'dynamodb'>, tableName: string, key: string): Promise<string> {
  try {
    const out = await send(
      clients.dynamodb,
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
    );
    const item = out.Item;
    if (item?.drState?.S !== 'PROMOTED') return 'none';
    return `${item.promotedMember?.S ?? '?'} promoted by ${item.promotedBy?.S ?? '?'} at ${item.promotedAt?.S ?? '?'}`;
  } catch (e) {
    return `unknown (${errorName(e) ?? 'error'})`;
  }
}
