import type { CallRecord, MeetingDetail, MeetingRecord, ParticipantRecord, RecordingFileRecord, RecordingRecord } from '../core/records.js';
import { ok, type Result } from '../core/result.js';
import type { StoreError } from './errors.js';
import { encodeCursor, pageBounds, toPage, type CursorKind, type ListQuery, type Page, type PageBounds } from './paging.js';
import type { Db } from './sqlite.js';
import type { ParticipantsDue, VaultCounts } from './vaultTypes.js';

/** Record field -> column, for the lists that can also be read as JSON text. */
type FieldColumns<R> = ReadonlyArray<readonly [field: keyof R & string, column: string]>;

const MEETING_FIELDS: FieldColumns<MeetingRecord> = [
  ['uuid', 'uuid'],
  ['meetingId', 'meeting_id'],
  ['hostId', 'host_id'],
  ['topic', 'topic'],
  ['type', 'type'],
  ['startTime', 'start_time'],
  ['durationMinutes', 'duration_minutes'],
  ['timezone', 'timezone'],
  ['endTime', 'end_time'],
  ['participantsCount', 'participants_count'],
  ['source', 'source'],
];
const CALL_FIELDS: FieldColumns<CallRecord> = [
  ['id', 'history_id'],
  ['callId', 'call_id'],
  ['direction', 'direction'],
  ['callerName', 'caller_name'],
  ['callerNumber', 'caller_number'],
  ['calleeName', 'callee_name'],
  ['calleeNumber', 'callee_number'],
  ['startTime', 'start_time'],
  ['answerTime', 'answer_time'],
  ['endTime', 'end_time'],
  ['result', 'result'],
  ['talkTimeSeconds', 'talk_time_seconds'],
  ['recordingId', 'recording_id'],
];

// Columns are aliased to the record fields, so rows are records as they come.
const aliased = <R>(fields: FieldColumns<R>): string => fields.map(([field, column]) => (field === column ? column : `${column} AS ${field}`)).join(', ');
/** Each row as one JSON object of the record's fields plus `accountKey` (@accountKey). */
const asJsonObject = <R>(fields: FieldColumns<R>): string =>
  `json_object(${fields.map(([field, column]) => `'${field}', ${column}`).join(', ')}, 'accountKey', @accountKey)`;

const MEETING_COLUMNS = aliased(MEETING_FIELDS);
const PARTICIPANT_COLUMNS = `meeting_uuid AS meetingUuid, key, participant_id AS participantId, user_id AS userId, name, email,
  join_time AS joinTime, leave_time AS leaveTime, duration_seconds AS durationSeconds`;
const RECORDING_COLUMNS = `id AS rowId, meeting_uuid AS meetingUuid, meeting_id AS meetingId, topic, start_time AS startTime,
  duration_minutes AS durationMinutes, total_size AS totalSize`;
const FILE_COLUMNS = `recording_id AS rowId, file_id AS id, file_type AS fileType, recording_type AS recordingType,
  recording_start AS recordingStart, recording_end AS recordingEnd, file_size AS fileSize`;
const CALL_COLUMNS = aliased(CALL_FIELDS);

/** Rows with from <= start_time < before that come after the cursor, newest first. */
const PAGE_WHERE = (id: string): string =>
  `WHERE start_time >= @from AND start_time < @before AND (start_time, ${id}) < (@afterTime, @afterId)
   ORDER BY start_time DESC, ${id} DESC`;

/**
 * A page as JSON text: `itemsJson` is the array of the page's records, each with `accountKey`, as
 * SQLite wrote it. The same rows and cursor as the object form; for the IPC reply, which would
 * otherwise build every row as an object only to stringify it again.
 */
export interface JsonPage {
  itemsJson: string;
  nextCursor: string | null;
}

type EdgeRow = [time: number, id: string];

/**
 * The two statements of a JSON page. `items` joins the page's rows into one text inside SQLite:
 * handing 50 rows to JS one by one costs more than making them. The aggregate sees the rows in
 * the subquery's order because a subquery with LIMIT is run as a co-routine, never flattened into
 * an aggregate (SQLite's flattening rules); the page tests compare every page with the object
 * form, order included. `edge` reads the last row of the page and the one after it from the index
 * alone, for the cursor. Both run in one read transaction, so they see the same rows.
 */
type JsonPageRead = (bounds: PageBounds & { accountKey: string }) => { items: string | null; edge: EdgeRow[] };

type RecordingRow = Omit<RecordingRecord, 'files'> & { rowId: number };
type FileRow = RecordingFileRecord & { rowId: number };
type DueRow = Omit<ParticipantsDue, 'endsAt'> & { durationMinutes: number };

/** What viewers read (through IPC) and what the sync asks about stored meetings. */
export class HistoryReader {
  private readonly meetingsPage;
  private readonly meetingByUuid;
  private readonly participantsOf;
  private readonly recordingsPage;
  private readonly filesOf;
  private readonly callsPage;
  private readonly meetingsJson;
  private readonly callsJson;
  private readonly due;
  private readonly countAll;

