import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingRecord } from '../core/records.js';
import type { Db } from './sqlite.js';

type Listed<T> = T & { listedAt: number };

/**
 * Upserts of what Zoom lists. Storing the same rows twice leaves the same rows: conflicts on Zoom's
 * ids update in place (rowids, and with them the search index entries, stay put). Callers wrap
 * these in a transaction.
 */
export class HistoryWriter {
  private readonly upsertMeeting;
  private readonly upsertParticipant;
  private readonly deleteOtherParticipants;
  private readonly markParticipants;
  private readonly upsertRecording;
  private readonly deleteRecordingFiles;
  private readonly insertRecordingFile;
  private readonly upsertCall;

  constructor(db: Db) {
    this.upsertMeeting = db.prepare<MeetingRecord>(`
      INSERT INTO meetings (uuid, meeting_id, host_id, topic, type, start_time, duration_minutes, timezone, end_time, participants_count, source)
      VALUES (@uuid, @meetingId, @hostId, @topic, @type, @startTime, @durationMinutes, @timezone, @endTime, @participantsCount, @source)
      ON CONFLICT (uuid) DO UPDATE SET
        meeting_id = excluded.meeting_id, host_id = excluded.host_id, topic = excluded.topic, type = excluded.type,
        start_time = excluded.start_time, duration_minutes = excluded.duration_minutes, source = excluded.source,
        -- The meeting list and the report API each know fields the other lacks; a listing
        -- without a field does not erase what the other said.
        timezone = coalesce(excluded.timezone, timezone),
        end_time = coalesce(excluded.end_time, end_time),
        participants_count = coalesce(excluded.participants_count, participants_count)`);
    this.upsertParticipant = db.prepare<ParticipantRecord>(`
      INSERT INTO participants (meeting_uuid, key, participant_id, user_id, name, email, join_time, leave_time, duration_seconds)
      VALUES (@meetingUuid, @key, @participantId, @userId, @name, @email, @joinTime, @leaveTime, @durationSeconds)
      ON CONFLICT (meeting_uuid, key) DO UPDATE SET
        participant_id = excluded.participant_id, user_id = excluded.user_id, name = excluded.name, email = excluded.email,
        join_time = excluded.join_time, leave_time = excluded.leave_time, duration_seconds = excluded.duration_seconds`);
    this.deleteOtherParticipants = db.prepare<[string, string]>(
      'DELETE FROM participants WHERE meeting_uuid = ? AND key NOT IN (SELECT value FROM json_each(?))',
    );
    this.markParticipants = db.prepare<[state: 'synced' | 'unavailable', at: number, uuid: string]>(
      'UPDATE meetings SET participants_state = ?, participants_at = ? WHERE uuid = ?',
    );
    this.upsertRecording = db.prepare<Listed<RecordingRecord>, { id: number }>(`
      INSERT INTO recordings (meeting_uuid, meeting_id, topic, start_time, duration_minutes, total_size, listed_at)
      VALUES (@meetingUuid, @meetingId, @topic, @startTime, @durationMinutes, @totalSize, @listedAt)
      ON CONFLICT (meeting_uuid) DO UPDATE SET
        meeting_id = excluded.meeting_id, topic = excluded.topic, start_time = excluded.start_time,
        duration_minutes = excluded.duration_minutes, total_size = excluded.total_size, listed_at = excluded.listed_at
      RETURNING id`);
    this.deleteRecordingFiles = db.prepare<[number]>('DELETE FROM recording_files WHERE recording_id = ?');
    this.insertRecordingFile = db.prepare<[number, string, number, string | null, string | null, number | null, number | null, number | null]>(`
      INSERT INTO recording_files (recording_id, file_id, position, file_type, recording_type, recording_start, recording_end, file_size)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (recording_id, file_id) DO NOTHING`);
    this.upsertCall = db.prepare<Listed<CallRecord>>(`
      INSERT INTO calls (history_id, call_id, direction, caller_name, caller_number, callee_name, callee_number,
                         start_time, answer_time, end_time, result, talk_time_seconds, recording_id, listed_at)
      VALUES (@id, @callId, @direction, @callerName, @callerNumber, @calleeName, @calleeNumber,
              @startTime, @answerTime, @endTime, @result, @talkTimeSeconds, @recordingId, @listedAt)
      ON CONFLICT (history_id) DO UPDATE SET listed_at = excluded.listed_at,
        call_id = excluded.call_id, direction = excluded.direction,
        caller_name = excluded.caller_name, caller_number = excluded.caller_number,
        callee_name = excluded.callee_name, callee_number = excluded.callee_number,
        start_time = excluded.start_time, answer_time = excluded.answer_time, end_time = excluded.end_time,
        result = excluded.result, talk_time_seconds = excluded.talk_time_seconds, recording_id = excluded.recording_id`);
  }

  meetings(items: MeetingRecord[]): void {
    for (const item of items) this.upsertMeeting.run(item);
  }

  /** `listedAt`: when Zoom listed them (see HistoryRemover.unlisted). */
  calls(items: CallRecord[], listedAt: number): void {
    for (const item of items) this.upsertCall.run({ ...item, listedAt });
  }

  /** A recording's files are replaced as a set: a file Zoom no longer lists is gone here too. */
  recordings(items: RecordingRecord[], listedAt: number): void {
    for (const item of items) {
      const row = this.upsertRecording.get({ ...item, listedAt });
      if (!row) throw new Error('recording upsert returned no row');
      this.deleteRecordingFiles.run(row.id);
      item.files.forEach((f, position) =>
        this.insertRecordingFile.run(row.id, f.id, position, f.fileType, f.recordingType, f.recordingStart, f.recordingEnd, f.fileSize),
      );
    }
  }

  /**
   * Replaces the meeting's attendance with `rows` and marks the list as fetched. Returns false
   * (storing nothing) when the meeting is not in the vault.
   */
  participants(meetingUuid: string, rows: ParticipantRecord[], syncedAt: number): boolean {
    if (this.markParticipants.run('synced', syncedAt, meetingUuid).changes === 0) return false;
    for (const row of rows) {
      if (row.meetingUuid !== meetingUuid) throw new Error('a participant row belongs to another meeting');
      this.upsertParticipant.run(row);
    }
    this.deleteOtherParticipants.run(meetingUuid, JSON.stringify(rows.map((r) => r.key)));
    return true;
  }

  /** Zoom will not give this meeting's participants (plan, age); it is not asked for again. */
  participantsUnavailable(meetingUuid: string, at: number): boolean {
    return this.markParticipants.run('unavailable', at, meetingUuid).changes > 0;
  }
}
