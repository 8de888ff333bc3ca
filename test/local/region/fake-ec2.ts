import type { ActionHandler, ServiceSimulator } from '../../../local/region/region';
import type { InstanceInspector, InstanceView, WorkloadState } from '../../../local/region/types';
import type { WorkloadUpdates } from '../../../local/region/workload';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A stand-in for the EC2 simulator: instances whose state a test sets directly. It answers no API actions; the
 * simulators under test only use it as their InstanceInspector.
 */
export class FakeEc2 implements ServiceSimulator, InstanceInspector {
  readonly name = 'ec2' as const;
  readonly actions: Readonly<Record<string, ActionHandler>> = {};
  private readonly instances = new Map<string, Mutable<InstanceView>>();
  /** The workload as SSM changes it: through `updateWorkload`, so that a test can spy on it. */
  readonly workload: WorkloadUpdates = { update: (id, changes, atMs) => this.updateWorkload(id, changes, atMs) };

  constructor(instances: (Partial<InstanceView> & { instanceId: string })[] = []) {
    instances.forEach((i, n) => this.add(i, n));
  }

  add(instance: Partial<InstanceView> & { instanceId: string }, n = this.instances.size): this {
    this.instances.set(instance.instanceId, {
      state: 'running',
      availabilityZone: 'us-east-1a',
      subnetId: 'subnet-0aaaaaaaaaaaaaaa1',
      privateIpAddress: `10.0.1.${10 + n}`,
      ssmOnline: true,
      impaired: false,
      securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1'],
      tags: {},
      workload: {},
      ...instance,
    });
    return this;
  }

  /** Changes an instance, e.g. `set('i-…', { state: 'stopped' })`. */
  set(instanceId: string, changes: Partial<Omit<InstanceView, 'instanceId'>>): void {
    Object.assign(this.required(instanceId), changes);
  }

  remove(instanceId: string): void {
    this.instances.delete(instanceId);
  }

  inspectInstance(instanceId: string): InstanceView | undefined {
    const i = this.instances.get(instanceId);
    return i && structuredClone(i);
  }

  findInstanceByAddress(address: string): InstanceView | undefined {
    const i = [...this.instances.values()].find((x) => x.privateIpAddress === address);
    return i && structuredClone(i);
  }

  updateWorkload(instanceId: string, changes: WorkloadState, _atMs?: number): void {
    const i = this.required(instanceId);
    i.workload = { ...i.workload, ...changes };
  }

  latencyOf(_action: string): number {
    return 0;
  }

  snapshot(): unknown {
    return { instances: [...this.instances.values()] };
  }

  private required(instanceId: string): Mutable<InstanceView> {
    const i = this.instances.get(instanceId);
    if (!i) throw new Error(`FakeEc2 has no instance ${instanceId}`);
    return i;
  }
}
