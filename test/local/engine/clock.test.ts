import { executionClock, VirtualClock } from '../../../local/clock';
import {
  EndedAt,
  ExecutionClocks,
  KillTime,
  type TaskTiming,
  waitSeconds,
  withModeledDate,
} from '../../../local/engine/clock';

const T0 = Date.parse('2026-01-05T09:00:00.000Z');
const at = (seconds: number) => T0 + seconds * 1000;

/** A promise the test settles when it chooses: holds a Task in flight. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** A Task as the runner runs one: forked clock, the code under it, then the Task's end. */
async function runTask<T>(
  clocks: ExecutionClocks,
  timeoutSeconds: number,
  enforceDeadline: boolean,
  fn: () => Promise<T>,
): Promise<TaskTiming<T>> {
  const task = clocks.startTask(timeoutSeconds);
  let timing: TaskTiming<T>;
  try {
    timing = { outcome: 'returned', value: await executionClock.run(task.clock, fn) };
  } catch (e) {
    timing = { outcome: 'threw', error: e as Error };
  }
  return clocks.endTask(task, timing, enforceDeadline);
}

describe('ExecutionClocks', () => {
  it('runs a Task on a clock forked from the execution’s and moves the execution to the Task’s end', async () => {
    const clocks = new ExecutionClocks(new VirtualClock(T0));
    let inside: VirtualClock | undefined;
    const timing = await runTask(clocks, 60, true, async () => {
      inside = clocks.current();
      inside.advanceSeconds(12);
      return 'done';
    });
    expect(timing).toEqual({ outcome: 'returned', value: 'done' });
    expect(inside).not.toBe(clocks.clock);
    expect(clocks.current()).toBe(clocks.clock);
    expect(clocks.clock.now()).toBe(at(12));
    expect(clocks.elapsedSeconds()).toBe(12);
  });

  it('ends a Task still running at its deadline there: the execution goes on from the deadline', async () => {
    const clocks = new ExecutionClocks(new VirtualClock(T0));
    const timing = await runTask(clocks, 30, true, async () => {
      clocks.current().advanceSeconds(40); // a call answering late: its effect happens at 40 s
      return 'late';
    });
    expect(timing).toEqual({ outcome: 'timedOut' });
    expect(clocks.clock.now()).toBe(at(30));
  });

  it('takes a task-token wait’s end as it is (its broker settles its own deadline)', async () => {
    const clocks = new ExecutionClocks(new VirtualClock(T0));
    const timing = await runTask(clocks, 30, false, async () => {
      clocks.current().advanceSeconds(40);
      return 'approved';
    });
    expect(timing).toEqual({ outcome: 'returned', value: 'approved' });
    expect(clocks.clock.now()).toBe(at(40));
  });

  it('moves the execution to the end an EndedAt names (a Lambda function killed at its timeout), not the Task’s clock', async () => {
    const clocks = new ExecutionClocks(new VirtualClock(T0));
    const killed = new EndedAt('Sandbox.Timedout', '{}', at(3));
    const timing = await runTask(clocks, 60, true, async () => {
      clocks.current().advanceSeconds(20);
      throw killed;
    });
    expect(timing).toEqual({ outcome: 'threw', error: killed });
    expect(clocks.clock.now()).toBe(at(3));
  });

  describe('frontierMs', () => {
    it('is the execution’s clock when no Task is in flight', () => {
      const clocks = new ExecutionClocks(new VirtualClock(T0));
      clocks.clock.advanceSeconds(7);
      expect(clocks.frontierMs()).toBe(at(7));
    });

    it('is a Task’s deadline when the Task’s clock ran past it, not the Task’s clock', async () => {
      // Two Tasks at once (a Map): A's call answers late, past A's 10 s deadline; B ends at 30 s and moves the
      // execution's clock past A's deadline. The execution goes on from A's deadline: that is how far it has got.
      const clocks = new ExecutionClocks(new VirtualClock(T0));
      const holdA = gate();
      const a = runTask(clocks, 10, true, async () => {
        clocks.current().advanceSeconds(100);
        await holdA.wait;
      });
      const b = await runTask(clocks, 60, true, async () => {
        clocks.current().advanceSeconds(30);
      });
      expect(b.outcome).toBe('returned');
      expect(clocks.clock.now()).toBe(at(30));
      expect(clocks.frontierMs()).toBe(at(10));
      holdA.open();
      expect(await a).toEqual({ outcome: 'timedOut' });
      expect(clocks.frontierMs()).toBe(at(30));
    });

    it('is a Task’s clock when it is behind the execution’s', async () => {
      const clocks = new ExecutionClocks(new VirtualClock(T0));
      const holdA = gate();
      const a = runTask(clocks, 60, true, async () => {
        clocks.current().advanceSeconds(2);
        await holdA.wait;
      });
      await runTask(clocks, 60, true, async () => clocks.current().advanceSeconds(30));
      expect(clocks.frontierMs()).toBe(at(2));
      holdA.open();
      await a;
      expect(clocks.frontierMs()).toBe(at(30));
    });

    it('is the kill time of a Lambda function that ran past it', async () => {
      const clocks = new ExecutionClocks(new VirtualClock(T0));
      const holdA = gate();
      const a = runTask(clocks, 60, true, async () => {
        const kill = new KillTime(clocks.current(), 5, () => new Error('killed'));
        clocks.current().advanceSeconds(20);
        await holdA.wait;
        kill.clear();
      });
      await runTask(clocks, 60, true, async () => clocks.current().advanceSeconds(30));
      expect(clocks.frontierMs()).toBe(at(5));
      holdA.open();
      await a;
      expect(clocks.frontierMs()).toBe(at(30));
    });
  });
});

