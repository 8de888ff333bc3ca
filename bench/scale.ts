/**
 * The scale run: 1,000 protected groups fail at once and recover through the engine. Measures wall time and
 * peak memory, and checks that exactly 1,000 replacements exist and no group recovered twice.
 */
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { synthesize } from '../cli/template';
import { drill } from '../local/drill';
import { parseScenario } from '../local/scenario/load';

export interface ScaleFigures {
  readonly groups: number;
  readonly wallSeconds: number;
  readonly peakRssMiB: number;
  readonly succeeded: number;
  readonly replacements: number;
  readonly groupsRecoveredTwice: number;
  readonly modeledSeconds: number;
}

const VPC = 'vpc-0a1b2c3d4e5f60718';
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export async function scaleRun(root: string, groups = 1000): Promise<ScaleFigures> {
  const base = JSON.parse(readFileSync(path.join(root, 'infra', 'config', 'example.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const ids = Array.from({ length: groups }, (_, i) => `app-${i}`);
  const config = {
    ...base,
    drRegion: undefined,
    mirrorSets: undefined,
    snapshotBackup: undefined,
    instanceRecovery: { groups: ids.map((id) => ({ id, vpcId: VPC })) },
  };
  const tag = 'ha-workflows:recovery-group';
  const scenario = parseScenario({
    name: `${groups} groups fail at once`,
    workflow: 'instance-recovery',
    config,
    environment: {
      ec2: {
        vpcs: [{ vpcId: VPC }],
        subnets: ids.flatMap((id, i) => [
          { subnetId: `subnet-a${hex(i, 16)}`, vpcId: VPC, availabilityZone: 'eu-west-1a', tags: { [tag]: id } },
          { subnetId: `subnet-b${hex(i, 16)}`, vpcId: VPC, availabilityZone: 'eu-west-1b', tags: { [tag]: id } },
        ]),
        securityGroups: [{ groupId: 'sg-0aaaaaaaaaaaaaaa1', vpcId: VPC, groupName: 'app' }],
        // Only the AMIs a scenario lists exist (docs/engine.md, item 11).
        images: [{ imageId: 'ami-0123456789abcdef0' }],
        instances: ids.map((id, i) => ({
          instanceId: `i-${hex(i, 17)}`,
          imageId: 'ami-0123456789abcdef0',
          instanceType: 'm7i.large',
          subnetId: `subnet-a${hex(i, 16)}`,
          securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1'],
          tags: { Name: id, [tag]: id },
        })),
      },
    },
    triggers: ids.map((_, i) => ({ input: { instanceId: `i-${hex(i, 17)}` } })),
  });
  const site = synthesize(config).primary;
  if (!site) throw new Error('no primary stack');
  const t0 = performance.now();
  const result = await drill(scenario, { template: site.template, env: site.env });
  const wallSeconds = (performance.now() - t0) / 1000;
  const instances = (result.environment.ec2 as { instances: { tags: Record<string, string>; state: string }[] })
    .instances;
  const replacements = instances.filter((x) => x.tags['ha-workflows:replaces'] && x.state === 'running');
  const succeeded = result.executions.filter((e) => e.status === 'SUCCEEDED').length;
  // A scale figure of executions that did not recover measures nothing: fail the benchmark instead of reporting it.
  if (succeeded !== groups || replacements.length !== groups) {
    const failed = result.executions.find((e) => e.status !== 'SUCCEEDED');
    throw new Error(
      `scale run: ${succeeded} of ${groups} recoveries succeeded, ${replacements.length} replacements` +
        (failed ? `; first failure: ${failed.error}: ${failed.cause}` : ''),
    );
  }
  const perGroup = new Map<string, number>();
  for (const r of replacements) perGroup.set(r.tags[tag], (perGroup.get(r.tags[tag]) ?? 0) + 1);
  return {
    groups,
    wallSeconds: Math.round(wallSeconds * 10) / 10,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    succeeded,
    replacements: replacements.length,
    groupsRecoveredTwice: [...perGroup.values()].filter((n) => n > 1).length,
    modeledSeconds: result.modeledSeconds,
  };
}

if (require.main === module) {
  scaleRun(path.join(__dirname, '..'), Number(process.argv[2] ?? 1000))
    .then((f) => console.log(JSON.stringify(f, null, 2)))
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}
