/**
 * dr-promotion, drilled end to end: each scenario in test/scenarios/dr-promotion/ runs the DR stack's synthesized
 * state machine (the example configuration's app) and its real Lambda tasks against the simulated region. The
 * approval is settled by the scenario's `approvals`; "the primary region's API is down" is modeled as API faults
 * (503 ServiceUnavailable) on the EC2 calls the fence task makes (one simulated region per drill). The scenario files
 * carry their own `expect` block; these tests check that it holds and then look closer.
 */
import * as path from 'node:path';
import { synthesize } from '../../cli/template';
import { VirtualClock } from '../../local/clock';
import { buildWorld, drill } from '../../local/drill';
import { WORKFLOW_METADATA_KEY } from '../../contracts/metadata';
import { ScriptedApprovals } from '../../local/engine/approvals';
import { executionStatusEvent } from '../../local/engine/eventbridge';
import type { ExecutionRecord, StepFunctionsSimulator } from '../../local/engine/stepfunctions';
import { SimulatedRegion } from '../../local/region/region';
import type { CfnTemplate } from '../../local/template';
import { resolveStateMachines } from '../../local/template';
import { loadScenario } from '../../local/scenario/load';
import type { ApiCallRecord } from '../../local/region/region';
import type { Scenario } from '../../local/scenario/schema';
import { type DrilledEnvironment, DrilledScenario } from '../harness/drilled';
import { checkNeverTwoWriters, type WriterRow } from '../../local/region/writers';
import { secondsUntil } from '../../local/engine/timeline';
import { DR_PROMOTION_RELEASE } from '../../workflows/dr-promotion';
import { FORCE_STOP_AFTER_CHECKS } from '../../workflows/dr-promotion/definition';
import { Errors } from '../../contracts/errors';

const SCENARIOS = path.join(__dirname, '..', 'scenarios', 'dr-promotion');
const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const C = 'i-0ccccccccccccccc3';
const SET_KEY = 'MIRROR#db-1';
const PROMOTE_DOCUMENT = 'ha-workflows-eu-central-1-iris-promote';
const APPROVAL_SUBJECT = 'ha-workflows: APPROVE the DR promotion?';

/** One drilled scenario, with the dr-promotion readers the tests check. */
class Drilled extends DrilledScenario {
  static readonly scenarios = SCENARIOS;

  /** A scenario file changed by `change` before it is drilled (other timings than the file's). */
  static async changed(name: string, change: (s: Scenario) => void): Promise<Drilled> {
    const scenario = loadScenario(path.join(SCENARIOS, `${name}.json`));
    change(scenario);
    const site = synthesize(path.join(SCENARIOS, String(scenario.config))).dr!;
    return new Drilled(await drill(scenario, { template: site.template, env: site.env }));
  }

  /** The audit item of the first execution. */
  get audit(): Record<string, string> | undefined {
    const item = this.env.dynamodb.tables.flatMap((t) => t.items).find((i) => i.pk?.S?.startsWith('DR-PROMOTION#'));
    return item && this.item(item.pk.S!);
  }

  /** Calls that change something outside the state table and the topic. */
  get changes(): ApiCallRecord[] {
    return this.result.calls.filter(
      (c) =>
        ['StopInstances', 'ModifyInstanceAttribute', 'ModifyNetworkInterfaceAttribute', 'RegisterTargets'].includes(
          c.action,
        ) ||
        (c.action === 'SendCommand' && (c.input as { DocumentName?: string }).DocumentName === PROMOTE_DOCUMENT),
    );
  }
}

