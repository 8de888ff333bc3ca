/**
 * The instance-recovery construct's time budget: the state machine's TimeoutSeconds covers its three waits, and the
 * lock's lease outlives a running execution (a shorter lease would let a second recovery of the same group take the
 * lock over while the first still acts: two replacements, or a replacement of a replacement).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConfigError, parseConfig } from '../../infra/config/load';
import { HaFoundation, PropsError } from '../../workflows/base';
import { InstanceRecoveryWorkflow, type InstanceRecoveryWorkflowProps } from '../../workflows/instance-recovery';
import { TEST_APP_CONTEXT } from '../harness/synth';

const GROUP = { id: 'app-1', vpcId: 'vpc-0a1b2c3d4e5f60718' };

function build(props: Partial<InstanceRecoveryWorkflowProps> = {}): Template {
  const app = new App({ context: TEST_APP_CONTEXT });
  const stack = new Stack(app, 'Ha', { env: { account: '123456789012', region: 'eu-west-1' } });
  const foundation = new HaFoundation(stack, 'Foundation');
  new InstanceRecoveryWorkflow(stack, 'Recovery', { foundation, groups: [GROUP], ...props });
  return Template.fromStack(stack);
}

function machineTimeout(template: Template): number {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const definitions = Object.values(machines).map((m) => JSON.stringify(m.Properties.DefinitionString));
  // The machine's own TimeoutSeconds is the definition's last one (the states' come before it).
  const all = definitions.flatMap((d) => [...d.matchAll(/\\"TimeoutSeconds\\":(\d+)/g)].map((m) => Number(m[1])));
  return all[all.length - 1];
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('InstanceRecoveryWorkflow time budget', () => {
  it('runs long enough for its waits plus 15 minutes of work, and never less than 30 minutes', () => {
    // GIVEN the default waits (3 + 5 + 10 min), short waits, and a 60-minute healthy wait with a lease long enough
    // THEN each timeout covers its waits plus 15 min of work, and at least 30 min
    expect(machineTimeout(build())).toBe((3 + 5 + 10 + 15) * 60);
    expect(
      machineTimeout(
        build({
          runningTimeout: Duration.minutes(1),
          healthyTimeout: Duration.minutes(1),
          terminatedTimeout: Duration.minutes(1),
        }),
      ),
    ).toBe(1800);
    expect(machineTimeout(build({ healthyTimeout: Duration.minutes(60), lockTtl: Duration.hours(2) }))).toBe(
      (3 + 5 + 60 + 15) * 60,
    );
  });

  it('refuses a lock lease shorter than a running execution, naming the prop, the value and the bound', () => {
    // WHEN the lease is 10 minutes and the execution may run 33
    const error = errorOf(() => build({ lockTtl: Duration.minutes(10) }));
    // THEN the props error names lockTtl, what it got and what it needs
    expect(error).toBeInstanceOf(PropsError);
    expect(error.message).toContain("lockTtl: got 600 s; must be at least the state machine's timeout (1980 s)");
  });

  it('refuses a timeout that does not cover its own waits', () => {
    const error = errorOf(() => build({ timeout: Duration.minutes(20), healthyTimeout: Duration.minutes(10) }));
    expect(error).toBeInstanceOf(PropsError);
    expect(error.message).toContain('timeout: got 1200 s; must be at least');
  });

  it('refuses a configuration whose lease is shorter than the recovery it protects, naming the field', () => {
    const config = {
      primaryRegion: 'eu-west-1',
      instanceRecovery: { groups: [GROUP], healthyTimeoutMinutes: 60, lockTtlMinutes: 60 },
    };
    const error = errorOf(() => parseConfig(config, 'prod.json'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('$.instanceRecovery.lockTtlMinutes');
    expect(error.message).toContain('83 min');
  });
});
