/**
 * Several workflows in one drill: the events a drill emits (an alarm's state change, an execution's status change,
 * a mirror member's become-primary hook) and the scenario's own events go through the synthesized EventBridge rules to the state machines they start.
 */
import * as path from 'node:path';
import { synthesize } from '../../cli/template';
import { drill } from '../../local/drill';
import type { EventDelivery } from '../../local/engine/eventbridge';
import { loadScenario } from '../../local/scenario/load';
import type { Scenario } from '../../local/scenario/schema';
import { type DrilledEnvironment, DrilledScenario } from '../harness/drilled';

const SCENARIOS = path.join(__dirname, '..', 'scenarios');
const EXAMPLE_CONFIG = path.join(__dirname, '..', '..', 'infra', 'config', 'example.json');
const ALARM = 'app-1-i-0123456789abcdef0-status-check';

interface Environment extends DrilledEnvironment {
  readonly events: { readonly rules: readonly string[]; readonly deliveries: readonly EventDelivery[] };
  readonly cloudwatch: { readonly stateChanges: readonly { at: number; alarmName: string; to: string }[] };
  readonly sfn: {
    readonly executions: readonly { executionArn: string; status: string; stoppedAt?: number }[];
  };
  readonly ssm: { readonly commands: readonly SsmCommand[] };
}

interface SsmCommand {
  readonly documentName: string;
  readonly invocations: readonly { readonly endedAt: number }[];
}

/** A drilled scenario of test/scenarios/multi-workflow/. */
class Drilled extends DrilledScenario<Environment> {
  static readonly scenarios = path.join(SCENARIOS, 'multi-workflow');
}

/** Synthesizing the two apps takes seconds (more on a busy machine): once, before the drills (cached by config). */
beforeAll(() => {
  synthesize(EXAMPLE_CONFIG);
  synthesize(path.join(__dirname, '..', 'fixtures', 'snapshot-backup-config.json'));
}, 180_000);