describe('dr-promotion scenarios', () => {
  it('promotes end to end after an approval: fence, promote, verify, switch, audit', async () => {
    // GIVEN the old site's database is down but its EC2 API answers, WHEN an operator approves after 5 minutes
    const d = await Drilled.of('approved');
    // THEN the scenario's expectations hold (DR member registered, old members stopped)
    expect(d.failedExpectations).toEqual([]);
    // AND the old members were fenced before the promotion command was sent
    const stops = d.calls('ec2', 'StopInstances');
    const promote = d
      .calls('ssm', 'SendCommand')
      .find((c) => (c.input as { DocumentName: string }).DocumentName === PROMOTE_DOCUMENT);
    expect(stops.length).toBeGreaterThan(0);
    expect(promote).toBeDefined();
    expect(d.result.calls.indexOf(stops[0])).toBeLessThan(d.result.calls.indexOf(promote!));
    // AND the promotion is recorded with who approved it, the lock released
    const set = d.item(SET_KEY);
    expect(set).toMatchObject({ drState: 'PROMOTED', promotedMember: C });
    expect(set?.approval).toContain('sam@example.com');
    expect(set?.owner).toBeUndefined();
    // AND the audit trail holds the request, the preflight and the approval
    expect(d.audit).toMatchObject({ outcome: 'PROMOTED', mirrorSet: 'db-1', member: C });
    // (read as text: the engine's JsonToString keeps inner quotes unescaped, see docs/workflows/dr-promotion.md)
    const trail = d.audit!.trail;
    expect(trail).toContain('"requestedBy":"jane@example.com"');
    expect(trail).toContain('"approvedBy":"sam@example.com"');
    expect(trail).toContain('last journal data received');
  });

  it('asks for approval with the preflight, the data-loss warning and the exact commands, token as an attribute', async () => {
    const d = await Drilled.of('approved');
    const ask = d.message(APPROVAL_SUBJECT);
    expect(ask?.message).toContain('loses every transaction');
    expect(ask?.message).toContain(`${A} UNREACHABLE`);
    expect(ask?.message).toContain('last journal data received');
    expect(ask?.message).toMatch(/ha-workflows approve arn:aws:states:eu-central-1:\S+ --region eu-central-1/);
    expect(ask?.message).toMatch(
      /ha-workflows reject arn:aws:states:eu-central-1:\S+ --region eu-central-1 .*--reason/,
    );
    expect(ask?.messageAttributes?.TaskToken?.StringValue).toBeTruthy();
  });

  it('changes nothing when the promotion is rejected', async () => {
    const d = await Drilled.of('rejected');
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.error).toBe(Errors.REJECTED);
    expect(d.changes).toEqual([]);
    expect(d.item(SET_KEY)).toMatchObject({ drLastError: 'Rejected' });
    expect(d.item(SET_KEY)?.owner).toBeUndefined();
    expect(d.audit?.outcome).toBe('FAILED');
  });

  it('fails with ApprovalTimedOut and changes nothing when nobody decides', async () => {
    const d = await Drilled.of('approval-never-comes');
    expect(d.failedExpectations).toEqual([]);
    expect(d.changes).toEqual([]);
  });

  it('stops with PrimaryStillActive without asking for approval when the old primary answers SUCCESS', async () => {
    const d = await Drilled.of('primary-still-active');
    expect(d.failedExpectations).toEqual([]);
    expect(d.message(APPROVAL_SUBJECT)).toBeUndefined();
    expect(d.changes).toEqual([]);
    expect(d.result.cause).toContain(A);
  });

  it('fails with FenceUnconfirmed, before promoting, when the primary region API is down', async () => {
    const d = await Drilled.of('primary-region-down');
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.cause).toContain(`not confirmed: ${A}, ${B}`);
    expect(d.result.cause).toContain('ServiceUnavailable');
    expect(d.calls('elasticloadbalancingv2', 'RegisterTargets')).toEqual([]);
  });

  it('force-stops old members stuck stopping on impaired hosts after FORCE_STOP_AFTER_CHECKS checks, then promotes', async () => {
    // GIVEN the old site's zones are impaired (a graceful stop stays stopping), WHEN the promotion is approved
    const d = await Drilled.of('old-member-stuck-stopping');
    // THEN it succeeds, the old members stopped, and never two writers (the scenario's expectations)
    expect(d.failedExpectations).toEqual([]);
    // AND the first stops were graceful; the forced ones came from the FORCE_STOP_AFTER_CHECKS-th check on
    const stops = d.calls('ec2', 'StopInstances').map((c) => c.input as { InstanceIds: string[]; Force?: boolean });
    expect(stops.slice(0, 2).map((s) => s.Force)).toEqual([undefined, undefined]);
    // (repeated on each later check while a member is still stopping: idempotent, and robust to a lost call)
    const forced = new Set(stops.filter((s) => s.Force === true).flatMap((s) => s.InstanceIds));
    expect([...forced].sort()).toEqual([A, B]);
    const checks = d.result.timeline.filter(
      (e) => e.kind === 'state' && e.state === 'Check the old site is fenced',
    ).length;
    expect(checks).toBeGreaterThan(FORCE_STOP_AFTER_CHECKS);
    // AND the promotion command was sent only after the forced stops
    const forcedCall = d.calls('ec2', 'StopInstances').find((c) => (c.input as { Force?: boolean }).Force === true);
    const promote = d
      .calls('ssm', 'SendCommand')
      .find((c) => (c.input as { DocumentName: string }).DocumentName === PROMOTE_DOCUMENT);
    expect(d.result.calls.indexOf(forcedCall!)).toBeLessThan(d.result.calls.indexOf(promote!));
  });

  it('fences an old member with two network interfaces on both, since EC2 refuses the instance-level swap', async () => {
    // GIVEN old member A has a second interface, WHEN the promotion is approved
    const d = await Drilled.of('old-member-two-interfaces');
    // THEN it succeeds with the deny-all group on both of A's interfaces (the scenario's expectations)
    expect(d.failedExpectations).toEqual([]);
    // AND every swap was per interface, before the promotion command
    expect(d.calls('ec2', 'ModifyInstanceAttribute')).toEqual([]);
    const swaps = d.calls('ec2', 'ModifyNetworkInterfaceAttribute');
    expect(swaps).toHaveLength(3);
    const promote = d
      .calls('ssm', 'SendCommand')
      .find((c) => (c.input as { DocumentName: string }).DocumentName === PROMOTE_DOCUMENT);
    expect(Math.max(...swaps.map((c) => d.result.calls.indexOf(c)))).toBeLessThan(d.result.calls.indexOf(promote!));
  });

  it('promotes with the fence recorded as unconfirmed when allowUnfenced is set', async () => {
    const d = await Drilled.of('primary-region-down-allow-unfenced');
    expect(d.failedExpectations).toEqual([]);
    const trail = d.audit!.trail;
    expect(trail).toContain(`"allConfirmed":false`);
    expect(trail).toContain(`"unconfirmed":"${A}, ${B}"`);
    // AND the writers timeline shows what the operator accepted: the unfenced old primary and the promoted member
    // both write from the promotion on (this scenario therefore does not set expect.neverTwoWriters)
    const writers = (d.result.environment.ec2 as { writers: WriterRow[] }).writers;
    const overlap = checkNeverTwoWriters(writers, true);
    expect(overlap.ok).toBe(false);
    expect(overlap.detail).toMatch(new RegExp(`^(${A} and ${C}|${C} and ${A}) both write from`));
  });

  it('fails with PromotionFailed naming the exit code, and leaves traffic untouched, when the command fails', async () => {
    const d = await Drilled.of('promotion-fails');
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.cause).toContain('exit code 3');
    expect(d.result.cause).toContain('ERROR #2000');
    expect(d.calls('elasticloadbalancingv2', 'RegisterTargets')).toEqual([]);
  });

  it('fails with InvalidInput listing every problem, and changes nothing', async () => {
    const d = await Drilled.of('invalid-input');
    expect(d.failedExpectations).toEqual([]);
    for (const field of [
      'mirrorSet',
      'member',
      'reason',
      'requestedBy',
      'practice',
      'approvalTimeoutMinutes',
      'allowUnfenced',
      'force',
      'colour',
    ]) {
      expect(d.result.cause).toContain(`$.${field}:`);
    }
    // The promotion itself calls nothing; its FAILED status event starts the release machine, whose one conditional
    // write finds no lock of that execution to release (as on AWS).
    expect(d.result.executions[0].apiCalls).toBe(0);
    expect(d.result.calls.map((c) => `${c.service}:${c.action}`)).toEqual(['dynamodb:UpdateItem']);
    expect(d.result.calls[0].error).toBe('ConditionalCheckFailedException');
  });

  it('runs the checks and the approval in practice mode, describes the changes and makes none', async () => {
    const d = await Drilled.of('practice');
    expect(d.failedExpectations).toEqual([]);
    expect(d.changes).toEqual([]);
    expect(d.message(APPROVAL_SUBJECT)).toBeDefined();
    const done = d.message('ha-workflows: DR promotion practice run complete');
    expect(done?.message).toContain(`ec2:StopInstances InstanceIds=["${A}","${B}"]`);
    expect(done?.message).toContain(`ssm:SendCommand DocumentName=${PROMOTE_DOCUMENT} InstanceIds=["${C}"]`);
    expect(done?.message).toContain('elasticloadbalancing:RegisterTargets');
    // (the braces are escaped in the intrinsic literal, as AWS requires, and rendered plain)
    expect(done?.message).toContain(`Targets=[{"Id": "${C}"}]`);
    expect(d.item(SET_KEY)?.drState).toBeUndefined();
    expect(d.audit?.outcome).toBe('PRACTICE');
  });

  it('refuses a second start while one runs', async () => {
    const d = await Drilled.of('second-start');
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.executions[1].error).toBe(Errors.PROMOTION_IN_PROGRESS);
    expect(
      d
        .calls('ssm', 'SendCommand')
        .filter((c) => (c.input as { DocumentName: string }).DocumentName === PROMOTE_DOCUMENT),
    ).toHaveLength(1);
  });

  describe('only an explicit approval with a visible approver approves', () => {
    it.each([
      ['approval-says-not-approved', 'approved=false'],
      ['approval-blank-approver', 'approvedBy="  \\t "'],
      ['approval-zero-width-approver', 'approvedBy="\\u200B\\u2060\\uFEFF"'],
    ])('%s: ends ApprovalRejected, changes nothing, audits, releases and notifies', async (name, shown) => {
      // GIVEN an approval task output that does not approve (sent with SendTaskSuccess)
      const d = await Drilled.of(name);
      // THEN the scenario's expectations hold: nothing fenced, stopped, promoted or registered
      expect(d.failedExpectations).toEqual([]);
      expect(d.result.error).toBe(Errors.APPROVAL_REJECTED);
      expect(d.changes).toEqual([]);
      expect(d.calls('ec2', 'StopInstances')).toEqual([]);
      // AND the cause says what was wrong, the audit records the refusal, the lock is released
      expect(d.result.cause).toContain(shown);
      expect(d.audit?.outcome).toBe('FAILED');
      expect(d.audit?.trail).toContain('"decision":"ApprovalRejected"');
      expect(d.item(SET_KEY)).toMatchObject({ drLastError: 'ApprovalRejected' });
      expect(d.item(SET_KEY)?.owner).toBeUndefined();
      expect(d.message('ha-workflows: DR promotion did NOT complete')?.message).toContain('ApprovalRejected');
    });

    it.each([
      ['the string "true"', { approved: 'true', approvedBy: 'sam@example.com' }],
      ['no approver', { approved: true }],
      ['an empty object', {}],
      ['a bare string', 'yes'],
      ['null', null],
    ])('treats an output with %s as a rejection', async (_what, output) => {
      const d = await Drilled.changed('approved', (s) => {
        s.approvals = [{ decision: 'approve', afterSeconds: 60, output }];
      });
      expect(d.result.error).toBe(Errors.APPROVAL_REJECTED);
      expect(d.changes).toEqual([]);
      expect(d.item(SET_KEY)?.owner).toBeUndefined();
    });
  });

  describe('the old site is checked again right after the approval', () => {
    it('ends PrimaryStillActive when the old primary came back while the approval was pending', async () => {
      // GIVEN the old primary's database is down at the preflight and primary again 2 minutes into the wait
      const d = await Drilled.of('primary-returns-during-approval');
      // THEN the approval was asked (the preflight passed), and after it nothing changed
      expect(d.failedExpectations).toEqual([]);
      expect(d.message(APPROVAL_SUBJECT)?.message).toContain(`${A} FAILED (HTTP 503)`);
      expect(d.message(APPROVAL_SUBJECT)?.message).toContain('as of this request');
      expect(d.changes).toEqual([]);
      expect(d.result.cause).toContain(`${A} answers SUCCESS on its status page again`);
      // AND the audit item holds both checks: the preflight's and the one after the approval
      const trail = d.audit!.trail;
      expect(trail).toMatch(/"preflight":\{"value":\{"decision":"PROCEED"/);
      expect(trail).toMatch(/"recheck":\{"value":\{"decision":"PrimaryStillActive"/);
      expect(d.item(SET_KEY)?.owner).toBeUndefined();
      expect(d.message('ha-workflows: DR promotion did NOT complete')).toBeDefined();
    });

    it('ends PrimaryStillActive when the old primary comes back in the moment after the approval', async () => {
      // GIVEN when the approval arrives (found by a first drill), and the primary back a millisecond later
      const first = await Drilled.of('primary-returns-during-approval');
      const execution = first.result.executions[0];
      const settled = execution.timeline.find((e) => e.kind === 'approval' && e.detail === 'task token settled')!.at;
      expect(secondsUntil(execution, 'Check the approval and the old site again')).toBeGreaterThanOrEqual(settled);
      const d = await Drilled.changed('primary-returns-during-approval', (s) => {
        s.environment.ec2!.workloadChanges = [
          { instanceId: A, atSeconds: settled + 0.001, set: { mirrorRole: 'primary' } },
        ];
      });
      // THEN nothing is fenced, stopped or promoted
      expect(d.result.error).toBe(Errors.PRIMARY_STILL_ACTIVE);
      expect(d.changes).toEqual([]);
    });

    it('goes on when the input forces it (as the preflight does), recording the old primary as FORCED', async () => {
      const d = await Drilled.changed('primary-returns-during-approval', (s) => {
        (s.triggers[0].input as Record<string, unknown>).force = true;
      });
      expect(d.result.error).not.toBe(Errors.PRIMARY_STILL_ACTIVE);
      expect(d.calls('ec2', 'StopInstances').length).toBeGreaterThan(0);
      expect(d.audit?.trail).toContain('(FORCED)');
    });
  });

  it('fails with PromotionNotVerified, traffic untouched, lock released, when the promoted member never answers SUCCESS', async () => {
    const d = await Drilled.of('promoted-member-never-answers');
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.cause).toContain(`${C} did not answer SUCCESS`);
    expect(d.calls('elasticloadbalancingv2', 'RegisterTargets')).toEqual([]);
    expect(d.item(SET_KEY)?.owner).toBeUndefined();
    expect(d.item(SET_KEY)?.drState).toBeUndefined();
  });
});

describe('a promotion whose lock DynamoDB keeps throttling (found by the fault campaign)', () => {
  it('fails, changes nothing, and tells the operators', async () => {
    // GIVEN 75 % of UpdateItem calls are throttled for 11 s
    // WHEN  the operator's promotion tries to take the mirror set lock
    const d = await Drilled.of('lock-throttled');
    // THEN  the invariants hold: it failed with DynamoDB's own error, said so, and touched nothing
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.error).toBe('DynamoDB.RequestLimitExceededException');
    expect(d.env.sns.messages.map((m) => m.subject)).toContain('ha-workflows: DR promotion did NOT complete');
    expect(d.changes).toEqual([]);
  });
});

