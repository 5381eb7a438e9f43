import { systemClock, type Clock } from '../core/clock.js';
import { ok, type Result } from '../core/result.js';
import { Accounts } from './controlAccounts.js';
import { loadOrCreateDevice, type DeviceIdentity } from './controlDevice.js';
import { KeyRows } from './controlKeys.js';
import { Leases } from './controlLeases.js';
import { Receipts } from './controlReceipts.js';
import { Wipes } from './controlWipes.js';
import type { StoreError } from './errors.js';
import { KeyValue } from './keyValue.js';
import { loadMigrations, type Migration } from './migrations.js';
import { cachedRead, ReadFreshness } from './readCache.js';
import { checkpointAndClose, openDatabase, type Db } from './sqlite.js';

let migrations: Migration[] | undefined;
function controlMigrations(): Migration[] {
  // Beside the compiled module: the build copies the .sql files into dist/.
  migrations ??= loadMigrations(new URL('./migrations/control/', import.meta.url));
  return migrations;
}

export interface OpenControlOptions {
  /** Stamps the device identity's creation time on the first open; paces the look for other writers' commits. */
  clock?: Clock;
}

/** Opens control.db, creating it (0600, in a 0700 folder) and the device identity on first use. */
export function openControl(file: string, options: OpenControlOptions = {}): Result<ControlDb, StoreError> {
  // No Zoom content, so no data key; secure_delete because a wiped account's wrapped data key must
  // not linger in a free page.
  const db = openDatabase(file, { create: true, key: null, secureDelete: true, migrations: controlMigrations() });
  if (!db.ok) return db;
  const clock = options.clock ?? systemClock;
  const device = loadOrCreateDevice(db.value, clock.now());
  return ok(new ControlDb(file, db.value, device, clock));
}

/** control.db: device identity, accounts, leases, the wipe journal, receipts, wrapped data keys. No Zoom content. */
export class ControlDb {
  readonly accounts: Accounts;
  readonly leases: Leases;
  readonly wipes: Wipes;
  readonly receipts: Receipts;
  readonly keys: KeyRows;
  private readonly db: Db;
  private readonly meta: KeyValue;
  private readonly freshness: ReadFreshness;
  private readonly storedHighWater: () => number;
  private readonly raiseStmt;

  constructor(
    readonly file: string,
    db: Db,
    private readonly identity: DeviceIdentity,
    clock: Clock,
  ) {
    this.db = db;
    this.freshness = new ReadFreshness(db, clock);
    this.accounts = new Accounts(db, this.freshness);
    this.leases = new Leases(db, this.freshness);
    this.wipes = new Wipes(db, this.freshness);
    this.receipts = new Receipts(db);
    this.keys = new KeyRows(db);
    this.meta = new KeyValue(db);
    const highWater = db.prepare<[], number>('SELECT high_water FROM clock WHERE id = 1').pluck();
    this.storedHighWater = cachedRead(this.freshness, () => highWater.get() ?? 0);
    this.raiseStmt = db.prepare<[number], number>('UPDATE clock SET high_water = max(high_water, ?) WHERE id = 1 RETURNING high_water').pluck();
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  device(): DeviceIdentity {
    return this.identity;
  }

  /** Moves whenever a cached read (accounts, leases, wipes, the high-water mark) may answer differently. */
  version(): number {
    return this.freshness.stamp();
  }

  /** The latest time this device has seen (0 before the first). */
  highWater(): number {
    return this.storedHighWater();
  }

  /** Stores max(stored, t) and returns it: a wall clock set back never lowers the mark. */
  raiseHighWater(t: number): number {
    if (!Number.isSafeInteger(t)) throw new RangeError('high-water time must be integer milliseconds');
    this.freshness.bump();
    const stored = this.raiseStmt.get(t);
    if (stored === undefined) throw new Error('clock row is missing');
    return stored;
  }

  getMeta(key: string): string | null {
    return this.meta.get(key);
  }

  setMeta(key: string, value: string): void {
    this.meta.set(key, value);
  }

  /**
   * Runs `fn` without waiting for the disk: for records whose loss at a power cut costs nothing
   * (a wipe step that is done again anyway when the wipe resumes). In WAL mode the commit still
   * cannot tear the file, and the next durable commit carries these records with it.
   */
  lightly<T>(fn: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Runs `fn` in one transaction, e.g. to add a receipt and finish its wipe together. */
  transaction<T>(fn: () => T): T {
    // Both ends: what was read inside is not kept past a rollback.
    this.freshness.bump();
    try {
      return this.db.transaction(fn)();
    } finally {
      this.freshness.bump();
    }
  }

  /**
   * Folds the WAL into the file and empties it, so that a row just deleted (zeroed in place by
   * secure_delete) leaves no older copy in the WAL. False when a reader elsewhere kept the
   * checkpoint from finishing (another process holding control.db open).
   */
  checkpoint(): boolean {
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    return result?.busy === 0;
  }

  /** Checkpoints the WAL into the file (TRUNCATE), then closes. Closing twice is harmless. */
  close(): void {
    checkpointAndClose(this.db);
  }
}
