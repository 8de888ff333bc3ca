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
  LAMBDA_SERVICE_RETRY,
  lambdaTask,
  notify,
  notifyThenFail,
  pollUntil,
  releaseLock,
  States,
  takeLock,
  THROTTLING_RETRY,
} from '../fragments';
import { ALARM_STATE_CHANGE, BECAME_PRIMARY, type MirrorSetSettings } from './input';

export interface MirrorFailoverDeps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  /** Reads the registered targets and plans the switch (outside any VPC; read-only ELB access). */
  readonly planFunction: lambda.IFunction;
  /** The mirror sets, each with its own probe function (in the set's VPC). */
  readonly sets: readonly MirrorSetSettings[];
  /** How long a lock is held at most, if its execution dies without releasing it. */
  readonly lockTtl: Duration;
  /** `TimeoutSeconds` of one probe invocation (the longest probe timeout of the sets, plus Lambda's own time). */
  readonly probeTaskTimeout: Duration;
}

/** Pause between two reads of the primary's health in a target group. */
export const HEALTHY_POLL_INTERVAL = Duration.seconds(5);

const SET = '$.set';
const PROBE = '$.probe.value';
const PLAN = '$.plan.value';

/**
 * mirror-failover: find the one member whose mirror-status page answers `200 SUCCESS` and make it the only
 * registered member in the set's target groups; with zero or several such members, change nothing (fail closed).
 * A pure function of its dependencies; it creates no resources (IAM statements are not resources).
 */
