import type { Db } from './sqlite.js';
import type { MeetingIdSource, PendingInstance } from './vaultTypes.js';

/**
 * The meeting IDs the sync has learned and the instances Zoom has named whose details are still to
 * be fetched (see migration 003). Callers wrap writes in a transaction.
 */
export class MeetingIdIndex {
  private readonly rememberStmt;
  private readonly toListStmt;
  private readonly listedAtStmt;
  private readonly markListedStmt;
  private readonly relistStmt;
  private readonly knownStmt;
  private readonly addPendingStmt;
  private readonly pendingStmt;
  private readonly dropStmt;
  private readonly unavailableStmt;

  constructor(db: Db) {
    this.rememberStmt = db.prepare<[string, MeetingIdSource, number, number | null]>(
      'INSERT INTO meeting_ids (meeting_id, source, learned_at, instances_at) VALUES (?, ?, ?, ?) ON CONFLICT (meeting_id) DO NOTHING',
    );
    this.toListStmt = db.prepare<[], string>('SELECT meeting_id FROM meeting_ids WHERE instances_at IS NULL ORDER BY meeting_id').pluck();
    this.listedAtStmt = db.prepare<[string], number | null>('SELECT instances_at FROM meeting_ids WHERE meeting_id = ?').pluck();
    this.markListedStmt = db.prepare<[number, string]>('UPDATE meeting_ids SET instances_at = ? WHERE meeting_id = ?');
    this.relistStmt = db.prepare<[string]>('UPDATE meeting_ids SET instances_at = NULL WHERE meeting_id = ?');
    this.knownStmt = db.prepare<[string, string], number>(
      'SELECT EXISTS (SELECT 1 FROM meetings WHERE uuid = ?) OR EXISTS (SELECT 1 FROM meeting_instances WHERE uuid = ?)',
    ).pluck();
    this.addPendingStmt = db.prepare<[string, string, number, number, string]>(`
      INSERT INTO meeting_instances (uuid, meeting_id, start_time, state, at)
      SELECT ?, ?, ?, 'pending', ? WHERE NOT EXISTS (SELECT 1 FROM meetings WHERE uuid = ?)
      ON CONFLICT (uuid) DO NOTHING`);
    this.pendingStmt = db.prepare<[number], PendingInstance>(
      `SELECT uuid, meeting_id AS meetingId, start_time AS startTime FROM meeting_instances WHERE state = 'pending' ORDER BY start_time DESC, uuid DESC LIMIT ?`,
    );
    this.dropStmt = db.prepare<[string]>('DELETE FROM meeting_instances WHERE uuid = ?');
    this.unavailableStmt = db.prepare<[number, string]>(`UPDATE meeting_instances SET state = 'unavailable', at = ? WHERE uuid = ?`);
  }

  /**
   * Remembers meeting IDs not known yet. `listedAt` null: their instances are to be listed;
   * a time: Zoom's word about them is already in (an event named the instance).
   */
  remember(meetingId: string, source: MeetingIdSource, at: number, listedAt: number | null): void {
    this.rememberStmt.run(meetingId, source, at, listedAt);
  }

  /** IDs whose instances are to be listed. */
  toList(): string[] {
    return this.toListStmt.all();
  }

  /** When the ID's instances were last listed; null when never (or to be listed again), undefined when the ID is unknown. */
  listedAt(meetingId: string): number | null | undefined {
    return this.listedAtStmt.get(meetingId);
  }

  markListed(meetingId: string, at: number): void {
    this.markListedStmt.run(at, meetingId);
  }

  /** Zoom shows an instance of the ID not known here: list its instances again. */
  relist(meetingId: string): void {
    this.relistStmt.run(meetingId);
  }

  /** The meeting is stored, or waits for its details (or Zoom refused them). */
  knows(uuid: string): boolean {
    return this.knownStmt.get(uuid, uuid) === 1;
  }

  /** An instance whose details are to be fetched, unless its meeting is stored already. */
  addPending(instance: PendingInstance, at: number): void {
    this.addPendingStmt.run(instance.uuid, instance.meetingId, instance.startTime, at, instance.uuid);
  }

  /** Instances waiting for their details, newest first. */
  pending(limit: number): PendingInstance[] {
    return this.pendingStmt.all(limit);
  }

  /** Its meeting is stored now. */
  drop(uuid: string): void {
    this.dropStmt.run(uuid);
  }

  /** Zoom will not give the details (older than a year, or gone): not asked for again. */
  markUnavailable(uuid: string, at: number): void {
    this.unavailableStmt.run(at, uuid);
  }
}
