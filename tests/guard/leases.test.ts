import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { DAY_MS, LeaseMonitor, extendedLease, type LeaseRow, type LeaseStore } from '../../src/guard/leases.js';
import { TrustedTime } from '../../src/guard/trustedTime.js';

class MemoryLeases implements LeaseStore {
  rows = new Map<string, LeaseRow>();
  hwm = 0;
  held = new Set<string>();
  getLease(key: string): LeaseRow | null {
    return this.rows.get(key) ?? null;
  }
  setLease(row: LeaseRow): void {
    this.rows.set(row.accountKey, row);
  }
  heldAccounts(): string[] {
    return [...this.held];
  }
  highWater(): number {
    return this.hwm;
  }
  raiseHighWater(t: number): number {
    this.hwm = Math.max(this.hwm, t);
    return this.hwm;
  }
}

function setup(start = Date.UTC(2026, 2, 1)) {
  const clock = new FakeClock(start);
  const store = new MemoryLeases();
  const expired: Array<{ key: string; at: number }> = [];
  const warnings: string[] = [];
  const monitor = new LeaseMonitor({
    clock,
    time: new TrustedTime(clock, store),
    store,
    leaseMs: 7 * DAY_MS,
    log: silentLogger(),
    onWarning: (key) => warnings.push(key),
    onExpired: async (key) => {
      expired.push({ key, at: clock.now() });
      store.held.delete(key);
    },
  });
  return { clock, store, monitor, expired, warnings };
}

describe('leases', () => {
  it('a proof never pulls a deadline earlier; a relay lease may bound it', () => {
    const first = extendedLease(null, 'a', 1000, 7 * DAY_MS, 'zoom');
    expect(first.deadline).toBe(1000 + 7 * DAY_MS);
    expect(extendedLease(first, 'a', 500, 7 * DAY_MS, 'zoom')).toBe(first);
    expect(extendedLease(null, 'a', 1000, 7 * DAY_MS, 'relay', 5000).deadline).toBe(5000);
  });

  it('a deadline passing while running is enforced within a minute, after a warning a day before', async () => {
    const { clock, store, monitor, expired, warnings } = setup();
    store.held.add('a');
    monitor.recordProof('a', 'zoom');
    const deadline = monitor.deadlineOf('a')!;
    monitor.start();
    await clock.advance(6 * DAY_MS + 60_000);
    expect(warnings).toEqual(['a']);
    expect(expired).toEqual([]);
    await clock.advanceTo(deadline + 60_000);
    expect(expired).toHaveLength(1);
    expect(expired[0]!.at - deadline).toBeLessThanOrEqual(60_000);
    expect(expired[0]!.at).toBeGreaterThanOrEqual(deadline);
    monitor.stop();
  });

  it('the clock set back 30 days moves no deadline later', async () => {
    const { clock, store, monitor, expired } = setup();
    store.held.add('a');
    monitor.recordProof('a', 'zoom');
    const deadline = monitor.deadlineOf('a')!;
    await clock.advance(3 * DAY_MS);
    await monitor.check();
    clock.jumpTo(clock.now() - 30 * DAY_MS);
    monitor.recordProof('a', 'zoom');
    expect(monitor.deadlineOf('a')).toBe(deadline + 3 * DAY_MS);
    // Elapsed time still counts while the wall clock lags: the wipe comes when it would have.
    monitor.start();
    await clock.advance(7 * DAY_MS - 120_000);
    expect(expired).toEqual([]);
    await clock.advance(240_000);
    expect(expired.map((e) => e.key)).toEqual(['a']);
    monitor.stop();
  });

  it('a sleep past the deadline is caught by the first check after waking', async () => {
    const { clock, store, monitor, expired } = setup();
    store.held.add('a');
    monitor.recordProof('a', 'zoom');
    monitor.start();
    clock.jumpTo(clock.now() + 8 * DAY_MS);
    await clock.advance(60_000);
    expect(expired.map((e) => e.key)).toEqual(['a']);
    monitor.stop();
  });
});
