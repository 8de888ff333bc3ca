import type { SimulatedRegion } from '../region/region';
import { type ScriptedApproval, TaskFailure, type TaskTokenBroker } from './runner';
import { StatesRuntimeFailure } from './states-errors';

/** An operator's StopExecution that falls inside a wait for a task token (a drill's `stops`). */
export interface WaitInterrupt {
  /** Modeled seconds from the start of the wait. */
  readonly afterSeconds: number;
  /** Stops the execution; called with the clock at that moment. */
  readonly stop: () => void;
}

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
    /**
     * Asked as each wait begins: when the waiting execution is stopped meanwhile. A stop before the decision (or the
     * deadline) ends the wait at that moment, as StopExecution does on AWS; a callback that comes later finds the
     * execution stopped, so the script it would have used is spent.
     */
    private readonly interruptOf?: (request: { token: string; state: string }) => WaitInterrupt | undefined,
  ) {
    this.pending = [...scripts];
  }

  async wait(request: {
    token?: string;
    state: string;
    deadlineSeconds: number;
    deadlineError: string;
  }): Promise<unknown> {
    const i = this.pending.findIndex((s) => s.state === undefined || s.state === request.state);
    const script = i >= 0 ? this.pending.splice(i, 1)[0] : undefined;
    const clock = this.region.clock;
    const settlesAfter =
      !script || script.decision === 'never' || script.afterSeconds >= request.deadlineSeconds
        ? request.deadlineSeconds
        : script.afterSeconds;
    const interrupt =
      request.token === undefined ? undefined : this.interruptOf?.({ token: request.token, state: request.state });
    if (interrupt && interrupt.afterSeconds < settlesAfter) {
      clock.advanceSeconds(Math.max(0, interrupt.afterSeconds));
      this.settled.push({ state: request.state, decision: 'stopped', atSeconds: clock.elapsedSeconds() });
      interrupt.stop();
      throw new StatesRuntimeFailure('The execution was stopped');
    }
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
