/**
 * Modeled time. Waits, retry intervals and API latencies advance it instantly, so a drill reports a
 * realistic duration and still runs in milliseconds of wall time.
 */
export class VirtualClock {
  private ms: number;

  constructor(
    /** Epoch milliseconds at which the drill starts. */
    readonly startMs: number = Date.parse('2026-01-05T09:00:00.000Z'),
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

  /** Seconds since the clock started. */
  elapsedSeconds(): number {
    return (this.ms - this.startMs) / 1000;
  }

  advanceSeconds(seconds: number): void {
    if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new RangeError(`cannot advance the clock by ${seconds} s`);
    this.ms += Math.round(seconds * 1000);
  }

  /** Moves to `ms` if that is later than now; time never runs backwards. */
  advanceTo(ms: number): void {
    if (ms > this.ms) this.ms = ms;
  }
}
