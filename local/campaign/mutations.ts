/**
 * Known-bad variants of the workflows for the campaign's self-test (issue #14): each takes a synthesized template
 * and returns a copy in which one state machine's ASL is broken on purpose — a fence skipped, a thaw dropped from a
 * failure path, an approval bypassed — the way a careless edit of a definition would break it. The self-test
 * (self-test.ts) drills each variant and expects the invariant it targets to fire; an invariant that no variant can
 * make fire checks nothing.
 *
 * Mutations work on the resolved definition (plain ASL) and write it back as a plain `DefinitionString`, which the
 * template resolver accepts as it is. They recurse into Map (`ItemProcessor`/`Iterator`) and Parallel (`Branches`)
 * bodies, so a state is found wherever it sits.
 */
import { type CfnTemplate, type ResolveEnv, resolveStateMachines } from '../template';
import { WORKFLOW_METADATA_KEY } from '../../contracts/metadata';
import type { CampaignWorkflow } from './types';

/** An ASL state, as far as the mutations read it. */
interface AslState {
  Type: string;
  Next?: string;
  Default?: string;
  End?: boolean;
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Retry?: unknown[];
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  Branches?: AslMachine[];
  [key: string]: unknown;
}

/** A state machine definition (or a Map/Parallel body). */
export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  [key: string]: unknown;
}

/** The body (`States` map and its owner) that holds `stateName`, or an error naming what exists. */
function ownerOf(machine: AslMachine, stateName: string): { body: AslMachine; state: AslState } {
  const find = (m: AslMachine): AslMachine | undefined => {
    if (stateName in m.States) return m;
    for (const s of Object.values(m.States)) {
      for (const inner of [s.ItemProcessor, s.Iterator, ...(s.Branches ?? [])]) {
        const hit = inner && find(inner);
        if (hit) return hit;
      }
    }
    return undefined;
  };
  const body = find(machine);
  if (!body) throw new Error(`mutation: no state "${stateName}" in the definition`);
  return { body, state: body.States[stateName] };
}

/** Points every transition (Next, Default, Choice rule, Catch, StartAt) that leads to `from` at `to` instead. */
function retarget(machine: AslMachine, from: string, to: string): void {
  const visit = (m: AslMachine) => {
    if (m.StartAt === from) m.StartAt = to;
    for (const s of Object.values(m.States)) {
      if (s.Next === from) s.Next = to;
      if (s.Default === from) s.Default = to;
      for (const c of s.Choices ?? []) if (c.Next === from) c.Next = to;
      for (const c of s.Catch ?? []) if (c.Next === from) c.Next = to;
      for (const inner of [s.ItemProcessor, s.Iterator, ...(s.Branches ?? [])]) if (inner) visit(inner);
    }
  };
  visit(machine);
}

/**
 * Removes a state from the flow: every transition to it goes to its own `Next` instead (it must have one; a Choice
 * is skipped to its Default). The state is deleted; states only it led to are pruned by mutateTemplate.
 */
export function skipState(machine: AslMachine, stateName: string): void {
  const { body, state } = ownerOf(machine, stateName);
  const next = state.Next ?? state.Default;
  if (!next) throw new Error(`mutation: state "${stateName}" has no Next to skip to`);
  retarget(machine, stateName, next);
  delete body.States[stateName];
}

/** Replaces a Choice with a Pass to `next`: the decision always comes out one way. */
export function forceChoice(machine: AslMachine, stateName: string, next: string): void {
  const { body, state } = ownerOf(machine, stateName);
  if (state.Type !== 'Choice') throw new Error(`mutation: state "${stateName}" is a ${state.Type}, not a Choice`);
  body.States[stateName] = { Type: 'Pass', Next: next };
}

/** Sends a state's `Next` somewhere else (a failure path that no longer passes through a cleanup). */
export function redirect(machine: AslMachine, stateName: string, next: string): void {
  const { state } = ownerOf(machine, stateName);
  if (state.Next === undefined) throw new Error(`mutation: state "${stateName}" has no Next to redirect`);
  state.Next = next;
}

