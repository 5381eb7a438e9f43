import type { Clock } from '../core/clock.js';

export interface HighWaterStore {
  highWater(): number;
  /** Stores max(stored, time) and returns it. */
  raiseHighWater(time: number): number;
}

/**
 * "Now" for expiry decisions: the wall clock, but never earlier than the latest time this device
 * has already seen (persisted in control.db) plus the time elapsed since, by the monotonic clock.
 * Setting the wall clock back therefore moves no deadline later, not even in elapsed time while
 * the daemon runs; setting it forward only makes wipes come sooner.
 */
export class TrustedTime {
  private anchor: { trusted: number; monotonic: number };

  constructor(
    private readonly clock: Clock,
    private readonly store: HighWaterStore,
  ) {
    this.anchor = { trusted: Math.max(clock.now(), store.highWater()), monotonic: clock.monotonic() };
  }

  now(): number {
    const sinceAnchor = this.anchor.trusted + (this.clock.monotonic() - this.anchor.monotonic);
    return Math.floor(Math.max(this.clock.now(), this.store.highWater(), sinceAnchor));
  }

  /**
   * This clock with trusted time as its wall clock: what a wipe stamps on its journal and receipt,
   * so a clock set back cannot date a wipe before the deadline it enforced.
   */
  asClock(): Clock {
    const { clock } = this;
    return {
      now: () => this.now(),
      monotonic: () => clock.monotonic(),
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      sleep: (ms, signal) => clock.sleep(ms, signal),
    };
  }

  /** Persists the current trusted time as the high-water mark; called by each periodic check. */
  advance(): number {
    const trusted = this.store.raiseHighWater(this.now());
    this.anchor = { trusted, monotonic: this.clock.monotonic() };
    return trusted;
  }
}
