import { drPreflight } from '../../tasks/dr-preflight/logic';
import type { DrPreflightInput } from '../../tasks/dr-preflight/contract';
import type { AwsClient } from '../../tasks/shared/clients';

const A = 'i-0aaaaaaaaaaaaaaa1';
const C = 'i-0ccccccccccccccc3';
const URL_A = 'http://10.0.1.20:52773/s';
const URL_C = 'http://10.20.1.20:52773/s';

function clients(opts: { pages: Record<string, [number, string] | 'down'>; state?: string; recorded?: boolean }) {
  const http: AwsClient = {
    send: async (command) => {
      const page = opts.pages[(command.input as { Url: string }).Url];
      if (!page || page === 'down') throw Object.assign(new Error('refused'), { name: 'ECONNREFUSED' });
      return { StatusCode: page[0], Body: page[1] };
    },
  };
  const ec2: AwsClient = {
    send: async () => ({
      Reservations: [{ Instances: [{ InstanceId: C, State: { Name: opts.state ?? 'running' } }] }],
    }),
  };
  const dynamodb: AwsClient = {
    send: async () =>
      opts.recorded
        ? {
            Item: {
              pk: { S: 'MIRROR#db-1' },
              drState: { S: 'PROMOTED' },
              promotedMember: { S: C },
              promotedBy: { S: 'x' },
              promotedAt: { S: 't' },
            },
          }
        : {},
  };
  return { http, ec2, dynamodb };
}

const INPUT: DrPreflightInput = {
  mirrorSet: 'db-1',
  oldMembers: [{ instanceId: A, url: URL_A }],
  drMember: { instanceId: C, url: URL_C },
  probeTimeoutSeconds: 2,
  tableName: 'state',
  key: 'MIRROR#db-1',
  query: { status: 'Success', output: 'member status: Async' },
  executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:m:e',
  region: 'eu-central-1',
  force: false,
};

describe('dr-preflight', () => {
  it('proceeds when the old site does not answer and the DR member runs, with the commands to approve or reject', async () => {
    const out = await drPreflight(clients({ pages: { [URL_A]: 'down', [URL_C]: [503, 'FAILED'] } }), INPUT);
    expect(out.decision).toBe('PROCEED');
    expect(out.summary).toContain(`${A} UNREACHABLE`);
    expect(out.summary).toContain('member status: Async');
    expect(out.approveCommand).toBe(
      `ha-workflows approve ${INPUT.executionArn} --region eu-central-1 --by '<your name>'`,
    );
    expect(out.rejectCommand).toContain('--reason');
  });

  it('stops with PrimaryStillActive when the old primary answers SUCCESS, unless forced', async () => {
    const c = clients({ pages: { [URL_A]: [200, 'SUCCESS'], [URL_C]: [503, 'FAILED'] } });
    expect((await drPreflight(c, INPUT)).decision).toBe('PrimaryStillActive');
    expect((await drPreflight(c, { ...INPUT, force: true })).decision).toBe('PROCEED');
  });

  it('stops with AlreadyPromoted when a promotion is recorded, unless forced', async () => {
    const c = clients({ pages: { [URL_A]: 'down' }, recorded: true });
    const out = await drPreflight(c, INPUT);
    expect(out.decision).toBe('AlreadyPromoted');
    expect(out.recordedPromotion).toContain(C);
    expect((await drPreflight(c, { ...INPUT, force: true })).decision).toBe('PROCEED');
  });

  it('never promotes a DR member that is not running, even when forced', async () => {
    const out = await drPreflight(clients({ pages: {}, state: 'stopped' }), { ...INPUT, force: true });
    expect(out.decision).toBe('DrMemberNotRunning');
  });

  it('reports a mirror-state query that failed without stopping', async () => {
    const out = await drPreflight(clients({ pages: {} }), {
      ...INPUT,
      query: { status: 'NotSent', output: 'Ssm.InvalidInstanceIdException' },
    });
    expect(out.decision).toBe('PROCEED');
    expect(out.mirrorState).toBe('query NotSent: Ssm.InvalidInstanceIdException');
  });
});

describe('dr-preflight after the approval', () => {
  const approved = { ...INPUT, stage: 'approved' as const };

  it('approves only approved: true with a visible approver, and checks the old site again', async () => {
    const out = await drPreflight(clients({ pages: { [URL_A]: 'down' } }), {
      ...approved,
      approval: { approved: true, approvedBy: ' sam@example.com ', approvedAt: '2026-01-01T00:00:00Z' },
    });
    expect(out).toMatchObject({ decision: 'PROCEED', stage: 'approved', approvedBy: 'sam@example.com' });
    expect(out.summary).toContain('checked again after the approval by sam@example.com');
    expect(out.summary).toContain(`${A} UNREACHABLE`);
  });

  it.each([
    ['approved false', { approved: false, approvedBy: 'sam' }],
    ['approved as the string "true"', { approved: 'true', approvedBy: 'sam' }],
    ['approved missing', { approvedBy: 'sam' }],
    ['no approver', { approved: true }],
    ['an empty approver', { approved: true, approvedBy: '' }],
    ['a whitespace approver', { approved: true, approvedBy: ' \t\n ' }],
    ['a zero-width approver', { approved: true, approvedBy: '\u200b\u200c\u200d\u2060\ufeff' }],
    ['an approver with a control character', { approved: true, approvedBy: 'sam\u0007' }],
    ['a number as approver', { approved: true, approvedBy: 42 }],
    ['an empty output', {}],
    ['a string output', 'approved'],
    ['null', null],
    ['an array', [{ approved: true, approvedBy: 'sam' }]],
    ['nothing', undefined],
  ])('rejects %s without probing anything', async (_what, approval) => {
    const c = clients({ pages: { [URL_A]: [200, 'SUCCESS'] } });
    const probe = jest.spyOn(c.http, 'send');
    const out = await drPreflight(c, { ...approved, approval });
    expect(out.decision).toBe('ApprovalRejected');
    expect(out.cause).toContain('Treated as a rejection: nothing was changed');
    expect(out.approvedBy).toBe('none');
    expect(probe).not.toHaveBeenCalled();
  });

  it('names invisible characters in the cause so an operator sees why', async () => {
    const out = await drPreflight(clients({ pages: {} }), {
      ...approved,
      approval: { approved: true, approvedBy: '\u200b' },
    });
    expect(out.cause).toContain('\\u200B');
  });

  it('stops with PrimaryStillActive when the old primary answers SUCCESS again, unless forced', async () => {
    const c = clients({ pages: { [URL_A]: [200, 'SUCCESS'] } });
    const approval = { approved: true, approvedBy: 'sam' };
    const out = await drPreflight(c, { ...approved, approval });
    expect(out.decision).toBe('PrimaryStillActive');
    expect(out.cause).toContain('again (checked after the approval by sam');
    expect((await drPreflight(c, { ...approved, approval, force: true })).decision).toBe('PROCEED');
  });
});