describe('a promotion that fails while SNS and DynamoDB fail too (found by the fault campaign)', () => {
  it('retries its failure audit trail, so the failed promotion is recorded though no notification goes out', async () => {
    // GIVEN SNS fails 80 % of publishes for 45 s; DynamoDB fails one PutItem in five for 8 s
    // WHEN  the operator's promotion asks for approval (the publish fails)
    const d = await Drilled.of('audit-write-fails-while-sns-fails');
    // THEN  the invariants hold: the audit item records the failure, and the lock is released
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.status).toBe('FAILED');
    expect(d.audit).toMatchObject({ outcome: 'FAILED' });
    expect(d.item(SET_KEY)?.owner).toBeUndefined();
    expect(d.changes).toEqual([]);
  });
});

describe('a promotion stopped before it holds the lock (found by the fault campaign)', () => {
  it('is announced once by the release machine, and its end recorded in its audit item', async () => {
    // GIVEN a promotion an operator stops at its first second, before the lock
    // WHEN  its ABORTED status event reaches the release machine
    const d = await Drilled.of('stopped-before-lock');
    // THEN  the invariants hold: one message says it ended, the audit item records it, nothing was changed
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.status).toBe('ABORTED');
    expect(d.env.sns.messages.map((m) => m.subject)).toEqual(['ha-workflows: DR promotion ended without finishing']);
    expect(d.audit).toMatchObject({ endedWith: 'ABORTED', lockReleasedBy: 'nothing: it held no lock when it ended' });
    expect(d.changes).toEqual([]);
  });
});

