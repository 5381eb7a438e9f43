// Reading a vault file the way a checker would: every row of Zoom history in a fixed order, and
// the signs of a damaged file (integrity, duplicates, a search index out of step with the rows).

import { openVault } from '../../src/store/index.js';
import { unwrap } from '../store/fixtures.js';
import { TEST_KEY, rawVault } from '../helpers/vaultKey.js';

export interface HistoryRows {
  meetings: unknown[][];
  participants: unknown[][];
  recordings: unknown[][];
  calls: unknown[][];
}

/** Every stored row of Zoom history, without local row ids and sync bookkeeping, in a fixed order. */
export function historyRows(file: string): HistoryRows {
  const db = rawVault(file, { readonly: true });
  try {
    const all = (sql: string): unknown[][] => db.prepare(sql).raw().all() as unknown[][];
    return {
      meetings: all(`SELECT uuid, meeting_id, host_id, topic, type, start_time, duration_minutes, timezone, end_time, participants_count, source,
                            participants_state FROM meetings ORDER BY uuid`),
      participants: all(`SELECT meeting_uuid, key, participant_id, user_id, name, email, join_time, leave_time, duration_seconds
                         FROM participants ORDER BY meeting_uuid, key`),
      recordings: all(`SELECT r.meeting_uuid, r.meeting_id, r.topic, r.start_time, r.duration_minutes, r.total_size, f.file_id, f.position, f.file_type,
                              f.recording_type, f.recording_start, f.recording_end, f.file_size
                       FROM recordings r LEFT JOIN recording_files f ON f.recording_id = r.id ORDER BY r.meeting_uuid, f.position`),
      calls: all(`SELECT history_id, call_id, direction, caller_name, caller_number, callee_name, callee_number, start_time, answer_time, end_time,
                         result, talk_time_seconds, recording_id FROM calls ORDER BY history_id`),
    };
  } finally {
    db.close();
  }
}

export interface VaultHealth {
  /** The store's own check: SQLite's integrity_check and the search index's. */
  integrity: string;
  /** Rows sharing a natural key (a meeting UUID, a call id, an attendance). */
  duplicates: number;
  /** Entries in the search index, and the rows that should each have exactly one. */
  indexEntries: number;
  indexedRows: number;
}

/** Opens `file` (recovering its WAL, as the daemon would after a crash) and checks it. */
export function vaultHealth(file: string): VaultHealth {
  const vault = unwrap(openVault(file, { key: TEST_KEY }));
  let integrity: string;
  try {
    integrity = vault.integrityCheck();
  } finally {
    vault.close();
  }
  const db = rawVault(file, { readonly: true });
  try {
    const number = (sql: string): number => db.prepare(sql).pluck().get() as number;
    return {
      integrity,
      duplicates:
        number('SELECT count(*) - count(DISTINCT uuid) FROM meetings') +
        number(`SELECT count(*) - count(DISTINCT meeting_uuid || ' ' || key) FROM participants`) +
        number('SELECT count(*) - count(DISTINCT meeting_uuid) FROM recordings') +
        number('SELECT count(*) - count(DISTINCT history_id) FROM calls'),
      indexEntries: number('SELECT count(*) FROM fts'),
      indexedRows: number('SELECT (SELECT count(*) FROM meetings) + (SELECT count(*) FROM participants) + (SELECT count(*) FROM recordings) + (SELECT count(*) FROM calls)'),
    };
  } finally {
    db.close();
  }
}
