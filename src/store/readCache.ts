import type { Db } from './sqlite.js';

/**
 * Answers repeated reads of control.db from memory until something may have changed it. `status`
 * and every read request check accounts, leases and the wipe journal; served from SQLite each
 * time, those reads cost more than the IPC round trip around them.
 *
 * A cached answer is stale after a write through this connection (`bump`, which every write
 * method calls, and every transaction on both ends, so a rolled-back transaction leaves nothing
 * behind), or after a commit by another connection (SQLite's `data_version`, e.g. a test or an
 * operator's sqlite3 shell; the daemon's instance lock makes it the only writer otherwise).
 * `data_version` is asked once per turn of the event loop: the pragma costs as much as the reads
 * it saves, and within one turn the reads then see one consistent state.
 */
export class ReadFreshness {
  private writes = 0;
  private external = 0;
  private externalKnown = false;
  private readonly dataVersion;
  private readonly forgetExternal = (): void => {
    this.externalKnown = false;
  };

  constructor(db: Db) {
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  bump(): void {
    this.writes++;
  }

  /** Changes whenever a cached read may be stale. */
  stamp(): string {
    if (!this.externalKnown) {
      this.external = this.dataVersion.get() ?? 0;
      this.externalKnown = true;
      setImmediate(this.forgetExternal);
    }
    return `${this.writes}:${this.external}`;
  }
}

/**
 * `read` memoized until the freshness stamp changes. Results are frozen: callers share them.
 * One `stamp()` (a pragma, no table access) replaces the query.
 */
export function cachedRead<T>(freshness: ReadFreshness, read: () => T): () => T {
  let stampAt: string | null = null;
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
  let stampAt: string | null = null;
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
