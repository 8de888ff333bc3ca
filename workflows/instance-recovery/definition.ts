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
  failIterationOnError,
  forEachItem,
  LAMBDA_SERVICE_RETRY,
  LAMBDA_TASK_TIMEOUT,
  LOST_RESPONSE_RETRY,
  notify,
  notifyThenFail,
  pollUntil,
  RECOVERY_EC2_RETRY,
  RECOVERY_LAMBDA_THROTTLING_RETRY,
  releaseLock,
  States,
  takeLock,
  throttlingRetry,
} from '../fragments';
import { REPLACES_TAG } from '../../tasks/launch-replacement/contract';
import { ALARM_STATE_CHANGE, EC2_STATE_CHANGE, type RecoveryGroupSettings } from './input';

/** Tag written on a failed instance when it is fenced; a later event for it is then ignored. */
export const FENCED_BY_TAG = 'ha-workflows:fenced-by';
/** Tag the launch task puts on a replacement, naming the instance it replaces (tasks/launch-replacement). */
export { REPLACES_TAG };
/** Instance states in which a replacement found by its tag still exists. */
export const LIVE_STATES: readonly string[] = ['pending', 'running', 'stopping', 'stopped'];
/**
 * The launch function's own timeout: a launch in flight when its execution is stopped still ends (or is ended by
 * Lambda) within it, so whatever it launched exists by then (the lock janitor waits this long, plus EC2's eventual
 * consistency, before it looks for stray replacements).
 */
export const LAUNCH_REPLACEMENT_TIMEOUT = Duration.seconds(110);
/** Prefix of the item that records a recovery that failed before it held the group lock (one per instance). */
export const INSTANCE_RECORD_PREFIX = 'INSTANCE#';

export interface InstanceRecoveryDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly inspectFunction: lambda.IFunction;
  readonly launchFunction: lambda.IFunction;
  readonly alarmsFunction: lambda.IFunction;
  /** Tag key naming an instance's (and a subnet's) recovery group. */
  readonly tagKey: string;
  readonly lockTtl: Duration;
  readonly groups: readonly RecoveryGroupSettings[];
  /** The deny-all security group of each VPC, by VPC id. */
  readonly denyAllGroups: Readonly<Record<string, string>>;
  /** The boot security group of each VPC, by VPC id: a replacement's only group until the fence is confirmed. */
  readonly bootGroups: Readonly<Record<string, string>>;
  /** How long to wait for the replacement to be running, and then healthy. */
  readonly runningTimeout: Duration;
  readonly healthyTimeout: Duration;
  /** How long to wait for the failed instance to be `terminated` (the fence's confirmation). */
  readonly terminatedTimeout: Duration;
}

const PLAN = '$.inspection.value';
const SOURCE = `${PLAN}.source`;
const NEW_ID = '$.launch.value.instanceId';

/**
 * instance-recovery: fence a failed single-node instance and relaunch an equivalent one in another AZ.
 * A pure function of its dependencies; it creates no resources (IAM statements are not resources).
 */
