import type { SimulatedRegion } from '../region/region';
import { type ScriptedApproval, TaskFailure, type TaskTokenBroker } from './runner';

/**
 * Settles `.waitForTaskToken` tasks from a scenario's scripted approvals, in modeled time: approve or
 * reject after N seconds, or never. A decision later than the task's heartbeat/timeout is a timeout.
 */
export class ScriptedApprovals implements TaskTokenBroker {
  private readonly pending: ScriptedApproval[];
  /** What each settled wait received, for reports and tests. */
  readonly settled: { state: string; decision: string; atSeconds: number }[] = [];

  constructor(
    private readonly region: SimulatedRegion,
    scripts: readonly ScriptedApproval[] = [],
  ) {
    this.pending = [...scripts];
  }

  async wait(request: { state: string; deadlineSeconds: number; deadlineError: string }): Promise<unknown> {
    const i = this.pending.findIndex((s) => s.state === undefined || s.state === request.state);
    const script = i >= 0 ? this.pending.splice(i, 1)[0] : undefined;
    const clock = this.region.clock;
    if (!script || script.decision === 'never' || script.afterSeconds >= request.deadlineSeconds) {
      clock.advanceSeconds(Number.isFinite(request.deadlineSeconds) ? request.deadlineSeconds : 0);
      this.settled.push({ state: request.state, decision: 'timeout', atSeconds: clock.elapsedSeconds() });
      throw new TaskFailure(
        request.deadlineError,
        `No decision arrived for "${request.state}" within ${request.deadlineSeconds} s`,
      );
    }
    clock.advanceSeconds(script.afterSeconds);
    this.settled.push({ state: request.state, decision: script.decision, atSeconds: clock.elapsedSeconds() });
    if (script.decision === 'reject') {
      throw new TaskFailure(script.error ?? 'Rejected', script.cause ?? 'Rejected by the operator');
    }
    return script.output ?? {};
  }
}
