/**
 * instance-recovery, drilled end to end: each scenario in test/scenarios/instance-recovery/ runs the synthesized
 * state machine (the example configuration's app) and its real Lambda tasks against the simulated region. The
 * scenario files carry their own `expect` block; these tests check that it holds and then look closer at the
 * final environment and the executions where a predicate cannot say enough.
 */
import * as path from 'node:path';
import { loadScenario } from '../../local/scenario/load';
import { endState, secondsUntil, statesEntered } from '../../local/engine/timeline';
import { synthesize } from '../../cli/template';
import { loadConfig } from '../../infra/config/load';
import { drill } from '../../local/drill';
import { WORKFLOW_METADATA_KEY } from '../../contracts/metadata';
import type { ExecutionResult } from '../../local/engine/runner';
import { resolveStateMachines } from '../../local/template';
import { FENCED_BY_TAG, REPLACES_TAG } from '../../contracts/tags';
import { LOCK_ATTRIBUTES } from '../../workflows/fragments';
import { Aws, Errors } from '../../contracts/errors';
import { PUBLISH, silentFails } from './silent-fails';
import { type DrilledEnvironment, DrilledScenario, unwrapped } from '../harness/drilled';

const SCENARIOS = path.join(__dirname, '..', 'scenarios', 'instance-recovery');
const EXAMPLE_CONFIG = path.join(__dirname, '..', '..', 'infra', 'config', 'example.json');

/** The world every scenario starts from (test/scenarios/instance-recovery.json). */
const FAILED = 'i-0123456789abcdef0';
const GROUP_TAG = 'ha-workflows:recovery-group';
const GROUP_KEY = 'GROUP#app-1';
const APP_SECURITY_GROUP = 'sg-0aaaaaaaaaaaaaaa1';
const TARGET_GROUP = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app-1/0123456789abcdef';
const FAILED_ZONE = 'eu-west-1a';
const DENY_ALL_DESCRIPTION = 'ha-workflows fence: no inbound and no outbound traffic';
const BOOT_DESCRIPTION = 'ha-workflows replacement during boot: no inbound, HTTPS outbound only';

/** What the state machine ends in when the group is recovered / needs an operator. */
const RECOVERED = 'Recovery complete';
const RECOVERY_FAILED = 'Recovery failed';
const SUBJECT_RECOVERED = 'ha-workflows: instance recovered';
const SUBJECT_NEEDS_ATTENTION = 'ha-workflows: instance recovery NEEDS ATTENTION';

// ── The final environment, typed as far as these tests read it ─────────────────────────────────────────
interface Ec2Instance {
  readonly instanceId: string;
  readonly state: string;
  readonly availabilityZone: string;
  readonly imageId: string;
  readonly instanceType: string;
  readonly keyName?: string;
  readonly securityGroupIds: readonly string[];
  readonly iamInstanceProfile?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly ssmOnline: boolean;
}
interface Writer {
  readonly instanceId: string;
  readonly from: string;
  readonly to: string | null;
}
interface Alarm {
  readonly AlarmName: string;
  readonly AlarmDescription?: string;
  readonly MetricName: string;
  readonly Dimensions: readonly { readonly Name: string; readonly Value: string }[];
  readonly Threshold: number;
  readonly ComparisonOperator: string;
  readonly EvaluationPeriods: number;
  readonly Period: number;
  readonly AlarmActions: readonly string[];
  readonly OKActions: readonly string[];
}
interface Environment extends DrilledEnvironment {
  readonly ec2: {
    readonly instances: readonly Ec2Instance[];
    readonly securityGroups: readonly { readonly groupId: string; readonly description: string }[];
    readonly writers: readonly Writer[];
  };
  readonly cloudwatch: { readonly alarms: readonly Alarm[] };
}

/** The state table the workflow locks and records in: the one "Take the group lock" names in the template. */
let stateTableName: string;
/** The example app's primary site, synthesized once (drills of many seeds reuse it). */
let primarySite: NonNullable<ReturnType<typeof synthesize>['primary']>;
/** The instance-recovery state machine's ASL. */
let definition: { StartAt: string; States: Record<string, AslState> };

interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly Next: string }[];
  readonly ItemProcessor?: { readonly States: Record<string, AslState> };
  readonly Parameters?: Record<string, unknown>;
}
/** `healthyTimeoutMinutes` of the example configuration (its default when unset), in seconds. */
let healthyTimeoutSeconds: number;

beforeAll(() => {
  const site = synthesize(EXAMPLE_CONFIG).primary;
  if (!site) throw new Error('the example configuration has no primary stack');
  primarySite = site;
  const machine = resolveStateMachines(site.template, site.env).find(
    (m) => m.resource.Metadata?.[WORKFLOW_METADATA_KEY] === 'instance-recovery',
  );
  const states = machine?.definition.States as Record<string, { Parameters?: { TableName?: string } }> | undefined;
  const tableName = states?.['Take the group lock']?.Parameters?.TableName;
  if (!tableName) throw new Error('no "Take the group lock" state with a TableName in the instance-recovery machine');
  stateTableName = tableName;
  definition = machine!.definition as unknown as typeof definition;
  const minutes = loadConfig(EXAMPLE_CONFIG).instanceRecovery?.healthyTimeoutMinutes;
  if (minutes === undefined) throw new Error('the example configuration has no instanceRecovery section');
  healthyTimeoutSeconds = minutes * 60;
});

/** One drilled scenario, with the instance-recovery readers the tests check. */
class Drilled extends DrilledScenario<Environment> {
  static readonly scenarios = SCENARIOS;

  /** The scenario drilled with another seed (the app synthesized once for all seeds). */
  static async withSeed(name: string, seed: number): Promise<Drilled> {
    const scenario = loadScenario(path.join(SCENARIOS, `${name}.json`));
    return new Drilled(await drill(scenario, { template: primarySite.template, env: primarySite.env, seed }));
  }

  /** The failed instance's own record (written by a recovery that failed before it held the group lock). */
  get instanceItem(): Record<string, string> | undefined {
    return this.stateItem(`INSTANCE#${FAILED}`);
  }

  instance(id: string): Ec2Instance {
    const found = this.env.ec2.instances.find((i) => i.instanceId === id);
    if (!found) throw new Error(`no instance ${id} in the final environment`);
    return found;
  }

