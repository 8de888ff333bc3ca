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
  IDEMPOTENT_WRITE_RETRY,
  LAMBDA_SERVICE_RETRY,
  lambdaTask,
  LOCK_ATTRIBUTES,
  LOST_RESPONSE_RETRY,
  notify,
  notifyThenFail,
  type ReleaseProps,
  releaseLock,
  States,
  takeLock,
  throttlingRetry,
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
/**
 * Pause between two reads while the load balancer is still registering the primary (`initial`,
 * `Elb.RegistrationInProgress`): an NLB takes minutes to register a target before its first health check
 * (docs/latency-model.md §2), so reading and probing every 5 s would only add calls. A multiple of
 * HEALTHY_POLL_INTERVAL: it counts as that many checks, so the healthy timeout still bounds the loop.
 */
export const REGISTRATION_POLL_INTERVAL = Duration.seconds(30);

const SET = '$.set';
const PROBE = '$.probe.value';
const PLAN = '$.plan.value';
/** The member the current round switches to (copied from the probe that chose it; later probes only compare). */
const SWITCH = '$.switch';

/**
 * How many rounds (probe → switch → wait healthy → probe before release) one execution may go before it gives up
 * with PrimaryKeepsMoving: a primary that moves again after each of three switches needs a person.
 */
export const MAX_SWITCH_ROUNDS = 3;
/** How many times an execution tries to take the lock or hand its event to the holder before MirrorSetBusy. */
export const MAX_LOCK_ATTEMPTS = 3;
/**
 * The attribute of the mirror set's lock item where an execution that found the lock held names itself: the holder
 * releases the lock only while it is absent (cleared just before its last probe).
 */
