import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  Aws,
  AwsCall,
  Errors,
  failIterationOnError,
  forEachItem,
  lambdaTask,
  notify,
  notifyThenFail,
  pollUntil,
  releaseLock,
  States,
  takeLock,
} from '../fragments';
import { ALARM_STATE_CHANGE, EC2_STATE_CHANGE, type RecoveryGroupSettings } from './input';

/** Tag written on a failed instance when it is fenced; a later event for it is then ignored. */
export const FENCED_BY_TAG = 'ha-workflows:fenced-by';

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
  /** How long to wait for the replacement to be running, and then healthy. */
  readonly runningTimeout: Duration;
  readonly healthyTimeout: Duration;
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
      // "none" until the launch task has returned a replacement (set right after the lock).
      ':replacement': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(NEW_ID)),
    },
  });
  recordNeedsAttention.addCatch(notifyFailed, { errors: [States.ALL], resultPath: '$.recordError' });
  recordNeedsAttention.next(notifyFailed);
  const onFailure = { errors: [States.ALL], resultPath: '$.failure' };
  const failWith = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, {
      result: sfn.Result.fromObject({ Error: error, Cause: cause }),
      resultPath: '$.failure',
    }).next(recordNeedsAttention);

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
  const unrecognized = new sfn.Fail(scope, 'Trigger names no instance', {
    error: Errors.INVALID_INPUT,
    cause:
      'Expected an EC2 state-change event, a CloudWatch alarm event on an InstanceId metric, or {"instanceId": "i-…"}',
  });

  const inspect = lambdaTask(scope, 'Inspect failed instance', {
    fn: deps.inspectFunction,
    payload: {
      'instanceId.$': '$.instanceId',
      'executionStartTime.$': '$$.Execution.StartTime',
      tagKey: deps.tagKey,
      lockTtlSeconds: deps.lockTtl.toSeconds(),
      groups: Object.fromEntries(
        deps.groups.map((g) => [
          g.id,
          { impairedZones: g.impairedZones, subnetPreference: g.subnetPreference, targetGroupArns: g.targetGroupArns },
        ]),
      ),
      denyAllGroups: deps.denyAllGroups,
    },
    resultPath: '$.inspection',
  });
  const inspectFailed = new sfn.Fail(scope, 'Could not inspect instance', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  inspect.addCatch(inspectFailed, onFailure);

  // ── Lock ───────────────────────────────────────────────────────────────────────────────────────────
  const alreadyHandled = new sfn.Succeed(scope, 'Recovery already handled', {
    comment: 'Another execution holds the group, or the group already moved past this instance',
  });
  const lockFailed = new sfn.Fail(scope, 'Could not take the group lock', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
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
  lock.addCatch(lockFailed, onFailure);

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
  fenceInterfaces.addCatch(recordNeedsAttention, onFailure);

  const markFenced = new AwsCall(scope, 'Mark instance as fenced', {
    service: 'ec2',
    action: 'createTags',
    parameters: {
      'Resources.$': 'States.Array($.instanceId)',
      Tags: [{ Key: FENCED_BY_TAG, 'Value.$': '$$.Execution.Name' }],
    },
    policy: [protectedInstances(['ec2:CreateTags'])],
    resultPath: sfn.JsonPath.DISCARD,
  });
  markFenced.addCatch(recordNeedsAttention, onFailure);

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
  deregister.addCatch(recordNeedsAttention, onFailure);

  const terminate = new AwsCall(scope, 'Terminate failed instance', {
    service: 'ec2',
    action: 'terminateInstances',
    parameters: { 'InstanceIds.$': 'States.Array($.instanceId)' },
    policy: [protectedInstances(['ec2:TerminateInstances'])],
    resultSelector: { 'state.$': '$.TerminatingInstances[0].CurrentState.Name' },
    resultPath: '$.termination',
  });
  terminate.addCatch(recordNeedsAttention, onFailure);

  // ── Launch the replacement (fenced) in another AZ ─────────────────────────────────────────────────
  const launch = lambdaTask(scope, 'Launch replacement', {
    fn: deps.launchFunction,
    payload: {
      'executionName.$': '$$.Execution.Name',
      'groupId.$': `${PLAN}.groupId`,
      tagKey: deps.tagKey,
      'source.$': SOURCE,
      'denyAllGroupId.$': `${PLAN}.denyAllGroupId`,
      'candidateSubnets.$': `${PLAN}.candidateSubnets`,
    },
    resultPath: '$.launch',
    timeout: Duration.minutes(2),
  });
  launch.addCatch(recordNeedsAttention, onFailure);

  const describeState = (id: string, instancePath: string, resultPath: string) => {
    const t = new AwsCall(scope, id, {
      service: 'ec2',
      action: 'describeInstances',
      parameters: { 'InstanceIds.$': `States.Array(${instancePath})` },
      policy: [describe('ec2:DescribeInstances')],
      resultSelector: { 'state.$': '$.Reservations[0].Instances[0].State.Name' },
      resultPath,
    });
    t.addCatch(recordNeedsAttention, onFailure);
    return t;
  };

  // ── Confirm the failed instance is gone, then unfence the replacement ─────────────────────────────
  const unfence = new AwsCall(scope, 'Unfence replacement', {
    service: 'ec2',
    action: 'modifyInstanceAttribute',
    parameters: { 'InstanceId.$': NEW_ID, 'Groups.$': `${SOURCE}.securityGroupIds` },
    policy: [protectedInstances(['ec2:ModifyInstanceAttribute'])],
    resultPath: sfn.JsonPath.DISCARD,
  });
  unfence.addCatch(recordNeedsAttention, onFailure);

  const carryAlarms = lambdaTask(scope, 'Carry over alarms', {
    fn: deps.alarmsFunction,
    payload: { 'oldInstanceId.$': '$.instanceId', 'newInstanceId.$': NEW_ID },
    resultPath: '$.alarms',
  });
  carryAlarms.addCatch(recordNeedsAttention, onFailure);

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
  register.addCatch(recordNeedsAttention, onFailure);

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
  recordActive.addCatch(recordNeedsAttention, onFailure);
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

  const runningInterval = Duration.seconds(3);
  const afterRunning = pollUntil(scope, {
    check: describeState('Read failed instance state', '$.instanceId', '$.old'),
    done: sfn.Condition.or(
      sfn.Condition.stringEquals('$.old.state', 'shutting-down'),
      sfn.Condition.stringEquals('$.old.state', 'terminated'),
    ),
    interval: runningInterval,
    maxAttempts: 20,
    counterPath: '$.polls.fence',
    label: 'failed instance gone',
    exhausted: failWith(
      'Fence not confirmed',
      Errors.FENCE_UNCONFIRMED,
      'The failed instance did not reach shutting-down/terminated',
    ),
    then: sfn.Chain.start(unfence).next(carryAlarms).next(register).next(recordActive).next(notifyDone).next(done),
  });

  const waitRunning = pollUntil(scope, {
    check: describeState('Read replacement state', NEW_ID, '$.replacement'),
    done: sfn.Condition.stringEquals('$.replacement.state', 'running'),
    interval: runningInterval,
    maxAttempts: Math.max(1, Math.ceil(deps.runningTimeout.toSeconds() / runningInterval.toSeconds())),
    counterPath: '$.polls.running',
    label: 'replacement running',
    waitFirst: true,
    exhausted: failWith(
      'Replacement did not start',
      Errors.REPLACEMENT_NOT_RUNNING,
      `The replacement was not running within ${deps.runningTimeout.toSeconds()} s`,
    ),
    then: afterRunning,
  });

  const isProtected = new sfn.Choice(scope, 'Is the instance protected?')
    .when(sfn.Condition.booleanEquals(`${PLAN}.protected`, true), lock)
    .otherwise(notProtected);
  const noReplacementYet = new sfn.Pass(scope, 'Note no replacement yet', {
    result: sfn.Result.fromObject({ value: { instanceId: 'none', availabilityZone: 'none' } }),
    resultPath: '$.launch',
  });
  lock.next(noReplacementYet).next(fenceInterfaces);
  fenceInterfaces.next(markFenced).next(deregister).next(terminate).next(launch).next(waitRunning);

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
