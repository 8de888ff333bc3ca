import { validateDrRequest } from '../../tasks/validate-dr-request/logic';
import type { ValidateDrRequestInput } from '../../tasks/validate-dr-request/contract';
import { drPromotionRequestSchema } from '../../workflows/dr-promotion/input';

const C = 'i-0ccccccccccccccc3';
const SETS = [
  {
    name: 'db-1',
    drMembers: [{ instanceId: C, url: 'http://10.20.1.20:52773/csp/bin/mirror_status.cxw' }],
    maxApprovalTimeoutMinutes: 240,
    promoteDocument: 'x-iris-promote',
  },
];
const GOOD = { mirrorSet: 'db-1', member: C, reason: 'eu-west-1 is down since 09:40', requestedBy: 'jane' };
const input = (request: unknown): ValidateDrRequestInput => ({
  request,
  sets: SETS,
  executionStartTime: '2026-11-25T10:00:00.000Z',
  lockTtlSeconds: 3600,
});

describe('validate-dr-request', () => {
  it('accepts a minimal request, fills the defaults and selects the set and member', () => {
    // GIVEN the four required fields WHEN validated THEN the defaults are explicit and the set's settings pass through
    const out = validateDrRequest(input(GOOD));
    expect(out).toMatchObject({
      valid: true,
      request: {
        ...GOOD,
        practice: false,
        allowUnfenced: false,
        force: false,
        approvalTimeoutMinutes: 60,
        approvalTimeoutSeconds: 3600,
      },
      set: { name: 'db-1', promoteDocument: 'x-iris-promote', drMember: { instanceId: C } },
      lockExpiresAt: Date.parse('2026-11-25T10:00:00.000Z') / 1000 + 3600,
    });
  });

  it('lists every problem at once, each with its field, value and what is allowed', () => {
    const out = validateDrRequest(input({ mirrorSet: '', member: 'i-1', reason: 'x', practice: 'yes', extra: 1 }));
    expect(out.valid).toBe(false);
    if (out.valid) return;
    expect(out.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.mirrorSet: got ""; expected a mirror set name/),
        expect.stringMatching(/^\$\.member: got "i-1"; expected an instance id/),
        expect.stringMatching(/^\$\.reason: got "x"; expected a text of 10 to 500 characters/),
        expect.stringMatching(/^\$\.requestedBy: missing; /),
        expect.stringMatching(/^\$\.practice: got "yes"; expected true or false/),
        '$.extra: unknown field (check the spelling)',
      ]),
    );
    expect(out.cause).toContain('6 problem(s)');
  });

  it.each([
    [
      'an unknown mirror set',
      { ...GOOD, mirrorSet: 'db-9' },
      /^\$\.mirrorSet: got "db-9"; expected a mirror set with a DR member: "db-1"$/,
    ],
    [
      'a member that is not a DR member of the set',
      { ...GOOD, member: 'i-0aaaaaaaaaaaaaaa1' },
      /^\$\.member: got "i-0aaaaaaaaaaaaaaa1"; expected a DR member of db-1/,
    ],
    [
      'an approval timeout above the configured maximum',
      { ...GOOD, approvalTimeoutMinutes: 600 },
      /^\$\.approvalTimeoutMinutes: got 600; expected at most 240/,
    ],
  ])('refuses %s', (_what, request, problem) => {
    const out = validateDrRequest(input(request));
    expect(out.valid).toBe(false);
    if (!out.valid) expect(out.problems).toEqual([expect.stringMatching(problem)]);
  });

  it('is the schema the CLI uses (re-exported by the workflow)', () => {
    expect(drPromotionRequestSchema.safeParse(GOOD).success).toBe(true);
    expect(drPromotionRequestSchema.safeParse({ ...GOOD, force: 'yes' }).success).toBe(false);
  });
});
