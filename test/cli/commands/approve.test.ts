/**
 * Who approves, rejects or unlocks is named with --by and never defaulted from $USER ("operator" hid who decided).
 * @aws-sdk/client-sts is not a dependency, so the caller's STS identity is not read: --by is required.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { deciderName, UsageError } from '../../../cli/commands/approve';
import { buildUnlockRequest, drReleaseStateMachine, unlockMirrorSet } from '../../../cli/commands/dr-unlock';
import { serve } from '../../../cli/serve';

const ROOT = path.join(__dirname, '..', '..', '..');
const ARN = 'arn:aws:states:eu-central-1:123456789012:execution:DrPromotion0C663FC0:dr-db-1';

describe('approve and reject name who decides', () => {
  it('refuses to approve without --by: exit code 2, asking for --by, no call made', async () => {
    // WHEN approve runs without --by (against an endpoint where nothing listens: no call may be needed to refuse)
    const run = promisify(execFile)('npx', ['tsx', 'cli/bin.ts', 'approve', ARN, '--endpoint', 'http://127.0.0.1:9'], {
      cwd: ROOT,
      env: { ...process.env, USER: 'someone' },
    });
    // THEN it fails with a usage error naming --by, not a connection error
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--by <your name> is required'),
    });
  });

  it.each([undefined, '', '   ', '\u200b\u2060', 'sam\u0007'])('refuses %j as who decides', (by) => {
    expect(() => deciderName('reject', by)).toThrow(UsageError);
  });

  it('keeps a visible name, trimmed', () => {
    expect(deciderName('approve', ' sam@example.com ')).toBe('sam@example.com');
  });
});

describe('dr unlock', () => {
  it('needs the mirror set and who clears it', () => {
    expect(() => buildUnlockRequest({ by: 'sam' })).toThrow(UsageError);
    expect(() => buildUnlockRequest({ mirrorSet: 'db-1' })).toThrow(UsageError);
    expect(buildUnlockRequest({ mirrorSet: 'db-1', by: 'sam', reason: 'stale' })).toEqual({
      unlock: { mirrorSet: 'db-1', by: 'sam', reason: 'stale', force: false },
    });
  });

  it('runs against local serve through the release state machine', async () => {
    // GIVEN the DR stack served locally, nothing locked
    const { endpoint } = await serve({ port: 0, config: path.join(ROOT, 'infra/config/example.json'), site: 'dr' });
    try {
      const client = new SFNClient({
        endpoint: endpoint.url,
        region: 'eu-central-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      // WHEN an operator unlocks db-1
      const machine = await drReleaseStateMachine(client, {}, {});
      const result = await unlockMirrorSet(client, machine, buildUnlockRequest({ mirrorSet: 'db-1', by: 'sam' }), {
        pollMs: 10,
      });
      // THEN the release machine ran and found nothing to release
      expect(result).toMatchObject({ status: 'SUCCEEDED', outcome: 'not locked' });
    } finally {
      await endpoint.close();
    }
  });
});