export function mirrorFailoverDefinition(scope: Construct, deps: MirrorFailoverDeps): sfn.IChainable {
  const { partition } = Stack.of(scope);
  const targetGroupArns = [...new Set(deps.sets.flatMap((s) => s.targetGroupArns))];
  const setKey = sfn.JsonPath.format('MIRROR#{}', sfn.JsonPath.stringAt(`${SET}.name`));

  // ── Failure handling: record, release, notify, fail with the error's own name ────────────────────────
  const notifyFailed = notifyThenFail(scope, 'Notify mirror failover failed', {
    failStateId: 'Mirror failover failed',
    topic: deps.topic,
    subject: 'ha-workflows: mirror failover NEEDS ATTENTION',
    message: sfn.JsonPath.format(
      'Mirror set {} ({}): failover failed with {}. {}',
      sfn.JsonPath.stringAt(`${SET}.name`),
      sfn.JsonPath.stringAt('$.trigger'),
      sfn.JsonPath.stringAt('$.failure.Error'),
      sfn.JsonPath.stringAt('$.failure.Cause'),
    ),
  });
  const recordNeedsAttention = releaseLock(scope, 'Record needs attention', {
    table: deps.table,
    key: setKey,
    set: ['#state = :state', '#lastError = :error', '#failedBy = :execution'],
    names: { '#state': 'state', '#lastError': 'lastError', '#failedBy': 'failedBy' },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
      ':error': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.failure.Error')),
      ':execution': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Name')),
    },
  });
  recordNeedsAttention.addCatch(notifyFailed, { errors: [States.ALL], resultPath: '$.recordError' });
  recordNeedsAttention.next(notifyFailed);
  const onFailure = { errors: [States.ALL], resultPath: '$.failure' };
  const failWith = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, {
      parameters: { Error: error, 'Cause.$': cause },
      resultPath: '$.failure',
    }).next(recordNeedsAttention);

  // ── Trigger → mirror set ─────────────────────────────────────────────────────────────────────────────
  const fromHook = new sfn.Pass(scope, 'Take mirror set from hook event', {
    parameters: { 'mirrorSet.$': '$.detail.mirrorSet', trigger: 'become-primary hook' },
  });
  // The alarm's name is `<stack>/mirror-failover/<mirror set>/no-healthy-host-<n>` (names hold no "/").
  const fromAlarm = new sfn.Pass(scope, 'Take mirror set from alarm', {
    parameters: {
      'mirrorSet.$': "States.ArrayGetItem(States.StringSplit($.detail.alarmName, '/'), 2)",
      'trigger.$': "States.Format('alarm {}', $.detail.alarmName)",
    },
  });
  const fromOperator = new sfn.Pass(scope, 'Take mirror set from input', {
    parameters: { 'mirrorSet.$': '$.mirrorSet', trigger: 'operator' },
  });
  const unrecognized = new sfn.Fail(scope, 'Trigger names no mirror set', {
    error: Errors.INVALID_INPUT,
    cause:
      `Expected a "${BECAME_PRIMARY}" event with detail.mirrorSet, a no-healthy-host alarm of a mirror set, ` +
      'or {"mirrorSet": "<name>"}',
  });
  const unknownSet = new sfn.Fail(scope, 'Mirror set is not configured', {
    error: Errors.UNKNOWN_MIRROR_SET,
    cause: `The trigger names a mirror set this workflow does not know (configured: ${deps.sets.map((s) => s.name).join(', ')})`,
  });

  // ── Probe (read-only), then lock ──────────────────────────────────────────────────────────────────────
  const probe = (id: string) => {
    // The function is the set's own (in the set's VPC), so its name comes from the set's settings.
    const task = new sfn.CustomState(scope, id, {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${partition}:states:::lambda:invoke`,
        Parameters: {
          'FunctionName.$': `${SET}.probeFunctionArn`,
          Payload: {
            'mirrorSet.$': `${SET}.name`,
            'members.$': `${SET}.members`,
            'timeoutSeconds.$': `${SET}.probeTimeoutSeconds`,
            'executionStartTime.$': '$$.Execution.StartTime',
            lockTtlSeconds: deps.lockTtl.toSeconds(),
          },
        },
        ResultSelector: { 'value.$': '$.Payload' },
        ResultPath: '$.probe',
        TimeoutSeconds: deps.probeTaskTimeout.toSeconds(),
      },
    });
    task.addRetry(LAMBDA_SERVICE_RETRY);
    task.addRetry(THROTTLING_RETRY);
    return task;
  };
  const firstProbe = probe('Probe the mirror members');
  // Before the lock there is nothing to release: tell the operators and fail.
  firstProbe.addCatch(notifyFailed, onFailure);

  const alreadySwitching = new sfn.Succeed(scope, 'Mirror set is already being switched', {
    comment: 'Another execution holds the mirror set: a duplicate or concurrent trigger ends here',
  });
  const lock = takeLock(scope, 'Take the mirror set lock', {
    table: deps.table,
    key: setKey,
    nowEpochPath: `${PROBE}.nowEpoch`,
    expiresAtPath: `${PROBE}.lockExpiresAt`,
    set: ['#state = :switching', '#startedBy = :execution'],
    names: { '#state': 'state', '#startedBy': 'startedBy' },
    values: {
      ':switching': tasks.DynamoAttributeValue.fromString('SWITCHING'),
      ':execution': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Name')),
    },
  });
  lock.addCatch(alreadySwitching, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  lock.addCatch(notifyFailed, onFailure);

  // ── Exactly one SUCCESS, or probe again with backoff until the deadline ─────────────────────────────────
  const startCounting = new sfn.Pass(scope, 'Start counting probes', {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: '$.probes',
  });
  const countProbe = new sfn.Pass(scope, 'Count the next probe', {
    parameters: {
      'attempts.$': 'States.MathAdd($.probes.attempts, 1)',
      'waitSeconds.$': `States.ArrayGetItem(${SET}.probeWaits, States.MathAdd($.probes.attempts, -1))`,
    },
    resultPath: '$.probes',
  });
  const waitToProbe = new sfn.Wait(scope, 'Wait before probing again', {
    time: sfn.WaitTime.secondsPath('$.probes.waitSeconds'),
  });
  const probeAgain = probe('Probe the mirror members again');
  probeAgain.addCatch(recordNeedsAttention, onFailure);

  const ambiguous = failWith(
    'Several members answer SUCCESS',
    Errors.AMBIGUOUS_PRIMARY,
    `States.Format('Several members answered SUCCESS until the deadline ({}); nothing was registered or deregistered. Last probe: {}', ${PROBE}.primaries, ${PROBE}.summary)`,
  );
  const noPrimary = failWith(
    'No member answers SUCCESS',
    Errors.NO_PRIMARY,
    `States.Format('No member answered SUCCESS until the deadline; nothing was registered or deregistered. Last probe: {}', ${PROBE}.summary)`,
  );
  const gaveUp = new sfn.Choice(scope, 'Do several members answer SUCCESS?')
    .when(sfn.Condition.numberGreaterThanEquals(`${PROBE}.primaryCount`, 2), ambiguous)
    .otherwise(noPrimary);

  // ── Read the targets, switch them, wait until the primary is healthy ──────────────────────────────────
  const plan = lambdaTask(scope, 'Read the registered targets', {
    fn: deps.planFunction,
    payload: {
      'primary.$': `${PROBE}.primary`,
      'members.$': `${SET}.memberIds`,
      'targetGroupArns.$': `${SET}.targetGroupArns`,
    },
    resultPath: '$.plan',
  });
  plan.addCatch(recordNeedsAttention, onFailure);

  const registerTarget = new AwsCall(scope, 'Register the primary', {
    service: 'elasticloadbalancingv2',
    action: 'registerTargets',
    parameters: { 'TargetGroupArn.$': '$.targetGroupArn', Targets: [{ 'Id.$': '$.instanceId' }] },
    policy: [
      new iam.PolicyStatement({ actions: ['elasticloadbalancing:RegisterTargets'], resources: targetGroupArns }),
    ],
    resultPath: sfn.JsonPath.DISCARD,
  });
  const register = forEachItem(scope, 'Register the primary in each target group', {
    itemsPath: `${PLAN}.register`,
    task: registerTarget,
    failStateId: 'Primary not registered',
  });
  register.addCatch(recordNeedsAttention, onFailure);

  const deregisterTarget = new AwsCall(scope, 'Deregister a member that is not primary', {
    service: 'elasticloadbalancingv2',
    action: 'deregisterTargets',
    parameters: {
      'TargetGroupArn.$': '$.targetGroupArn',
      Targets: [{ 'Id.$': '$.instanceId', 'Port.$': '$.port' }],
    },
    policy: [
      new iam.PolicyStatement({ actions: ['elasticloadbalancing:DeregisterTargets'], resources: targetGroupArns }),
    ],
    resultPath: sfn.JsonPath.DISCARD,
  });
  const deregister = forEachItem(scope, 'Deregister the other members', {
    itemsPath: `${PLAN}.deregister`,
    task: deregisterTarget,
    failStateId: 'Member not deregistered',
  });
  deregister.addCatch(recordNeedsAttention, onFailure);

  const waitHealthy = new sfn.Map(scope, 'Wait until the primary is healthy in each target group', {
    itemsPath: `${SET}.targetGroupArns`,
    itemSelector: {
      'targetGroupArn.$': '$$.Map.Item.Value',
      'instanceId.$': `${PROBE}.primary`,
      'maxChecks.$': `${SET}.healthyChecks`,
    },
    maxConcurrency: 4,
    resultPath: sfn.JsonPath.DISCARD,
  });
  const readHealth = new AwsCall(scope, 'Read the primary health', {
    service: 'elasticloadbalancingv2',
    action: 'describeTargetHealth',
    parameters: { 'TargetGroupArn.$': '$.targetGroupArn', Targets: [{ 'Id.$': '$.instanceId' }] },
    policy: [new iam.PolicyStatement({ actions: ['elasticloadbalancing:DescribeTargetHealth'], resources: ['*'] })],
    resultSelector: { 'state.$': '$.TargetHealthDescriptions[0].TargetHealth.State' },
    resultPath: '$.health',
  });
  failIterationOnError(scope, readHealth, 'Primary health not readable');
  waitHealthy.itemProcessor(
    pollUntil(scope, {
      check: readHealth,
      done: sfn.Condition.stringEquals('$.health.state', 'healthy'),
      interval: HEALTHY_POLL_INTERVAL,
      maxAttempts: '$.maxChecks',
      counterPath: '$.polls.healthy',
      label: 'primary healthy',
      exhausted: new sfn.Fail(scope, 'Primary never became healthy', {
        error: Errors.PRIMARY_NOT_HEALTHY,
        cause: 'The primary was registered but not healthy in its target group within the healthy timeout',
      }),
      then: new sfn.Succeed(scope, 'Primary is healthy'),
    }),
  );
  waitHealthy.addCatch(recordNeedsAttention, onFailure);

  // ── Record, release, notify ──────────────────────────────────────────────────────────────────────────
  const recordSwitch = releaseLock(scope, 'Record the switch', {
    table: deps.table,
    key: setKey,
    set: [
      '#state = :state',
      '#primary = :primary',
      '#previous = :previous',
      '#switchedBy = :execution',
      '#trigger = :trigger',
      '#switchStartedAt = :startedAt',
      '#lastError = :none',
    ],
    names: {
      '#state': 'state',
      '#primary': 'primaryInstanceId',
      '#previous': 'previousInstanceIds',
      '#switchedBy': 'switchedBy',
      '#trigger': 'trigger',
      '#switchStartedAt': 'switchStartedAt',
      '#lastError': 'lastError',
    },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('ACTIVE'),
      ':primary': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(`${PROBE}.primary`)),
      ':previous': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(`${PLAN}.previous`)),
      ':execution': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Name')),
      ':trigger': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.trigger')),
      ':startedAt': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.StartTime')),
      ':none': tasks.DynamoAttributeValue.fromString('none'),
    },
  });
  recordSwitch.addCatch(recordNeedsAttention, onFailure);
  const notifySwitched = notify(scope, 'Notify mirror failover complete', {
    topic: deps.topic,
    subject: 'ha-workflows: mirror failover complete',
    message: sfn.JsonPath.format(
      'Mirror set {} ({}): the load balancer now sends traffic to the primary {} only (before: {}).',
      sfn.JsonPath.stringAt(`${SET}.name`),
      sfn.JsonPath.stringAt('$.trigger'),
      sfn.JsonPath.stringAt(`${PROBE}.primary`),
      sfn.JsonPath.stringAt(`${PLAN}.previous`),
    ),
  });
  const switched = new sfn.Succeed(scope, 'Traffic follows the new primary');
  notifySwitched.addCatch(switched, { errors: [States.ALL], resultPath: '$.notifyError' });

  const recordChecked = releaseLock(scope, 'Record targets already correct', {
    table: deps.table,
    key: setKey,
    set: ['#state = :state', '#primary = :primary', '#checkedBy = :execution', '#lastError = :none'],
    names: {
      '#state': 'state',
      '#primary': 'primaryInstanceId',
      '#checkedBy': 'lastCheckedBy',
      '#lastError': 'lastError',
    },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('ACTIVE'),
      ':primary': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(`${PROBE}.primary`)),
      ':execution': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Name')),
      ':none': tasks.DynamoAttributeValue.fromString('none'),
    },
  });
  recordChecked.addCatch(recordNeedsAttention, onFailure);
  const alreadyCorrect = new sfn.Succeed(scope, 'Targets already point at the primary');

  const needsChange = new sfn.Choice(scope, 'Do the targets need to change?')
    .when(sfn.Condition.booleanEquals(`${PLAN}.changes`, true), register)
    .otherwise(recordChecked);
  recordChecked.next(alreadyCorrect);
  plan.next(needsChange);
  register.next(deregister).next(waitHealthy).next(recordSwitch).next(notifySwitched).next(switched);

  const onePrimary = new sfn.Choice(scope, 'Does exactly one member answer SUCCESS?')
    .when(sfn.Condition.numberEquals(`${PROBE}.primaryCount`, 1), plan)
    .when(sfn.Condition.numberGreaterThanEqualsJsonPath('$.probes.attempts', `${SET}.maxProbes`), gaveUp)
    .otherwise(countProbe);
  countProbe.next(waitToProbe).next(probeAgain).next(onePrimary);

  firstProbe.next(lock).next(startCounting).next(onePrimary);

  // ── Which mirror set? One rule per configured set; its Pass holds the set's settings ───────────────────
  const whichSet = new sfn.Choice(scope, 'Which mirror set?');
  for (const set of deps.sets) {
    whichSet.when(
      sfn.Condition.stringEquals('$.mirrorSet', set.name),
      new sfn.Pass(scope, `Use mirror set ${set.name}`, {
        result: sfn.Result.fromObject({ ...set }),
        resultPath: SET,
      }).next(firstProbe),
    );
  }
  whichSet.otherwise(unknownSet);

  // A comparison on a path that is absent fails the execution with States.Runtime, so every path a rule
  // compares is tested with IsPresent first (And stops at the first false rule).
  const isEvent = (detailType: string) =>
    sfn.Condition.and(
      sfn.Condition.isPresent('$.detail-type'),
      sfn.Condition.stringEquals('$.detail-type', detailType),
    );
  return new sfn.Choice(scope, 'Read the trigger')
    .when(
      sfn.Condition.and(
        isEvent(BECAME_PRIMARY),
        sfn.Condition.isPresent('$.detail.mirrorSet'),
        sfn.Condition.isString('$.detail.mirrorSet'),
      ),
      fromHook,
    )
    .when(
      sfn.Condition.and(
        isEvent(ALARM_STATE_CHANGE),
        sfn.Condition.isPresent('$.detail.alarmName'),
        sfn.Condition.stringMatches('$.detail.alarmName', '*/mirror-failover/*/*'),
      ),
      fromAlarm,
    )
    .when(
      sfn.Condition.and(sfn.Condition.isPresent('$.mirrorSet'), sfn.Condition.isString('$.mirrorSet')),
      fromOperator,
    )
    .otherwise(unrecognized)
    .afterwards({ includeOtherwise: false })
    .next(whichSet);
}
