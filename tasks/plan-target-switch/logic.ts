import { DescribeTargetHealthCommand, type TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type Clients, send } from '../shared/clients';
import { UnexpectedApiResponse } from '../shared/errors';
import type { DeregisterTarget, PlanTargetSwitchInput, PlanTargetSwitchOutput, RegisterTarget } from './contract';

/**
 * Reads who is registered in each of the mirror set's target groups and plans the switch to the primary:
 * register it where it is missing, deregister every other member that is still registered. Read-only.
 *
 * Registered means listed by DescribeTargetHealth and not `draining` (an `unused` target of a stopped instance is
 * still registered). Targets that are not members of the set are never planned for deregistration.
 */
export async function planTargetSwitch(
  clients: Pick<Clients, 'elbv2'>,
  input: PlanTargetSwitchInput,
): Promise<PlanTargetSwitchOutput> {
  const members = new Set(input.members);
  const register: RegisterTarget[] = [];
  const deregister: DeregisterTarget[] = [];
  const previous = new Set<string>();
  let otherTargets = 0;
  for (const targetGroupArn of input.targetGroupArns) {
    const out = await send(clients.elbv2, new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    const registered = (out.TargetHealthDescriptions ?? []).filter(isRegistered);
    if (!registered.some((d) => d.Target?.Id === input.primary)) {
      register.push({ targetGroupArn, instanceId: input.primary });
    }
    for (const d of registered) {
      const id = d.Target?.Id;
      const port = d.Target?.Port;
      if (id === undefined || port === undefined) {
        throw new UnexpectedApiResponse(
          `DescribeTargetHealth of ${targetGroupArn} returned a target without Id or Port`,
        );
      }
      if (!members.has(id)) {
        otherTargets += 1;
      } else if (id !== input.primary) {
        deregister.push({ targetGroupArn, instanceId: id, port });
        previous.add(id);
      }
    }
  }
  return {
    changes: register.length > 0 || deregister.length > 0,
    register,
    deregister,
    previous: previous.size > 0 ? [...previous].join(', ') : 'none',
    otherTargets,
  };
}

function isRegistered(d: TargetHealthDescription): boolean {
  return d.TargetHealth?.State !== 'draining' && d.TargetHealth?.Reason !== 'Target.NotRegistered';
}