/** Sends every Catch rule of a state somewhere else (an error path that no longer passes through a cleanup). */
export function redirectCatch(machine: AslMachine, stateName: string, next: string): void {
  const { state } = ownerOf(machine, stateName);
  if (!state.Catch?.length) throw new Error(`mutation: state "${stateName}" has no Catch to redirect`);
  state.Catch = state.Catch.map((c) => ({ ...c, Next: next }));
}

/** Drops a state's Catch rules: its errors now end the execution where they happen. */
export function removeCatch(machine: AslMachine, stateName: string): void {
  delete ownerOf(machine, stateName).state.Catch;
}

/** Drops a state's Retry rules. */
export function removeRetry(machine: AslMachine, stateName: string): void {
  delete ownerOf(machine, stateName).state.Retry;
}

/** The states a transition leads to from `state` (Next, Default, Choice rules, Catch). */
const successors = (state: AslState): string[] => [
  ...(state.Next !== undefined ? [state.Next] : []),
  ...(state.Default !== undefined ? [state.Default] : []),
  ...(state.Choices ?? []).map((c) => c.Next),
  ...(state.Catch ?? []).map((c) => c.Next),
];

/**
 * Deletes the states no transition reaches any more, in the machine and in every Map/Parallel body: the engine's
 * validator, like Step Functions, refuses a definition with an unreachable state.
 */
export function pruneUnreachable(machine: AslMachine): void {
  const reached = new Set<string>();
  const queue = [machine.StartAt];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (reached.has(name) || !(name in machine.States)) continue;
    reached.add(name);
    queue.push(...successors(machine.States[name]));
  }
  for (const name of Object.keys(machine.States)) if (!reached.has(name)) delete machine.States[name];
  for (const s of Object.values(machine.States)) {
    for (const inner of [s.ItemProcessor, s.Iterator, ...(s.Branches ?? [])]) if (inner) pruneUnreachable(inner);
  }
}

/**
 * A copy of `template` in which the state machine of `workflow` (its template metadata, e.g.
 * `snapshot-backup-instance`) has the definition `mutate` makes of a copy of the resolved one.
 */
export function mutateTemplate(
  template: CfnTemplate,
  env: ResolveEnv,
  workflow: string,
  mutate: (machine: AslMachine) => void,
): CfnTemplate {
  const found = resolveStateMachines(template, env).filter(
    (m) => m.resource.Metadata?.[WORKFLOW_METADATA_KEY] === workflow,
  );
  if (found.length !== 1) throw new Error(`mutation: the template has ${found.length} "${workflow}" state machines`);
  const machine = JSON.parse(JSON.stringify(found[0].definition)) as AslMachine;
  mutate(machine);
  pruneUnreachable(machine);
  const resource = template.Resources?.[found[0].logicalId];
  if (!resource) throw new Error(`mutation: no resource ${found[0].logicalId}`);
  // Other resources are shared with the original (the engine never changes a template); only this one is new.
  const { Definition: _definition, ...properties } = resource.Properties ?? {};
  const changed = { ...resource, Properties: { ...properties, DefinitionString: JSON.stringify(machine) } };
  const copy: CfnTemplate = { ...template, Resources: { ...template.Resources, [found[0].logicalId]: changed } };
  return copy;
}

/** One known-bad variant of a workflow. */
export interface Variant {
  /** Kebab-case, names what was broken. */
  readonly name: string;
  /** What a careless change did, in one line. */
  readonly description: string;
  /** The campaign workflow whose site (template) and scenario it drills. */
  readonly workflow: CampaignWorkflow;
  /** The invariant it must make fire. */
  readonly invariant: string;
  /** The scenario drilled, relative to the repository root (`test/scenarios/…`). */
  readonly scenario: string;
  /** The broken template. */
  mutate(template: CfnTemplate, env: ResolveEnv): CfnTemplate;
}