describe('multi-workflow drills', () => {
  it('an alarm that flaps during a recovery starts a second execution through the rule, which is a no-op', async () => {
    // GIVEN the status-check alarm goes to ALARM at 0 s, OK at 5 s and ALARM again at 10 s
    // WHEN  the scenario is drilled
    const drilled = await Drilled.of('alarm-flaps-during-recovery');
    // THEN  the scenario's expectations hold: one recovery, one replacement, the second execution quiet
    expect(drilled.failedExpectations).toEqual([]);
    // AND   each ALARM change was an event delivered to OnAlarm events.delivery (0.15 s) after it; OK started nothing
    expect(drilled.env.cloudwatch.stateChanges.map((c) => [c.at, c.to])).toEqual([
      [0, 'ALARM'],
      [5, 'OK'],
      [10, 'ALARM'],
    ]);
    const deliveries = drilled.env.events.deliveries;
    expect(deliveries.map((d) => [d.at, d.origin, d.rule.replace(/[0-9A-F]{8}$/, '')])).toEqual([
      [0.15, 'cloudwatch', 'InstanceRecoveryOnAlarm'],
      [10.15, 'cloudwatch', 'InstanceRecoveryOnAlarm'],
    ]);
    expect(drilled.result.executions.map((e) => e.executionArn)).toEqual(deliveries.map((d) => d.executionArn));
  });

  it('delivers one event twice (at-least-once): the duplicate, 30 s later, is a no-op', async () => {
    // GIVEN an alarm event delivered twice, 30 s apart (`times: 2`, `duplicateAfterSeconds: 30`)
    // WHEN  the scenario is drilled
    const drilled = await Drilled.of('duplicate-delivery');
    // THEN  one replacement; both deliveries carry the same event id, at 0 s and 30 s
    expect(drilled.failedExpectations).toEqual([]);
    const deliveries = drilled.env.events.deliveries;
    expect(deliveries.map((d) => d.at)).toEqual([0, 30]);
    expect(new Set(deliveries.map((d) => d.eventId)).size).toBe(1);
  });

  it('a backup whose thaws all fail ends FAILED, and its own status event starts the rescue, which thaws', async () => {
    // GIVEN every thaw the instance backup sends fails (5 attempts); the rescue's thaw works
    // WHEN  the scenario is drilled
    const drilled = await Drilled.of('thaw-fails-rescue-thaws');
    // THEN  the scenario's expectations hold (the run FAILED, six thaws, nothing frozen at the end)
    expect(drilled.failedExpectations).toEqual([]);
    // AND   the rescue started events.delivery after the child stopped, through OnInstanceBackupStopped
    const [delivery] = drilled.env.events.deliveries;
    expect(delivery.rule).toMatch(/^SnapshotBackupOnInstanceBackupStopped/);
    const run = drilled.result.executions[0].executionArn;
    const children = drilled.env.sfn.executions.filter((e) => e.status === 'FAILED' && e.executionArn !== run);
    expect(children).toHaveLength(1);
    expect(delivery.at).toBeCloseTo((children[0].stoppedAt ?? NaN) + 0.15, 3);
  });

  it("a mirror failover during a backup's freeze: the new primary's hook starts it through the rule, twice", async () => {
    // GIVEN member A is frozen by the backup when B becomes primary (7 s); B's hook runs twice, 20 s apart
    // WHEN  the scenario is drilled
    const drilled = await Drilled.of('failover-during-freeze');
    // THEN  the scenario's expectations hold: the backup thawed A, the failover moved the target, never two writers
    expect(drilled.failedExpectations).toEqual([]);
    // AND   the hook's events went through OnBecamePrimary events.delivery after each run, and started executions
    //       2 and 3 (numbered with the trigger, in starting order)
    const deliveries = drilled.env.events.deliveries;
    expect(deliveries.map((d) => [d.at, d.origin, d.rule.replace(/[0-9A-F]{8}$/, '')])).toEqual([
      [7.15, 'hook', 'MirrorFailoverOnBecamePrimary'],
      [27.15, 'hook', 'MirrorFailoverOnBecamePrimary'],
    ]);
    expect(new Set(deliveries.map((d) => d.eventId)).size).toBe(2);
    expect(drilled.result.executions.slice(1).map((e) => e.executionArn)).toEqual(
      deliveries.map((d) => d.executionArn),
    );
    // AND   A was frozen when B became primary: its freeze had ended, its thaw had not
    const commands = drilled.env.ssm.commands;
    const endOf = (document: string) => commands.find((c) => c.documentName.endsWith(document))!.invocations[0].endedAt;
    expect(endOf('iris-freeze')).toBeLessThan(7);
    expect(endOf('iris-thaw')).toBeGreaterThan(7);
    // AND   the timeline numbers the backup's child after the three triggered executions, never as one of them
    expect([...new Set(drilled.result.timeline.map((e) => e.execution))].sort()).toEqual([0, 1, 2, 3]);
    expect(
      drilled.result.timeline.filter((e) => e.execution === 3).some((e) => e.state === 'Freeze the database'),
    ).toBe(true);
  });

  describe('events no rule matches', () => {
    let site: { template: never; env: never };
    beforeAll(() => {
      site = synthesize(EXAMPLE_CONFIG).primary as never;
    });

    it('fails the drill naming the event and the rules tried (an alarm on a metric without InstanceId)', async () => {
      // GIVEN the event-without-instance scenario with its first trigger delivered by EventBridge, not by hand
      const scenario = structuredClone(
        loadScenario(path.join(SCENARIOS, 'instance-recovery', 'event-without-instance.json')),
      ) as Scenario & { triggers: Record<string, unknown>[] };
      const first = scenario.triggers[0];
      scenario.triggers = [{ ...first, event: first.input as Scenario['triggers'][number]['event'], input: undefined }];
      // WHEN it is drilled
      const run = drill(scenario, site);
      // THEN it fails: OnAlarm requires an InstanceId dimension, so EventBridge would start nothing
      await expect(run).rejects.toThrow(
        /trigger 1's event \(source "aws.cloudwatch", detail-type "CloudWatch Alarm State Change"\) matches no rule .*Rules tried: InstanceRecoveryOnAlarm/,
      );
    });

    it('refuses an alarm trigger that names an alarm the environment does not have', async () => {
      // GIVEN the flap scenario with a misspelt alarm name
      const scenario = structuredClone(
        loadScenario(path.join(SCENARIOS, 'multi-workflow', 'alarm-flaps-during-recovery.json')),
      );
      scenario.triggers[0] = { ...scenario.triggers[0], alarm: { name: `${ALARM}-typo`, state: 'ALARM', reason: 'x' } };
      // WHEN / THEN
      await expect(drill(scenario, site)).rejects.toThrow(
        /changes alarm ".*-typo", which environment.cloudwatch.alarms/,
      );
    });
  });
});
