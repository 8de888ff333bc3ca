import type { GetCommandInvocationResult, ListCommandInvocationsResult, SendCommandResult } from '@aws-sdk/client-ssm';
import { executionClock, VirtualClock } from '../../../local/clock';
import { SimulatedRegion } from '../../../local/region/region';
import { type SsmEnvironment, SsmSimulator } from '../../../local/region/ssm';
import { FakeEc2 } from './fake-ec2';

const PRIMARY = 'i-0123456789abcdef0';
const BACKUP = 'i-0fedcba9876543210';

const FREEZE_SCRIPT = {
  instanceId: PRIMARY,
  match: { commandContains: 'ExternalFreeze' },
  exitCode: 5,
  stdout: 'IRIS frozen',
  durationSeconds: 2,
  effect: { frozen: true },
};

function setup(env: SsmEnvironment = {}) {
  const region = new SimulatedRegion({ seed: 7 });
  const ec2 = new FakeEc2([{ instanceId: PRIMARY, workload: { mirrorRole: 'primary' } }, { instanceId: BACKUP }]);
  region.register(ec2);
  const ssm = new SsmSimulator(region, env);
  region.register(ssm);
  const send = async (commands: string[], extra: Record<string, unknown> = {}) =>
    (
      (await region.call('ssm', 'SendCommand', {
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [PRIMARY],
        Parameters: { commands },
        ...extra,
      })) as SendCommandResult
    ).Command!;
  const get = async (commandId: string, instanceId = PRIMARY) =>
    (await region.call('ssm', 'GetCommandInvocation', {
      CommandId: commandId,
      InstanceId: instanceId,
    })) as GetCommandInvocationResult;
  return { region, ec2, ssm, send, get };
}