export function instanceRecoveryDefinition(scope: Construct, deps: InstanceRecoveryDeps): sfn.IChainable {
  const { partition, region, account } = Stack.of(scope);
  const ec2Arn = (resource: string) => `arn:${partition}:ec2:${region}:${account}:${resource}`;
  const groupIds = deps.groups.map((g) => g.id);
  const vpcArns = [...new Set(deps.groups.map((g) => ec2Arn(`vpc/${g.vpcId}`)))];
  const targetGroupArns = [...new Set(deps.groups.flatMap((g) => g.targetGroupArns))];
  const protectedInstances = (actions: string[]) =>
    new iam.PolicyStatement({
      actions,
      resources: [ec2Arn('instance/*')],
      conditions: { StringEquals: { [`aws:ResourceTag/${deps.tagKey}`]: groupIds } },
    });
  // With no target group configured the Maps iterate over nothing; IAM still needs a resource, so name none.
  const targetGroupResources = targetGroupArns.length
    ? targetGroupArns
    : [`arn:${partition}:elasticloadbalancing:${region}:${account}:targetgroup/no-target-group-configured/0`];
  const describe = (action: string) => new iam.PolicyStatement({ actions: [action], resources: ['*'] });
  const groupKey = sfn.JsonPath.format('GROUP#{}', sfn.JsonPath.stringAt(`${PLAN}.groupId`));

  // ── Failure before the lock: record on the instance's own item, notify, fail ──────────────────────────
  // The group item belongs to whoever holds the group lock: an execution that does not hold it must not write
  // there (it could overwrite a running recovery's RECOVERING, or block the group with NEEDS_ATTENTION although
  // it changed nothing). It records on an item of its own, keyed by the instance, which no lock guards and no
  // TTL deletes; a duplicate execution failing the same way writes the same record.
  const notifyNotStarted = notifyThenFail(scope, 'Notify recovery not started', {
    failStateId: 'Recovery not started',
    topic: deps.topic,
    subject: 'ha-workflows: instance recovery NEEDS ATTENTION',
    message: sfn.JsonPath.format(
      'Recovery of instance {} ({}) could not start: {}. Nothing was changed. {}',
      sfn.JsonPath.stringAt('$.instanceId'),
      sfn.JsonPath.stringAt('$.trigger'),
      sfn.JsonPath.stringAt('$.failure.Error'),
      sfn.JsonPath.stringAt('$.failure.Cause'),
    ),
  });
  const recordNotStarted = new tasks.DynamoUpdateItem(scope, 'Record recovery not started', {
    table: deps.table,
    key: {
      [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.format(`${INSTANCE_RECORD_PREFIX}{}`, sfn.JsonPath.stringAt('$.instanceId')),
      ),
    },
    updateExpression:
      'SET #state = :state, #lastError = :error, #lastCause = :cause, #execution = :execution, #startedAt = :startedAt',
    expressionAttributeNames: {
      '#state': 'state',
      '#lastError': 'lastError',
      '#lastCause': 'lastCause',
      '#execution': 'executionId',
      '#startedAt': 'startedAt',
    },
    expressionAttributeValues: {
      ':state': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
      ':error': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.failure.Error')),
      ':cause': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.failure.Cause')),
      ':execution': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id')),
      ':startedAt': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.StartTime')),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  recordNotStarted.addRetry(throttlingRetry(recordNotStarted));
  recordNotStarted.addCatch(notifyNotStarted, { errors: [States.ALL], resultPath: '$.recordError' });
  recordNotStarted.next(notifyNotStarted);

  // ── Failure handling: record, release, notify, fail with the error's own name ────────────────────────
  const notifyFailed = notifyThenFail(scope, 'Notify recovery failed', {
    failStateId: 'Recovery failed',
    topic: deps.topic,
    subject: 'ha-workflows: instance recovery NEEDS ATTENTION',
    message: sfn.JsonPath.format(
      'Recovery of group {} (instance {}) failed: {}. The failed instance stays fenced. Replacement: {}. {}',
      sfn.JsonPath.stringAt(`${PLAN}.groupId`),
      sfn.JsonPath.stringAt('$.instanceId'),
      sfn.JsonPath.stringAt('$.failure.Error'),
      sfn.JsonPath.stringAt(NEW_ID),
      sfn.JsonPath.stringAt('$.failure.Cause'),
    ),
  });
  const recordNeedsAttention = releaseLock(scope, 'Record needs attention', {
    table: deps.table,
    key: groupKey,
    set: ['#state = :state', '#lastError = :error', '#failedInstance = :failed', '#replacement = :replacement'],
    names: {
      '#state': 'state',
      '#lastError': 'lastError',
      '#failedInstance': 'failedInstanceId',
      '#replacement': 'replacementInstanceId',
    },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
      ':error': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.failure.Error')),
      ':failed': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.instanceId')),
      // "none" until a replacement is known: from the launch task, or found by its tag below.
      ':replacement': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(NEW_ID)),
    },
  });
  recordNeedsAttention.addCatch(notifyFailed, { errors: [States.ALL], resultPath: '$.recordError' });
  recordNeedsAttention.next(notifyFailed);

  // A launch whose response was lost (or a failure right after it) leaves a replacement the execution does not
  // know: find it by the tag every replacement carries, so the record and the notification name it.
  const findReplacement = new AwsCall(scope, 'Find replacement by its tags', {
    service: 'ec2',
    action: 'describeInstances',
    parameters: {
      Filters: [
        { Name: `tag:${REPLACES_TAG}`, 'Values.$': 'States.Array($.instanceId)' },
        { Name: 'instance-state-name', Values: LIVE_STATES },
      ],
    },
    policy: [describe('ec2:DescribeInstances')],
    resultSelector: { 'reservations.$': '$.Reservations' },
    resultPath: '$.found',
    retry: RECOVERY_EC2_RETRY,
  });
  findReplacement.addCatch(recordNeedsAttention, { errors: [States.ALL], resultPath: '$.findError' });
  const FOUND_ID = '$.found.reservations[0].Instances[0].InstanceId';
  const nameFound = new sfn.Pass(scope, 'Name the replacement found', {
    inputPath: FOUND_ID,
    resultPath: NEW_ID,
  }).next(recordNeedsAttention);
  findReplacement.next(
    new sfn.Choice(scope, 'Was a replacement found?')
      .when(sfn.Condition.isPresent(FOUND_ID), nameFound)
      .otherwise(recordNeedsAttention),
  );
  const needsAttention = new sfn.Choice(scope, 'Is the replacement known?')
    .when(sfn.Condition.stringEquals(NEW_ID, 'none'), findReplacement)
    .otherwise(recordNeedsAttention);
  const onFailure = { errors: [States.ALL], resultPath: '$.failure' };
  const failWith = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, {
      result: sfn.Result.fromObject({ Error: error, Cause: cause }),
      resultPath: '$.failure',
    }).next(needsAttention);

  /**
   * A Lambda task of the recovery: the Lambda service's own errors, then throttling its SDK clients gave up on
   * (bounded by time, see RECOVERY_LAMBDA_THROTTLING_RETRY), and, when it is idempotent, a lost response.
   */
  const recoveryLambda = (
    id: string,
    props: { fn: lambda.IFunction; payload: Record<string, unknown>; resultPath: string; timeout?: Duration },
    idempotent: boolean,
  ) => {
    const task = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: props.fn,
      payload: sfn.TaskInput.fromObject(props.payload),
      payloadResponseOnly: false,
      retryOnServiceExceptions: false,
      resultSelector: { 'value.$': '$.Payload' },
      resultPath: props.resultPath,
      taskTimeout: sfn.Timeout.duration(props.timeout ?? LAMBDA_TASK_TIMEOUT),
    });
    task.addRetry(LAMBDA_SERVICE_RETRY);
    if (idempotent) task.addRetry(LOST_RESPONSE_RETRY);
    task.addRetry(RECOVERY_LAMBDA_THROTTLING_RETRY);
    return task;
  };

  // ── Trigger → instance id ──────────────────────────────────────────────────────────────────────────
  const fromStateChange = new sfn.Pass(scope, 'Take instance from state change', {
    parameters: { 'instanceId.$': '$.detail.instance-id', trigger: EC2_STATE_CHANGE },
  });
  const fromAlarm = new sfn.Pass(scope, 'Take instance from alarm', {
    parameters: {
      'instanceId.$': '$.detail.configuration.metrics[0].metricStat.metric.dimensions.InstanceId',
      'trigger.$': "States.Format('alarm {}', $.detail.alarmName)",
    },
  });
  const fromOperator = new sfn.Pass(scope, 'Take instance from input', {
    parameters: { 'instanceId.$': '$.instanceId', trigger: 'operator' },
  });
  const notProtected = new sfn.Succeed(scope, 'Instance is not protected');
  const unrecognizedFail = new sfn.Fail(scope, 'Trigger names no instance', {
    error: Errors.INVALID_INPUT,
    cause:
      'Expected an EC2 state-change event, a CloudWatch alarm event on an InstanceId metric, or {"instanceId": "i-…"}',
  });
  // Not silent either: an alarm wired to a metric without an InstanceId would otherwise never recover anything.
  const unrecognized = notify(scope, 'Notify trigger names no instance', {
    topic: deps.topic,
    subject: 'ha-workflows: instance recovery started without an instance',
    message: sfn.JsonPath.format(
      'Execution {} was started by a trigger that names no instance: expected an EC2 state-change event, a ' +
        'CloudWatch alarm event on a metric with an InstanceId dimension, or an input with instanceId. Nothing was ' +
        'changed. Check the alarm, rule or input that started it.',
      sfn.JsonPath.stringAt('$$.Execution.Id'),
    ),
  });
  unrecognized.addCatch(unrecognizedFail, { errors: [States.ALL], resultPath: '$.notifyError' });
  unrecognized.next(unrecognizedFail);

  const inspect = recoveryLambda(
    'Inspect failed instance',
    {
      fn: deps.inspectFunction,
      payload: {
        'instanceId.$': '$.instanceId',
        'executionStartTime.$': '$$.Execution.StartTime',
        tagKey: deps.tagKey,
        lockTtlSeconds: deps.lockTtl.toSeconds(),
        groups: Object.fromEntries(
          deps.groups.map((g) => [
            g.id,
            {
              impairedZones: g.impairedZones,
              subnetPreference: g.subnetPreference,
              targetGroupArns: g.targetGroupArns,
            },
          ]),
        ),
        denyAllGroups: deps.denyAllGroups,
      },
      resultPath: '$.inspection',
    },
    true,
  );
  inspect.addCatch(recordNotStarted, onFailure);

  // ── Lock ───────────────────────────────────────────────────────────────────────────────────────────
  const alreadyHandled = new sfn.Succeed(scope, 'Recovery already handled', {
    comment: 'Another execution holds the group, or the group already moved past this instance',
  });
  const lock = takeLock(scope, 'Take the group lock', {
    table: deps.table,
    key: groupKey,
    nowEpochPath: `${PLAN}.nowEpoch`,
    expiresAtPath: `${PLAN}.lockExpiresAt`,
    set: ['#state = :recovering', '#failedInstance = :failed', '#startedAt = :startedAt'],
    // The group's current instance must be the failed one (a late duplicate of an old event is ignored),
    // and a group left NEEDS_ATTENTION waits for an operator.
    condition:
      '(attribute_not_exists(#instanceId) OR #instanceId = :failed) AND (attribute_not_exists(#state) OR #state <> :needsAttention)',
    names: {
      '#state': 'state',
      '#failedInstance': 'failedInstanceId',
      '#instanceId': 'instanceId',
      '#startedAt': 'startedAt',
    },
    values: {
      ':recovering': tasks.DynamoAttributeValue.fromString('RECOVERING'),
      ':needsAttention': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
      ':failed': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.instanceId')),
      ':startedAt': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.StartTime')),
    },
  });
  lock.addCatch(alreadyHandled, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  lock.addCatch(recordNotStarted, onFailure);

  // ── Fence the failed instance ──────────────────────────────────────────────────────────────────────
  const swapGroups = new AwsCall(scope, 'Swap in deny-all security group', {
    service: 'ec2',
    action: 'modifyNetworkInterfaceAttribute',
    parameters: { 'NetworkInterfaceId.$': '$.networkInterfaceId', 'Groups.$': 'States.Array($.denyAllGroupId)' },
    policy: [
      new iam.PolicyStatement({
        actions: ['ec2:ModifyNetworkInterfaceAttribute'],
        resources: [ec2Arn('network-interface/*')],
        conditions: { ArnEquals: { 'ec2:Vpc': vpcArns } },
      }),
      new iam.PolicyStatement({
        actions: ['ec2:ModifyNetworkInterfaceAttribute'],
        resources: [ec2Arn('security-group/*')],
        conditions: { ArnEquals: { 'ec2:Vpc': vpcArns } },
      }),
      protectedInstances(['ec2:ModifyNetworkInterfaceAttribute']),
    ],
    resultPath: sfn.JsonPath.DISCARD,
    retry: RECOVERY_EC2_RETRY,
  });
  const fenceInterfaces = forEachItem(scope, 'Fence each network interface', {
    itemsPath: `${SOURCE}.networkInterfaceIds`,
    itemSelector: {
      'networkInterfaceId.$': '$$.Map.Item.Value',
      'denyAllGroupId.$': `${PLAN}.denyAllGroupId`,
    },
    task: swapGroups,
    failStateId: 'Interface not fenced',
  });
  fenceInterfaces.addCatch(needsAttention, onFailure);

  const markFenced = new AwsCall(scope, 'Mark instance as fenced', {
    service: 'ec2',
    action: 'createTags',
    parameters: {
      'Resources.$': 'States.Array($.instanceId)',
      Tags: [{ Key: FENCED_BY_TAG, 'Value.$': '$$.Execution.Name' }],
    },
    policy: [protectedInstances(['ec2:CreateTags'])],
    resultPath: sfn.JsonPath.DISCARD,
    retry: RECOVERY_EC2_RETRY,
  });
  markFenced.addCatch(needsAttention, onFailure);

  const deregisterTarget = new AwsCall(scope, 'Deregister failed instance', {
    service: 'elasticloadbalancingv2',
    action: 'deregisterTargets',
    parameters: { 'TargetGroupArn.$': '$.targetGroupArn', Targets: [{ 'Id.$': '$.instanceId' }] },
    policy: [
      new iam.PolicyStatement({ actions: ['elasticloadbalancing:DeregisterTargets'], resources: targetGroupResources }),
    ],
    resultPath: sfn.JsonPath.DISCARD,
  });
  const deregister = forEachItem(scope, 'Deregister from each target group', {
    itemsPath: `${PLAN}.targetGroupArns`,
    itemSelector: { 'targetGroupArn.$': '$$.Map.Item.Value', 'instanceId.$': '$.instanceId' },
    task: deregisterTarget,
    failStateId: 'Target not deregistered',
  });
  deregister.addCatch(needsAttention, onFailure);

  // ── Check before destroying the only instance: can a replacement be launched at all? ────────────────
  const launchPayload = {
    'executionName.$': '$$.Execution.Name',
    'groupId.$': `${PLAN}.groupId`,
    tagKey: deps.tagKey,
    'source.$': SOURCE,
    'denyAllGroupId.$': `${PLAN}.denyAllGroupId`,
    bootGroups: deps.bootGroups,
  };
  const checkLaunch = recoveryLambda(
    'Check a replacement can be launched',
    {
      fn: deps.launchFunction,
      payload: { ...launchPayload, 'candidateSubnets.$': `${PLAN}.candidateSubnets`, mode: 'check' },
      resultPath: '$.launchCheck',
    },
    true,
  );
  checkLaunch.addCatch(needsAttention, onFailure);

  const terminate = new AwsCall(scope, 'Terminate failed instance', {
    service: 'ec2',
    action: 'terminateInstances',
    parameters: { 'InstanceIds.$': 'States.Array($.instanceId)' },
    policy: [protectedInstances(['ec2:TerminateInstances'])],
    resultSelector: { 'state.$': '$.TerminatingInstances[0].CurrentState.Name' },
    resultPath: '$.termination',
    retry: RECOVERY_EC2_RETRY,
  });
  terminate.addCatch(needsAttention, onFailure);

  // ── Launch the replacement (boot group only: it boots, takes no clients) in another AZ ────────────────
  // Past this point the old instance is gone: every step keeps trying within its time budget. The launch is
  // idempotent (ClientToken per subnet, and an earlier attempt's instance is found by its tags), so a launch
  // whose response was lost is retried and adopts the instance already launched.
  const launch = recoveryLambda(
    'Launch replacement',
    {
      fn: deps.launchFunction,
      payload: { ...launchPayload, 'candidateSubnets.$': '$.launchCheck.value.offeredSubnets', mode: 'launch' },
      resultPath: '$.launch',
      timeout: Duration.minutes(2),
    },
    true,
  );
  launch.addCatch(needsAttention, onFailure);

  // Read-only polls: an EC2 error (after the call's own retries) counts as "not yet" for the poll's whole time
  // budget; a persistent one (e.g. InvalidInstanceID.NotFound) ends in the poll's `exhausted` state.
  const POLL_TOLERATES = [Aws.EC2, States.TIMEOUT];
  const describeState = (id: string, instancePath: string, resultPath: string) =>
    new AwsCall(scope, id, {
      service: 'ec2',
      action: 'describeInstances',
      parameters: { 'InstanceIds.$': `States.Array(${instancePath})` },
      policy: [describe('ec2:DescribeInstances')],
      resultSelector: { 'state.$': '$.Reservations[0].Instances[0].State.Name' },
      resultPath,
    });

  // ── Confirm the failed instance is gone, then unfence the replacement ─────────────────────────────
  const unfence = new AwsCall(scope, 'Unfence replacement', {
    service: 'ec2',
    action: 'modifyInstanceAttribute',
    parameters: { 'InstanceId.$': NEW_ID, 'Groups.$': `${SOURCE}.securityGroupIds` },
    policy: [protectedInstances(['ec2:ModifyInstanceAttribute'])],
    resultPath: sfn.JsonPath.DISCARD,
    retry: RECOVERY_EC2_RETRY,
  });
  unfence.addCatch(needsAttention, onFailure);

  const carryAlarms = recoveryLambda(
    'Carry over alarms',
    {
      fn: deps.alarmsFunction,
      payload: { 'oldInstanceId.$': '$.instanceId', 'newInstanceId.$': NEW_ID },
      resultPath: '$.alarms',
    },
    false,
  );
  carryAlarms.addCatch(needsAttention, onFailure);

  // ── Switch traffic ───────────────────────────────────────────────────────────────────────────────
  const register = new sfn.Map(scope, 'Register in each target group', {
    itemsPath: `${PLAN}.targetGroupArns`,
    itemSelector: { 'targetGroupArn.$': '$$.Map.Item.Value', [`instanceId.$`]: NEW_ID },
    maxConcurrency: 4,
    resultPath: sfn.JsonPath.DISCARD,
  });
  const registerTarget = new AwsCall(scope, 'Register replacement', {
    service: 'elasticloadbalancingv2',
    action: 'registerTargets',
    parameters: { 'TargetGroupArn.$': '$.targetGroupArn', Targets: [{ 'Id.$': '$.instanceId' }] },
    policy: [
      new iam.PolicyStatement({
        actions: ['elasticloadbalancing:RegisterTargets'],
        resources: targetGroupResources,
      }),
    ],
    resultPath: sfn.JsonPath.DISCARD,
  });
  const healthCheck = new AwsCall(scope, 'Read replacement health', {
    service: 'elasticloadbalancingv2',
    action: 'describeTargetHealth',
    parameters: { 'TargetGroupArn.$': '$.targetGroupArn', Targets: [{ 'Id.$': '$.instanceId' }] },
    policy: [describe('elasticloadbalancing:DescribeTargetHealth')],
    resultSelector: { 'state.$': '$.TargetHealthDescriptions[0].TargetHealth.State' },
    resultPath: '$.health',
  });
  failIterationOnError(scope, registerTarget, 'Target not registered');
  failIterationOnError(scope, healthCheck, 'Health not readable');
  const healthyInterval = Duration.seconds(5);
  register.itemProcessor(
    sfn.Chain.start(registerTarget).next(
      pollUntil(scope, {
        check: healthCheck,
        done: sfn.Condition.stringEquals('$.health.state', 'healthy'),
        interval: healthyInterval,
        maxAttempts: Math.max(1, Math.ceil(deps.healthyTimeout.toSeconds() / healthyInterval.toSeconds())),
        counterPath: '$.polls.healthy',
        label: 'replacement healthy',
        waitFirst: true,
        exhausted: new sfn.Fail(scope, 'Replacement never became healthy', {
          error: Errors.REPLACEMENT_NOT_HEALTHY,
          cause: `The replacement was not healthy in its target group within ${deps.healthyTimeout.toSeconds()} s`,
        }),
        then: new sfn.Succeed(scope, 'Replacement is healthy'),
      }),
    ),
  );
  register.addCatch(needsAttention, onFailure);

  // ── Record, release, notify ──────────────────────────────────────────────────────────────────────
  const recordActive = releaseLock(scope, 'Record recovery complete', {
    table: deps.table,
    key: groupKey,
    set: ['#state = :state', '#instanceId = :new', '#previous = :old', '#az = :az'],
    names: {
      '#state': 'state',
      '#instanceId': 'instanceId',
      '#previous': 'previousInstanceId',
      '#az': 'availabilityZone',
    },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('ACTIVE'),
      ':new': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(NEW_ID)),
      ':old': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.instanceId')),
      ':az': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.launch.value.availabilityZone')),
    },
  });
  recordActive.addCatch(needsAttention, onFailure);
  const notifyDone = notify(scope, 'Notify recovery complete', {
    topic: deps.topic,
    subject: 'ha-workflows: instance recovered',
    message: sfn.JsonPath.format(
      'Group {}: instance {} ({}) was replaced by {} in {}.',
      sfn.JsonPath.stringAt(`${PLAN}.groupId`),
      sfn.JsonPath.stringAt('$.instanceId'),
      sfn.JsonPath.stringAt('$.trigger'),
      sfn.JsonPath.stringAt(NEW_ID),
      sfn.JsonPath.stringAt('$.launch.value.availabilityZone'),
    ),
  });
  const done = new sfn.Succeed(scope, 'Recovery complete');
  notifyDone.addCatch(done, { errors: [States.ALL], resultPath: '$.notifyError' });

  // The fence is confirmed only at `terminated`: a deny-all security group does not cut connections that are
  // already tracked, and on an impaired host a `shutting-down` guest may still run and write. Until then the
  // replacement stays fenced; if the termination never completes, an operator decides (NEEDS_ATTENTION).
  const readOld = describeState('Read failed instance state', '$.instanceId', '$.old');
  const readReplacement = describeState('Read replacement state', NEW_ID, '$.replacement');
  const runningInterval = Duration.seconds(3);
  const terminatedInterval = Duration.seconds(5);
  const afterRunning = pollUntil(scope, {
    check: readOld,
    done: sfn.Condition.stringEquals('$.old.state', 'terminated'),
    interval: terminatedInterval,
    maxAttempts: Math.max(1, Math.ceil(deps.terminatedTimeout.toSeconds() / terminatedInterval.toSeconds())),
    counterPath: '$.polls.fence',
    label: 'failed instance terminated',
    tolerateErrors: POLL_TOLERATES,
    exhausted: failWith(
      'Fence not confirmed',
      Errors.FENCE_UNCONFIRMED,
      `The failed instance was not confirmed terminated within ${deps.terminatedTimeout.toSeconds()} s; ` +
        'the replacement stays fenced and unregistered',
    ),
    then: sfn.Chain.start(unfence).next(carryAlarms).next(register).next(recordActive).next(notifyDone).next(done),
  });

  const waitRunning = pollUntil(scope, {
    check: readReplacement,
    done: sfn.Condition.stringEquals('$.replacement.state', 'running'),
    interval: runningInterval,
    maxAttempts: Math.max(1, Math.ceil(deps.runningTimeout.toSeconds() / runningInterval.toSeconds())),
    counterPath: '$.polls.running',
    label: 'replacement running',
    waitFirst: true,
    tolerateErrors: POLL_TOLERATES,
    exhausted: failWith(
      'Replacement did not start',
      Errors.REPLACEMENT_NOT_RUNNING,
      `The replacement was not running (or could not be read) within ${deps.runningTimeout.toSeconds()} s`,
    ),
    then: afterRunning,
  });
  // Anything else (after the tolerated errors, which pollUntil catches first) needs an operator.
  for (const poll of [readOld, readReplacement]) poll.addCatch(needsAttention, onFailure);

  const isProtected = new sfn.Choice(scope, 'Is the instance protected?')
    .when(sfn.Condition.booleanEquals(`${PLAN}.protected`, true), lock)
    .otherwise(notProtected);
  const noReplacementYet = new sfn.Pass(scope, 'Note no replacement yet', {
    result: sfn.Result.fromObject({ value: { instanceId: 'none', availabilityZone: 'none' } }),
    resultPath: '$.launch',
  });
  lock.next(noReplacementYet).next(fenceInterfaces);
  fenceInterfaces.next(markFenced).next(deregister).next(checkLaunch).next(terminate).next(launch).next(waitRunning);

  // A comparison on a path that is absent fails the execution with States.Runtime, so every path a rule
  // compares is tested with IsPresent first (And stops at the first false rule): an operator's input has no
  // detail-type, and an event that names no instance must end in "Trigger names no instance".
  const isEvent = (detailType: string) =>
    sfn.Condition.and(
      sfn.Condition.isPresent('$.detail-type'),
      sfn.Condition.stringEquals('$.detail-type', detailType),
    );
  return new sfn.Choice(scope, 'Read the trigger')
    .when(
      sfn.Condition.and(
        isEvent(ALARM_STATE_CHANGE),
        sfn.Condition.isPresent('$.detail.configuration.metrics[0].metricStat.metric.dimensions.InstanceId'),
      ),
      fromAlarm,
    )
    .when(
      sfn.Condition.and(isEvent(EC2_STATE_CHANGE), sfn.Condition.isPresent('$.detail.instance-id')),
      fromStateChange,
    )
    .when(sfn.Condition.isPresent('$.instanceId'), fromOperator)
    .otherwise(unrecognized)
    .afterwards({ includeOtherwise: false })
    .next(inspect)
    .next(isProtected);
}
