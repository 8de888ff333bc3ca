import { baseScenario } from '../../../local/campaign/bases';
import { FAULT_KINDS, faultKind, faultKindsFor } from '../../../local/campaign/faults';
import {
  type BaseFacts,
  CAMPAIGN_WORKFLOWS,
  type CampaignWorkflow,
  type FaultParams,
} from '../../../local/campaign/types';
import { Random } from '../../../local/random';
import { parseScenario } from '../../../local/scenario/load';

/**
 * The facts of each base drill, as baseFacts reports them (test/local/campaign/bases.test.ts drills the bases and
 * checks every kind can still draw from the real facts); fixed here so this file drills nothing.
 */
const FACTS: Readonly<Record<CampaignWorkflow, BaseFacts>> = {
  'instance-recovery': {
    workflow: 'instance-recovery',
    zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    instanceIds: ['i-0123456789abcdef0'],
    actions: [
      'cloudwatch:DeleteAlarms',
      'cloudwatch:DescribeAlarms',
      'cloudwatch:PutMetricAlarm',
      'dynamodb:UpdateItem',
      'ec2:CreateTags',
      'ec2:DescribeImages',
      'ec2:DescribeInstanceTypeOfferings',
      'ec2:DescribeInstances',
      'ec2:DescribeSubnets',
      'ec2:ModifyInstanceAttribute',
      'ec2:ModifyNetworkInterfaceAttribute',
      'ec2:RunInstances',
      'ec2:TerminateInstances',
      'elasticloadbalancingv2:DeregisterTargets',
      'elasticloadbalancingv2:DescribeTargetGroups',
      'elasticloadbalancingv2:DescribeTargetHealth',
      'elasticloadbalancingv2:RegisterTargets',
      'sns:Publish',
    ],
    durationSeconds: 101.36,
  },
  'mirror-failover': {
    workflow: 'mirror-failover',
    zones: ['eu-west-1a', 'eu-west-1b'],
    instanceIds: ['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2'],
    actions: [
      'dynamodb:UpdateItem',
      'elasticloadbalancingv2:DeregisterTargets',
      'elasticloadbalancingv2:DescribeTargetHealth',
      'elasticloadbalancingv2:RegisterTargets',
      'http:Get',
      'sns:Publish',
    ],
    durationSeconds: 136.285,
  },
  'dr-promotion': {
    workflow: 'dr-promotion',
    zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
    instanceIds: ['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2', 'i-0ccccccccccccccc3'],
    actions: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'ec2:DescribeInstances',
      'ec2:ModifyNetworkInterfaceAttribute',
      'ec2:StopInstances',
      'elasticloadbalancingv2:RegisterTargets',
      'http:Get',
      'sns:Publish',
      'ssm:GetCommandInvocation',
      'ssm:SendCommand',
    ],
    durationSeconds: 384.915,
  },
  'snapshot-backup': {
    workflow: 'snapshot-backup',
    zones: ['eu-west-1a', 'eu-west-1b'],
    instanceIds: ['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2'],
    actions: [
      'cloudwatch:PutMetricData',
      'dynamodb:UpdateItem',
      'ec2:CopySnapshot',
      'ec2:CreateSnapshots',
      'ec2:DescribeInstances',
      'ec2:DescribeSnapshots',
      'sfn:StartExecution',
      'ssm:GetCommandInvocation',
      'ssm:SendCommand',
    ],
    durationSeconds: 198.915,
  },
};

const SEEDS = [1, 7, 20261203];

/** True when `b` is smaller than `a` in some respect and larger in none (numbers, lists, and nothing else changed). */
function strictlySmaller(a: FaultParams, b: FaultParams): boolean {
  let less = false;
  for (const key of Object.keys(a)) {
    const x = a[key];
    const y = b[key];
    if (typeof x === 'number' && typeof y === 'number') {
      if (y > x) return false;
      if (y < x) less = true;
    } else if (Array.isArray(x) && Array.isArray(y)) {
      if (y.length > x.length || !y.every((v) => x.includes(v))) return false;
      if (y.length < x.length) less = true;
    } else if (JSON.stringify(x) !== JSON.stringify(y)) {
      return false;
    }
  }
  return less && Object.keys(b).every((key) => key in a);
}