  /** Every instance launched to replace the failed one, whatever its state. */
  get replacements(): Ec2Instance[] {
    return this.env.ec2.instances.filter((i) => i.tags[REPLACES_TAG] === FAILED);
  }

  /** The one replacement; fails the test when there is none or more than one. */
  get replacement(): Ec2Instance {
    expect(this.replacements.map((i) => i.instanceId)).toHaveLength(1);
    return this.replacements[0];
  }

  get denyAllGroupId(): string {
    const group = this.env.ec2.securityGroups.find((g) => g.description === DENY_ALL_DESCRIPTION);
    if (!group) throw new Error('the stack provisioned no deny-all security group');
    return group.groupId;
  }

  get bootGroupId(): string {
    const group = this.env.ec2.securityGroups.find((g) => g.description === BOOT_DESCRIPTION);
    if (!group) throw new Error('the stack provisioned no boot security group');
    return group.groupId;
  }

  /** The group's item in the state table, attribute values unwrapped; undefined when none was written. */
  get groupItem(): Record<string, string> | undefined {
    return this.stateItem(GROUP_KEY);
  }

  /** An item of the workflow's state table, attribute values unwrapped; undefined when none was written. */
  stateItem(key: string): Record<string, string> | undefined {
    const item = this.stateTable.items.find((i) => i.pk?.S === key);
    return item && unwrapped(item);
  }

  get stateTable(): Environment['dynamodb']['tables'][number] {
    const table = this.env.dynamodb.tables.find((t) => t.tableName === stateTableName);
    if (!table) throw new Error(`state table ${stateTableName} is not in the final environment`);
    return table;
  }

  targets(targetGroupArn = TARGET_GROUP) {
    return this.targetsOf(targetGroupArn);
  }

  alarm(name: string): Alarm | undefined {
    return this.env.cloudwatch.alarms.find((a) => a.AlarmName === name);
  }
}

/** The SDK-integration calls an execution made, as `service:Action`. */
function apiCalls(execution: ExecutionResult): string[] {
  return execution.timeline.filter((e) => e.kind === 'api').map((e) => e.detail);
}

const isAwsTag = (key: string) => key.toLowerCase().startsWith('aws:');