const variant = (v: Omit<Variant, 'mutate'> & { machine: string; change: (machine: AslMachine) => void }): Variant => ({
  name: v.name,
  description: v.description,
  workflow: v.workflow,
  invariant: v.invariant,
  scenario: v.scenario,
  mutate: (template, env) => mutateTemplate(template, env, v.machine, v.change),
});

/** The built-in known-bad variants: at least one per invariant of invariants.ts. */
export const VARIANTS: readonly Variant[] = [
  variant({
    name: 'replacement-unfenced-before-old-stopped',
    description: 'instance-recovery launches and unfences the replacement without terminating the failed instance',
    workflow: 'instance-recovery',
    invariant: 'never-two-writers',
    scenario: 'test/scenarios/instance-recovery/happy-path.json',
    machine: 'instance-recovery',
    change: (m) => {
      skipState(m, 'Terminate failed instance');
      forceChoice(m, 'Is failed instance terminated?', 'Unfence replacement');
    },
  }),
  variant({
    name: 'failed-snapshot-not-thawed',
    description: 'snapshot-backup-instance records a failed CreateSnapshots without thawing the frozen database',
    workflow: 'snapshot-backup',
    invariant: 'never-left-frozen',
    scenario: 'test/scenarios/snapshot-backup/create-snapshots-fails.json',
    machine: 'snapshot-backup-instance',
    change: (m) => redirectCatch(m, 'Take the snapshot set', 'Record the failed backup'),
  }),
  variant({
    name: 'backup-lock-not-released',
    description: 'snapshot-backup-instance ends a successful backup without releasing its lock',
    workflow: 'snapshot-backup',
    invariant: 'nothing-orphaned',
    scenario: 'test/scenarios/snapshot-backup/happy-path.json',
    machine: 'snapshot-backup-instance',
    change: (m) => skipState(m, 'Release the backup lock'),
  }),
  variant({
    name: 'unprotected-instance-recovered',
    description: 'instance-recovery terminates an instance of no recovery group instead of leaving it alone',
    workflow: 'instance-recovery',
    invariant: 'only-own-deleted',
    scenario: 'test/scenarios/instance-recovery/unprotected-instance.json',
    machine: 'instance-recovery',
    change: (m) => forceChoice(m, 'Is the instance protected?', 'Terminate failed instance'),
  }),
  variant({
    name: 'group-lock-skipped',
    description: 'instance-recovery launches without taking the group lock, so a duplicate event recovers twice',
    workflow: 'instance-recovery',
    invariant: 'one-replacement-per-failure',
    scenario: 'test/scenarios/instance-recovery/duplicate-event-together.json',
    machine: 'instance-recovery',
    change: (m) => skipState(m, 'Take the group lock'),
  }),
  variant({
    name: 'old-member-not-deregistered',
    description: 'mirror-failover registers the new primary without deregistering the old one',
    workflow: 'mirror-failover',
    invariant: 'lb-routes-only-primary',
    scenario: 'test/scenarios/mirror-failover/clean-switch.json',
    machine: 'mirror-failover',
    change: (m) => skipState(m, 'Deregister the other members'),
  }),
  variant({
    name: 'recovery-failure-not-notified',
    description: 'instance-recovery records NEEDS_ATTENTION but no longer notifies the operators',
    workflow: 'instance-recovery',
    invariant: 'ends-recovered-or-escalated',
    scenario: 'test/scenarios/instance-recovery/replacement-never-healthy.json',
    machine: 'instance-recovery',
    change: (m) => skipState(m, 'Notify recovery failed'),
  }),
  variant({
    name: 'approval-skipped',
    description: 'dr-promotion goes from the preflight straight to fencing, without asking for an approval',
    workflow: 'dr-promotion',
    invariant: 'approval-before-action',
    scenario: 'test/scenarios/dr-promotion/approved.json',
    machine: 'dr-promotion',
    change: (m) => forceChoice(m, 'What did the preflight find?', 'Fence the old site'),
  }),
];
