/**
 * dr-promotion, drilled end to end: each scenario in test/scenarios/dr-promotion/ runs the DR stack's synthesized
 * state machine (the example configuration's app) and its real Lambda tasks against the simulated region. The
 * approval is settled by the scenario's `approvals`; "the primary region's API is down" is modeled as API faults
 * (503 ServiceUnavailable) on the EC2 calls the fence task makes (one simulated region per drill). The scenario files
 * carry their own `expect` block; these tests check that it holds and then look closer.
 */
import * as path from 'node:path';
import { drillFile } from '../../cli/drill';
import { synthesize } from '../../cli/template';
import { type DrillResult, drill } from '../../local/drill';
import { loadScenario } from '../../local/scenario/load';
import type { ApiCallRecord } from '../../local/region/region';
import type { Scenario } from '../../local/scenario/schema';
import { secondsUntil } from '../../local/engine/timeline';
import { Errors } from '../../workflows/fragments';

const SCENARIOS = path.join(__dirname, '..', 'scenarios', 'dr-promotion');
const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const C = 'i-0ccccccccccccccc3';
const SET_KEY = 'MIRROR#db-1';
const PROMOTE_DOCUMENT = 'ha-workflows-eu-central-1-iris-promote';
const APPROVAL_SUBJECT = 'ha-workflows: APPROVE the DR promotion?';

type AttributeValue = { readonly S?: string; readonly N?: string };
interface Environment {
  readonly dynamodb: { readonly tables: readonly { readonly items: readonly Record<string, AttributeValue>[] }[] };
  readonly sns: {
    readonly messages: readonly {
      readonly subject?: string;
      readonly message: string;
      readonly messageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
    }[];
  };
}

/** One drilled scenario, with readers for what the tests check. */
class Drilled {
  constructor(readonly result: DrillResult) {}

  static async of(name: string): Promise<Drilled> {
    return new Drilled(await drillFile(path.join(SCENARIOS, `${name}.json`)));
  }

  /** A scenario file changed by `change` before it is drilled (other timings than the file's). */
  static async changed(name: string, change: (s: Scenario) => void): Promise<Drilled> {
    const scenario = loadScenario(path.join(SCENARIOS, `${name}.json`));
    change(scenario);
    const site = synthesize(path.join(SCENARIOS, String(scenario.config))).dr!;
    return new Drilled(await drill(scenario, { template: site.template, env: site.env }));
  }

  get env(): Environment {
    return this.result.environment as unknown as Environment;
  }

  get failedExpectations(): string[] {
    return this.result.expectations.filter((x) => !x.ok).map((x) => `${x.description} (${x.detail ?? ''})`);
  }

  /** An item of the state table by its key, attribute values unwrapped. */
  item(key: string): Record<string, string> | undefined {
    const item = this.env.dynamodb.tables.flatMap((t) => t.items).find((i) => i.pk?.S === key);
    return item && Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? v.N ?? JSON.stringify(v)]));
  }

  /** The audit item of the first execution. */
  get audit(): Record<string, string> | undefined {
    const item = this.env.dynamodb.tables.flatMap((t) => t.items).find((i) => i.pk?.S?.startsWith('DR-PROMOTION#'));
    return item && this.item(item.pk.S!);
  }

  message(subject: string) {
    return this.env.sns.messages.find((m) => m.subject === subject);
  }

  calls(service: string, action: string): ApiCallRecord[] {
    return this.result.calls.filter((c) => c.service === service && c.action === action);
  }

  /** Calls that change something outside the state table and the topic. */
  get changes(): ApiCallRecord[] {
    return this.result.calls.filter(
      (c) =>
        ['StopInstances', 'ModifyInstanceAttribute', 'RegisterTargets'].includes(c.action) ||
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

  it('promotes with the fence recorded as unconfirmed when allowUnfenced is set', async () => {
    const d = await Drilled.of('primary-region-down-allow-unfenced');
    expect(d.failedExpectations).toEqual([]);
    const trail = d.audit!.trail;
    expect(trail).toContain(`"allConfirmed":false`);
    expect(trail).toContain(`"unconfirmed":"${A}, ${B}"`);
  });

  it('fails with PromotionFailed naming the exit code, and leaves traffic untouched, when the command fails', async () => {
    const d = await Drilled.of('promotion-fails');
    expect(d.failedExpectations).toEqual([]);
    expect(d.result.cause).toContain('exit code 3');
    expect(d.result.cause).toContain('ERROR #2000');
    expect(d.calls('elasticloadbalancingv2', 'RegisterTargets')).toEqual([]);
  });

  it('fails with InvalidInput listing every problem, and calls no AWS API', async () => {
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
    expect(d.result.apiCalls).toBe(0);
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
