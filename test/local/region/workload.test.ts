import type { z } from 'zod';
import { SimulatedRegion } from '../../../local/region/region';
import { type HookFiring, instanceHostOf, workloadChangesSchema, WorkloadModel } from '../../../local/region/workload';
import { FakeEc2 } from './fake-ec2';

const START = Date.parse('2026-01-01T00:00:00.000Z');
const DB = 'i-0aaaaaaaaaaaaaaa1';
const MEMBER = 'i-0bbbbbbbbbbbbbbb2';

/** A model on a clock the test moves (`at(seconds)`), with the given scripted changes. */
function setup(changes: z.input<typeof workloadChangesSchema> = []) {
  let now = START;
  const model = new WorkloadModel(() => now, START, workloadChangesSchema.parse(changes));
  const at = (seconds: number) => {
    now = START + seconds * 1000;
  };
  const ms = (seconds: number) => START + seconds * 1000;
  return { model, at, ms };
}

describe('WorkloadModel', () => {
  it('starts every instance in its scenario state, and an instance without one empty', () => {
    // GIVEN a primary and a launched instance
    const { model } = setup();
    model.addInstance(DB, { mirrorRole: 'primary', frozen: false });
    model.addInstance(MEMBER);

    // WHEN / THEN each reads its own state, at any moment
    expect(model.stateAt(DB, START)).toEqual({ mirrorRole: 'primary', frozen: false });
    expect(model.stateAt(MEMBER, START + 1000)).toEqual({});
  });

  it('applies scripted changes at their own moments, repeating ones until their end', () => {
    // GIVEN a backup that becomes primary at 10 s and flaps back to backup every 20 s from 20 s until 60 s
    const { model, at, ms } = setup([
      { instanceId: MEMBER, atSeconds: 10, set: { mirrorRole: 'primary' } },
      { instanceId: MEMBER, atSeconds: 20, set: { mirrorRole: 'backup' }, everySeconds: 20, untilSeconds: 60 },
    ]);
    model.addInstance(MEMBER, { mirrorRole: 'backup' });

    // WHEN read before the clock reaches the change
    at(5);
    const early = model.stateAt(MEMBER, ms(15));

    // THEN it is not there yet (the clock has not reached it)
    expect(early).toEqual({ mirrorRole: 'backup' });

    // AND once the clock is past them, each change shows from its own moment
    at(70);
    expect([5, 10, 19, 20, 40, 60].map((s) => model.stateAt(MEMBER, ms(s)).mirrorRole)).toEqual([
      'backup',
      'primary',
      'primary',
      'backup',
      'backup',
      'backup',
    ]);
    expect(model.changeTimes(MEMBER).filter(Number.isFinite)).toEqual([ms(10), ms(20), ms(40), ms(60)]);
  });

  it('merges an update now, and an earlier update at its own moment in the history', () => {
    // GIVEN a database at 10 s of modeled time
    const { model, at, ms } = setup();
    model.addInstance(DB, { mirrorRole: 'primary' });
    at(10);

    // WHEN a thaw is recorded now and a freeze that ended at 4 s (a command another execution saw end) comes later
    model.update(DB, { frozen: false });
    model.update(DB, { frozen: true }, ms(4));

    // THEN the history has the freeze at 4 s and the thaw at 10 s, each merged into the state of its moment
    expect(model.stateAt(DB, ms(3))).toEqual({ mirrorRole: 'primary' });
    expect(model.stateAt(DB, ms(4))).toEqual({ mirrorRole: 'primary', frozen: true });
    expect(model.stateAt(DB, ms(10))).toEqual({ mirrorRole: 'primary', frozen: false });
    expect(model.frozenIntervals(START)).toEqual([
      { instanceId: DB, from: new Date(ms(4)).toISOString(), to: new Date(ms(10)).toISOString() },
    ]);
  });

  it('reports a freeze still open at the end with no end', () => {
    // GIVEN a database frozen at 3 s and never thawed
    const { model, at, ms } = setup([{ instanceId: DB, atSeconds: 3, set: { frozen: true } }]);
    model.addInstance(DB, { frozen: false });

    // WHEN the frozen timeline is read at 30 s
    at(30);

    // THEN one interval from 3 s, still open
    expect(model.frozenIntervals(START)).toEqual([{ instanceId: DB, from: new Date(ms(3)).toISOString(), to: null }]);
  });

  it('refuses an update for an instance it does not know', () => {
    // GIVEN an empty model
    const { model } = setup();

    // WHEN / THEN
    expect(() => model.update(DB, { frozen: true })).toThrow(`no instance ${DB}`);
  });

  it("lists the scripted changes' hook firings before the drill starts, with the hook's delay and repeats", () => {
    // GIVEN a hooked member that becomes primary at 20 s (twice in a row) and a member without a hook
    const { model, ms } = setup([
      { instanceId: MEMBER, atSeconds: 20, set: { mirrorRole: 'primary' } },
      { instanceId: MEMBER, atSeconds: 25, set: { mirrorRole: 'primary' } },
      { instanceId: DB, atSeconds: 5, set: { mirrorRole: 'primary' } },
    ]);
    model.addInstance(
      MEMBER,
      { mirrorRole: 'backup' },
      {
        mirrorSet: 'db-1',
        delaySeconds: 4,
        times: 2,
        duplicateAfterSeconds: 10,
      },
    );
    model.addInstance(DB, { mirrorRole: 'backup' });

    // WHEN / THEN two runs of the hook for the one change to primary: at 24 s and 34 s
    expect(model.scriptedHookFirings()).toEqual([
      { instanceId: MEMBER, mirrorSet: 'db-1', atMs: ms(24) },
      { instanceId: MEMBER, mirrorSet: 'db-1', atMs: ms(34) },
    ]);
  });

  it('fires the hook for an update that makes a hooked member primary, once', async () => {
    // GIVEN a hooked backup and a listener
    const { model, at, ms } = setup();
    model.addInstance(
      MEMBER,
      { mirrorRole: 'backup' },
      {
        mirrorSet: 'db-1',
        delaySeconds: 0,
        times: 1,
        duplicateAfterSeconds: 0,
      },
    );
    const fired: HookFiring[] = [];
    model.onHookFiring((f) => fired.push(f));

    // WHEN a promotion makes it primary at 5 s, and another update says primary again at 8 s
    at(5);
    model.update(MEMBER, { mirrorRole: 'primary' });
    at(8);
    model.update(MEMBER, { mirrorRole: 'primary' });
    await Promise.resolve();

    // THEN the hook ran once, at 5 s
    expect(fired).toEqual([{ instanceId: MEMBER, mirrorSet: 'db-1', atMs: ms(5) }]);
  });
});

describe('instanceHostOf', () => {
  it("hands SSM the region's ec2 service with its workload", () => {
    // GIVEN a region whose ec2 service has instances and a workload
    const region = new SimulatedRegion({ seed: 1 });
    const ec2 = new FakeEc2([{ instanceId: DB, workload: { frozen: false } }]);
    region.register(ec2);

    // WHEN SSM looks it up and changes the workload through it
    const host = instanceHostOf(region, 'the simulated SSM');
    host.workload.update(DB, { frozen: true });

    // THEN it is the same instances and workload
    expect(host.inspectInstance(DB)?.workload).toEqual({ frozen: true });
  });

  it('names the service that needs it when the region has no ec2 service', () => {
    // GIVEN a region without ec2
    const region = new SimulatedRegion({ seed: 1 });

    // WHEN / THEN
    expect(() => instanceHostOf(region, 'the simulated SSM')).toThrow(
      'the simulated SSM needs the ec2 service (InstanceInspector)',
    );
  });
});
