import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Modeled time. Waits, retry intervals and API latencies advance it instantly, so a drill reports a
 * realistic duration and still runs in milliseconds of wall time.
 */
export class VirtualClock {
  private ms: number;

  constructor(
    /** Epoch milliseconds at which this clock starts. */
    readonly startMs: number = Date.parse('2026-01-05T09:00:00.000Z'),
    /** What `elapsedSeconds` counts from: the drill's start, for an execution's own clock. */
    readonly originMs: number = startMs,
  ) {
    this.ms = startMs;
  }

  /** Epoch milliseconds now. */
  now(): number {
    return this.ms;
  }

  nowIso(): string {
    return new Date(this.ms).toISOString();
  }

  /** Seconds since the origin (the drill's start). */
  elapsedSeconds(): number {
    return (this.ms - this.originMs) / 1000;
  }

  advanceSeconds(seconds: number): void {
    if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new RangeError(`cannot advance the clock by ${seconds} s`);
    this.ms += Math.round(seconds * 1000);
  }

  /**
   * Epoch milliseconds after which the code running on this clock is dead (a Lambda function past its own
   * `Timeout`): `checkAlive` throws from then on, so a killed function makes no more API calls.
   */
  killAtMs?: number;
  killError?: () => Error;

  /** Throws `killError()` once the clock has passed `killAtMs` (the region calls it before each API call). */
  checkAlive(): void {
    if (this.killAtMs !== undefined && this.ms > this.killAtMs) {
      throw this.killError?.() ?? new Error('the caller is past its deadline');
    }
  }

  /** Moves to `ms` if that is later than now; time never runs backwards. */
  advanceTo(ms: number): void {
    if (ms > this.ms) this.ms = ms;
  }
}

/**
 * The clock of the execution whose code is running now. Each execution keeps its own modeled time, so
 * executions that run at the same time overlap in modeled time instead of adding up; the region reads the
 * caller's clock through this (see SimulatedRegion.clock).
 */
export const executionClock = new AsyncLocalStorage<VirtualClock>();
