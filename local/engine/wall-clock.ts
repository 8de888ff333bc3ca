import { VirtualClock } from '../clock';

/**
 * The base clock of `local serve`: modeled time that follows the wall clock (scaled by `timeScale`), so an execution
 * started later in wall time starts later in modeled time, and a person's approval is stamped when it arrives.
 * Like every clock of the engine it never runs backwards: an advance moves it ahead of the wall clock, and it waits
 * there until the wall clock catches up.
 */
export class WallClock extends VirtualClock {
  private readonly wallStart: number;

  constructor(
    /** How many modeled seconds pass per wall-clock second (1 = real time). */
    readonly timeScale = 1,
    /** The wall clock (epoch ms); injectable for tests. */
    private readonly wall: () => number = Date.now,
  ) {
    const start = wall();
    super(start);
    this.wallStart = start;
  }

  override now(): number {
    return Math.max(super.now(), this.startMs + Math.round((this.wall() - this.wallStart) * this.timeScale));
  }

  override nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  override elapsedSeconds(): number {
    return (this.now() - this.originMs) / 1000;
  }

  override advanceSeconds(seconds: number): void {
    super.advanceTo(this.now());
    super.advanceSeconds(seconds);
  }
}