const cases = CAMPAIGN_WORKFLOWS.flatMap((workflow) =>
  faultKindsFor(workflow).flatMap((kind) => SEEDS.map((seed) => ({ workflow, kind: kind.name, seed }))),
);

describe('the fault catalogue', () => {
  it('names each kind once, in kebab-case, with a description and at least one workflow', () => {
    // GIVEN the catalogue / WHEN its names are read
    const names = FAULT_KINDS.map((k) => k.name);
    // THEN they are unique, kebab-case, described and applicable somewhere
    expect(new Set(names).size).toBe(names.length);
    for (const k of FAULT_KINDS) {
      expect(k.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(k.description.length).toBeGreaterThan(20);
      expect(k.workflows.length).toBeGreaterThan(0);
    }
    expect(() => faultKind('no-such-kind')).toThrow(/unknown fault kind/);
  });

  it.each(cases)(
    '$kind on $workflow, seed $seed: draws JSON params again for the same seed, and applies to a valid scenario',
    ({ workflow, kind, seed }) => {
      // GIVEN the kind, the base's facts and a seed
      const k = faultKind(kind);
      const facts = FACTS[workflow];
      // WHEN it draws twice from the same seed and applies the parameters to the base
      const params = k.draw(new Random(seed), facts);
      const again = k.draw(new Random(seed), facts);
      const { file, scenario } = baseScenario(workflow);
      k.apply(scenario, params);
      // THEN the parameters are plain JSON, the same both times, and the scenario is one `drill` accepts
      expect(JSON.parse(JSON.stringify(params))).toEqual(params);
      expect(again).toEqual(params);
      expect(() => parseScenario(scenario, file)).not.toThrow();
      expect(JSON.stringify(scenario)).not.toEqual(JSON.stringify(baseScenario(workflow).scenario));
    },
  );

  it.each(cases)(
    '$kind on $workflow, seed $seed: shrinks to strictly smaller params that still apply',
    ({ workflow, kind, seed }) => {
      // GIVEN drawn parameters
      const k = faultKind(kind);
      const params = k.draw(new Random(seed), FACTS[workflow]);
      // WHEN they are shrunk
      const variants = k.shrink?.(params) ?? [];
      // THEN every variant is smaller in some parameter and larger in none, and still makes a valid scenario
      for (const v of variants) {
        expect(strictlySmaller(params, v)).toBe(true);
        const { file, scenario } = baseScenario(workflow);
        k.apply(scenario, v);
        expect(() => parseScenario(scenario, file)).not.toThrow();
      }
    },
  );

  it('stacks several faults on one base copy without touching the next copy', () => {
    // GIVEN every kind of snapshot-backup drawn with one generator, applied in turn to one copy of the base
    const rng = new Random(3);
    const { file, scenario } = baseScenario('snapshot-backup');
    for (const k of faultKindsFor('snapshot-backup')) k.apply(scenario, k.draw(rng, FACTS['snapshot-backup']));
    // WHEN the result is parsed and a new copy of the base is taken
    const parsed = parseScenario(scenario, file);
    const fresh = baseScenario('snapshot-backup').scenario;
    // THEN the stacked scenario is valid and the base is unchanged
    expect(parsed.faults.length).toBeGreaterThan(0);
    expect(fresh.faults ?? []).toEqual([]);
    expect(fresh.stops).toBeUndefined();
  });

  it('shrinks until nothing smaller is left, in a bounded number of steps', () => {
    // GIVEN every kind and workflow, drawn once
    for (const workflow of CAMPAIGN_WORKFLOWS) {
      for (const k of faultKindsFor(workflow)) {
        let params = k.draw(new Random(11), FACTS[workflow]);
        // WHEN the first smaller variant is taken again and again
        let steps = 0;
        for (let next = k.shrink?.(params) ?? []; next.length > 0; next = k.shrink?.(params) ?? []) {
          params = next[0];
          steps += 1;
          // THEN it ends (smaller numbers and shorter lists cannot go on for ever)
          expect(steps).toBeLessThan(100);
        }
      }
    }
  });
});
