import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { STATE_TABLE_KEYS } from '../base/foundation';
import {
  API_CALL_TIMEOUT,
  Aws,
  AwsCall,
  Errors,
  forEachItem,
  IDEMPOTENT_WRITE_RETRY,
  LAMBDA_SERVICE_RETRY,
  lambdaTask,
  LOCK_ATTRIBUTES,
  notify,
  pollUntil,
  pollUntilNames,
  releaseLock,
  runCommand,
  States,
  takeLock,
  throttlingRetry,
} from '../fragments';
import type { DrSetSettings } from './input';

export interface DrPromotionDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  /** Parses the request (no VPC, no AWS access). */
  readonly validateFunction: lambda.IFunction;
  /** Fences the old site through the primary region's EC2 API (no VPC). */
  readonly fenceFunction: lambda.IFunction;
  /** The mirror sets this workflow may promote; each names its own preflight and probe functions (in its DR VPC). */
  readonly sets: readonly DrSetSettings[];
  /** The longest approval wait any set allows: the approval task's `HeartbeatSeconds`. */
  readonly maxApprovalTimeout: Duration;
  readonly lockTtl: Duration;
  /** `TimeoutSeconds` of a preflight or probe invocation. */
  readonly setTaskTimeout: Duration;
  /** IAM of the Run Command calls: SendCommand of the query and promotion documents on the DR members. */
  readonly sendCommandPolicy: readonly iam.PolicyStatement[];
  /** RegisterTargets on the DR target groups. */
  readonly registerPolicy: readonly iam.PolicyStatement[];
}

/** Pause between two checks of the fence, the promotion's result, and the promoted member's status page. */
export const FENCE_CHECK_INTERVAL = Duration.seconds(10);
/** `TimeoutSeconds` of a fence invocation: the function's 60 s plus Lambda's own time. */
export const FENCE_TASK_TIMEOUT = Duration.seconds(70);
/** Checks of the fence: 18 × 10 s = 3 minutes for the old members to reach `stopped`. */
export const FENCE_CHECKS = 18;
/**
 * From this check on (6 × 10 s = 1 minute after the graceful stop), members not yet stopped are stopped with
 * `Force: true`: on an impaired host a graceful stop stays `stopping`. A forced stop (45 s modeled) still fits in the
 * remaining 12 checks.
 */
export const FORCE_STOP_AFTER_CHECKS = 6;
export const COMMAND_POLL_INTERVAL = Duration.seconds(5);
export const VERIFY_INTERVAL = Duration.seconds(5);
/** Reads of the mirror-state query: 12 × 2 s (its answer is only information for the approvers). */
const QUERY_POLL_INTERVAL = Duration.seconds(2);
const QUERY_POLLS = 12;

const REQ = '$.request';
const SET = '$.set';
const PREFLIGHT = '$.preflight.value';
const FENCE = '$.fence.value';

/**
 * dr-promotion: validate → lock → preflight → approval (task token) → fence the old site → promote the DR member
 * with Run Command → verify its status page → register it in the DR target groups → audit, release, notify. In
 * practice mode, everything up to the approval runs and the rest is only described. A pure function of its
 * dependencies; it creates no resources.
 */
