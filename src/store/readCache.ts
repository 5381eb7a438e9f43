import type { Clock } from '../core/clock.js';
import type { Db } from './sqlite.js';

/** How often a commit by another connection is looked for. */
export const EXTERNAL_CHECK_MS = 1_000;

/**
 * Answers repeated reads of control.db from memory until something may have changed it. `status`
 * and every read request check accounts, leases and the wipe journal; served from SQLite each
 * time, those reads cost more than the IPC round trip around them.
 *
 * A cached answer is stale after a write through this connection (`bump`, which every write
 * method calls, and every transaction on both ends, so a rolled-back transaction leaves nothing
 * behind): seen at once. The daemon's instance lock makes it the only writer; a commit by another
 * connection all the same (an operator's sqlite3 shell, a test) is seen within
 * `EXTERNAL_CHECK_MS`: SQLite's `data_version` is asked at most that often, because asking it on
 * every request cost a tenth of a `status` round trip.
 */
export class ReadFreshness {
  private version = 0;
  private dataVersion: number | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private readonly readDataVersion;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.readDataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  bump(): void {
    this.version++;
  }

  /** Changes whenever a cached read may be stale. */
  stamp(): number {
    const now = this.clock.monotonic();
    if (now - this.checkedAt >= EXTERNAL_CHECK_MS || now < this.checkedAt) {
      this.checkedAt = now;
      const dataVersion = this.readDataVersion.get() ?? 0;
      if (dataVersion !== this.dataVersion) {
        this.dataVersion = dataVersion;
        this.version++;
      }
    }
    return this.version;
  }
}

/**
 * `read` memoized until the freshness stamp changes. Results are frozen: callers share them.
 * One `stamp()` (a counter, and now and then a pragma) replaces the query.
 */
export function cachedRead<T>(freshness: ReadFreshness, read: () => T): () => T {
  let stampAt: number | null = null;
  let value: T;
  return () => {
    const stamp = freshness.stamp();
    if (stamp !== stampAt) {
      value = deepFreeze(read());
      stampAt = stamp;
    }
    return value;
  };
}

/** `cachedRead` for a lookup by key, e.g. one account's lease. */
export function cachedLookup<T>(freshness: ReadFreshness, read: (key: string) => T): (key: string) => T {
  let stampAt: number | null = null;
  const values = new Map<string, T>();
  return (key) => {
    const stamp = freshness.stamp();
    if (stamp !== stampAt) {
      values.clear();
      stampAt = stamp;
    }
    if (!values.has(key)) values.set(key, deepFreeze(read(key)));
    return values.get(key) as T;
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
