import type { GetExecutionHistoryOutput, StartExecutionOutput } from '@aws-sdk/client-sfn';
import { buildWorld } from '../../../local/drill';
import { WallClock } from '../../../local/engine/wall-clock';
import { SimulatedRegion } from '../../../local/region/region';
import { environmentSchema } from '../../../local/scenario/schema';
import { APPROVAL_ENV, APPROVAL_MACHINE, approvalTemplate } from '../../fixtures/approval-template';

const ENV = APPROVAL_ENV;
const MACHINE = APPROVAL_MACHINE;
const definition = {
  StartAt: 'Ask for approval',
  TimeoutSeconds: 7200,
  States: {
    'Ask for approval': {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      Parameters: { TopicArn: '__TOPIC__', Message: 'approve?', MessageAttributes: {} },
      HeartbeatSeconds: 3600,
      TimeoutSeconds: 3600,
      ResultPath: '$.approval',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};
const template = approvalTemplate(definition);

describe('WallClock (local serve keeps wall time, issue #13 item 20)', () => {
  it('follows the wall clock, scaled, and never runs backwards', () => {
    // GIVEN a wall clock we move by hand, and modeled time running 10 × faster
    let wall = Date.parse('2026-01-05T09:00:00Z');
    const clock = new WallClock(10, () => wall);
    // WHEN 6 wall seconds pass THEN 60 modeled seconds have passed
    wall += 6000;
    expect(clock.nowIso()).toBe('2026-01-05T09:01:00.000Z');
    // WHEN the engine advances it (a modeled latency) THEN it is ahead of the wall clock until the wall catches up
    clock.advanceSeconds(120);
    expect(clock.nowIso()).toBe('2026-01-05T09:03:00.000Z');
    wall += 6000;
    expect(clock.nowIso()).toBe('2026-01-05T09:03:00.000Z');
    wall += 30000;
    expect(clock.nowIso()).toBe('2026-01-05T09:07:00.000Z');
  });

  it('starts each execution at the wall time it was started, concurrently, and stamps an approval when it arrives', async () => {
    // GIVEN the local endpoint's world on a wall clock we move by hand
    let wall = Date.parse('2026-01-05T09:00:00Z');
    const region = new SimulatedRegion({
      seed: 5,
      regionName: ENV.region,
      accountId: ENV.account,
      clock: new WallClock(1, () => wall),
    });
    const sfn = buildWorld(region, template, ENV, environmentSchema.parse({}), { broker: 'live' });
    const start = async (name: string) =>
      (
        (await region.call('sfn', 'StartExecution', {
          stateMachineArn: MACHINE,
          name,
          input: '{}',
        })) as StartExecutionOutput
      ).executionArn!;
    // WHEN one execution starts, and another 10 minutes later while the first still waits for its approval
    const first = await start('first');
    await new Promise((r) => setTimeout(r, 20));
    wall += 600_000;
    const second = await start('second');
    await new Promise((r) => setTimeout(r, 20));
    // AND the first is approved 20 minutes after it started
    wall += 600_000;
    const token = sfn.pendingTokens().find((t) => t.executionArn === first)!.token;
    await region.call('sfn', 'SendTaskSuccess', { taskToken: token, output: '{"approved":true}' });
    await new Promise((r) => setTimeout(r, 20));
    // THEN each execution started at its wall time, and the approval is stamped at its wall time
    const history = async (arn: string) =>
      ((await region.call('sfn', 'GetExecutionHistory', { executionArn: arn })) as GetExecutionHistoryOutput).events!;
    const at = (e: { timestamp?: Date | number }) =>
      new Date(Number(e.timestamp) < 1e11 ? Number(e.timestamp) * 1000 : Number(e.timestamp))
        .toISOString()
        .slice(0, 16);
    expect(at((await history(first))[0])).toBe('2026-01-05T09:00');
    expect(at((await history(second))[0])).toBe('2026-01-05T09:10');
    const succeeded = (await history(first)).find((e) => e.type === 'TaskSucceeded');
    expect(at(succeeded!)).toBe('2026-01-05T09:20');
    // AND the second still waits: the first's approval did not move it
    expect(sfn.pendingTokens().map((t) => t.executionArn)).toEqual([second]);
    await region.call('sfn', 'StopExecution', { executionArn: second });
  });
});