describe('KillTime', () => {
  it('freezes the code past its kill time: the clock refuses further calls with the kill error', () => {
    const clock = new VirtualClock(T0);
    const kill = new KillTime(clock, 3, () => new Error('Task timed out after 3.00 seconds'));
    expect(kill.atMs).toBe(at(3));
    clock.advanceSeconds(3);
    expect(kill.passed()).toBe(false);
    expect(() => clock.checkAlive()).not.toThrow();
    clock.advanceSeconds(0.001);
    expect(kill.passed()).toBe(true);
    expect(() => clock.checkAlive()).toThrow('Task timed out after 3.00 seconds');
  });

  it('is lifted when the function has ended', () => {
    const clock = new VirtualClock(T0);
    const kill = new KillTime(clock, 3, () => new Error('killed'));
    kill.clear();
    clock.advanceSeconds(10);
    expect(clock.killAtMs).toBeUndefined();
    expect(() => clock.checkAlive()).not.toThrow();
  });
});

describe('withModeledDate', () => {
  it('makes Date.now() and new Date() the modeled moment inside, and the real Date outside', () => {
    const seen = withModeledDate(at(5), () => ({ now: Date.now(), date: new Date().toISOString() }));
    expect(seen).toEqual({ now: at(5), date: '2026-01-05T09:00:05.000Z' });
    expect(new Date('2020-01-01T00:00:00Z').getTime()).toBe(Date.parse('2020-01-01T00:00:00Z'));
    expect(Date.now()).not.toBe(at(5));
  });
});

describe('waitSeconds', () => {
  const input = { pause: 12, until: '2026-01-05T09:01:00Z', past: '2026-01-05T08:00:00Z' };
  it.each([
    [{ Type: 'Wait', Seconds: 5 }, 5],
    [{ Type: 'Wait', SecondsPath: '$.pause' }, 12],
    [{ Type: 'Wait', Timestamp: '2026-01-05T09:00:30Z' }, 30],
    [{ Type: 'Wait', TimestampPath: '$.until' }, 60],
    [{ Type: 'Wait', TimestampPath: '$.past' }, 0],
  ])('%j waits %d s from 09:00:00', (state, seconds) => {
    expect(waitSeconds(state, input, {}, T0)).toBe(seconds);
  });
});
