/**
 * Counts changes to the daemon's in-memory state that `status` shows: a live account's sync
 * fields, which accounts are open, and every event published. `status` is kept as JSON and
 * rebuilt only when this count (or control.db's version, or the clock) moved.
 */
export class Changes {
  private n = 0;

  get count(): number {
    return this.n;
  }

  bump(): void {
    this.n++;
  }
}
