import {
  groupPlacement,
  groupPlacementSchema,
  type RecoveryGroupConfig,
  recoveryGroupSchema,
  type RecoveryGroupSettings,
} from '../../contracts/recovery-group';
import { inputSchema as inspectInputSchema } from '../../tasks/inspect-instance/contract';
import type { RecoveryGroup } from '../../workflows/instance-recovery';

const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/iris/0123456789abcdef';

/** Compile-time: `A` and `B` accept the same values (readonly aside). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type MutableList<V> = V extends readonly (infer E)[] ? E[] : V;
type Mutable<T> = { -readonly [K in keyof T]: MutableList<T[K]> };

describe('the recovery-group shape (contracts/recovery-group.ts, its one home)', () => {
  it('is the same shape in the configuration file and in the construct props', () => {
    // A compile-time check: a field added to one and not the other fails the type check of this file
    const same: Same<Mutable<RecoveryGroup>, RecoveryGroupConfig> = true;
    expect(same).toBe(true);
  });

  it('fills every list a configured group leaves out', () => {
    // GIVEN a group with only its id and VPC / WHEN parsed / THEN the definition gets empty lists, never undefined
    const group = recoveryGroupSchema.parse({ id: 'iris', vpcId: 'vpc-0123456789abcdef0' });
    const settings: RecoveryGroupSettings = group;
    expect(settings).toEqual({
      id: 'iris',
      vpcId: 'vpc-0123456789abcdef0',
      targetGroupArns: [],
      subnetPreference: [],
      impairedZones: [],
      instanceRoleArns: [],
    });
  });

  it('reaches the inspect task as an entry its input schema accepts, field for field', () => {
    // GIVEN a configured group
    const group = recoveryGroupSchema.parse({
      id: 'iris',
      vpcId: 'vpc-0123456789abcdef0',
      targetGroupArns: [TG],
      subnetPreference: ['subnet-0123456789abcdef0'],
      impairedZones: ['eu-west-1c'],
    });
    // WHEN the definition builds the task's payload entry for it
    const entry = groupPlacement(group);
    // THEN the task parses it unchanged (in the key order the state machine's JSON has)
    expect(Object.keys(entry)).toEqual(['impairedZones', 'subnetPreference', 'targetGroupArns']);
    expect(groupPlacementSchema.parse(entry)).toEqual(entry);
    const input = inspectInputSchema.parse({
      instanceId: 'i-0123456789abcdef0',
      executionStartTime: '2026-01-05T02:30:00Z',
      tagKey: 'ha-workflows:recovery-group',
      lockTtlSeconds: 3600,
      groups: { [group.id]: entry },
      denyAllGroups: {},
    });
    expect(input.groups.iris).toEqual({
      impairedZones: ['eu-west-1c'],
      subnetPreference: ['subnet-0123456789abcdef0'],
      targetGroupArns: [TG],
    });
  });

  it('rejects what the configuration does not allow, naming the field', () => {
    const result = recoveryGroupSchema.safeParse({ id: 'iris', vpcId: 'vpc-0123456789abcdef0', impairedZones: ['x'] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['impairedZones', 0], message: expect.stringMatching(/AZ/) });
  });
});
