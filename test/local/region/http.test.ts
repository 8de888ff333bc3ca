import { type HttpEnvironment, type HttpGetOutput, HttpSimulator } from '../../../local/region/http';
import { SimulatedRegion } from '../../../local/region/region';
import { SsmSimulator } from '../../../local/region/ssm';
import { FakeEc2 } from './fake-ec2';

const PRIMARY = 'i-0123456789abcdef0';
const BACKUP = 'i-0fedcba9876543210';
const url = (ip: string) => `http://${ip}:52773/csp/mirror_status.cxw`;
const PRIMARY_URL = url('10.0.1.10');
const BACKUP_URL = url('10.0.1.11');

function setup(extra: HttpEnvironment['endpoints'] = []) {
  const region = new SimulatedRegion({ seed: 7 });
  const ec2 = new FakeEc2([
    { instanceId: PRIMARY, workload: { mirrorRole: 'primary' } },
    { instanceId: BACKUP, workload: { mirrorRole: 'backup' } },
  ]);
  region.register(ec2);
  region.register(
    new HttpSimulator(region, {
      endpoints: [{ url: PRIMARY_URL, instanceId: PRIMARY }, { url: BACKUP_URL, instanceId: BACKUP }, ...extra],
    }),
  );
  const get = async (Url: string, TimeoutSeconds = 3) =>
    (await region.call('http', 'Get', { Url, TimeoutSeconds })) as HttpGetOutput;
  return { region, ec2, get };
}

describe('HttpSimulator', () => {
  it('answers 200 SUCCESS from the mirror primary and 503 FAILED from other members', async () => {
    // GIVEN a primary and a backup
    const { region, get } = setup();

    // WHEN both mirror-status pages are probed
    const primary = await get(PRIMARY_URL);
    const backup = await get(BACKUP_URL);

    // THEN only the primary answers SUCCESS, each probe taking `http.probe`
    expect(primary).toEqual({ StatusCode: 200, Body: 'SUCCESS', LatencySeconds: 0.02 });
    expect(backup).toEqual({ StatusCode: 503, Body: 'FAILED', LatencySeconds: 0.02 });
    expect(region.clock.elapsedSeconds()).toBeCloseTo(0.04);
  });

  it('follows the workload as it changes', async () => {
    // GIVEN the backup has just become primary
    const { ec2, get } = setup();
    ec2.updateWorkload(PRIMARY, { mirrorRole: 'backup' });
    ec2.updateWorkload(BACKUP, { mirrorRole: 'primary' });

    // WHEN both are probed
    // THEN the answers swapped
    expect((await get(PRIMARY_URL)).StatusCode).toBe(503);
    expect((await get(BACKUP_URL)).StatusCode).toBe(200);
  });

  it('times out after TimeoutSeconds on an impaired or stopped instance', async () => {
    // GIVEN an impaired primary and a stopped backup
    const { region, ec2, get } = setup();
    ec2.set(PRIMARY, { impaired: true });
    ec2.set(BACKUP, { state: 'stopped' });

    // WHEN each is probed with a 3 s timeout
    // THEN each fails with ETIMEDOUT after 3 s of modeled time
    await expect(get(PRIMARY_URL)).rejects.toMatchObject({ service: 'http', code: 'ETIMEDOUT' });
    expect(region.clock.elapsedSeconds()).toBeCloseTo(3);
    await expect(get(BACKUP_URL)).rejects.toMatchObject({
      code: 'ETIMEDOUT',
      message: expect.stringContaining('stopped'),
    });
    expect(region.clock.elapsedSeconds()).toBeCloseTo(6);
  });

  it('refuses connections while the instance shuts down, for a down endpoint, and for an unknown URL', async () => {
    // GIVEN a stopping primary and a fixed endpoint that is down
    const { region, ec2, get } = setup([{ url: 'http://10.0.9.9/status', down: true }]);
    ec2.set(PRIMARY, { state: 'stopping' });

    // WHEN each is probed
    // THEN each is refused at once
    await expect(get(PRIMARY_URL)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(get('http://10.0.9.9/status')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(get('http://10.0.9.10/nothing')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(region.clock.elapsedSeconds()).toBeCloseTo(0.06);
  });

  it('uses an explicit status and body, and adds the endpoint latency, timing out when it exceeds the timeout', async () => {
    // GIVEN a slow fixed endpoint and a slow bound one with an override
    const { region, get } = setup([
      { url: 'http://10.0.9.9/status', status: 204, body: '', latencySeconds: 1 },
      { url: 'http://10.0.1.10/slow', instanceId: PRIMARY, status: 500, body: 'ERROR', latencySeconds: 5 },
    ]);

    // WHEN both are probed with a 3 s timeout
    const fixed = await get('http://10.0.9.9/status');
    const afterFixed = region.clock.elapsedSeconds();
    await expect(get('http://10.0.1.10/slow')).rejects.toMatchObject({ code: 'ETIMEDOUT' });

    // THEN the fast one answers its status after 1.02 s; the slow one times out after 3 s
    expect(fixed).toEqual({ StatusCode: 204, Body: '', LatencySeconds: 1.02 });
    expect(afterFixed).toBeCloseTo(1.02);
    expect(region.clock.elapsedSeconds()).toBeCloseTo(4.02);
  });

  it('sees the effect of a finished Run Command promotion without another SSM call', async () => {
    // GIVEN a promotion script on the backup that makes it primary after 2 s
    const { region, ec2, get } = setup();
    ec2.updateWorkload(PRIMARY, { mirrorRole: 'down' });
    region.register(
      new SsmSimulator(region, {
        scripts: [
          {
            instanceId: BACKUP,
            match: { commandContains: 'Promote' },
            durationSeconds: 2,
            effect: { mirrorRole: 'primary' },
          },
        ],
      }),
    );
    await region.call('ssm', 'SendCommand', {
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [BACKUP],
      Parameters: { commands: ['iris session IRIS -U%SYS "##class(SYS.Mirror).Promote()"'] },
    });

    // WHEN the backup is probed after the command has ended
    region.clock.advanceSeconds(5);
    const result = await get(BACKUP_URL);

    // THEN it answers as the primary
    expect(result.StatusCode).toBe(200);
  });
});