export const HAND_OFF_ATTRIBUTE = 'eventHandedOverBy';

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
  // Before this execution holds the lock (the first probe, the lock or the hand-off failed): the set still needs a
  // person, since the event that started the run was not acted on. The record leaves the lock and its lease alone: a
  // holder, if any, writes its own state when it releases.
  const recordNotStarted = new tasks.DynamoUpdateItem(scope, 'Record needs attention before the lock', {
    table: deps.table,
    key: { [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(setKey) },
    updateExpression: 'SET #state = :state, #lastError = :error, #failedBy = :execution',
    expressionAttributeNames: { '#state': 'state', '#lastError': 'lastError', '#failedBy': 'failedBy' },
    expressionAttributeValues: {
      ':state': tasks.DynamoAttributeValue.fromString('NEEDS_ATTENTION'),
      ':error': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.failure.Error')),
      ':execution': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Name')),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  recordNotStarted.addRetry(throttlingRetry(recordNotStarted));
  // The same three values again: idempotent.
  recordNotStarted.addRetry(IDEMPOTENT_WRITE_RETRY);
  recordNotStarted.addCatch(notifyFailed, { errors: [States.ALL], resultPath: '$.recordError' });
  recordNotStarted.next(notifyFailed);
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
  // Neither ends silently: a hook or alarm wired to a wrong name would otherwise never move traffic.
  const notifyThen = (fail: sfn.Fail, id: string, what: string) => {
    const task = notify(scope, id, {
      topic: deps.topic,
      subject: 'ha-workflows: mirror failover started for no known mirror set',
      message: sfn.JsonPath.format(
        `Execution {} was started by a trigger that ${what}. Nothing was probed or changed. ` +
          'Check the become-primary hook, alarm or input that started it.',
        sfn.JsonPath.stringAt('$$.Execution.Id'),
      ),
    });
    task.addCatch(fail, { errors: [States.ALL], resultPath: '$.notifyError' });
    task.next(fail);
    return task;
  };
  const unrecognized = notifyThen(
    new sfn.Fail(scope, 'Trigger names no mirror set', {
      error: Errors.INVALID_INPUT,
      cause:
        `Expected a "${BECAME_PRIMARY}" event with detail.mirrorSet, a no-healthy-host alarm of a mirror set, ` +
        'or {"mirrorSet": "<name>"}',
    }),
    'Notify trigger names no mirror set',
    'names no mirror set',
  );
  const unknownSet = notifyThen(
    new sfn.Fail(scope, 'Mirror set is not configured', {
      error: Errors.UNKNOWN_MIRROR_SET,
      cause: `The trigger names a mirror set this workflow does not know (configured: ${deps.sets.map((s) => s.name).join(', ')})`,
    }),
    'Notify mirror set is not configured',
    `names a mirror set this workflow does not know (configured: ${deps.sets.map((s) => s.name).join(', ')})`,
  );

  // ── Probe (read-only), then lock ──────────────────────────────────────────────────────────────────────
  const probe = (id: string) => {
    // The function is the set's own (in the set's VPC), so its name comes from the set's settings (`$.set`, also
    // carried into the healthy wait's iterations).
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
    task.addRetry(throttlingRetry(task));
    return task;
  };
  /** True when the last probe found exactly one SUCCESS, and it is the member this round switches to. */
  const stillOnlyPrimary = sfn.Condition.and(
    sfn.Condition.numberEquals(`${PROBE}.primaryCount`, 1),
    sfn.Condition.stringEqualsJsonPath(`${PROBE}.primary`, `${SWITCH}.primary`),
  );
  const firstProbe = probe('Probe the mirror members');
  // Before the lock there is nothing to release: record that the set needs a person, tell the operators and fail.
  firstProbe.addCatch(recordNotStarted, onFailure);

  // ── The lock; an execution that finds it held hands its event to the holder ─────────────────────────────
  const alreadySwitching = new sfn.Succeed(scope, 'Mirror set is already being switched', {
    comment:
      'Another execution holds the mirror set and carries this event: it cannot release the lock without ' +
      're-probing after the hand-off mark this execution wrote',
  });
  const startCountingLockAttempts = new sfn.Pass(scope, 'Start counting lock attempts', {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: '$.lockAttempts',
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
  // One conditional write on the lock's item, true only while another execution holds a live lease (the exact
  // opposite of takeLock's condition at the same "now"): the holder's release is conditional on this mark's
  // absence, so the holder re-probes after it (see "Clear the hand-off mark").
  const handOff = new tasks.DynamoUpdateItem(scope, 'Hand the event to the lock holder', {
    table: deps.table,
    key: { [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(setKey) },
    updateExpression: 'SET #handOff = :execution',
    conditionExpression: 'attribute_exists(#owner) AND #expiresAt >= :now',
    expressionAttributeNames: {
      '#handOff': HAND_OFF_ATTRIBUTE,
      '#owner': LOCK_ATTRIBUTES.owner,
      '#expiresAt': LOCK_ATTRIBUTES.expiresAt,
    },
    expressionAttributeValues: {
      ':execution': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Name')),
      ':now': tasks.DynamoAttributeValue.numberFromString(
        sfn.JsonPath.format('{}', sfn.JsonPath.stringAt(`${PROBE}.nowEpoch`)),
      ),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  handOff.addRetry(throttlingRetry(handOff));
  // Setting the same mark again finds it set: safe to retry after a lost response.
  handOff.addRetry(IDEMPOTENT_WRITE_RETRY);
  const countLockAttempt = new sfn.Pass(scope, 'Count the lock attempts', {
    parameters: { 'attempts.$': 'States.MathAdd($.lockAttempts.attempts, 1)' },
    resultPath: '$.lockAttempts',
  });
  const busy = new sfn.Pass(scope, 'Mirror set lock keeps changing hands', {
    parameters: {
      Error: Errors.MIRROR_SET_BUSY,
      Cause: `The mirror set lock was released or taken between each of ${MAX_LOCK_ATTEMPTS} attempts to take it or to hand this event to its holder; nothing was changed`,
    },
    resultPath: '$.failure',
  }).next(recordNotStarted);
  lock.addCatch(handOff, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  lock.addCatch(recordNotStarted, onFailure);
  handOff.addCatch(countLockAttempt, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  handOff.addCatch(recordNotStarted, onFailure);
  handOff.next(alreadySwitching);
  countLockAttempt.next(
    new sfn.Choice(scope, 'May the lock be tried again?')
      .when(sfn.Condition.numberGreaterThan('$.lockAttempts.attempts', MAX_LOCK_ATTEMPTS), busy)
      .otherwise(lock),
  );

  // ── Rounds: each one probes under the lock, switches, and re-probes before it may release ──────────────
  const startCountingRounds = new sfn.Pass(scope, 'Start counting rounds', {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: '$.rounds',
  });
  const startCounting = new sfn.Pass(scope, 'Start counting probes', {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: '$.probes',
  });
  const roundProbe = probe('Probe the mirror members under the lock');
  roundProbe.addCatch(recordNeedsAttention, onFailure);
  const countRound = new sfn.Pass(scope, 'Count the round', {
    parameters: { 'attempts.$': 'States.MathAdd($.rounds.attempts, 1)' },
    resultPath: '$.rounds',
  });
  // Every "the primary is not the member just chosen" goes round again, up to MAX_SWITCH_ROUNDS rounds.
  const goRound = countRound;

  // ── Exactly one SUCCESS, or probe again with backoff until the deadline ─────────────────────────────────
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
    `States.Format('Several members answered SUCCESS until the deadline ({}); nothing was registered or deregistered in this round. Last probe: {}', ${PROBE}.primaries, ${PROBE}.summary)`,
  );
  const noPrimary = failWith(
    'No member answers SUCCESS',
    Errors.NO_PRIMARY,
    `States.Format('No member answered SUCCESS until the deadline; nothing was registered or deregistered in this round. Last probe: {}', ${PROBE}.summary)`,
  );
  const gaveUp = new sfn.Choice(scope, 'Do several members answer SUCCESS?')
    .when(sfn.Condition.numberGreaterThanEquals(`${PROBE}.primaryCount`, 2), ambiguous)
    .otherwise(noPrimary);

  // ── Read the targets, then switch: deregister the others, register the primary (never two at once) ───────
  const choose = new sfn.Pass(scope, 'Choose the member to switch to', {
    parameters: { 'primary.$': `${PROBE}.primary` },
    resultPath: SWITCH,
  });
  const plan = lambdaTask(scope, 'Read the registered targets', {
    fn: deps.planFunction,
    idempotent: true,
    payload: {
      'primary.$': `${SWITCH}.primary`,
      'members.$': `${SET}.memberIds`,
      'targetGroupArns.$': `${SET}.targetGroupArns`,
    },
    resultPath: '$.plan',
  });
  // Reading the targets changes nothing: a slow or lost answer is tried again before the run escalates (otherwise one
  // slow DescribeTargetHealth leaves traffic on a member that is no longer primary; found by the fault campaign).
  plan.addRetry(LOST_RESPONSE_RETRY);
  plan.addCatch(recordNeedsAttention, onFailure);

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

  // Immediately before each change: is the chosen member still the only one answering SUCCESS?
  const probeBeforeDeregistering = probe('Probe before deregistering');
  probeBeforeDeregistering.addCatch(recordNeedsAttention, onFailure);
  const probeBeforeRegistering = probe('Probe before registering the primary');
  probeBeforeRegistering.addCatch(recordNeedsAttention, onFailure);

  // ── Wait until the primary is healthy; while it is not (yet), re-probe before each next check ──────────
  const waitHealthy = new sfn.Map(scope, 'Wait until the primary is healthy in each target group', {
    itemsPath: `${SET}.targetGroupArns`,
    itemSelector: {
      'targetGroupArn.$': '$$.Map.Item.Value',
      'instanceId.$': `${SWITCH}.primary`,
      'maxChecks.$': `${SET}.healthyChecks`,
      // What the probe reads (as `$.set`, like the main path): the set's probe function and members.
      set: {
        'name.$': `${SET}.name`,
        'members.$': `${SET}.members`,
        'probeFunctionArn.$': `${SET}.probeFunctionArn`,
        'probeTimeoutSeconds.$': `${SET}.probeTimeoutSeconds`,
      },
    },
    maxConcurrency: 4,
    resultPath: sfn.JsonPath.DISCARD,
  });
  const readHealth = new AwsCall(scope, 'Read the primary health', {
    service: 'elasticloadbalancingv2',
    action: 'describeTargetHealth',
    parameters: { 'TargetGroupArn.$': '$.targetGroupArn', Targets: [{ 'Id.$': '$.instanceId' }] },
    policy: [new iam.PolicyStatement({ actions: ['elasticloadbalancing:DescribeTargetHealth'], resources: ['*'] })],
    // The whole TargetHealth (State, and Reason unless healthy): a few dozen bytes.
    resultSelector: {
      'state.$': '$.TargetHealthDescriptions[0].TargetHealth.State',
      'target.$': '$.TargetHealthDescriptions[0].TargetHealth',
    },
    resultPath: '$.health',
  });
  failIterationOnError(scope, readHealth, 'Primary health not readable');
  const startHealthChecks = new sfn.Pass(scope, 'Start checking primary healthy', {
    result: sfn.Result.fromObject({ attempts: 1 }),
    resultPath: '$.polls.healthy',
  });
  const waitHealthCheck = new sfn.Wait(scope, 'Wait before checking primary healthy', {
    time: sfn.WaitTime.duration(HEALTHY_POLL_INTERVAL),
  });
  const countHealthCheck = new sfn.Pass(scope, 'Count check of primary healthy', {
    parameters: { 'attempts.$': 'States.MathAdd($.polls.healthy.attempts, 1)' },
    resultPath: '$.polls.healthy',
  });
  const checksPerRegistrationWait = REGISTRATION_POLL_INTERVAL.toSeconds() / HEALTHY_POLL_INTERVAL.toSeconds();
  const waitRegistration = new sfn.Wait(scope, 'Wait while the load balancer registers the primary', {
    time: sfn.WaitTime.duration(REGISTRATION_POLL_INTERVAL),
  });
  const countRegistrationWait = new sfn.Pass(scope, 'Count the registration wait as checks of primary healthy', {
    parameters: { 'attempts.$': `States.MathAdd($.polls.healthy.attempts, ${checksPerRegistrationWait})` },
    resultPath: '$.polls.healthy',
  });
  const probeWhileUnhealthy = probe('Probe while the primary is not healthy yet');
  probeWhileUnhealthy.addCatch(
    new sfn.Fail(scope, 'Members not probed while waiting', { errorPath: '$.error.Error', causePath: '$.error.Cause' }),
    { errors: [States.ALL], resultPath: '$.error' },
  );
  const primaryMoved = new sfn.Fail(scope, 'The primary moved while waiting', {
    error: Errors.PRIMARY_MOVED,
    cause: 'The member registered as primary no longer is the only one answering SUCCESS',
  });
  const isMemberStillPrimary = new sfn.Choice(scope, 'Is the registered member still the only primary?')
    .when(
      sfn.Condition.and(
        sfn.Condition.numberEquals(`${PROBE}.primaryCount`, 1),
        sfn.Condition.stringEqualsJsonPath(`${PROBE}.primary`, '$.instanceId'),
      ),
      waitHealthCheck,
    )
    .otherwise(primaryMoved);
  const isHealthy = new sfn.Choice(scope, 'Is primary healthy?')
    .when(sfn.Condition.stringEquals('$.health.state', 'healthy'), new sfn.Succeed(scope, 'Primary is healthy'))
    .when(
      sfn.Condition.numberGreaterThanEqualsJsonPath('$.polls.healthy.attempts', '$.maxChecks'),
      new sfn.Fail(scope, 'Primary never became healthy', {
        error: Errors.PRIMARY_NOT_HEALTHY,
        cause: 'The primary was registered but not healthy in its target group within the healthy timeout',
      }),
    )
    // While the load balancer registers the member (minutes on an NLB) it sends it nothing: wait longer, without
    // probing; the probes resume with its first health checks, and the release re-probes in any case.
    .when(
      sfn.Condition.and(
        sfn.Condition.isPresent('$.health.target.Reason'),
        sfn.Condition.stringEquals('$.health.target.Reason', 'Elb.RegistrationInProgress'),
      ),
      waitRegistration,
    )
    .otherwise(probeWhileUnhealthy);
  probeWhileUnhealthy.next(isMemberStillPrimary);
  waitHealthCheck.next(countHealthCheck).next(readHealth).next(isHealthy);
  waitRegistration.next(countRegistrationWait).next(readHealth);
  waitHealthy.itemProcessor(startHealthChecks.next(readHealth));

  // The healthy wait gave up: re-probe, and go round if the primary moved; escalate only if it did not.
  const probeAfterHealthWait = probe('Probe after the healthy wait failed');
  probeAfterHealthWait.addCatch(recordNeedsAttention, onFailure);
  waitHealthy.addCatch(goRound, { errors: [Errors.PRIMARY_MOVED], resultPath: '$.failure' });
  waitHealthy.addCatch(probeAfterHealthWait, { errors: [Errors.PRIMARY_NOT_HEALTHY], resultPath: '$.failure' });
  waitHealthy.addCatch(recordNeedsAttention, onFailure);
  probeAfterHealthWait.next(
    new sfn.Choice(scope, 'Is the chosen member still the only primary after the healthy wait?')
      .when(stillOnlyPrimary, recordNeedsAttention)
      .otherwise(goRound),
  );

  // ── Before releasing: clear the hand-off mark, probe once more, release only if nothing moved ───────────
  const clearHandOff = new tasks.DynamoUpdateItem(scope, 'Clear the hand-off mark', {
    table: deps.table,
    key: { [STATE_TABLE_KEYS.partitionKey]: tasks.DynamoAttributeValue.fromString(setKey) },
    updateExpression: 'REMOVE #handOff',
    conditionExpression: '#owner = :me',
    expressionAttributeNames: { '#handOff': HAND_OFF_ATTRIBUTE, '#owner': LOCK_ATTRIBUTES.owner },
    expressionAttributeValues: {
      ':me': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id')),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
  });
  clearHandOff.addRetry(throttlingRetry(clearHandOff));
  clearHandOff.addRetry(IDEMPOTENT_WRITE_RETRY);
  clearHandOff.addCatch(recordNeedsAttention, onFailure);
  const probeBeforeReleasing = probe('Probe before releasing the lock');
  probeBeforeReleasing.addCatch(recordNeedsAttention, onFailure);

  // ── Record, release (unless an event was handed over meanwhile), notify ──────────────────────────────────
  const recordSwitch = releaseUnlessHandedOff(scope, 'Record the switch', {
    table: deps.table,
    key: setKey,
    set: [
      '#state = :state',
      '#primary = :primary',
      '#previous = :previous',
      '#switchedBy = :execution',
      '#trigger = :trigger',
      '#switchStartedAt = :startedAt',
      '#rounds = :rounds',
      '#lastError = :none',
    ],
    names: {
      '#state': 'state',
      '#primary': 'primaryInstanceId',
      '#previous': 'previousInstanceIds',
      '#switchedBy': 'switchedBy',
      '#trigger': 'trigger',
      '#switchStartedAt': 'switchStartedAt',
      '#rounds': 'rounds',
      '#lastError': 'lastError',
    },
    values: {
      ':state': tasks.DynamoAttributeValue.fromString('ACTIVE'),
      ':primary': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(`${SWITCH}.primary`)),
      ':previous': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.changed.previous')),
      ':execution': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Name')),
      ':trigger': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.trigger')),
      ':startedAt': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.StartTime')),
      ':rounds': tasks.DynamoAttributeValue.numberFromString(
        sfn.JsonPath.format('{}', sfn.JsonPath.stringAt('$.rounds.attempts')),
      ),
      ':none': tasks.DynamoAttributeValue.fromString('none'),
    },
  });
  recordSwitch.addCatch(goRound, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: '$.failure' });
  recordSwitch.addCatch(recordNeedsAttention, onFailure);
  const notifySwitched = notify(scope, 'Notify mirror failover complete', {
    topic: deps.topic,
    subject: 'ha-workflows: mirror failover complete',
    message: sfn.JsonPath.format(
      'Mirror set {} ({}): the load balancer now sends traffic to the primary {} only (before: {}).',
      sfn.JsonPath.stringAt(`${SET}.name`),
      sfn.JsonPath.stringAt('$.trigger'),
      sfn.JsonPath.stringAt(`${SWITCH}.primary`),
      sfn.JsonPath.stringAt('$.changed.previous'),
    ),
  });
  const switched = new sfn.Succeed(scope, 'Traffic follows the new primary');
  notifySwitched.addCatch(switched, { errors: [States.ALL], resultPath: '$.notifyError' });

  const recordChecked = releaseUnlessHandedOff(scope, 'Record targets already correct', {
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
      ':primary': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(`${SWITCH}.primary`)),
      ':execution': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Name')),
      ':none': tasks.DynamoAttributeValue.fromString('none'),
    },
  });
  recordChecked.addCatch(goRound, { errors: [Aws.DYNAMODB_CONDITION_FAILED], resultPath: '$.failure' });
  recordChecked.addCatch(recordNeedsAttention, onFailure);
  const alreadyCorrect = new sfn.Succeed(scope, 'Targets already point at the primary');
  recordChecked.next(alreadyCorrect);

  // ── Out of rounds: leave no member that is not primary registered, then escalate ────────────────────────
  const probeBeforeGivingUp = probe('Probe before giving up');
  probeBeforeGivingUp.addCatch(recordNeedsAttention, onFailure);
  const keepsMoving = failWith(
    'The primary keeps moving',
    Errors.PRIMARY_KEEPS_MOVING,
    `States.Format('The primary moved again after each of ${MAX_SWITCH_ROUNDS} switches; members that were not primary at the last probe were deregistered. Last probe: {}', ${PROBE}.summary)`,
  );
  const planGivingUp = lambdaTask(scope, 'Read the targets before giving up', {
    fn: deps.planFunction,
    idempotent: true,
    payload: {
      'primary.$': `${PROBE}.primary`,
      'members.$': `${SET}.memberIds`,
      'targetGroupArns.$': `${SET}.targetGroupArns`,
    },
    resultPath: '$.plan',
  });
  planGivingUp.addRetry(LOST_RESPONSE_RETRY);
  planGivingUp.addCatch(recordNeedsAttention, onFailure);
  const deregisterGivingUp = forEachItem(scope, 'Deregister the members that are not primary before giving up', {
    itemsPath: `${PLAN}.deregister`,
    task: new AwsCall(scope, 'Deregister a member that is not primary before giving up', {
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
    }),
    failStateId: 'Member not deregistered before giving up',
  });
  deregisterGivingUp.addCatch(recordNeedsAttention, onFailure);
  probeBeforeGivingUp.next(
    new sfn.Choice(scope, 'Does exactly one member answer SUCCESS before giving up?')
      .when(sfn.Condition.numberEquals(`${PROBE}.primaryCount`, 1), planGivingUp)
      .otherwise(keepsMoving),
  );
  planGivingUp.next(deregisterGivingUp).next(keepsMoving);

  // ── Wiring ─────────────────────────────────────────────────────────────────────────────────────────────
  countRound.next(
    new sfn.Choice(scope, 'May the workflow go round again?')
      .when(sfn.Condition.numberGreaterThan('$.rounds.attempts', MAX_SWITCH_ROUNDS), probeBeforeGivingUp)
      .otherwise(startCounting),
  );
  const onePrimary = new sfn.Choice(scope, 'Does exactly one member answer SUCCESS?')
    .when(sfn.Condition.numberEquals(`${PROBE}.primaryCount`, 1), choose)
    .when(sfn.Condition.numberGreaterThanEqualsJsonPath('$.probes.attempts', `${SET}.maxProbes`), gaveUp)
    .otherwise(countProbe);
  countProbe.next(waitToProbe).next(probeAgain).next(onePrimary);
  startCounting.next(roundProbe).next(onePrimary);
  choose.next(plan);

  const rememberPrevious = new sfn.Pass(scope, 'Remember the targets before the first change', {
    parameters: { 'previous.$': `${PLAN}.previous` },
    resultPath: '$.changed',
  });
  const firstChange = new sfn.Choice(scope, 'Is this the first change?')
    .when(sfn.Condition.isPresent('$.changed'), probeBeforeDeregistering)
    .otherwise(rememberPrevious);
  rememberPrevious.next(probeBeforeDeregistering);
  plan.next(
    new sfn.Choice(scope, 'Do the targets need to change?')
      .when(sfn.Condition.booleanEquals(`${PLAN}.changes`, true), firstChange)
      .otherwise(clearHandOff),
  );
  probeBeforeDeregistering.next(
    new sfn.Choice(scope, 'Is the chosen member still the only primary before deregistering?')
      .when(stillOnlyPrimary, deregister)
      .otherwise(goRound),
  );
  deregister.next(probeBeforeRegistering);
  probeBeforeRegistering.next(
    new sfn.Choice(scope, 'Is the chosen member still the only primary before registering?')
      .when(stillOnlyPrimary, register)
      .otherwise(goRound),
  );
  register.next(waitHealthy).next(clearHandOff);
  clearHandOff.next(probeBeforeReleasing);
  probeBeforeReleasing.next(
    new sfn.Choice(scope, 'Is the chosen member still the only primary before releasing?')
      .when(
        stillOnlyPrimary,
        new sfn.Choice(scope, 'Did this execution change the targets?')
          .when(sfn.Condition.isPresent('$.changed'), recordSwitch)
          .otherwise(recordChecked),
      )
      .otherwise(goRound),
  );
  recordSwitch.next(notifySwitched).next(switched);

  firstProbe.next(startCountingLockAttempts).next(lock).next(startCountingRounds).next(startCounting);

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

/**
 * Records the set's state and releases the lock, only if this execution still holds it AND no other execution handed
 * an event over since the last "Clear the hand-off mark": one conditional write, so an event handed over after the
 * last probe makes it fail with `DynamoDB.ConditionalCheckFailedException` (go round).
 */
function releaseUnlessHandedOff(scope: Construct, id: string, props: ReleaseProps): tasks.DynamoUpdateItem {
  return releaseLock(scope, id, {
    ...props,
    condition: 'attribute_not_exists(#handOff)',
    names: { '#handOff': HAND_OFF_ATTRIBUTE, ...props.names },
  });
}