describe('SsmSimulator', () => {
  describe('SendCommand', () => {
    it('accepts a command for an online instance and returns it Pending', async () => {
      // GIVEN an online instance
      const { region, send } = setup();

      // WHEN a shell command is sent to it
      const command = await send(['echo hello'], { Comment: 'greet', TimeoutSeconds: 60 });

      // THEN the command comes back Pending, with a UUID, and the call took `ssm.SendCommand` of modeled time
      expect(command).toMatchObject({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [PRIMARY],
        Parameters: { commands: ['echo hello'] },
        Comment: 'greet',
        Status: 'Pending',
        TimeoutSeconds: 60,
        TargetCount: 1,
      });
      expect(command.CommandId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(command.RequestedDateTime).toEqual(new Date(region.clock.startMs));
      expect(region.clock.elapsedSeconds()).toBeCloseTo(0.2);
    });

    it('rejects an unknown document with InvalidDocument', async () => {
      // GIVEN a region whose SSM knows only the built-in documents
      const { region } = setup();

      // WHEN a command names a document that does not exist
      const call = region.call('ssm', 'SendCommand', { DocumentName: 'Nope-Freeze', InstanceIds: [PRIMARY] });

      // THEN it fails with InvalidDocument
      await expect(call).rejects.toMatchObject({ code: 'InvalidDocument' });
    });

    it.each([
      ['does not exist', undefined],
      ['is stopped', { state: 'stopped' }],
      ['has no SSM agent online yet', { ssmOnline: false }],
    ])('rejects an instance that %s with InvalidInstanceId', async (_why, change) => {
      // GIVEN an instance that cannot take commands
      const { region, ec2, send } = setup();
      if (change) ec2.set(PRIMARY, change);
      else ec2.remove(PRIMARY);

      // WHEN a command is sent to it
      // THEN SendCommand fails with InvalidInstanceId, as it does before agent registration
      await expect(send(['true'])).rejects.toMatchObject({
        code: 'InvalidInstanceId',
        message: expect.stringContaining(PRIMARY),
      });
      expect(region.calls.at(-1)?.error).toBe('InvalidInstanceId');
    });

    it('rejects a duplicate instance id, a missing commands parameter and an undeclared parameter', async () => {
      // GIVEN a custom document that declares one parameter
      const { region, send } = setup({ documents: [{ name: 'HaWorkflows-Freeze', parameters: ['action'] }] });

      // WHEN commands are malformed
      // THEN each fails with the service's code
      await expect(send(['true'], { InstanceIds: [PRIMARY, PRIMARY] })).rejects.toMatchObject({
        code: 'DuplicateInstanceId',
      });
      await expect(send([])).rejects.toMatchObject({ code: 'InvalidParameters' });
      await expect(
        region.call('ssm', 'SendCommand', {
          DocumentName: 'HaWorkflows-Freeze',
          InstanceIds: [PRIMARY],
          Parameters: { action: ['freeze'], extra: ['x'] },
        }),
      ).rejects.toMatchObject({ code: 'InvalidParameters', message: expect.stringContaining('extra') });
      await expect(send(['true'], { TimeoutSeconds: 5 })).rejects.toMatchObject({ code: 'ValidationException' });
    });
  });

  describe('GetCommandInvocation', () => {
    it('answers InvocationDoesNotExist until the invocation is visible, then InProgress, then Success', async () => {
      // GIVEN a command without a script rule, just sent
      const { region, send, get } = setup();
      const { CommandId } = await send(['echo ok']);

      // WHEN it is polled at once
      // THEN the invocation does not exist yet (ssm.invocationVisible = 1 s)
      await expect(get(CommandId!)).rejects.toMatchObject({ code: 'InvocationDoesNotExist' });

      // WHEN it is polled after it became visible
      region.clock.advanceSeconds(0.6);
      const running = await get(CommandId!);
      // THEN it runs, with no exit code yet
      expect(running).toMatchObject({
        Status: 'InProgress',
        StatusDetails: 'InProgress',
        ResponseCode: -1,
        ExecutionEndDateTime: '',
      });

      // WHEN it is polled after the default run time (ssm.commandRun = 3 s after sending)
      region.clock.advanceSeconds(2);
      const done = await get(CommandId!);
      // THEN it succeeded with exit 0 and empty output
      expect(done).toMatchObject({
        CommandId,
        InstanceId: PRIMARY,
        DocumentName: 'AWS-RunShellScript',
        PluginName: 'aws:runShellScript',
        Status: 'Success',
        StatusDetails: 'Success',
        ResponseCode: 0,
        StandardOutputContent: '',
        ExecutionStartDateTime: new Date(region.clock.startMs + 1000).toISOString(),
        ExecutionEndDateTime: new Date(region.clock.startMs + 3000).toISOString(),
      });
    });

    it('runs the scripted IRIS freeze: exit 5, its output, and the frozen workload', async () => {
      // GIVEN a script saying ExternalFreeze on the primary exits 5 after 2 s and freezes the database
      const { region, ec2, send, get } = setup({ scripts: [FREEZE_SCRIPT] });

      // WHEN the freeze is sent and polled until it ends
      const { CommandId } = await send(['iris session IRIS -U%SYS "##Class(Backup.General).ExternalFreeze()"']);
      region.clock.advanceSeconds(1.5);
      expect((await get(CommandId!)).Status).toBe('InProgress');
      expect(ec2.inspectInstance(PRIMARY)?.workload.frozen).toBeUndefined();
      region.clock.advanceSeconds(2);
      const result = await get(CommandId!);

      // THEN it failed with the script's exit code and output, and the effect reached the workload
      expect(result).toMatchObject({
        Status: 'Failed',
        StatusDetails: 'Failed',
        ResponseCode: 5,
        StandardOutputContent: 'IRIS frozen',
      });
      expect(ec2.inspectInstance(PRIMARY)?.workload).toEqual({ mirrorRole: 'primary', frozen: true });
    });

    it('matches rules by instance, document parameters and command text, first rule first, `times` times', async () => {
      // GIVEN rules for the backup only, for a parameter value, and a one-time failure
      const { region, send, get } = setup({
        documents: [{ name: 'HaWorkflows-Mirror', parameters: ['action'] }],
        scripts: [
          { instanceId: BACKUP, match: { commandContains: 'status' }, stdout: 'backup', durationSeconds: 0 },
          {
            match: { document: 'HaWorkflows-Mirror', parameters: { action: 'promote' } },
            exitCode: 3,
            durationSeconds: 0,
          },
          { match: { commandContains: 'status' }, exitCode: 1, stdout: 'once', durationSeconds: 0, times: 1 },
        ],
      });

      // WHEN commands are sent
      const both = await send(['mirror status'], { InstanceIds: [PRIMARY, BACKUP] });
      const promote = (
        (await region.call('ssm', 'SendCommand', {
          DocumentName: 'HaWorkflows-Mirror',
          InstanceIds: [PRIMARY],
          Parameters: { action: ['promote'] },
        })) as SendCommandResult
      ).Command!;
      const again = await send(['mirror status']);
      region.clock.advanceSeconds(5);

      // THEN each invocation followed its first matching rule, and the one-time rule applied once
      expect(await get(both.CommandId!, BACKUP)).toMatchObject({ ResponseCode: 0, StandardOutputContent: 'backup' });
      expect(await get(both.CommandId!, PRIMARY)).toMatchObject({ ResponseCode: 1, StandardOutputContent: 'once' });
      expect(await get(promote.CommandId!)).toMatchObject({ Status: 'Failed', ResponseCode: 3 });
      expect(await get(again.CommandId!)).toMatchObject({ Status: 'Success', ResponseCode: 0 });
    });

    it('keeps a hanging command InProgress until its execution timeout, then TimedOut', async () => {
      // GIVEN a script that never finishes, sent with a 60 s execution timeout
      const { region, ec2, send, get } = setup({ scripts: [{ ...FREEZE_SCRIPT, hang: true }] });
      const { CommandId } = await send(['ExternalFreeze'], {
        Parameters: { commands: ['ExternalFreeze'], executionTimeout: ['60'] },
      });

      // WHEN it is polled before and after the timeout
      region.clock.advanceSeconds(59);
      const before = await get(CommandId!);
      region.clock.advanceSeconds(2);
      const after = await get(CommandId!);

      // THEN it runs until the timeout, then times out without its effect
      expect(before.Status).toBe('InProgress');
      expect(after).toMatchObject({ Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut', ResponseCode: -1 });
      expect(after.ExecutionEndDateTime).toBe(new Date(region.clock.startMs + 61_000).toISOString());
      expect(ec2.inspectInstance(PRIMARY)?.workload.frozen).toBeUndefined();
    });

    it('ends a running command Failed without its effect when the instance stops under it', async () => {
      // GIVEN a 30 s freeze that is running
      const { region, ec2, send, get } = setup({ scripts: [{ ...FREEZE_SCRIPT, durationSeconds: 30 }] });
      const { CommandId } = await send(['ExternalFreeze']);
      region.clock.advanceSeconds(5);
      expect((await get(CommandId!)).Status).toBe('InProgress');

      // WHEN the instance stops, and the command is polled at the next poll interval and long after
      ec2.set(PRIMARY, { state: 'stopped', ssmOnline: false });
      region.clock.advanceSeconds(5);
      const result = await get(CommandId!);
      region.clock.advanceSeconds(60);
      expect(await get(CommandId!)).toEqual(result);

      // THEN the invocation failed with no exit code, and the workload never froze
      expect(result).toMatchObject({
        Status: 'Failed',
        StatusDetails: 'Failed',
        ResponseCode: -1,
        StandardOutputContent: '',
      });
      expect(ec2.inspectInstance(PRIMARY)?.workload.frozen).toBeUndefined();
    });

    it('delays delivery to an impaired instance and times it out at TimeoutSeconds', async () => {
      // GIVEN an impaired instance whose agent SSM still believes online
      const { region, ec2, send, get } = setup();
      ec2.set(PRIMARY, { impaired: true });

      // WHEN a command with a 120 s delivery timeout is sent and polled
      const { CommandId } = await send(['true'], { TimeoutSeconds: 120 });
      region.clock.advanceSeconds(5);
      const delayed = await get(CommandId!);
      region.clock.advanceSeconds(120);
      const timedOut = await get(CommandId!);

      // THEN it is Delayed, then DeliveryTimedOut at the deadline
      expect(delayed).toMatchObject({ Status: 'Delayed', StatusDetails: 'Delayed', ExecutionStartDateTime: '' });
      expect(timedOut).toMatchObject({ Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut', ResponseCode: -1 });
    });

    it('delivers a delayed command when the instance recovers before the delivery timeout', async () => {
      // GIVEN a command delayed by an impaired instance
      const { region, ec2, send, get } = setup();
      ec2.set(PRIMARY, { impaired: true });
      const { CommandId } = await send(['true']);
      region.clock.advanceSeconds(5);
      expect((await get(CommandId!)).Status).toBe('Delayed');

      // WHEN the instance recovers
      ec2.set(PRIMARY, { impaired: false });
      expect((await get(CommandId!)).Status).toBe('InProgress');
      region.clock.advanceSeconds(5);

      // THEN the command runs and succeeds
      expect(await get(CommandId!)).toMatchObject({ Status: 'Success', ResponseCode: 0 });
    });

    it('reports Undeliverable when the instance is terminated before the command started', async () => {
      // GIVEN a command just sent
      const { region, ec2, send, get } = setup();
      const { CommandId } = await send(['true']);

      // WHEN the instance is terminated before the agent picked the command up, while the poller waits for the
      // invocation to become visible
      ec2.set(PRIMARY, { state: 'terminated', ssmOnline: false });
      await expect(get(CommandId!)).rejects.toMatchObject({ code: 'InvocationDoesNotExist' });
      region.clock.advanceSeconds(1);

      // THEN the invocation failed as Undeliverable
      expect(await get(CommandId!)).toMatchObject({
        Status: 'Failed',
        StatusDetails: 'Undeliverable',
        ResponseCode: -1,
      });
    });

    it('answers InvocationDoesNotExist for an instance the command was not sent to, InvalidCommandId for a bad id', async () => {
      // GIVEN a visible command for the primary
      const { region, send, get } = setup();
      const { CommandId } = await send(['true']);
      region.clock.advanceSeconds(2);

      // WHEN it is asked about the backup, or about a malformed command id
      // THEN the service's codes come back
      await expect(get(CommandId!, BACKUP)).rejects.toMatchObject({ code: 'InvocationDoesNotExist' });
      await expect(get('not-a-command')).rejects.toMatchObject({ code: 'InvalidCommandId' });
    });
  });

  describe('ListCommandInvocations and CancelCommand', () => {
    it('lists invocations with plugin details, and cancels the ones still running', async () => {
      // GIVEN a long command on two instances
      const { region, send, get } = setup({ scripts: [{ match: { commandContains: 'sleep' }, durationSeconds: 600 }] });
      const { CommandId } = await send(['sleep 600'], { InstanceIds: [PRIMARY, BACKUP] });
      region.clock.advanceSeconds(2);

      // WHEN its invocations are listed, then the primary's is cancelled
      const listed = (await region.call('ssm', 'ListCommandInvocations', {
        CommandId,
        Details: true,
      })) as ListCommandInvocationsResult;
      await region.call('ssm', 'CancelCommand', { CommandId, InstanceIds: [PRIMARY] });

      // THEN both were InProgress with plugin details; the primary's is Cancelled, the backup's still runs
      expect(listed.CommandInvocations).toHaveLength(2);
      expect(listed.CommandInvocations?.[0]).toMatchObject({
        Status: 'InProgress',
        CommandPlugins: [{ Name: 'aws:runShellScript', Status: 'InProgress', ResponseCode: -1 }],
      });
      expect(await get(CommandId!)).toMatchObject({ Status: 'Cancelled', StatusDetails: 'Cancelled' });
      expect((await get(CommandId!, BACKUP)).Status).toBe('InProgress');
      await expect(
        region.call('ssm', 'CancelCommand', { CommandId: '00000000-0000-4000-a000-000000000000' }),
      ).rejects.toMatchObject({
        code: 'InvalidCommandId',
      });
    });
  });

  it('reports its commands as plain JSON in the snapshot', async () => {
    // GIVEN a finished freeze
    const { region, ssm, send } = setup({ scripts: [FREEZE_SCRIPT] });
    await send(['ExternalFreeze']);
    region.clock.advanceSeconds(10);

    // WHEN the region is snapshotted
    const snapshot = ssm.snapshot();

    // THEN the command, its outcome and modeled times are there, as JSON
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot).toMatchObject({
      commands: [
        {
          documentName: 'AWS-RunShellScript',
          requestedAt: 0,
          invocations: [{ instanceId: PRIMARY, status: 'Failed', responseCode: 5, endedAt: 3, effectApplied: true }],
        },
      ],
    });
  });
});

describe('SsmSimulator with separate execution clocks', () => {
  it('reports an invocation ended only to a caller whose clock has reached its end, and applies its effect at that end', async () => {
    // GIVEN a freeze that ends 3 s after it is sent (1 s until the agent picks it up, 2 s of run time)
    const { region, ec2, send, get } = setup({ scripts: [FREEZE_SCRIPT] });
    const command = await send(['ExternalFreeze']);
    const updates = jest.spyOn(ec2, 'updateWorkload');
    // WHEN an execution 60 s further on in modeled time reads it
    const ahead = new VirtualClock(region.clock.now() + 60_000, region.baseClock.originMs);
    const seenAhead = await executionClock.run(ahead, () => get(command.CommandId!));
    // THEN for that execution it has ended, and its effect is recorded at the command's own end
    expect(seenAhead).toMatchObject({ Status: 'Failed', ResponseCode: 5, StandardOutputContent: 'IRIS frozen' }); // exit 5 is non-zero
    expect(updates).toHaveBeenCalledWith(PRIMARY, { frozen: true }, Date.parse(seenAhead.ExecutionEndDateTime!));
    // AND for the drill's own clock, 1.2 s after the send, it is still running, without output
    region.baseClock.advanceSeconds(1);
    const seenNow = await get(command.CommandId!);
    expect(seenNow).toMatchObject({ Status: 'InProgress', StandardOutputContent: '', ExecutionEndDateTime: '' });
  });
});
