import { Ec2Simulator } from '../../../local/region/ec2';
import { SimulatedRegion } from '../../../local/region/region';

// Issue #14: the frozen timeline (`ec2.frozen`) that the campaign invariant never-left-frozen reads.

const DB = 'i-0bbbbbbbbbbbbbbb1';

interface FrozenRow {
  instanceId: string;
  from: string;
  to: string | null;
}

function setup(workloadChanges: { atSeconds: number; instanceId: string; set: Record<string, boolean> }[] = []) {
  const region = new SimulatedRegion({ seed: 1 });
  const ec2 = new Ec2Simulator(region, {
    vpcs: [{ vpcId: 'vpc-1' }],
    subnets: [{ subnetId: 'subnet-a', vpcId: 'vpc-1', availabilityZone: 'us-east-1a', cidrBlock: '10.0.1.0/24' }],
    instances: [
      {
        instanceId: DB,
        imageId: 'ami-0123456789abcdef0',
        instanceType: 'r7i.xlarge',
        subnetId: 'subnet-a',
        workload: { frozen: false },
      },
    ],
    workloadChanges,
  });
  region.register(ec2);
  const frozen = () => (ec2.snapshot() as { frozen: FrozenRow[] }).frozen;
  const iso = (seconds: number) => new Date(region.clock.startMs + seconds * 1000).toISOString();
  return { region, ec2, frozen, iso };
}

describe('the frozen timeline', () => {
  it('records a freeze and its thaw as one closed interval', () => {
    // GIVEN a database frozen at 10 s and thawed at 15 s (a freeze command's effect, then a thaw's)
    const { region, ec2, frozen, iso } = setup();
    region.clock.advanceSeconds(10);
    ec2.updateWorkload(DB, { frozen: true });
    region.clock.advanceSeconds(5);
    ec2.updateWorkload(DB, { frozen: false });
    // WHEN the environment is read at the end
    // THEN one interval from the freeze to the thaw is listed, although the final workload shows nothing
    expect(frozen()).toEqual([{ instanceId: DB, from: iso(10), to: iso(15) }]);
  });

  it('leaves an interval open when the database is still frozen at the end', () => {
    // GIVEN a scripted freeze at 3 s that nothing thaws
    const { region, frozen, iso } = setup([{ atSeconds: 3, instanceId: DB, set: { frozen: true } }]);
    // WHEN the drill ends at 60 s
    region.clock.advanceSeconds(60);
    // THEN the interval has no end
    expect(frozen()).toEqual([{ instanceId: DB, from: iso(3), to: null }]);
  });

  it('lists nothing for a workload that was never frozen', () => {
    // GIVEN an instance whose workload never freezes
    const { region, frozen } = setup();
    // WHEN time passes
    region.clock.advanceSeconds(30);
    // THEN there is no frozen interval
    expect(frozen()).toEqual([]);
  });
});
