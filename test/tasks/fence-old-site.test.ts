import { fenceOldSite } from '../../tasks/fence-old-site/logic';
import type { AwsClient } from '../../tasks/shared/clients';

const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const INPUT = { region: 'eu-west-1', instanceIds: [A, B], denyAllGroupId: 'sg-0eeeeeeeeeeeeeee1' };

/** A fake EC2 of the primary region: states by instance, and the actions that fail with a code. */
function ec2(
  states: Record<string, string>,
  failing: Record<string, string> = {},
  interfaces: Record<string, string[]> = {},
) {
  const calls: { action: string; input: object }[] = [];
  const client: AwsClient = {
    send: async (command) => {
      const action = command.constructor.name.replace(/Command$/, '');
      calls.push({ action, input: command.input });
      if (failing[action]) throw Object.assign(new Error(failing[action]), { name: failing[action] });
      if (action === 'DescribeInstances') {
        return {
          Reservations: [
            {
              Instances: Object.entries(states).map(([InstanceId, Name]) => ({
                InstanceId,
                State: { Name },
                // Listed out of device order, as nothing promises an order.
                NetworkInterfaces: (interfaces[InstanceId] ?? [])
                  .map((NetworkInterfaceId, DeviceIndex) => ({ NetworkInterfaceId, Attachment: { DeviceIndex } }))
                  .reverse(),
              })),
            },
          ],
        };
      }
      return {};
    },
  };
  return { client, calls };
}

describe('fence-old-site', () => {
  it('stops each old member and swaps in the deny-all group, in the primary region', async () => {
    const { client, calls } = ec2({ [A]: 'stopped', [B]: 'stopped' });
    const regions: string[] = [];
    const out = await fenceOldSite((r) => (regions.push(r), client), { mode: 'fence', ...INPUT });
    expect(regions).toEqual(['eu-west-1']);
    expect(calls.filter((c) => c.action === 'StopInstances')).toHaveLength(2);
    expect(calls).toContainEqual({
      action: 'ModifyInstanceAttribute',
      input: { InstanceId: A, Groups: ['sg-0eeeeeeeeeeeeeee1'] },
    });
    expect(out).toMatchObject({ allConfirmed: true, confirmedCount: 2, unconfirmed: 'none' });
  });

  it('swaps the deny-all group onto every interface of a member, never with the instance-level call', async () => {
    // GIVEN A has a primary and a data interface, B one
    const { client, calls } = ec2(
      { [A]: 'running', [B]: 'running' },
      {},
      { [A]: ['eni-0a0', 'eni-0a1'], [B]: ['eni-0b0'] },
    );
    // WHEN the old site is fenced
    const out = await fenceOldSite(() => client, { mode: 'fence', ...INPUT });
    // THEN each interface gets the deny-all group (with several, EC2 refuses ModifyInstanceAttribute Groups)
    const swaps = calls.filter((c) => c.action === 'ModifyNetworkInterfaceAttribute').map((c) => c.input);
    expect(swaps).toEqual(
      expect.arrayContaining(
        ['eni-0a0', 'eni-0a1', 'eni-0b0'].map((NetworkInterfaceId) => ({
          NetworkInterfaceId,
          Groups: ['sg-0eeeeeeeeeeeeeee1'],
        })),
      ),
    );
    expect(swaps).toHaveLength(3);
    expect(calls.map((c) => c.action)).not.toContain('ModifyInstanceAttribute');
    expect(out.members[0].actions).toEqual(
      expect.arrayContaining([
        'ModifyNetworkInterfaceAttribute eni-0a0 Groups=sg-0eeeeeeeeeeeeeee1 ok',
        'ModifyNetworkInterfaceAttribute eni-0a1 Groups=sg-0eeeeeeeeeeeeeee1 ok',
        'StopInstances ok',
      ]),
    );
  });

  it('still stops and tries the instance-level swap when the interfaces cannot be read, and records a failed swap', async () => {
    // GIVEN DescribeInstances fails (the region answers the rest), then: interfaces readable, but one swap fails
    const blind = ec2({ [A]: 'running', [B]: 'running' }, { DescribeInstances: 'ServiceUnavailable' });
    const out = await fenceOldSite(() => blind.client, { mode: 'fence', ...INPUT });
    expect(out.members[0].actions).toEqual([
      'DescribeInstances (interfaces) failed',
      'ModifyInstanceAttribute Groups=sg-0eeeeeeeeeeeeeee1 ok',
      'StopInstances ok',
      'DescribeInstances ServiceUnavailable',
    ]);
    const partial = ec2(
      { [A]: 'running', [B]: 'running' },
      { ModifyNetworkInterfaceAttribute: 'RequestLimitExceeded' },
      { [A]: ['eni-0a0'], [B]: ['eni-0b0'] },
    );
    const out2 = await fenceOldSite(() => partial.client, { mode: 'fence', ...INPUT });
    expect(out2.members[1].actions).toEqual([
      'ModifyNetworkInterfaceAttribute eni-0b0 RequestLimitExceeded',
      'StopInstances ok',
    ]);
  });

  it('does not count a stopping instance as fenced', async () => {
    const { client } = ec2({ [A]: 'stopping', [B]: 'terminated' });
    const out = await fenceOldSite(() => client, { mode: 'check', ...INPUT });
    expect(out).toMatchObject({ allConfirmed: false, confirmed: B, unconfirmed: A });
  });

  it('force-stops members still stopping or running from check forceStopAfterChecks on, and not before', async () => {
    // GIVEN A stuck stopping (an impaired host) and B already stopped
    const states = { [A]: 'stopping', [B]: 'stopped' };
    const early = ec2(states);
    // WHEN an early check runs THEN nothing is forced
    await fenceOldSite(() => early.client, { mode: 'check', ...INPUT, checkNumber: 5, forceStopAfterChecks: 6 });
    expect(early.calls.map((c) => c.action)).toEqual(['DescribeInstances']);
    // WHEN the sixth check runs THEN A (only) is stopped with Force: true, and the action is recorded
    const late = ec2(states);
    const out = await fenceOldSite(() => late.client, {
      mode: 'check',
      ...INPUT,
      checkNumber: 6,
      forceStopAfterChecks: 6,
    });
    expect(late.calls).toContainEqual({ action: 'StopInstances', input: { InstanceIds: [A], Force: true } });
    expect(late.calls.filter((c) => c.action === 'StopInstances')).toHaveLength(1);
    expect(out.members[0]).toMatchObject({
      state: 'stopping',
      confirmed: false,
      actions: ['StopInstances Force=true ok'],
    });
  });

  it('records every failed call, throws nothing, and confirms nothing when the region does not answer', async () => {
    const down = {
      StopInstances: 'ServiceUnavailable',
      ModifyInstanceAttribute: 'ServiceUnavailable',
      DescribeInstances: 'ServiceUnavailable',
    };
    const { client } = ec2({}, down);
    const out = await fenceOldSite(() => client, { mode: 'fence', ...INPUT });
    expect(out.allConfirmed).toBe(false);
    expect(out.confirmed).toBe('none');
    expect(out.members[0].actions).toEqual([
      'DescribeInstances (interfaces) failed',
      'ModifyInstanceAttribute ServiceUnavailable',
      'StopInstances ServiceUnavailable',
      'DescribeInstances ServiceUnavailable',
    ]);
  });

  it('only reads in check mode', async () => {
    const { client, calls } = ec2({ [A]: 'stopped', [B]: 'stopped' });
    await fenceOldSite(() => client, { mode: 'check', ...INPUT });
    expect(calls.map((c) => c.action)).toEqual(['DescribeInstances']);
  });
});
