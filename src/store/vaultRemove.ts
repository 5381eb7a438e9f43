import type { WindowedResource } from '../core/records.js';
import type { Db } from './sqlite.js';
import type { RecordingRemoval } from './vaultTypes.js';

/**
 * Runs `remove` (which returns how many rows it deleted) in one transaction so that the deleted
 * text leaves the files, as DESIGN.md invariant 5 asks of every deletion: `secure_delete` (set on
 * every vault connection) zeroes freed space in the database, the index's `secure-delete` option
 * removes entries instead of masking them, `optimize` rewrites the index segments, and a TRUNCATE
 * checkpoint folds the WAL, where old page images live, into the database and empties it.
 */
export function removeSecurely<T>(db: Db, remove: () => T, removedOf: (result: T) => number): T {
  const result = db.transaction(remove)();
  if (removedOf(result) > 0) db.exec(`INSERT INTO fts (fts) VALUES ('optimize')`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  return result;
}

/** Deletions Zoom reports (an event) or a sync notices (a window no longer lists a row). */
export class HistoryRemover {
  private readonly deleteRecording;
  private readonly deleteRecordingFile;
  private readonly deleteEmptyRecording;
  private readonly deleteCall;
  private readonly deleteAllCalls;
  private readonly passStart;
  private readonly deleteUnlisted;

  constructor(private readonly db: Db) {
    this.deleteRecording = db.prepare<[string]>('DELETE FROM recordings WHERE meeting_uuid = ?');
    this.deleteRecordingFile = db.prepare<[string, string]>('DELETE FROM recording_files WHERE recording_id = (SELECT id FROM recordings WHERE meeting_uuid = ?) AND file_id = ?');
    this.deleteEmptyRecording = db.prepare<[string]>(
      'DELETE FROM recordings WHERE meeting_uuid = ? AND NOT EXISTS (SELECT 1 FROM recording_files WHERE recording_id = recordings.id)',
    );
    this.deleteCall = db.prepare<[string]>('DELETE FROM calls WHERE history_id = ?');
    this.deleteAllCalls = db.prepare('DELETE FROM calls');
    this.passStart = db.prepare<[WindowedResource, number], number | null>('SELECT pass_started_at FROM sync_windows WHERE resource = ? AND window_start = ?').pluck();
    // Each windowed resource is the table of the same name.
    const unlisted = (table: WindowedResource) => db.prepare<[number, number, number]>(`DELETE FROM ${table} WHERE start_time >= ? AND start_time < ? AND (listed_at IS NULL OR listed_at < ?)`);
    this.deleteUnlisted = { recordings: unlisted('recordings'), calls: unlisted('calls') };
  }

  /** Whole recordings, or some of their files (a recording left with no file goes too); how many recordings lost anything. */
  recordings(removals: readonly RecordingRemoval[]): number {
    return removeSecurely(
      this.db,
      () => {
        let touched = 0;
        for (const { meetingUuid, fileIds } of removals) {
          let changes = 0;
          if (fileIds === null) changes = this.deleteRecording.run(meetingUuid).changes;
          else {
            for (const fileId of fileIds) changes += this.deleteRecordingFile.run(meetingUuid, fileId).changes;
            changes += this.deleteEmptyRecording.run(meetingUuid).changes;
          }
          if (changes > 0) touched++;
        }
        return touched;
      },
      (n) => n,
    );
  }

  /** Calls by call-history id, or all of them; how many went. */
  calls(ids: readonly string[] | 'all'): number {
    return removeSecurely(
      this.db,
      () => (ids === 'all' ? this.deleteAllCalls.run().changes : ids.reduce((n, id) => n + this.deleteCall.run(id).changes, 0)),
      (n) => n,
    );
  }

  /**
   * Rows of `resource` starting in [from, to) that the window's current pass did not list: Zoom
   * serves that range and no longer has them. Call it when the pass has fetched its last page.
   */
  unlisted(resource: WindowedResource, windowStart: number, range: { from: number; to: number }): number {
    const passStartedAt = this.passStart.get(resource, windowStart);
    if (passStartedAt === undefined || passStartedAt === null) return 0;
    return removeSecurely(this.db, () => this.deleteUnlisted[resource].run(range.from, range.to, passStartedAt).changes, (n) => n);
  }
}