describe('instance-recovery scenarios', () => {
  describe('happy path: a failed status check in eu-west-1a', () => {
    let drilled: Drilled;
    beforeAll(async () => {
      // GIVEN group app-1's single node in eu-west-1a with user tags, a key pair, an instance profile, its
      //       security group and a healthy target in the app-1 target group
      // WHEN  its status-check alarm enters ALARM
      drilled = await Drilled.of('happy-path');
    });

    it('succeeds in "Recovery complete" and every expectation of the scenario holds', () => {
      // THEN
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(endState(drilled.execution(0))).toBe(RECOVERED);
      expect(drilled.failedExpectations).toEqual([]);
    });

    it('launches exactly one replacement, in the preferred subnet of another zone', () => {
      // THEN
      const replacement = drilled.replacement;
      expect(replacement.state).toBe('running');
      expect(replacement.availabilityZone).toBe('eu-west-1b');
      expect(replacement.availabilityZone).not.toBe(FAILED_ZONE);
    });

    it('carries over the AMI, instance type, key pair, instance profile and security groups (after unfencing)', () => {
      // THEN
      const failed = drilled.instance(FAILED);
      const replacement = drilled.replacement;
      expect(replacement.imageId).toBe(failed.imageId);
      expect(replacement.instanceType).toBe(failed.instanceType);
      expect(replacement.keyName).toBe('ops');
      expect(replacement.iamInstanceProfile).toBe('arn:aws:iam::123456789012:instance-profile/app-1');
      expect(replacement.securityGroupIds).toEqual([APP_SECURITY_GROUP]);
    });

    it('carries over the user tags and the group tag, never an aws: tag, and links the replacement to the failed instance', () => {
      // THEN
      const { tags } = drilled.replacement;
      expect(tags).toMatchObject({
        Name: 'app-1',
        Environment: 'production',
        CostCenter: 'cc-4711',
        [GROUP_TAG]: 'app-1',
        [REPLACES_TAG]: FAILED,
      });
      expect(Object.keys(tags).filter(isAwsTag)).toEqual([]);
      expect(tags).not.toHaveProperty(FENCED_BY_TAG);
    });

    it('never has two writers: the replacement writes only from its unfence, after the failed instance is terminated', () => {
      // THEN  the writers timeline has the failed instance up to its termination, then the replacement
      const writers = drilled.env.ec2.writers;
      const failed = writers.filter((w) => w.instanceId === FAILED);
      const replacement = writers.filter((w) => w.instanceId === drilled.replacement.instanceId);
      expect(failed).toHaveLength(1);
      expect(replacement).toHaveLength(1);
      expect(failed[0].to).not.toBeNull();
      expect(Date.parse(replacement[0].from)).toBeGreaterThanOrEqual(Date.parse(failed[0].to!));
      expect(replacement[0].to).toBeNull();
      expect(drilled.result.expectations).toContainEqual(
        expect.objectContaining({ description: 'never two writers at any moment', ok: true }),
      );
    });

    it('launches the replacement with the boot group only, so that its SSM agent can come online during boot', () => {
      // GIVEN the launch request the workflow sent
      const launch = drilled.result.calls
        .filter((c) => c.action === 'RunInstances')
        .map((c) => c.input as { DryRun?: boolean; SecurityGroupIds?: string[] })
        .find((input) => input.DryRun !== true);
      // THEN it names the VPC's boot group (no ingress, HTTPS egress), not the deny-all group
      expect(launch?.SecurityGroupIds).toEqual([drilled.bootGroupId]);
      expect(drilled.replacement.ssmOnline).toBe(true);
    });

    it('fences, marks and terminates the failed instance', () => {
      // THEN
      const failed = drilled.instance(FAILED);
      expect(failed.state).toBe('terminated');
      expect(failed.securityGroupIds).toEqual([drilled.denyAllGroupId]);
      expect(failed.tags[FENCED_BY_TAG]).toBe(drilled.execution(0).name);
    });

    it('fences and terminates the failed instance before the replacement is unfenced or takes traffic', () => {
      // THEN  the replacement launches fenced and is unfenced only once the failed instance is confirmed gone
      const states = statesEntered(drilled.execution(0));
      const order = [
        'Swap in deny-all security group',
        'Deregister failed instance',
        'Terminate failed instance',
        'Launch replacement',
        'Read failed instance state',
        'Unfence replacement',
        'Register replacement',
        'Record recovery complete',
      ].map((state) => states.indexOf(state));
      expect(order).not.toContain(-1);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    it('moves the target: the replacement is healthy, the failed instance is draining', () => {
      // THEN
      const targets = drilled.targets();
      expect(targets.find((t) => t.id === drilled.replacement.instanceId)?.state).toBe('healthy');
      const old = targets.find((t) => t.id === FAILED);
      expect(old?.state).toBe('draining');
      expect(old?.deregisteredAt).toBeDefined();
    });

    it('records the group ACTIVE on the replacement and releases the lock', () => {
      // THEN
      const item = drilled.groupItem;
      expect(item).toMatchObject({
        state: 'ACTIVE',
        instanceId: drilled.replacement.instanceId,
        previousInstanceId: FAILED,
        availabilityZone: 'eu-west-1b',
      });
      expect(item).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
      expect(item).not.toHaveProperty(LOCK_ATTRIBUTES.expiresAt);
    });

    it('publishes one summary naming the failed instance and its replacement', () => {
      // THEN
      expect(drilled.messages).toHaveLength(1);
      const [summary] = drilled.messages;
      expect(summary.subject).toBe(SUBJECT_RECOVERED);
      expect(summary.message).toContain(FAILED);
      expect(summary.message).toContain(drilled.replacement.instanceId);
    });

    it('recovers in under 110 modeled seconds with 5 Lambda invocations (the check before terminating is one, the outcome the last)', () => {
      // THEN  about a minute of it is the wait for the failed instance to be terminated (the fence's confirmation);
      //       the replacement is healthy at the ALB's first passing check (default interval 30 s)
      expect(secondsUntil(drilled.execution(0), RECOVERED)).toBeLessThan(110);
      expect(drilled.result.modeledSeconds).toBeLessThan(110);
      expect(drilled.result.lambdaInvocations).toBe(5);
    });

    it('checks that a replacement can be launched before it terminates the only instance', () => {
      // THEN  the check (AMI, type offering, DryRun launch) ran after the fence and before the termination
      const states = statesEntered(drilled.execution(0));
      expect(states.indexOf('Check a replacement can be launched')).toBeGreaterThan(
        states.indexOf('Swap in deny-all security group'),
      );
      expect(states.indexOf('Check a replacement can be launched')).toBeLessThan(
        states.indexOf('Terminate failed instance'),
      );
      const calls = drilled.result.calls.map((c) => [c.action, (c.input as { DryRun?: boolean }).DryRun]);
      expect(calls).toEqual(
        expect.arrayContaining([
          ['DescribeImages', undefined],
          ['DescribeInstanceTypeOfferings', undefined],
          ['RunInstances', true],
          ['RunInstances', false],
        ]),
      );
    });

    it('unfences the replacement only once the failed instance is terminated, not merely shutting-down', () => {
      // THEN  the termination takes a minute in the latency model: the unfence comes after it
      const execution = drilled.execution(0);
      const shuttingDownSeconds = 60;
      expect(secondsUntil(execution, 'Unfence replacement')).toBeGreaterThanOrEqual(
        secondsUntil(execution, 'Terminate failed instance') + shuttingDownSeconds,
      );
    });
  });

  describe('AZ outage', () => {
    it('launches the replacement outside the impaired zone of the failed instance', async () => {
      // GIVEN eu-west-1a, where the node runs, is impaired from the start
      // WHEN  the node's status-check alarm fires
      const drilled = await Drilled.of('az-outage');
      // THEN  exactly one replacement runs, elsewhere, and nothing was ever launched in eu-west-1a
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.replacement.state).toBe('running');
      expect(drilled.replacement.availabilityZone).not.toBe(FAILED_ZONE);
      expect(
        drilled.env.ec2.instances.filter((i) => i.availabilityZone === FAILED_ZONE).map((i) => i.instanceId),
      ).toEqual([FAILED]);
    });
  });

  describe("the load balancer's zones", () => {
    it('launches the replacement only in a zone the load balancer is enabled in, not the preferred one', async () => {
      // GIVEN the group's ALB is enabled in eu-west-1a and eu-west-1c; the preferred subnet is in eu-west-1b
      // WHEN  the node's status-check alarm fires
      const drilled = await Drilled.of('load-balancer-zones');
      // THEN  one replacement, in eu-west-1c, healthy in the target group (in eu-west-1b it would stay unused)
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.replacement.availabilityZone).toBe('eu-west-1c');
      expect(drilled.env.ec2.instances.filter((i) => i.availabilityZone === 'eu-west-1b')).toEqual([]);
    });
  });

  describe('capacity', () => {
    it('moves on to the next zone when the first candidate zone has no capacity', async () => {
      // GIVEN RunInstances in eu-west-1b (the preferred subnet) fails with InsufficientInstanceCapacity
      // WHEN  the node's status-check alarm fires
      const drilled = await Drilled.of('capacity-first-zone');
      // THEN  the one replacement runs in eu-west-1c, and no instance exists in eu-west-1b
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.replacement.availabilityZone).toBe('eu-west-1c');
      expect(drilled.env.ec2.instances.filter((i) => i.availabilityZone === 'eu-west-1b')).toEqual([]);
      expect(drilled.groupItem).toMatchObject({ state: 'ACTIVE', instanceId: drilled.replacement.instanceId });
    });

    describe('when no candidate zone has capacity', () => {
      let drilled: Drilled;
      beforeAll(async () => {
        // GIVEN RunInstances fails with InsufficientInstanceCapacity in eu-west-1b and Unsupported in eu-west-1c
        // WHEN  the node's status-check alarm fires
        drilled = await Drilled.of('capacity-all-zones');
      });

      it('fails with NoCapacityInAnyZone', () => {
        // THEN
        expect(drilled.result.status).toBe('FAILED');
        expect(drilled.result.error).toBe(Errors.NO_CAPACITY_IN_ANY_ZONE);
        expect(endState(drilled.execution(0))).toBe(RECOVERY_FAILED);
        expect(drilled.failedExpectations).toEqual([]);
      });

      it('records NEEDS_ATTENTION with the error and releases the lock', () => {
        // THEN
        const item = drilled.groupItem;
        expect(item).toMatchObject({
          state: 'NEEDS_ATTENTION',
          lastError: Errors.NO_CAPACITY_IN_ANY_ZONE,
          failedInstanceId: FAILED,
          replacementInstanceId: 'none',
        });
        expect(item).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
      });

      it('leaves the failed instance fenced; it was terminated before the launch was tried', () => {
        // THEN  the definition fences, deregisters and terminates before it launches; nothing unfences it
        const failed = drilled.instance(FAILED);
        expect(failed.securityGroupIds).toEqual([drilled.denyAllGroupId]);
        expect(failed.tags[FENCED_BY_TAG]).toBe(drilled.execution(0).name);
        expect(['shutting-down', 'terminated']).toContain(failed.state);
        expect(statesEntered(drilled.execution(0))).not.toContain('Unfence replacement');
      });

      it('orphans nothing: no replacement instance exists', () => {
        // THEN
        expect(drilled.replacements).toEqual([]);
        expect(drilled.env.ec2.instances.map((i) => i.instanceId)).toEqual([FAILED]);
      });

      it('tells the operators that the group needs attention, and why', () => {
        // THEN
        expect(drilled.messages).toHaveLength(1);
        expect(drilled.messages[0].subject).toBe(SUBJECT_NEEDS_ATTENTION);
        expect(drilled.messages[0].message).toContain(Errors.NO_CAPACITY_IN_ANY_ZONE);
      });
    });
  });

  describe('exactly-once effect from at-least-once triggers', () => {
    it('launches exactly one replacement for a duplicated alarm event started together', async () => {
      // GIVEN EventBridge delivers the same alarm event twice
      // WHEN  both executions start at the same moment
      const drilled = await Drilled.of('duplicate-event-together');
      // THEN  the first recovers; the second loses the group lock and ends quietly without launching anything
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.execution(0).status).toBe('SUCCEEDED');
      expect(endState(drilled.execution(0))).toBe(RECOVERED);
      const second = drilled.execution(1);
      expect(second.status).toBe('SUCCEEDED');
      expect(endState(second)).toBe('Recovery already handled');
      expect(statesEntered(second)).toEqual([
        'Read the trigger',
        'Take instance from alarm',
        'Inspect failed instance',
        'Is the instance protected?',
        'Take the group lock',
        'Recovery already handled',
      ]);
      expect(second.timeline.filter((e) => e.kind === 'state' && e.state === 'Take the group lock')).toContainEqual(
        expect.objectContaining({ detail: 'failed DynamoDB.ConditionalCheckFailedException' }),
      );
      expect(apiCalls(second)).toEqual([]);
      expect(second.lambdaInvocations).toBe(1);
      expect(drilled.replacement.state).toBe('running');
      expect(drilled.messages).toHaveLength(1);
    });

    it('launches nothing for a duplicate alarm event delivered after the recovery finished', async () => {
      // GIVEN the same alarm event is delivered again
      // WHEN  the second execution starts after the first has finished
      const drilled = await Drilled.of('duplicate-event-after-previous');
      // THEN  the failed instance is already fenced, so the second ends quietly, having changed nothing
      expect(drilled.failedExpectations).toEqual([]);
      expect(endState(drilled.execution(0))).toBe(RECOVERED);
      const second = drilled.execution(1);
      expect(second.status).toBe('SUCCEEDED');
      expect(endState(second)).toBe('Instance is not protected');
      expect(apiCalls(second)).toEqual([]);
      expect(second.lambdaInvocations).toBe(1);
      expect(drilled.replacement.state).toBe('running');
      expect(drilled.groupItem).toMatchObject({ state: 'ACTIVE', instanceId: drilled.replacement.instanceId });
      expect(drilled.messages).toHaveLength(1);
    });

    it('recovers once when an alarm and an EC2 stopped event arrive for one instance at once', async () => {
      // GIVEN the fault script stopped the node and its application alarm fired
      // WHEN  the alarm event and the EC2 stopped state change start two executions together
      const drilled = await Drilled.of('alarm-and-stopped-together');
      // THEN  one recovers; the other ends quietly and launches nothing
      expect(drilled.failedExpectations).toEqual([]);
      const ends = drilled.result.executions.map(endState);
      expect(ends).toEqual([RECOVERED, 'Recovery already handled']);
      expect(drilled.result.executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(statesEntered(drilled.execution(1))).not.toContain('Launch replacement');
      expect(drilled.replacement.state).toBe('running');
      expect(drilled.messages).toHaveLength(1);
    });
  });

  describe('an unprotected instance', () => {
    it('ends quietly in "Instance is not protected" and changes nothing', async () => {
      // GIVEN an instance without the recovery-group tag next to the protected node
      // WHEN  its status-check alarm fires
      const drilled = await Drilled.of('unprotected-instance');
      // THEN  the execution succeeds at once
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(endState(drilled.execution(0))).toBe('Instance is not protected');
      expect(drilled.failedExpectations).toEqual([]);
      // AND   the only AWS call made is the inspection's read (no RunInstances, TerminateInstances, Modify*, …)
      expect(apiCalls(drilled.execution(0))).toEqual([]);
      expect(drilled.result.lambdaInvocations).toBe(1);
      expect(drilled.result.apiCalls).toBe(1);
      // AND   both instances are as they were, nothing was launched, recorded or published
      expect(drilled.instance('i-0fedcba9876543210')).toMatchObject({
        state: 'running',
        securityGroupIds: [APP_SECURITY_GROUP],
        tags: { Name: 'bastion' },
      });
      expect(drilled.instance(FAILED)).toMatchObject({ state: 'running', securityGroupIds: [APP_SECURITY_GROUP] });
      expect(drilled.instance(FAILED).tags).not.toHaveProperty(FENCED_BY_TAG);
      expect(drilled.env.ec2.instances).toHaveLength(2);
      expect(drilled.stateTable.items).toEqual([]);
      expect(drilled.messages).toEqual([]);
      expect(drilled.targets().map((t) => [t.id, t.state])).toEqual([[FAILED, 'healthy']]);
    });
  });

  describe('throttling', () => {
    it('still launches exactly one replacement when every EC2 action is throttled twice', async () => {
      // GIVEN the first two calls of every EC2 action the workflow and its Lambda tasks make fail with
      //       RequestLimitExceeded (HTTP 503); the Lambda tasks' clients retry like the SDK (3 attempts)
      // WHEN  the node's status-check alarm fires
      const drilled = await Drilled.of('throttled-ec2');
      // THEN  the recovery succeeds with one replacement
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(endState(drilled.execution(0))).toBe(RECOVERED);
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.replacement.state).toBe('running');
      expect(drilled.groupItem).toMatchObject({ state: 'ACTIVE', instanceId: drilled.replacement.instanceId });
      // AND   the Lambda tasks' SDK clients absorbed their throttling; the state machine's Retry absorbed the SDK tasks'
      const timeline = drilled.execution(0).timeline;
      const failedWith = (state: string, error: string) =>
        timeline.filter((e) => e.kind === 'state' && e.state === state && e.detail === `failed ${error}`).length;
      const retried = new Set(timeline.filter((e) => e.kind === 'retry').map((e) => e.state));
      for (const lambdaTask of ['Inspect failed instance', 'Launch replacement']) {
        expect(failedWith(lambdaTask, 'RequestLimitExceeded')).toBe(0);
      }
      // (the first RunInstances calls are the check's DryRun: throttled twice, then DryRunOperation)
      const launches = drilled.result.calls.filter((c) => c.action === 'RunInstances');
      expect(launches.map((c) => [(c.input as { DryRun?: boolean }).DryRun, c.error])).toEqual([
        [true, 'RequestLimitExceeded'],
        [true, 'RequestLimitExceeded'],
        [true, 'DryRunOperation'],
        [false, undefined],
      ]);
      for (const sdkTask of ['Swap in deny-all security group', 'Terminate failed instance', 'Unfence replacement']) {
        expect(failedWith(sdkTask, 'Ec2.Ec2Exception')).toBe(2);
        expect(retried).toContain(sdkTask);
      }
      expect(timeline.filter((e) => e.kind === 'catch')).toEqual([]);
    });
  });

  describe('a replacement that never becomes healthy', () => {
    let drilled: Drilled;
    beforeAll(async () => {
      // GIVEN every instance launched in eu-west-1b or eu-west-1c runs but never passes a health check
      // WHEN  the node's status-check alarm fires
      drilled = await Drilled.of('replacement-never-healthy');
    });

    it('fails with ReplacementNotHealthy after a bounded wait', () => {
      // THEN  it gave up after about the configured healthy timeout: the timeout, plus the steps before the
      //       health wait (~68 s, most of it the wait for the failed instance to be terminated) and each health
      //       poll's own API latency (~120 × 0.3 s)
      expect(drilled.result.status).toBe('FAILED');
      expect(drilled.result.error).toBe(Errors.REPLACEMENT_NOT_HEALTHY);
      expect(endState(drilled.execution(0))).toBe(RECOVERY_FAILED);
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.result.modeledSeconds).toBeGreaterThanOrEqual(healthyTimeoutSeconds);
      expect(drilled.result.modeledSeconds).toBeLessThan(healthyTimeoutSeconds + 140);
    });

    it('records NEEDS_ATTENTION, releases the lock and notifies the operators', () => {
      // THEN
      const item = drilled.groupItem;
      expect(item).toMatchObject({
        state: 'NEEDS_ATTENTION',
        lastError: Errors.REPLACEMENT_NOT_HEALTHY,
        replacementInstanceId: drilled.replacement.instanceId,
      });
      expect(item).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
      expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
      expect(drilled.messages[0].message).toContain(`Replacement: ${drilled.replacement.instanceId}.`);
    });

    it('leaves the replacement tracked (group and replaces tags), not orphaned', () => {
      // THEN
      const replacement = drilled.replacement;
      expect(replacement.tags).toMatchObject({ [GROUP_TAG]: 'app-1', [REPLACES_TAG]: FAILED });
      expect(replacement.availabilityZone).not.toBe(FAILED_ZONE);
    });
  });

  describe('every failure path notifies the operators', () => {
    it('leads every Catch of every state, transitively, to a notification before any Fail', () => {
      // GIVEN the synthesized state machine
      const states = definition.States;
      // WHEN every Catch of every top-level state is followed (but a notification's own Catch: it was tried, and
      //      a notification that cannot be sent must not hide the failure)
      const silent = Object.entries(states)
        .filter(([, state]) => state.Resource !== PUBLISH)
        .flatMap(([name, state]) =>
          (state.Catch ?? []).flatMap((c) => silentFails(states, c.Next).map((p) => [name, ...p].join(' → '))),
        );
      // THEN none reaches a Fail state without publishing to the operators' topic first
      expect(silent).toEqual([]);
    });

    it('gives every Task and Map a Catch for States.ALL (a state inside a Map fails its iteration to the Map)', () => {
      const uncaught = Object.entries(definition.States)
        .filter(([, s]) => s.Type === 'Task' || s.Type === 'Map')
        .filter(([, s]) => !(s.Catch ?? []).some((c) => c.ErrorEquals.includes('States.ALL')))
        .map(([name]) => name);
      expect(uncaught).toEqual([]);
      for (const map of Object.values(definition.States).filter((s) => s.Type === 'Map')) {
        for (const [name, inner] of Object.entries(map.ItemProcessor?.States ?? {})) {
          if (inner.Type === 'Task') expect([name, (inner.Catch ?? []).length > 0]).toEqual([name, true]);
        }
      }
    });

    it("records a failure before the lock on the instance's own item, never on the group item a holder owns", () => {
      // THEN  "Record recovery not started" writes INSTANCE#<id>, unconditionally and without a TTL attribute
      const record = definition.States['Record recovery not started'];
      expect(record.Resource).toBe('arn:aws:states:::dynamodb:updateItem');
      const parameters = record.Parameters as {
        Key: { pk: { 'S.$': string } };
        UpdateExpression: string;
        ConditionExpression?: string;
      };
      expect(parameters.Key.pk['S.$']).toContain('INSTANCE#');
      expect(parameters.Key.pk['S.$']).not.toContain('GROUP#');
      expect(parameters.ConditionExpression).toBeUndefined();
      expect(parameters.UpdateExpression).not.toContain(LOCK_ATTRIBUTES.expiresAt);
    });
  });

  describe('an operator stops the recovery while it holds the group lock', () => {
    let drilled: Drilled;
    beforeAll(async () => {
      // GIVEN the recovery of group app-1 took the group lock
      // WHEN  an operator stops it (StopExecution) as it swaps in the deny-all security group
      drilled = await Drilled.of('stopped-holding-lock');
    });

    it('ends ABORTED, and the lock janitor releases the lock and leaves the group NEEDS_ATTENTION', () => {
      // THEN  every expectation of the scenario holds (nothing-orphaned, ends-recovered-or-escalated)
      expect(drilled.result.status).toBe('ABORTED');
      expect(drilled.failedExpectations).toEqual([]);
      // AND   the group item has no owner and no lease, and names the stopped execution
      expect(drilled.groupItem).toMatchObject({ state: 'NEEDS_ATTENTION' });
      expect(drilled.groupItem).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
      expect(drilled.groupItem).not.toHaveProperty(LOCK_ATTRIBUTES.expiresAt);
      expect(drilled.groupItem?.lastError).toContain(`execution ${drilled.execution(0).name} ended ABORTED`);
    });

    it('tells the operators once, naming the execution and the lock it released', () => {
      // THEN
      expect(drilled.messages.map((m) => m.subject)).toEqual([
        'ha-workflows: an execution ended without its own cleanup',
      ]);
      expect(drilled.messages[0].message).toContain(drilled.execution(0).name);
      expect(drilled.messages[0].message).toContain('GROUP#app-1');
    });
  });

  describe.each([
    ['stopped-after-launch', 'after it launched the replacement'],
    ['stopped-during-launch', 'while its launch is in flight'],
  ])('an operator stops the recovery %s (found by the fault campaign)', (name, when) => {
    it(`names the replacement launched ${when} for the operators, and leaves it running`, async () => {
      // GIVEN the recovery of app-1 terminated the failed instance and launches its replacement
      // WHEN  an operator stops it, and the lock janitor cleans up
      const drilled = await Drilled.of(name);
      // THEN  the invariants hold (nothing-orphaned among them): the replacement is named, not terminated
      expect(drilled.result.status).toBe('ABORTED');
      expect(drilled.failedExpectations).toEqual([]);
      const replacement = drilled.replacement;
      expect(replacement.state).not.toMatch(/terminated|shutting-down/);
      expect(drilled.messages).toHaveLength(1);
      expect(drilled.messages[0].message).toContain(replacement.instanceId);
      expect(drilled.messages[0].message).toContain('replacementsLaunched');
      expect(drilled.groupItem).toMatchObject({ state: 'NEEDS_ATTENTION' });
    });
  });

  it('releases a stopped recovery’s lock although the janitor’s first release met a DynamoDB 500 (found by the fault campaign)', async () => {
    // GIVEN the recovery is stopped at 5 s holding the lock; a quarter of UpdateItem calls fail for 6 s
    // WHEN  the lock janitor cleans up
    const drilled = await Drilled.of('stopped-janitor-release-fails');
    // THEN  the release is retried: the lock is gone, the group NEEDS_ATTENTION, and the invariants hold
    expect(drilled.failedExpectations).toEqual([]);
    expect(drilled.groupItem).toMatchObject({ state: 'NEEDS_ATTENTION' });
    expect(drilled.groupItem).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
  });

  describe('no candidate subnet (a failure before the lock)', () => {
    let drilled: Drilled;
    beforeAll(async () => {
      // GIVEN only the failed zone has a subnet tagged for the group
      // WHEN  the node's status-check alarm fires
      drilled = await Drilled.of('no-candidate-subnet');
    });

    it('fails NoCandidateSubnet in "Recovery not started", having changed nothing', () => {
      // THEN
      expect(drilled.result.status).toBe('FAILED');
      expect(drilled.result.error).toBe(Errors.NO_CANDIDATE_SUBNET);
      expect(endState(drilled.execution(0))).toBe('Recovery not started');
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.instance(FAILED)).toMatchObject({ state: 'running', securityGroupIds: [APP_SECURITY_GROUP] });
      expect(drilled.replacements).toEqual([]);
    });

    it("records NEEDS_ATTENTION with the error and cause on the instance's item, leaving the group item alone", () => {
      // THEN
      expect(drilled.instanceItem).toMatchObject({
        state: 'NEEDS_ATTENTION',
        lastError: Errors.NO_CANDIDATE_SUBNET,
        executionId: expect.stringContaining(drilled.execution(0).name),
      });
      expect(drilled.instanceItem?.lastCause).toContain('No candidate subnet for recovery group');
      expect(drilled.groupItem).toBeUndefined();
    });

    it('tells the operators which instance could not be recovered, and why', () => {
      // THEN
      expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
      expect(drilled.messages[0].message).toContain(FAILED);
      expect(drilled.messages[0].message).toContain(Errors.NO_CANDIDATE_SUBNET);
      expect(drilled.messages[0].message).toContain('Nothing was changed');
    });
  });

  describe('half of every EC2 call throttled', () => {
    it('recovers with exactly one replacement for every one of 20 seeds', async () => {
      // GIVEN every EC2 action of the workflow and its Lambda tasks fails RequestLimitExceeded with probability 0.5
      const outcomes: string[] = [];
      for (let seed = 1; seed <= 20; seed++) {
        // WHEN  the node's status-check alarm fires, with this seed
        const drilled = await Drilled.withSeed('throttled-ec2-half', seed);
        // THEN  it recovers: one replacement, running, unfenced, recorded ACTIVE
        const replacements = drilled.replacements;
        const item = drilled.groupItem;
        outcomes.push(
          [
            `seed ${seed}`,
            drilled.result.status,
            drilled.result.error ?? '-',
            `${replacements.length} replacement(s)`,
            replacements.map((r) => `${r.state} ${r.securityGroupIds.join(',')}`).join(';'),
            item?.state === 'ACTIVE' && item.instanceId === replacements[0]?.instanceId ? 'recorded' : 'NOT recorded',
          ].join(' '),
        );
      }
      expect(outcomes).toEqual(
        Array.from(
          { length: 20 },
          (_, i) => `seed ${i + 1} SUCCEEDED - 1 replacement(s) running ${APP_SECURITY_GROUP} recorded`,
        ),
      );
    });
  });

  describe('a lost RunInstances response', () => {
    it('retries the launch, adopts the instance EC2 launched, and names it everywhere', async () => {
      // GIVEN EC2 launches the replacement but its response arrives after the launch function's timeout (110 s,
      //       before the task's 120 s: Lambda ends the function with Sandbox.Timedout)
      // WHEN  the node's status-check alarm fires
      const drilled = await Drilled.of('lost-launch-response');
      // THEN  the launch task timed out once, was retried, and exactly one replacement exists
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(drilled.failedExpectations).toEqual([]);
      const timeline = drilled.execution(0).timeline;
      expect(
        timeline.filter((e) => e.state === 'Launch replacement' && e.detail === 'failed Sandbox.Timedout'),
      ).toHaveLength(1);
      expect(timeline.filter((e) => e.kind === 'retry' && e.state === 'Launch replacement')).not.toEqual([]);
      const launches = drilled.result.calls.filter(
        (c) => c.action === 'RunInstances' && (c.input as { DryRun?: boolean }).DryRun !== true,
      );
      expect(launches).toHaveLength(1);
      const replacement = drilled.replacement;
      expect(replacement.state).toBe('running');
      // AND   the record and the notification name it
      expect(drilled.groupItem).toMatchObject({ state: 'ACTIVE', instanceId: replacement.instanceId });
      expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_RECOVERED]);
      expect(drilled.messages[0].message).toContain(replacement.instanceId);
    });

    it('names the replacement found by its tags when the recovery fails after a lost launch response', async () => {
      // GIVEN the launch's response is lost, and the retried launch task fails (its look-up is refused once)
      // WHEN  the node's status-check alarm fires
      const drilled = await Drilled.of('lost-launch-response-then-failure');
      // THEN  the recovery needs attention, and the record and the notification name the one replacement
      expect(drilled.result.status).toBe('FAILED');
      expect(drilled.failedExpectations).toEqual([]);
      const replacement = drilled.replacement;
      expect(statesEntered(drilled.execution(0))).toContain('Find replacement by its tags');
      expect(drilled.groupItem).toMatchObject({
        state: 'NEEDS_ATTENTION',
        replacementInstanceId: replacement.instanceId,
      });
      expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
      expect(drilled.messages[0].message).toContain(`Replacement: ${replacement.instanceId}.`);
    });
  });

  describe('the AMI was deregistered', () => {
    let drilled: Drilled;
    beforeAll(async () => {
      // GIVEN the node's AMI is deregistered
      // WHEN  the node's status-check alarm fires
      drilled = await Drilled.of('ami-deregistered');
    });

    it('fails ReplacementNotLaunchable and never terminates the only instance', () => {
      // THEN
      expect(drilled.result.status).toBe('FAILED');
      expect(drilled.result.error).toBe(Errors.REPLACEMENT_NOT_LAUNCHABLE);
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.instance(FAILED).state).toBe('running');
      expect(drilled.result.calls.filter((c) => c.action === 'TerminateInstances')).toEqual([]);
      expect(
        drilled.result.calls.filter((c) => c.action === 'RunInstances' && !(c.input as { DryRun?: boolean }).DryRun),
      ).toEqual([]);
      expect(drilled.replacements).toEqual([]);
    });

    it('leaves the instance fenced and deregistered, records NEEDS_ATTENTION and tells the operators', () => {
      // THEN
      const failed = drilled.instance(FAILED);
      expect(failed.securityGroupIds).toEqual([drilled.denyAllGroupId]);
      expect(failed.tags[FENCED_BY_TAG]).toBe(drilled.execution(0).name);
      expect(drilled.targets().find((t) => t.id === FAILED)?.state).toBe('draining');
      expect(drilled.groupItem).toMatchObject({
        state: 'NEEDS_ATTENTION',
        lastError: Errors.REPLACEMENT_NOT_LAUNCHABLE,
        failedInstanceId: FAILED,
        replacementInstanceId: 'none',
      });
      expect(drilled.groupItem).not.toHaveProperty(LOCK_ATTRIBUTES.owner);
      expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
      expect(drilled.messages[0].message).toContain('ami-0123456789abcdef0');
    });
  });

  describe('the fence is never confirmed', () => {
    let drilled: Drilled;
    beforeAll(async () => {
      // GIVEN the failed node stays shutting-down for two hours once terminated
      // WHEN  the node's status-check alarm fires
      drilled = await Drilled.of('fence-never-confirmed');
    });

    it('fails FenceUnconfirmed after a bounded wait, without unfencing or registering the replacement', () => {
      // THEN
      expect(drilled.result.status).toBe('FAILED');
      expect(drilled.result.error).toBe(Errors.FENCE_UNCONFIRMED);
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.result.modeledSeconds).toBeLessThan(30 * 60);
      const states = statesEntered(drilled.execution(0));
      expect(states).not.toContain('Unfence replacement');
      expect(states).not.toContain('Register replacement');
      const replacement = drilled.replacement;
      expect(replacement.securityGroupIds).toEqual([drilled.bootGroupId]);
      expect(drilled.targets().map((t) => t.id)).not.toContain(replacement.instanceId);
      expect(drilled.instance(FAILED).state).toBe('shutting-down');
    });

    it('records NEEDS_ATTENTION naming the replacement and tells the operators', () => {
      // THEN
      const replacement = drilled.replacement;
      expect(drilled.groupItem).toMatchObject({
        state: 'NEEDS_ATTENTION',
        lastError: Errors.FENCE_UNCONFIRMED,
        replacementInstanceId: replacement.instanceId,
      });
      expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
      expect(drilled.messages[0].message).toContain(`Replacement: ${replacement.instanceId}.`);
    });
  });

  describe('unfencing the replacement fails', () => {
    it('ends NEEDS_ATTENTION in bounded time, the replacement fenced, unregistered and named', async () => {
      // GIVEN every ModifyInstanceAttribute (the unfence) is refused with UnauthorizedOperation
      // WHEN  the node's status-check alarm fires
      const drilled = await Drilled.of('unfence-fails');
      // THEN
      expect(drilled.result.status).toBe('FAILED');
      expect(drilled.result.error).toBe(Aws.EC2);
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.result.modeledSeconds).toBeLessThan(30 * 60);
      const replacement = drilled.replacement;
      expect(replacement.securityGroupIds).toEqual([drilled.bootGroupId]);
      expect(drilled.targets().map((t) => t.id)).not.toContain(replacement.instanceId);
      expect(drilled.groupItem).toMatchObject({
        state: 'NEEDS_ATTENTION',
        lastError: Aws.EC2,
        replacementInstanceId: replacement.instanceId,
      });
      expect(drilled.messages.map((m) => m.subject)).toEqual([SUBJECT_NEEDS_ATTENTION]);
      expect(drilled.messages[0].message).toContain(`Replacement: ${replacement.instanceId}.`);
    });
  });

  describe('alarms', () => {
    it("recreates the failed instance's alarms for the replacement and deletes the old ones", async () => {
      // GIVEN the node has a status-check alarm named after its id and a CPU alarm that is not, both with actions;
      //       another instance has its own alarm
      // WHEN  the node's status-check alarm fires
      const drilled = await Drilled.of('alarms-carried-over');
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(drilled.failedExpectations).toEqual([]);
      const newId = drilled.replacement.instanceId;
      const topic = 'arn:aws:sns:eu-west-1:123456789012:app-1-oncall';
      // THEN  the status-check alarm exists under the new id's name, watching the replacement, thresholds kept
      expect(drilled.alarm(`app-1-${FAILED}-status-check`)).toBeUndefined();
      expect(drilled.alarm(`app-1-${newId}-status-check`)).toMatchObject({
        MetricName: 'StatusCheckFailed',
        Dimensions: [{ Name: 'InstanceId', Value: newId }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 2,
        Period: 60,
        AlarmActions: [topic],
      });
      // AND   the CPU alarm keeps its name and settings and now watches the replacement
      expect(drilled.alarm('app-1-cpu-high')).toMatchObject({
        AlarmDescription: 'app-1 CPU above 90 % for 15 minutes',
        Dimensions: [{ Name: 'InstanceId', Value: newId }],
        Threshold: 90,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 3,
        Period: 300,
        AlarmActions: [topic],
        OKActions: [topic],
      });
      // AND   no alarm watches the failed instance; the other instance's alarm is untouched
      const watching = (id: string) =>
        drilled.env.cloudwatch.alarms.filter((a) =>
          a.Dimensions.some((d) => d.Name === 'InstanceId' && d.Value === id),
        );
      expect(watching(FAILED)).toEqual([]);
      expect(watching('i-0fedcba9876543210').map((a) => a.AlarmName)).toEqual([
        'bastion-i-0fedcba9876543210-status-check',
      ]);
      expect(drilled.env.cloudwatch.alarms).toHaveLength(3);
    });
  });

  describe('triggers', () => {
    it('recovers an instance whose EC2 stopped state change arrives', async () => {
      // GIVEN the fault script stopped the node
      // WHEN  EventBridge delivers the EC2 stopped state change
      const drilled = await Drilled.of('stopped-event');
      // THEN  the recovery reads the instance from the state change and replaces it
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(endState(drilled.execution(0))).toBe(RECOVERED);
      expect(drilled.failedExpectations).toEqual([]);
      expect(statesEntered(drilled.execution(0))).toContain('Take instance from state change');
      expect(drilled.replacement.state).toBe('running');
      expect(drilled.instance(FAILED).state).toBe('terminated');
      expect(drilled.messages[0].message).toContain('EC2 Instance State-change Notification');
    });

    it('recovers the instance an operator names with { "instanceId": … }', async () => {
      // GIVEN the node
      // WHEN  an operator starts the state machine with its instance id
      const drilled = await Drilled.of('operator-input');
      // THEN  the recovery reads the instance from the input and replaces it
      expect(drilled.result.status).toBe('SUCCEEDED');
      expect(endState(drilled.execution(0))).toBe(RECOVERED);
      expect(drilled.failedExpectations).toEqual([]);
      expect(statesEntered(drilled.execution(0))).toContain('Take instance from input');
      expect(drilled.replacement.state).toBe('running');
      expect(drilled.messages[0].message).toContain('(operator)');
    });

    it('fails with InvalidInput, touching nothing but telling the operators, for a trigger that names no instance', async () => {
      // GIVEN an alarm event on a metric without InstanceId started by hand (the OnAlarm rule filters it), an
      //       EC2 state change without an instance id and an operator input with a misspelt key
      // WHEN  each starts an execution
      const drilled = await Drilled.of('event-without-instance');
      // THEN  each fails at once with InvalidInput in "Trigger names no instance"
      expect(drilled.failedExpectations).toEqual([]);
      expect(drilled.result.executions.map((e) => [e.status, e.error, endState(e)])).toEqual(
        Array.from({ length: 3 }, () => ['FAILED', Errors.INVALID_INPUT, 'Trigger names no instance']),
      );
      // AND   nothing was changed: the only call of each is the operators' notification naming the execution
      expect(drilled.result.lambdaInvocations).toBe(0);
      // (the lock janitor scans once per FAILED execution, finds nothing it holds and ends quietly)
      expect(drilled.result.calls.map((c) => `${c.service}:${c.action}`)).toEqual([
        ...Array(3).fill('sns:Publish'),
        ...Array(3).fill('dynamodb:Scan'),
      ]);
      expect(drilled.messages.map((m) => m.subject)).toEqual(
        Array(3).fill('ha-workflows: instance recovery started without an instance'),
      );
      drilled.result.executions.forEach((e, i) => expect(drilled.messages[i].message).toContain(e.executionArn));
      expect(drilled.replacements).toEqual([]);
      expect(drilled.stateTable.items).toEqual([]);
    });
  });

  describe("the account's EC2 request rates", () => {
    it('recovers twelve groups that fail in the same second, each once, retrying what the token buckets refuse', async () => {
      // GIVEN twelve single-node groups, the account's EC2 token buckets on (RunInstances: 5, refilling 2 a second)
      // WHEN all twelve status-check alarms fire at once
      const drilled = await Drilled.of('request-rates-twelve');
      // THEN every recovery succeeds with one replacement per group (the scenario's own expectations)
      expect(drilled.failedExpectations).toEqual([]);
      // AND the recoveries contended: EC2 refused some requests with RequestLimitExceeded, and they were retried
      const throttled = drilled.result.calls.filter((c) => c.error === 'RequestLimitExceeded');
      expect(throttled.length).toBeGreaterThan(0);
      expect(new Set(throttled.map((c) => c.action))).toContain('RunInstances');
    });
  });
});
