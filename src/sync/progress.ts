/**
 * How far one sync run has got: units of work (a window of one resource, one meeting's participant
 * list) planned and settled. A unit is settled once this run is done with it: fetched, failed, or
 * given up because its resource stopped. Participant lists are planned as meetings arrive, so the
 * plan grows during the run; the fraction reported never goes back, so a progress bar never jumps
 * backwards, and it reaches 1 when the run has settled everything it planned.
 */
export class RunProgress {
  private planned = 0;
  private settled = 0;
  private shown = 0;

  plan(units: number): void {
    this.planned += units;
  }

  /** Settles `units` and returns the fraction to show, 0..1. */
  settle(units = 1): number {
    this.settled = Math.min(this.planned, this.settled + units);
    const fraction = this.planned === 0 ? 1 : this.settled / this.planned;
    this.shown = Math.max(this.shown, fraction);
    return this.shown;
  }

  /** Settles whatever is left (the run is over) and returns 1. */
  settleAll(): number {
    return this.settle(this.planned - this.settled);
  }
}