  constructor(db: Db) {
    this.meetingsPage = db.prepare<PageBounds, MeetingRecord>(`SELECT ${MEETING_COLUMNS} FROM meetings ${PAGE_WHERE('uuid')} LIMIT @take`);
    this.meetingByUuid = db.prepare<[string], MeetingRecord>(`SELECT ${MEETING_COLUMNS} FROM meetings WHERE uuid = ?`);
    this.participantsOf = db.prepare<[string], ParticipantRecord>(
      `SELECT ${PARTICIPANT_COLUMNS} FROM participants WHERE meeting_uuid = ? ORDER BY join_time, key`,
    );
    this.recordingsPage = db.prepare<PageBounds, RecordingRow>(`SELECT ${RECORDING_COLUMNS} FROM recordings ${PAGE_WHERE('meeting_uuid')} LIMIT @take`);
    this.filesOf = db.prepare<[string], FileRow>(
      `SELECT ${FILE_COLUMNS} FROM recording_files WHERE recording_id IN (SELECT value FROM json_each(?)) ORDER BY recording_id, position`,
    );
    this.callsPage = db.prepare<PageBounds, CallRecord>(`SELECT ${CALL_COLUMNS} FROM calls ${PAGE_WHERE('history_id')} LIMIT @take`);
    const jsonPage = <R>(table: string, fields: FieldColumns<R>, id: string): JsonPageRead => {
      const items = db
        .prepare<PageBounds & { accountKey: string }, string | null>(
          `SELECT group_concat(item, ',') FROM (SELECT ${asJsonObject(fields)} AS item FROM ${table} ${PAGE_WHERE(id)} LIMIT @limit)`,
        )
        .pluck();
      const edge = db.prepare<PageBounds, EdgeRow>(`SELECT start_time, ${id} FROM ${table} ${PAGE_WHERE(id)} LIMIT 2 OFFSET @limit - 1`).raw();
      return db.transaction((bounds) => ({ items: items.get(bounds) ?? null, edge: edge.all(bounds) }));
    };
    this.meetingsJson = jsonPage('meetings', MEETING_FIELDS, 'uuid');
    this.callsJson = jsonPage('calls', CALL_FIELDS, 'history_id');
    this.due = db.prepare<[number], DueRow>(`
      SELECT uuid, meeting_id AS meetingId, start_time AS startTime, end_time AS endTime, duration_minutes AS durationMinutes, source
      FROM meetings WHERE participants_state IS NULL ORDER BY start_time DESC, uuid DESC LIMIT ?`);
    this.countAll = db.prepare<[], VaultCounts>(`SELECT
      (SELECT count(*) FROM meetings) AS meetings, (SELECT count(*) FROM participants) AS participants,
      (SELECT count(*) FROM recordings) AS recordings, (SELECT count(*) FROM calls) AS calls`);
  }

  listMeetings(q: ListQuery): Result<Page<MeetingRecord>, StoreError> {
    const bounds = pageBounds('meetings', q);
    if (!bounds.ok) return bounds;
    return ok(toPage('meetings', this.meetingsPage.all(bounds.value), bounds.value, (m) => [m.startTime, m.uuid]));
  }

  listMeetingsJson(q: ListQuery, accountKey: string): Result<JsonPage, StoreError> {
    return jsonPageOf('meetings', this.meetingsJson, q, accountKey);
  }

  getMeeting(uuid: string): MeetingDetail | null {
    const meeting = this.meetingByUuid.get(uuid);
    return meeting ? { ...meeting, participants: this.participantsOf.all(uuid) } : null;
  }

  listRecordings(q: ListQuery): Result<Page<RecordingRecord>, StoreError> {
    const bounds = pageBounds('recordings', q);
    if (!bounds.ok) return bounds;
    const page = toPage('recordings', this.recordingsPage.all(bounds.value), bounds.value, (r) => [r.startTime, r.meetingUuid]);
    const files = new Map<number, RecordingFileRecord[]>();
    for (const { rowId, ...file } of this.filesOf.all(JSON.stringify(page.items.map((r) => r.rowId)))) {
      const list = files.get(rowId);
      if (list) list.push(file);
      else files.set(rowId, [file]);
    }
    return ok({ nextCursor: page.nextCursor, items: page.items.map(({ rowId, ...r }) => ({ ...r, files: files.get(rowId) ?? [] })) });
  }

  listCalls(q: ListQuery): Result<Page<CallRecord>, StoreError> {
    const bounds = pageBounds('calls', q);
    if (!bounds.ok) return bounds;
    return ok(toPage('calls', this.callsPage.all(bounds.value), bounds.value, (c) => [c.startTime, c.id]));
  }

  listCallsJson(q: ListQuery, accountKey: string): Result<JsonPage, StoreError> {
    return jsonPageOf('calls', this.callsJson, q, accountKey);
  }

  meetingsNeedingParticipants(limit: number): ParticipantsDue[] {
    return this.due.all(limit).map(({ durationMinutes, ...m }) => ({ ...m, endsAt: m.endTime ?? m.startTime + durationMinutes * 60_000 }));
  }

  counts(): VaultCounts {
    const counts = this.countAll.get();
    if (!counts) throw new Error('count query returned no row');
    return counts;
  }
}

function jsonPageOf(kind: CursorKind, read: JsonPageRead, q: ListQuery, accountKey: string): Result<JsonPage, StoreError> {
  const bounds = pageBounds(kind, q);
  if (!bounds.ok) return bounds;
  const { items, edge } = read({ ...bounds.value, accountKey });
  const [last] = edge;
  const nextCursor = edge.length > 1 && last !== undefined ? encodeCursor(kind, last) : null;
  return ok({ itemsJson: `[${items ?? ''}]`, nextCursor });
}
