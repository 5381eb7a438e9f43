import type { KeyValue } from './keyValue.js';
import type { Db } from './sqlite.js';
import { removeSecurely } from './vaultRemove.js';
import type { RetentionCounts } from './vaultTypes.js';

const LAST_SWEEP_KEY = 'retention.lastSweepAt';

/** Deletes history older than the retention window so that its text leaves the files (removeSecurely). */
export class RetentionSweeper {
  private readonly deleteParticipants;
  private readonly deleteMeetings;
  private readonly deleteRecordings;
  private readonly deleteCalls;
  private readonly deleteInstances;

  constructor(
    private readonly db: Db,
    private readonly meta: KeyValue,
  ) {
    // Participants first, so that their count is known (cascaded deletes are not counted).
    this.deleteParticipants = db.prepare<[number]>('DELETE FROM participants WHERE meeting_uuid IN (SELECT uuid FROM meetings WHERE start_time < ?)');
    this.deleteMeetings = db.prepare<[number]>('DELETE FROM meetings WHERE start_time < ?');
    this.deleteRecordings = db.prepare<[number]>('DELETE FROM recordings WHERE start_time < ?');
    this.deleteCalls = db.prepare<[number]>('DELETE FROM calls WHERE start_time < ?');
    // Instances awaiting details hold no content, only ids; past the cutoff they would only be stored to go again.
    this.deleteInstances = db.prepare<[number]>('DELETE FROM meeting_instances WHERE start_time < ?');
  }

  /** Deletes meetings (with their participants), recordings (with their files) and calls that started before `cutoff`. */
  sweep(cutoff: number, now: number): RetentionCounts {
    return removeSecurely(
      this.db,
      (): RetentionCounts => {
        const counts = {
          participants: this.deleteParticipants.run(cutoff).changes,
          meetings: this.deleteMeetings.run(cutoff).changes,
          recordings: this.deleteRecordings.run(cutoff).changes,
          calls: this.deleteCalls.run(cutoff).changes,
        };
        this.deleteInstances.run(cutoff);
        this.meta.set(LAST_SWEEP_KEY, String(now));
        return counts;
      },
      (c) => c.meetings + c.participants + c.recordings + c.calls,
    );
  }

  lastSweep(): number | null {
    const value = this.meta.get(LAST_SWEEP_KEY);
    return value === null ? null : Number(value);
  }
}