describe('every end of a promotion releases the mirror set lock', () => {
  const ASK = 'Ask an operator to approve the promotion';
  const APPROVE = { decision: 'approve' as const, afterSeconds: 60, output: { approved: true, approvedBy: 'sam' } };
  let site: NonNullable<ReturnType<typeof synthesize>['dr']>;
  let base: Scenario;
  beforeAll(() => {
    base = loadScenario(path.join(SCENARIOS, 'approved.json'));
    site = synthesize(path.join(SCENARIOS, String(base.config))).dr!;
  });

  /** The DR stack's world from approved.json; `stopAt` stops every promotion that enters that state. */
  function world(options: {
    approvals: Scenario['approvals'];
    stopAt?: string;
    template?: CfnTemplate;
    /** Approvals settled only by SendTaskSuccess / SendTaskFailure (as `local serve` does). */
    live?: boolean;
    /** The executions `stopAt` stops (default: every promotion). */
    stopOnly?: readonly string[];
    /** Let the engine deliver each ended execution's status event to the release rule (default: by hand here). */
    statusEvents?: boolean;
  }) {
    const template = options.template ?? site.template;
    const region = new SimulatedRegion({
      regionName: site.env.region,
      accountId: site.env.account,
      seed: 7,
      clock: new VirtualClock(),
    });
    const machines = resolveStateMachines(template, site.env);
    const arnOf = (w: string) => machines.find((m) => m.resource.Metadata?.[WORKFLOW_METADATA_KEY] === w)!.arn;
    const promotion = arnOf('dr-promotion');
    const sfn: StepFunctionsSimulator = buildWorld(region, template, site.env, base.environment, {
      // These tests deliver the status events by hand (also twice, and foreign ones) unless told otherwise.
      statusEvents: options.statusEvents ?? false,
      broker: options.live ? 'live' : new ScriptedApprovals(region, options.approvals),
      onTimeline: (execution, entry) => {
        if (
          options.stopAt &&
          execution.stateMachineArn === promotion &&
          (options.stopOnly ?? [execution.name]).includes(execution.name) &&
          entry.kind === 'state' &&
          entry.state === options.stopAt &&
          entry.detail.startsWith('entered')
        ) {
          void region.call('sfn', 'StopExecution', { executionArn: execution.executionArn, cause: 'Stopped by hand' });
        }
      },
    });
    const start = async (name: string, machine = promotion, input: unknown = base.triggers[0].input) => {
      const e = sfn.start(machine, JSON.stringify(input), name);
      await sfn.idle();
      return e;
    };
    /** The promotion's own status event, as EventBridge delivers it to the rule's target. */
    const statusEvent = (e: ExecutionRecord) => executionStatusEvent(e, region);
    const release = (input: unknown, name: string) => start(name, arnOf(DR_PROMOTION_RELEASE), input);
    const lock = () =>
      (region.snapshot().dynamodb as DrilledEnvironment['dynamodb']).tables
        .flatMap((t) => t.items)
        .find((i) => i.pk?.S === SET_KEY);
    const item = (key: string) =>
      (region.snapshot().dynamodb as DrilledEnvironment['dynamodb']).tables
        .flatMap((t) => t.items)
        .find((i) => i.pk?.S === key);
    const subjects = () => (region.snapshot().sns as DrilledEnvironment['sns']).messages.map((m) => m.subject);
    const releaseArn = arnOf(DR_PROMOTION_RELEASE);
    return { region, sfn, promotion, releaseArn, start, statusEvent, release, lock, item, subjects };
  }

  it("releases the lock from the stopped execution's own status event, with nobody delivering it by hand", async () => {
    // GIVEN the engine delivers status events to the template's rules, as EventBridge does
    const w = world({ approvals: [APPROVE], stopAt: ASK, stopOnly: ['dr-stopped'], statusEvents: true });
    // WHEN an operator stops a promotion while it waits for approval
    const stopped = await w.start('dr-stopped');
    expect(stopped.status).toBe('ABORTED');
    // THEN the release machine ran on its ABORTED event and released the lock, and a new start goes all the way
    const releases = [...w.sfn.executions.values()].filter((e) => e.stateMachineArn === w.releaseArn);
    expect(releases.map((e) => e.result?.status)).toEqual(['SUCCEEDED']);
    expect(w.lock()?.owner).toBeUndefined();
    expect(w.item('DR-PROMOTION#dr-stopped')).toMatchObject({ endedWith: { S: 'ABORTED' } });
    const next = await w.start('dr-next');
    expect(next.result?.status).toBe('SUCCEEDED');
  });

  it('releases the lock of a promotion stopped while waiting for approval, and a new start goes through', async () => {
    // GIVEN a promotion an operator stops (StopExecution) while it waits for approval
    const w = world({ approvals: [APPROVE], stopAt: ASK, stopOnly: ['dr-stopped'] });
    const stopped = await w.start('dr-stopped');
    expect(stopped.status).toBe('ABORTED');
    expect(w.lock()?.owner?.S).toBe(stopped.executionArn);
    // AND a second start is refused, naming the execution that holds the lock and how to clear it
    const refused = await w.start('dr-refused');
    expect(refused.result).toMatchObject({ status: 'FAILED', error: Errors.PROMOTION_IN_PROGRESS });
    expect(refused.result?.cause).toContain(stopped.executionArn);
    expect(refused.result?.cause).toContain('ha-workflows dr unlock --mirror-set db-1');
    // WHEN the release machine receives the stopped execution's own ABORTED event
    const released = await w.release(w.statusEvent(stopped), 'release-1');
    // THEN the lock is released, the release recorded in the execution's audit item and the operators told
    expect(released.result?.status).toBe('SUCCEEDED');
    expect(released.result?.timeline.at(-2)?.state).toBe('The ended execution released its lock');
    expect(w.lock()?.owner).toBeUndefined();
    expect(w.lock()?.drLastError?.S).toBe('execution ABORTED');
    expect(w.item('DR-PROMOTION#dr-stopped')).toMatchObject({ endedWith: { S: 'ABORTED' } });
    expect(w.subjects()).toContain('ha-workflows: DR promotion ended without cleaning up - lock released');
    // AND the event delivered twice changes nothing more
    const again = await w.release(w.statusEvent(stopped), 'release-2');
    expect(again.result?.status).toBe('SUCCEEDED');
    expect(again.result?.timeline.at(-2)?.state).toBe('The ended execution held no lock');
    // AND the refused start's own FAILED event does not touch a lock it never held
    const ignored = await w.release(w.statusEvent(refused), 'release-3');
    expect(ignored.result?.timeline.at(-2)?.state).toBe('The ended execution held no lock');
    // AND a new start goes all the way
    const next = await w.start('dr-next');
    expect(next.result?.status).toBe('SUCCEEDED');
  });

  it('releases the lock of a promotion that timed out waiting for approval', async () => {
    // GIVEN a promotion whose execution times out before anyone decides (its TimeoutSeconds shortened to 30 min)
    const template = structuredClone(site.template) as CfnTemplate;
    const machine = Object.values(template.Resources ?? {}).find(
      (r) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Metadata?.[WORKFLOW_METADATA_KEY] === 'dr-promotion',
    )!;
    const text = JSON.stringify(machine.Properties!.DefinitionString);
    const shortened = text.replace(
      /\\"TimeoutSeconds\\":\d+,(\\"Comment\\":\\"Promote the DR member)/,
      '\\"TimeoutSeconds\\":1800,$1',
    );
    expect(shortened).not.toBe(text);
    machine.Properties!.DefinitionString = JSON.parse(shortened);
    const w = world({ approvals: [{ decision: 'never', afterSeconds: 0 }], template });
    const timedOut = await w.start('dr-timed-out');
    expect(timedOut.result).toMatchObject({ status: 'TIMED_OUT' });
    expect(w.lock()?.owner?.S).toBe(timedOut.executionArn);
    // WHEN its TIMED_OUT event reaches the release machine
    await w.release(w.statusEvent(timedOut), 'release-timed-out');
    // THEN the lock is free again
    expect(w.lock()?.owner).toBeUndefined();
    expect(w.lock()?.drLastError?.S).toBe('execution TIMED_OUT');
  });

  it('never releases a lock another execution holds now', async () => {
    // GIVEN a stopped promotion, a stale lock cleared, and a new promotion holding the lock (stopped too)
    const w = world({ approvals: [], stopAt: ASK });
    const first = await w.start('dr-first');
    await w.release(w.statusEvent(first), 'release-first');
    const second = await w.start('dr-second');
    expect(w.lock()?.owner?.S).toBe(second.executionArn);
    // WHEN the first execution's event arrives again (late)
    const late = await w.release(w.statusEvent(first), 'release-late');
    // THEN the second's lock stays
    expect(late.result?.timeline.at(-2)?.state).toBe('The ended execution held no lock');
    expect(w.lock()?.owner?.S).toBe(second.executionArn);
  });

  describe('the unlock request (ha-workflows dr unlock)', () => {
    const unlock = (force: boolean) => ({ unlock: { mirrorSet: 'db-1', by: 'sam', reason: 'stale lock', force } });

    it('refuses while the holding execution still runs, unless forced, and records who cleared it', async () => {
      // GIVEN a promotion waiting for approval (settled only by SendTaskSuccess, which never comes)
      const w = world({ approvals: [], live: true });
      const waiting = w.sfn.start(w.promotion, JSON.stringify(base.triggers[0].input), 'dr-waiting');
      while (w.sfn.pendingTokens().length === 0) await new Promise((r) => setImmediate(r));
      expect(w.lock()?.owner?.S).toBe(waiting.executionArn);
      // WHEN an operator asks to unlock without --force
      const refused = w.sfn.start(w.releaseArn, JSON.stringify(unlock(false)), 'unlock-1');
      await refused.done;
      // THEN it is refused, naming the running holder, and the lock stays
      expect(refused.result).toMatchObject({ status: 'FAILED', error: Errors.LOCK_HOLDER_RUNNING });
      expect(refused.result?.cause).toContain(
        `${waiting.executionArn} holds the lock of mirror set db-1 and is RUNNING`,
      );
      expect(w.lock()?.owner?.S).toBe(waiting.executionArn);
      // WHEN forced
      const forced = w.sfn.start(w.releaseArn, JSON.stringify(unlock(true)), 'unlock-2');
      await forced.done;
      // THEN the lock is released, an audit item names who did it and why, and the operators are told
      expect(forced.result?.status).toBe('SUCCEEDED');
      expect(w.lock()?.owner).toBeUndefined();
      expect(w.item('DR-UNLOCK#unlock-2')).toMatchObject({
        holder: { S: waiting.executionArn },
        holderStatus: { S: 'RUNNING' },
        by: { S: 'sam' },
        reason: { S: 'stale lock' },
        forced: { BOOL: true },
      });
      expect(w.subjects()).toContain('ha-workflows: DR promotion lock cleared by an operator');
      // AND stopping the promotion afterwards, its event releases nothing (the lock is no longer its own); the
      //     operators are told it ended once, not again on a duplicate delivery
      await w.region.call('sfn', 'StopExecution', { executionArn: waiting.executionArn });
      await w.sfn.idle();
      const late = await w.release(w.statusEvent(waiting), 'release-after-unlock');
      expect(late.result?.timeline.at(-2)?.state).toBe('The ended execution held no lock and is reported');
      expect(w.lock()?.owner).toBeUndefined();
      const again = await w.release(w.statusEvent(waiting), 'release-after-unlock-again');
      expect(again.result?.timeline.at(-2)?.state).toBe('The ended execution held no lock');
      expect(w.subjects().filter((s) => s === 'ha-workflows: DR promotion ended without finishing')).toHaveLength(1);
    });

    it('clears the lock of an ended execution without --force, and says so when nothing is locked', async () => {
      // GIVEN a lock left by a promotion that ended (stopped) and whose event never arrived
      const w = world({ approvals: [], stopAt: ASK });
      const stopped = await w.start('dr-stopped');
      expect(w.lock()?.owner?.S).toBe(stopped.executionArn);
      // WHEN an operator unlocks it
      const cleared = await w.release(unlock(false), 'unlock-ended');
      // THEN it is released; a second unlock finds nothing to do
      expect(cleared.result?.timeline.at(-2)?.state).toBe('The stale lock was released');
      expect(w.lock()?.owner).toBeUndefined();
      expect(w.item('DR-UNLOCK#unlock-ended')).toMatchObject({
        holderStatus: { S: 'ABORTED' },
        forced: { BOOL: false },
      });
      const again = await w.release(unlock(false), 'unlock-again');
      expect(again.result?.timeline.at(-2)?.state).toBe('The mirror set is not locked');
    });
  });
});