export function drPromotionDefinition(scope: Construct, deps: DrPromotionDeps): sfn.IChainable {
  const { partition, region } = Stack.of(scope);
  const setKey = sfn.JsonPath.format('MIRROR#{}', sfn.JsonPath.stringAt(`${SET}.name`));
  const str = (path: string) => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path));
  const onFailure = { errors: [States.ALL], resultPath: '$.failure' };

  // ── Failure (after the lock): audit, release, notify, fail with the error's own name ─────────────────────
  const failed = new sfn.Fail(scope, 'DR promotion failed', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  const notifyFailed = notify(scope, 'Notify the DR promotion failed', {
    topic: deps.topic,
    subject: 'ha-workflows: DR promotion did NOT complete',
    message: sfn.JsonPath.format(
      'DR promotion of mirror set {} (member {}, requested by {}) ended with {}: {}',
      sfn.JsonPath.stringAt(`${SET}.name`),
      sfn.JsonPath.stringAt(`${REQ}.member`),
      sfn.JsonPath.stringAt(`${REQ}.requestedBy`),
      sfn.JsonPath.stringAt('$.failure.Error'),
      sfn.JsonPath.stringAt('$.failure.Cause'),
    ),
  });
  notifyFailed.addCatch(failed, { errors: [States.ALL], resultPath: '$.notifyError' });
  notifyFailed.next(failed);
  const releaseFailed = releaseLock(scope, 'Release the lock after the failure', {
    table: deps.table,
    key: setKey,
    set: ['#lastError = :error', '#lastExecution = :execution'],
    names: { '#lastError': 'drLastError', '#lastExecution': 'drLastExecution' },
    values: { ':error': str('$.failure.Error'), ':execution': str('$$.Execution.Name') },
  });
  releaseFailed.addCatch(notifyFailed, { errors: [States.ALL], resultPath: '$.releaseError' });
  releaseFailed.next(notifyFailed);
  const auditFailed = audit(scope, deps, 'Write the audit trail of the failure', 'FAILED');
  auditFailed.addCatch(releaseFailed, { errors: [States.ALL], resultPath: '$.auditError' });
  auditFailed.next(releaseFailed);
  const failWith = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, { parameters: { Error: error, 'Cause.$': cause }, resultPath: '$.failure' }).next(
      auditFailed,
    );

  // A Lambda function named by the selected set (its preflight and probe run in the set's DR VPC).
  const setLambda = (id: string, functionArnPath: string, payload: Record<string, unknown>, resultPath: string) => {
    const task = new sfn.CustomState(scope, id, {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${partition}:states:::lambda:invoke`,
        Parameters: { 'FunctionName.$': functionArnPath, Payload: payload },
        ResultSelector: { 'value.$': '$.Payload' },
        ResultPath: resultPath,
        TimeoutSeconds: deps.setTaskTimeout.toSeconds(),
      },
    });
    task.addRetry(LAMBDA_SERVICE_RETRY);
    task.addRetry(throttlingRetry(task));
    return task;
  };

  // ── 1. Validate, take the lock ───────────────────────────────────────────────────────────────────────
  const keep = new sfn.Pass(scope, 'Keep the request', { parameters: { 'request.$': '$' } });
  const validate = lambdaTask(scope, 'Validate the request', {
    fn: deps.validateFunction,
    idempotent: true,
    payload: {
      'request.$': '$.request',
      sets: deps.sets.map((s) => ({
        ...s,
        drMembers: s.drMembers.map((m) => ({ ...m })),
      })),
      'executionStartTime.$': '$$.Execution.StartTime',
      lockTtlSeconds: deps.lockTtl.toSeconds(),
    },
    resultPath: '$.validation',
  });
  const validationBroken = new sfn.Fail(scope, 'The request could not be validated', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  validate.addCatch(validationBroken, onFailure);
  const invalid = new sfn.Fail(scope, 'The request is invalid', {
    error: Errors.INVALID_INPUT,
    causePath: '$.validation.value.cause',
  });
  const useRequest = new sfn.Pass(scope, 'Use the validated request', {
    parameters: {
      'request.$': '$.validation.value.request',
      'set.$': '$.validation.value.set',
      lock: { 'nowEpoch.$': '$.validation.value.nowEpoch', 'expiresAt.$': '$.validation.value.lockExpiresAt' },
      'requestedAt.$': '$$.Execution.StartTime',
    },
  });
  const isValid = new sfn.Choice(scope, 'Is the request valid?')
    .when(sfn.Condition.booleanEquals('$.validation.value.valid', true), useRequest)
    .otherwise(invalid);

  // Refused: name the holder (read from the lock item) and how to clear a lock its holder left behind.
  const refused = new sfn.Fail(scope, 'Another promotion of the set is running', {
    error: Errors.PROMOTION_IN_PROGRESS,
    causePath: '$.refusal.cause',
  });
  const HOLDER = `$.holder.Item.${LOCK_ATTRIBUTES.owner}.S`;
  const unlockHint =
    'If that execution has ended (ABORTED, TIMED_OUT, FAILED) and the lock is stale, clear it with: ' +
    'ha-workflows dr unlock --mirror-set {} --by <your name> --reason <why>';
  const nameHolder = new sfn.Pass(scope, 'Name the execution holding the lock', {
    parameters: {
      'cause.$':
        "States.Format('Execution {} holds the mirror set lock (a promotion or a practice run); this start changed " +
        `nothing. ${unlockHint}', ${HOLDER}, ${SET}.name)`,
    },
    resultPath: '$.refusal',
  }).next(refused);
  const holderUnknown = new sfn.Pass(scope, 'Note the lock holder could not be read', {
    parameters: {
      'cause.$':
        "States.Format('Another execution holds the mirror set lock (a promotion or a practice run); this start " +
        `changed nothing. ${unlockHint}', ${SET}.name)`,
    },
    resultPath: '$.refusal',
  }).next(refused);
  const readHolder = new tasks.DynamoGetItem(scope, 'Read who holds the mirror set lock', {
    table: deps.table,
    key: { [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(setKey) },
    consistentRead: true,
    resultPath: '$.holder',
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  readHolder.addRetry(throttlingRetry(readHolder));
  readHolder.addCatch(holderUnknown, { errors: [States.ALL], resultPath: '$.holderError' });
  readHolder.next(
    new sfn.Choice(scope, 'Is the holder recorded?')
      .when(sfn.Condition.isPresent(HOLDER), nameHolder)
      .otherwise(holderUnknown),
  );
  const lock = takeLock(scope, 'Take the mirror set lock', {
    table: deps.table,
    key: setKey,
    nowEpochPath: '$.lock.nowEpoch',
    expiresAtPath: '$.lock.expiresAt',
    set: ['#requestedBy = :execution'],
    names: { '#requestedBy': 'drRequestedBy' },
    values: { ':execution': str('$$.Execution.Name') },
  });
  lock.addCatch(readHolder, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  // Nothing was changed and no lock is held; the operators are told like any failure (found by the fault campaign,
  // dr-promotion schedule 85597319: DynamoDB throttling outlasted the lock's retries and the run ended unannounced).
  lock.addCatch(notifyFailed, onFailure);

  // ── 2. Preflight: the DR member's mirror state (Run Command), then the checks and the decision ─────────────
  // The same checks run before the approval is asked and again right after it, immediately before fencing.
  const preflightPayload = (stage: 'request' | 'approved') => ({
    'mirrorSet.$': `${SET}.name`,
    'oldMembers.$': `${SET}.oldMembers`,
    'drMember.$': `${SET}.drMember`,
    'probeTimeoutSeconds.$': `${SET}.probeTimeoutSeconds`,
    tableName: deps.table.tableName,
    'key.$': sfn.JsonPath.format('MIRROR#{}', sfn.JsonPath.stringAt(`${SET}.name`)),
    'query.$': '$.queryResult',
    'executionArn.$': '$$.Execution.Id',
    region,
    'force.$': `${REQ}.force`,
    stage,
    ...(stage === 'approved' ? { 'approval.$': '$.approval' } : {}),
  });
  const preflight = setLambda(
    'Run the preflight checks',
    `${SET}.preflightFunctionArn`,
    preflightPayload('request'),
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
  const sendQuery = runCommand(
    scope,
    {
      send: 'Ask the DR member for its mirror state',
      read: 'Read the mirror state',
      ...pollUntilNames('the mirror state query finished'),
    },
    {
      documentPath: `${SET}.queryDocument`,
      instanceIdPath: `${SET}.drMember.instanceId`,
      parameters: `${SET}.queryParameters`,
      comment: 'ha-workflows dr-promotion: mirror state query',
      sendPolicy: deps.sendCommandPolicy,
      readPolicy: [new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation'], resources: ['*'] })],
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

  // ── 3. Approval ──────────────────────────────────────────────────────────────────────────────────────
  // A CustomState: CDK's SnsPublish wants the token in the message; `ha-workflows approve` reads it from the
  // message attribute `TaskToken` of the waiting task's Parameters, and the message stays readable.
  const askApproval = new sfn.CustomState(scope, 'Ask an operator to approve the promotion', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${partition}:states:::sns:publish.waitForTaskToken`,
      Parameters: {
        TopicArn: deps.topic.topicArn,
        Subject: 'ha-workflows: APPROVE the DR promotion?',
        'Message.$':
          "States.Format('A DR promotion waits for your decision.\n\nMirror set: {}\nDR member to promote: {}\n" +
          'Requested by: {}\nReason: {}\nPractice run (nothing will change): {}\n\n' +
          'Preflight, as of this request (the data-loss window below is as of now; the old site is checked again ' +
          'right after your approval, before anything changes):\n{}\n\n' +
          'Promoting an asynchronous DR member loses every transaction it had not yet received when the old primary ' +
          'stopped (see the mirror state above). Once approved, the old site is fenced, the member promoted and ' +
          "traffic switched, without another question.\n\nApprove: {}\nReject:  {}\n\nExecution: {}', " +
          `${SET}.name, ${REQ}.member, ${REQ}.requestedBy, ${REQ}.reason, ${REQ}.practice, ${PREFLIGHT}.summary, ` +
          `${PREFLIGHT}.approveCommand, ${PREFLIGHT}.rejectCommand, $$.Execution.Id)`,
        MessageAttributes: { TaskToken: { DataType: 'String', 'StringValue.$': '$$.Task.Token' } },
      },
      // Approvers send no heartbeats, so the heartbeat is the request's approval timeout (≤ the configured maximum,
      // checked by the validation); TimeoutSeconds is the maximum plus a minute.
      HeartbeatSecondsPath: `${REQ}.approvalTimeoutSeconds`,
      TimeoutSeconds: deps.maxApprovalTimeout.toSeconds() + 60,
      ResultPath: '$.approval',
    },
  });
  askApproval.addRetry(throttlingRetry(askApproval));
  const timedOut = failWith(
    'Note nobody decided in time',
    Errors.APPROVAL_TIMED_OUT,
    `States.Format('Nobody approved or rejected the promotion within {} s; nothing was changed', ${REQ}.approvalTimeoutSeconds)`,
  );
  askApproval.addCatch(timedOut, { errors: [States.TIMEOUT, States.HEARTBEAT_TIMEOUT], resultPath: '$.failure' });
  // A rejection fails the task with `Rejected` (what `ha-workflows reject` sends): recorded as such.
  askApproval.addCatch(auditFailed, { errors: [Errors.REJECTED], resultPath: '$.failure' });
  askApproval.addCatch(auditFailed, onFailure);

  const decide = new sfn.Choice(scope, 'What did the preflight find?')
    .when(
      sfn.Condition.stringEquals(`${PREFLIGHT}.decision`, Errors.PRIMARY_STILL_ACTIVE),
      failWith('Note the old primary still answers', Errors.PRIMARY_STILL_ACTIVE, `${PREFLIGHT}.cause`),
    )
    .when(
      sfn.Condition.stringEquals(`${PREFLIGHT}.decision`, Errors.ALREADY_PROMOTED),
      failWith('Note the promotion is already recorded', Errors.ALREADY_PROMOTED, `${PREFLIGHT}.cause`),
    )
    .when(
      sfn.Condition.stringEquals(`${PREFLIGHT}.decision`, Errors.DR_MEMBER_NOT_RUNNING),
      failWith('Note the DR member is not running', Errors.DR_MEMBER_NOT_RUNNING, `${PREFLIGHT}.cause`),
    )
    .otherwise(askApproval);

  // ── Practice: describe steps 4-7 with their exact API calls, change nothing ───────────────────────────────
  const wouldDo = new sfn.Pass(scope, 'Describe what the promotion would do', {
    parameters: {
      'fence.$': `States.Format('in {}: ec2:DescribeInstances of {}, then ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=<each interface of each> Groups=["{}"]; ec2:StopInstances InstanceIds={}; then ec2:DescribeInstances until each is stopped, with ec2:StopInstances Force=true from check ${FORCE_STOP_AFTER_CHECKS} on', ${SET}.primaryRegion, States.JsonToString(${SET}.oldMemberIds), ${SET}.denyAllGroupId, States.JsonToString(${SET}.oldMemberIds))`,
      'promote.$': `States.Format('ssm:SendCommand DocumentName={} InstanceIds=["{}"] Parameters={}; then ssm:GetCommandInvocation until it ends', ${SET}.promoteDocument, ${SET}.drMember.instanceId, States.JsonToString(${SET}.promoteParameters))`,
      'verify.$': `States.Format('GET {} until it answers 200 SUCCESS', ${SET}.drMember.url)`,
      'switchTraffic.$': `States.Format('elasticloadbalancing:RegisterTargets TargetGroupArn=<each of {}> Targets=[\\{"Id": "{}"\\}]', States.JsonToString(${SET}.drTargetGroupArns), ${SET}.drMember.instanceId)`,
    },
    resultPath: '$.wouldDo',
  });
  const practiceDone = new sfn.Succeed(scope, 'Practice run complete: nothing was changed');
  const notifyPractice = notify(scope, 'Notify the practice run is complete', {
    topic: deps.topic,
    subject: 'ha-workflows: DR promotion practice run complete',
    message: sfn.JsonPath.format(
      'Practice DR promotion of mirror set {} (member {}) was approved; nothing was changed. It would have done:\n' +
        '4. fence: {}\n5. promote: {}\n6. verify: {}\n7. switch traffic: {}\n\nPreflight:\n{}',
      sfn.JsonPath.stringAt(`${SET}.name`),
      sfn.JsonPath.stringAt(`${REQ}.member`),
      sfn.JsonPath.stringAt('$.wouldDo.fence'),
      sfn.JsonPath.stringAt('$.wouldDo.promote'),
      sfn.JsonPath.stringAt('$.wouldDo.verify'),
      sfn.JsonPath.stringAt('$.wouldDo.switchTraffic'),
      sfn.JsonPath.stringAt(`${PREFLIGHT}.summary`),
    ),
  });
  notifyPractice.addCatch(practiceDone, { errors: [States.ALL], resultPath: '$.notifyError' });
  notifyPractice.next(practiceDone);
  const releasePractice = releaseLock(scope, 'Release the lock after the practice run', {
    table: deps.table,
    key: setKey,
    set: ['#lastPractice = :execution', '#lastExecution = :execution'],
    names: { '#lastPractice': 'drLastPractice', '#lastExecution': 'drLastExecution' },
    values: { ':execution': str('$$.Execution.Name') },
  });
  releasePractice.addCatch(auditFailed, onFailure);
  const auditPractice = audit(scope, deps, 'Write the audit trail of the practice run', 'PRACTICE');
  auditPractice.addCatch(releasePractice, { errors: [States.ALL], resultPath: '$.auditError' });
  wouldDo.next(auditPractice).next(releasePractice).next(notifyPractice);

  // ── 4. Fence the old site (primary region), best effort, bounded ────────────────────────────────────────
  const fencePayload = (mode: 'fence' | 'check') => ({
    mode,
    'region.$': `${SET}.primaryRegion`,
    'instanceIds.$': `${SET}.oldMemberIds`,
    'denyAllGroupId.$': `${SET}.denyAllGroupId`,
  });
  const fence = lambdaTask(scope, 'Fence the old site', {
    fn: deps.fenceFunction,
    timeout: FENCE_TASK_TIMEOUT,
    payload: fencePayload('fence'),
    resultPath: '$.fence',
  });
  const checkFence = lambdaTask(scope, 'Check the old site is fenced', {
    fn: deps.fenceFunction,
    idempotent: true,
    timeout: FENCE_TASK_TIMEOUT,
    payload: {
      ...fencePayload('check'),
      'checkNumber.$': '$.polls.fence.attempts',
      forceStopAfterChecks: FORCE_STOP_AFTER_CHECKS,
    },
    resultPath: '$.fence',
  });

  // ── 6. Verify ──────────────────────────────────────────────────────────────────────────────────────
  const verify = setLambda(
    'Check the promoted member answers SUCCESS',
    `${SET}.probeFunctionArn`,
    {
      'mirrorSet.$': `${SET}.name`,
      'members.$': `States.Array(${SET}.drMember)`,
      'timeoutSeconds.$': `${SET}.probeTimeoutSeconds`,
      'executionStartTime.$': '$$.Execution.StartTime',
      lockTtlSeconds: 60,
    },
    '$.verify',
  );
  verify.addCatch(auditFailed, onFailure);

  // ── 7. Switch traffic in the DR region ─────────────────────────────────────────────────────────────────
  const registerTarget = new AwsCall(scope, 'Register the promoted member', {
    service: 'elasticloadbalancingv2',
    action: 'registerTargets',
    parameters: { 'TargetGroupArn.$': '$.targetGroupArn', Targets: [{ 'Id.$': '$.instanceId' }] },
    policy: deps.registerPolicy,
    resultPath: sfn.JsonPath.DISCARD,
  });
  const register = forEachItem(scope, 'Register the promoted member in each DR target group', {
    itemsPath: `${SET}.drTargetGroupArns`,
    itemSelector: { 'targetGroupArn.$': '$$.Map.Item.Value', 'instanceId.$': `${SET}.drMember.instanceId` },
    task: registerTarget,
    failStateId: 'Promoted member not registered',
  });
  register.addCatch(auditFailed, onFailure);

  // ── 8. Audit, record, release, notify ────────────────────────────────────────────────────────────────
  const promoted = new sfn.Succeed(scope, 'The DR member is primary and takes traffic');
  const notifyPromoted = notify(scope, 'Notify the promotion is complete', {
    topic: deps.topic,
    subject: 'ha-workflows: DR promotion complete',
    message: sfn.JsonPath.format(
      'Mirror set {}: DR member {} is now primary and registered in the DR target groups {}. Requested by {} ({}); ' +
        'approval: {}. Fence: {}. Route 53: not changed by this workflow (its health checks follow the status page).',
      sfn.JsonPath.stringAt(`${SET}.name`),
      sfn.JsonPath.stringAt(`${REQ}.member`),
      sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt(`${SET}.drTargetGroupArns`)),
      sfn.JsonPath.stringAt(`${REQ}.requestedBy`),
      sfn.JsonPath.stringAt(`${REQ}.reason`),
      sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.approval')),
      sfn.JsonPath.stringAt(`${FENCE}.summary`),
    ),
  });
  notifyPromoted.addCatch(promoted, { errors: [States.ALL], resultPath: '$.notifyError' });
  notifyPromoted.next(promoted);
  const record = releaseLock(scope, 'Record the promotion', {
    table: deps.table,
    key: setKey,
    set: [
      '#drState = :promoted',
      '#member = :member',
      '#by = :execution',
      '#at = :at',
      '#approval = :approval',
      '#lastExecution = :execution',
      '#lastError = :none',
    ],
    names: {
      '#drState': 'drState',
      '#member': 'promotedMember',
      '#by': 'promotedBy',
      '#at': 'promotedAt',
      '#approval': 'approval',
      '#lastExecution': 'drLastExecution',
      '#lastError': 'drLastError',
    },
    values: {
      ':promoted': tasks.DynamoAttributeValue.fromString('PROMOTED'),
      ':member': str(`${REQ}.member`),
      ':execution': str('$$.Execution.Name'),
      ':at': str('$.promoteResult.endedAt'),
      ':approval': tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.approval')),
      ),
      ':none': tasks.DynamoAttributeValue.fromString('none'),
    },
  });
  record.addCatch(auditFailed, onFailure);
  const auditPromoted = audit(scope, deps, 'Write the audit trail of the promotion', 'PROMOTED');
  auditPromoted.addCatch(record, { errors: [States.ALL], resultPath: '$.auditError' });
  auditPromoted.next(record).next(notifyPromoted);

  register.next(auditPromoted);
  const verified = register;
  // The same bounded loop as pollUntil (whose check must be a TaskStateBase; this one is a CustomState).
  const startVerify = new sfn.Pass(scope, 'Start checking the promoted member', {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: '$.polls.verify',
  });
  const waitVerify = new sfn.Wait(scope, 'Wait before checking the promoted member', {
    time: sfn.WaitTime.duration(VERIFY_INTERVAL),
  });
  const countVerify = new sfn.Pass(scope, 'Count check of the promoted member', {
    parameters: { 'attempts.$': 'States.MathAdd($.polls.verify.attempts, 1)' },
    resultPath: '$.polls.verify',
  });
  const isVerified = new sfn.Choice(scope, 'Does the promoted member answer SUCCESS?')
    .when(sfn.Condition.numberEquals('$.verify.value.primaryCount', 1), verified)
    .when(
      sfn.Condition.numberGreaterThanEqualsJsonPath('$.polls.verify.attempts', `${SET}.verifyChecks`),
      failWith(
        'Note the promoted member never answered SUCCESS',
        Errors.PROMOTION_NOT_VERIFIED,
        `States.Format('The promotion command succeeded but {} did not answer SUCCESS on its status page in time (last: {}); traffic is untouched', ${SET}.drMember.instanceId, $.verify.value.summary)`,
      ),
    )
    .otherwise(waitVerify);
  waitVerify.next(countVerify).next(verify);
  verify.next(isVerified);
  const verifyLoop = startVerify.next(verify);
  const promotionEnded = new sfn.Choice(scope, 'Did the promotion succeed?')
    .when(sfn.Condition.stringEquals('$.promoteResult.status', 'Success'), verifyLoop)
    .otherwise(
      failWith(
        'Note the promotion failed',
        Errors.PROMOTION_FAILED,
        `States.Format('The promotion command on {} ended {} ({}, exit code {}): {} {}; traffic is untouched', ${SET}.drMember.instanceId, $.promoteResult.status, $.promoteResult.details, $.promoteResult.code, $.promoteResult.output, $.promoteResult.errors)`,
      ),
    );
  // ── 5. Promote ──────────────────────────────────────────────────────────────────────────────────────
  const promote = runCommand(
    scope,
    {
      send: 'Promote the DR member',
      read: 'Read the promotion result',
      ...pollUntilNames('the promotion finished'),
    },
    {
      documentPath: `${SET}.promoteDocument`,
      instanceIdPath: `${SET}.drMember.instanceId`,
      parameters: `${SET}.promoteParameters`,
      comment: sfn.JsonPath.format('ha-workflows dr-promotion {}', sfn.JsonPath.stringAt('$$.Execution.Name')),
      sendPolicy: deps.sendCommandPolicy,
      readPolicy: [new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation'], resources: ['*'] })],
      commandPath: '$.promote',
      resultPath: '$.promoteResult',
      keep: ['status', 'details', 'code', 'output', 'errors', 'endedAt'],
      catchSend: [
        {
          next: failWith(
            'Note the promotion was not sent',
            Errors.PROMOTION_FAILED,
            `States.Format('Run Command did not take the promotion of {} ({}: {}); the member was not promoted and traffic is untouched', ${SET}.drMember.instanceId, $.failure.Error, $.failure.Cause)`,
          ),
          resultPath: '$.failure',
        },
      ],
      catchRead: [
        {
          next: failWith(
            'Note the promotion result was not read',
            Errors.PROMOTION_FAILED,
            `States.Format('The promotion result of {} could not be read ({}: {}); check the member before anything else — traffic is untouched', ${SET}.drMember.instanceId, $.failure.Error, $.failure.Cause)`,
          ),
          resultPath: '$.failure',
        },
      ],
      interval: COMMAND_POLL_INTERVAL,
      maxPolls: `${SET}.promotePolls`,
      counterPath: '$.polls.promote',
      outcome: {
        ended: promotionEnded,
        stillRunning: failWith(
          'Note the promotion did not finish in time',
          Errors.PROMOTION_FAILED,
          `States.Format('The promotion command on {} was still {} after {} checks; traffic is untouched — look at the member before anything else', ${SET}.drMember.instanceId, $.promoteResult.status, ${SET}.promotePolls)`,
        ),
      },
    },
  );

  const fenceConfirmed = promote;
  const unfenced = new sfn.Choice(scope, 'Promote without a confirmed fence?')
    .when(sfn.Condition.booleanEquals(`${REQ}.allowUnfenced`, true), promote)
    .otherwise(
      failWith(
        'Note the old site could not be fenced',
        Errors.FENCE_UNCONFIRMED,
        `States.Format('Could not confirm that the old site is fenced (not confirmed: {}; confirmed: {}). Nothing was promoted and traffic is untouched. {} — start again with "allowUnfenced": true only if the old site cannot take writes', ${FENCE}.unconfirmed, ${FENCE}.confirmed, ${FENCE}.summary)`,
      ),
    );
  const fenceUnknown = new sfn.Pass(scope, 'Note the fence could not be checked', {
    parameters: {
      allConfirmed: false,
      confirmed: 'none',
      unconfirmed: 'all (the fence check failed)',
      'summary.$': "States.Format('{}: {}', $.fenceError.Error, $.fenceError.Cause)",
    },
    resultPath: '$.fence.value',
  }).next(unfenced);
  checkFence.addCatch(fenceUnknown, { errors: [States.ALL], resultPath: '$.fenceError' });
  const fenceLoop = pollUntil(scope, {
    check: checkFence,
    done: sfn.Condition.booleanEquals(`${FENCE}.allConfirmed`, true),
    interval: FENCE_CHECK_INTERVAL,
    maxAttempts: FENCE_CHECKS,
    counterPath: '$.polls.fence',
    label: 'the old site fenced',
    waitFirst: true,
    exhausted: unfenced,
    then: fenceConfirmed,
  });
  fence.addCatch(fenceLoop, { errors: [States.ALL], resultPath: '$.fenceError' });
  fence.next(fenceLoop);

  const isPractice = new sfn.Choice(scope, 'Is this a practice run?')
    .when(sfn.Condition.booleanEquals(`${REQ}.practice`, true), wouldDo)
    .otherwise(fence);

  // ── 3b. Right after the approval, immediately before fencing: is it an approval, and is the old site still down? ─
  const RECHECK = '$.recheck.value';
  const recheck = setLambda(
    'Check the approval and the old site again',
    `${SET}.preflightFunctionArn`,
    preflightPayload('approved'),
    '$.recheck',
  );
  // A re-check that cannot run decides nothing: treated as a rejection (audited, released, notified).
  recheck.addCatch(
    failWith(
      'Note the approval could not be checked',
      Errors.APPROVAL_REJECTED,
      "States.Format('The approval and the old site could not be checked after the approval ({}: {}); treated as a rejection, nothing was changed. Start again.', $.failure.Error, $.failure.Cause)",
    ),
    onFailure,
  );
  const afterApproval = new sfn.Choice(scope, 'Is it an approval, with the old site still down?')
    .when(sfn.Condition.stringEquals(`${RECHECK}.decision`, 'PROCEED'), isPractice)
    .when(
      sfn.Condition.stringEquals(`${RECHECK}.decision`, Errors.PRIMARY_STILL_ACTIVE),
      failWith('Note the old primary answers again', Errors.PRIMARY_STILL_ACTIVE, `${RECHECK}.cause`),
    )
    .when(
      sfn.Condition.stringEquals(`${RECHECK}.decision`, Errors.ALREADY_PROMOTED),
      failWith('Note a promotion was recorded meanwhile', Errors.ALREADY_PROMOTED, `${RECHECK}.cause`),
    )
    .when(
      sfn.Condition.stringEquals(`${RECHECK}.decision`, Errors.DR_MEMBER_NOT_RUNNING),
      failWith('Note the DR member stopped meanwhile', Errors.DR_MEMBER_NOT_RUNNING, `${RECHECK}.cause`),
    )
    .otherwise(failWith('Note the approval is not valid', Errors.APPROVAL_REJECTED, `${RECHECK}.cause`));
  recheck.next(afterApproval);
  askApproval.next(recheck);

  preflight.next(decide);
  useRequest.next(lock).next(sendQuery);
  return sfn.Chain.start(keep).next(validate).next(isValid);
}

/** One item per execution in the state table: the request, the preflight, the approval and each step's time. */
function audit(scope: Construct, deps: DrPromotionDeps, id: string, outcome: string): tasks.DynamoPutItem {
  const task = new tasks.DynamoPutItem(scope, id, {
    table: deps.table,
    item: {
      [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.format('DR-PROMOTION#{}', sfn.JsonPath.stringAt('$$.Execution.Name')),
      ),
      mirrorSet: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(`${SET}.name`)),
      member: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(`${REQ}.member`)),
      outcome: tasks.DynamoAttributeValue.fromString(outcome),
      execution: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id')),
      requestedAt: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.requestedAt')),
      trail: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$'))),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  task.addRetry(throttlingRetry(task));
  // An unconditional put of the execution's own item: writing it again writes the same. Found by the fault campaign
  // (dr-promotion schedule 236773195): one DynamoDB 500 lost the failure's audit trail, the promotion's only record,
  // while SNS failed every notification.
  task.addRetry(IDEMPOTENT_WRITE_RETRY);
  return task;
}
