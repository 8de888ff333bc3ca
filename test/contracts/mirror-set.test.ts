import { z } from 'zod';
import {
  DEFAULT_STATUS_PATH,
  DEFAULT_STATUS_PORT,
  memberStatusPage,
  memberStatusPageSchema,
  type MirrorMember,
  mirrorMemberSchema,
  type MirrorMemberSettings,
  STATUS_PATH,
  statusPathSchema,
  statusPortSchema,
} from '../../contracts/mirror-set';
import { mirrorSetSchema } from '../../infra/config/schema';
import { inputSchema as probeInputSchema } from '../../tasks/probe-mirror-members/contract';
import type { DrMember, MirrorMember as LibraryMirrorMember } from '../../index';

/** Compile-time: `A` and `B` accept the same values (readonly aside). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SET = {
  name: 'db-1',
  vpcId: 'vpc-0123456789abcdef0',
  probeSubnets: [{ subnetId: 'subnet-0123456789abcdef0', availabilityZone: 'eu-west-1a' }],
  members: [
    { instanceId: 'i-0aaaaaaaaaaaaaaa1', address: '10.0.1.10' },
    { instanceId: 'i-0bbbbbbbbbbbbbbb2', address: '10.0.2.10' },
  ],
  targetGroupArns: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/iris/0123456789abcdef'],
};

describe('the mirror-set shape (contracts/mirror-set.ts, its one home)', () => {
  it('is the same member in the configuration file, the construct props and the library exports', () => {
    // A compile-time check: a field added to one and not the other fails the type check of this file
    const configured: Same<Mutable<MirrorMember>, z.output<typeof mirrorMemberSchema>> = true;
    const exported: Same<LibraryMirrorMember, DrMember> = true;
    const carried: Same<Mutable<MirrorMemberSettings>, z.input<typeof memberStatusPageSchema>> = true;
    expect([configured, exported, carried]).toEqual([true, true, true]);
  });

  it('gives a configured set the default status page, and the probe task accepts every member it becomes', () => {
    // GIVEN a configured set that names no status port or path
    const set = mirrorSetSchema.parse(SET);
    expect([set.statusPort, set.statusPath]).toEqual([DEFAULT_STATUS_PORT, DEFAULT_STATUS_PATH]);
    // WHEN the construct turns its members into the status pages the state machine carries
    const members = set.members.map((m) => memberStatusPage(m, set.statusPort, set.statusPath));
    // THEN each is the member's page on its private address, and the probe task's input parses them unchanged
    expect(members).toEqual([
      { instanceId: 'i-0aaaaaaaaaaaaaaa1', url: 'http://10.0.1.10:52773/csp/bin/mirror_status.cxw' },
      { instanceId: 'i-0bbbbbbbbbbbbbbb2', url: 'http://10.0.2.10:52773/csp/bin/mirror_status.cxw' },
    ]);
    const input = probeInputSchema.parse({
      mirrorSet: set.name,
      members,
      timeoutSeconds: 2,
      executionStartTime: '2026-01-05T02:30:00Z',
      lockTtlSeconds: 600,
    });
    expect(input.members).toEqual(members);
  });

  it('builds the page from the configured port and path', () => {
    const member = { instanceId: 'i-0aaaaaaaaaaaaaaa1', address: '10.0.1.10' };
    expect(memberStatusPage(member, 80, '/mirror')).toEqual({
      instanceId: 'i-0aaaaaaaaaaaaaaa1',
      url: 'http://10.0.1.10:80/mirror',
    });
  });

  it('rejects what the configuration does not allow, naming the field', () => {
    const member = mirrorMemberSchema.safeParse({ instanceId: 'i-0aaaaaaaaaaaaaaa1', address: 'db-1.internal' });
    expect(member.error?.issues[0]).toMatchObject({ path: ['address'], message: expect.stringMatching(/IPv4/) });
    const id = mirrorMemberSchema.safeParse({ instanceId: 'db-1', address: '10.0.1.10' });
    expect(id.error?.issues[0]).toMatchObject({ path: ['instanceId'], message: expect.stringMatching(/instance id/) });
    expect(statusPortSchema.safeParse(0).success).toBe(false);
    expect(statusPathSchema.safeParse('csp/bin/mirror_status.cxw').error?.issues[0]?.message).toMatch(/URL path/);
  });

  it('checks a status path alike in the configuration and in the constructs', () => {
    // The construct validates its props with STATUS_PATH; the configuration with statusPathSchema
    for (const path of [DEFAULT_STATUS_PATH, '/', '/a b', 'relative', `/${'x'.repeat(1024)}`]) {
      expect(statusPathSchema.safeParse(path).success).toBe(STATUS_PATH.test(path));
    }
    expect(STATUS_PATH.test(DEFAULT_STATUS_PATH)).toBe(true);
    expect(STATUS_PATH.test('/a b')).toBe(false);
  });

  it('lets the probe task refuse a member whose page is not http(s)', () => {
    const result = memberStatusPageSchema.safeParse({ instanceId: 'i-0aaaaaaaaaaaaaaa1', url: 'ftp://10.0.1.10/' });
    expect(result.error?.issues[0]).toMatchObject({ path: ['url'], message: 'expected an http:// or https:// URL' });
  });
});
