import type { KeyValue } from './keyValue.js';
import type { Db } from './sqlite.js';
import type { RetentionCounts } from './vaultTypes.js';

const LAST_SWEEP_KEY = 'retention.lastSweepAt';

/**
 * Deletes history older than the retention window so that its text leaves the files
 * (DESIGN.md invariant 5): `secure_delete` zeroes freed space in the database, the index's
 * `secure-delete` option removes entries instead of masking them, `optimize` rewrites the index
 * segments, and a TRUNCATE checkpoint folds the WAL, where old page images live, into the database
 * and empties it.
 */
export class RetentionSweeper {
  private readonly deleteParticipants;
  private readonly deleteMeetings;
  private readonly deleteRecordings;
  private readonly deleteCalls;

  constructor(
    private readonly db: Db,
    private readonly meta: KeyValue,
  ) {
    // Participants first, so that their count is known (cascaded deletes are not counted).
    this.deleteParticipants = db.prepare<[number]>('DELETE FROM participants WHERE meeting_uuid IN (SELECT uuid FROM meetings WHERE start_time < ?)');
    this.deleteMeetings = db.prepare<[number]>('DELETE FROM meetings WHERE start_time < ?');
    this.deleteRecordings = db.prepare<[number]>('DELETE FROM recordings WHERE start_time < ?');
    this.deleteCalls = db.prepare<[number]>('DELETE FROM calls WHERE start_time < ?');
  }

  /** Deletes meetings (with their participants), recordings (with their files) and calls that started before `cutoff`. */
  sweep(cutoff: number, now: number): RetentionCounts {
    const removed = this.db.transaction((): RetentionCounts => {
      const counts = {
        participants: this.deleteParticipants.run(cutoff).changes,
        meetings: this.deleteMeetings.run(cutoff).changes,
        recordings: this.deleteRecordings.run(cutoff).changes,
        calls: this.deleteCalls.run(cutoff).changes,
      };
      this.meta.set(LAST_SWEEP_KEY, String(now));
      return counts;
    })();
    if (removed.meetings + removed.participants + removed.recordings + removed.calls > 0) {
      this.db.exec(`INSERT INTO fts (fts) VALUES ('optimize')`);
    }
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return removed;
  }

  lastSweep(): number | null {
    const value = this.meta.get(LAST_SWEEP_KEY);
    return value === null ? null : Number(value);
  }
}
