-- A vault: everything Zoom sent for one account. Times are integer milliseconds since the epoch.
-- Every table whose text is searchable has an INTEGER PRIMARY KEY `id`: its rows are indexed in
-- `fts` under rowid = id * 4 + kind (0 meeting, 1 participant, 2 recording, 3 call), so the
-- triggers find a row's index entry by rowid instead of scanning the index.

CREATE TABLE tokens (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  access_token TEXT NOT NULL,
  refresh_token TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  scope TEXT NOT NULL,
  api_url TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE identity (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  zoom_user_id TEXT NOT NULL,
  zoom_account_id TEXT NOT NULL,
  email TEXT,
  display_name TEXT
);

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE meetings (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  meeting_id TEXT NOT NULL,
  host_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  type INTEGER NOT NULL,
  start_time INTEGER NOT NULL,
  duration_minutes INTEGER NOT NULL,
  timezone TEXT,
  end_time INTEGER,
  participants_count INTEGER,
  source TEXT NOT NULL CHECK (source IN ('meetings', 'report')),
  -- NULL until the participant list was stored, or Zoom said it cannot be had.
  participants_state TEXT CHECK (participants_state IN ('synced', 'unavailable')),
  participants_at INTEGER
);
CREATE INDEX meetings_by_time ON meetings (start_time, uuid);
CREATE INDEX meetings_needing_participants ON meetings (start_time, uuid) WHERE participants_state IS NULL;

-- One row per attendance: a person who joins twice has two rows.
CREATE TABLE participants (
  id INTEGER PRIMARY KEY,
  meeting_uuid TEXT NOT NULL REFERENCES meetings (uuid) ON DELETE CASCADE,
  key TEXT NOT NULL,
  participant_id TEXT,
  user_id TEXT,
  name TEXT NOT NULL,
  email TEXT,
  join_time INTEGER,
  leave_time INTEGER,
  duration_seconds INTEGER NOT NULL,
  UNIQUE (meeting_uuid, key)
);

-- Recordings are not tied to `meetings`: Zoom lists recordings of instant meetings, which the
-- meeting list leaves out.
CREATE TABLE recordings (
  id INTEGER PRIMARY KEY,
  meeting_uuid TEXT NOT NULL UNIQUE,
  meeting_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  duration_minutes INTEGER NOT NULL,
  total_size INTEGER
);
CREATE INDEX recordings_by_time ON recordings (start_time, meeting_uuid);

CREATE TABLE recording_files (
  recording_id INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  file_id TEXT NOT NULL,
  -- Zoom's order of the files.
  position INTEGER NOT NULL,
  file_type TEXT,
  recording_type TEXT,
  recording_start INTEGER,
  recording_end INTEGER,
  file_size INTEGER,
  PRIMARY KEY (recording_id, file_id)
) WITHOUT ROWID;

CREATE TABLE calls (
  id INTEGER PRIMARY KEY,
  history_id TEXT NOT NULL UNIQUE,
  call_id TEXT NOT NULL,
  direction TEXT NOT NULL,
  caller_name TEXT,
  caller_number TEXT,
  callee_name TEXT,
  callee_number TEXT,
  start_time INTEGER NOT NULL,
  answer_time INTEGER,
  end_time INTEGER,
  result TEXT,
  talk_time_seconds INTEGER,
  recording_id TEXT
);
CREATE INDEX calls_by_time ON calls (start_time, history_id);

-- Sync progress per window [window_start, window_end) of one resource. `pages` and `items` count
-- the current pass over the window; `completed_at` is when a pass last finished.
CREATE TABLE sync_windows (
  resource TEXT NOT NULL CHECK (resource IN ('meetings', 'recordings', 'calls')),
  window_start INTEGER NOT NULL,
  window_end INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'complete')),
  page_token TEXT,
  page_token_issued_at INTEGER,
  pages INTEGER NOT NULL,
  items INTEGER NOT NULL,
  fetched_at INTEGER,
  completed_at INTEGER,
  PRIMARY KEY (resource, window_start)
) WITHOUT ROWID;

-- `ref` is the meeting UUID (meetings, participants, recordings) or the call history id; `time`
-- orders equally ranked hits, newest first.
CREATE VIRTUAL TABLE fts USING fts5 (
  body,
  ref UNINDEXED,
  time UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2'
);
-- Deleted entries are removed from the index itself instead of being masked by delete markers.
INSERT INTO fts (fts, rank) VALUES ('secure-delete', 1);

CREATE TRIGGER meetings_fts_insert AFTER INSERT ON meetings BEGIN
  INSERT INTO fts (rowid, body, ref, time) VALUES (new.id * 4, new.topic, new.uuid, new.start_time);
END;
CREATE TRIGGER meetings_fts_update AFTER UPDATE OF topic, start_time ON meetings
WHEN old.topic IS NOT new.topic OR old.start_time IS NOT new.start_time BEGIN
  UPDATE fts SET body = new.topic, time = new.start_time WHERE rowid = new.id * 4;
END;
CREATE TRIGGER meetings_fts_delete AFTER DELETE ON meetings BEGIN
  DELETE FROM fts WHERE rowid = old.id * 4;
END;

CREATE TRIGGER participants_fts_insert AFTER INSERT ON participants BEGIN
  INSERT INTO fts (rowid, body, ref, time) VALUES (
    new.id * 4 + 1,
    concat_ws(' ', new.name, new.email),
    new.meeting_uuid,
    coalesce(new.join_time, (SELECT start_time FROM meetings WHERE uuid = new.meeting_uuid))
  );
END;
CREATE TRIGGER participants_fts_update AFTER UPDATE OF name, email, join_time ON participants
WHEN old.name IS NOT new.name OR old.email IS NOT new.email OR old.join_time IS NOT new.join_time BEGIN
  UPDATE fts SET
    body = concat_ws(' ', new.name, new.email),
    time = coalesce(new.join_time, (SELECT start_time FROM meetings WHERE uuid = new.meeting_uuid))
  WHERE rowid = new.id * 4 + 1;
END;
CREATE TRIGGER participants_fts_delete AFTER DELETE ON participants BEGIN
  DELETE FROM fts WHERE rowid = old.id * 4 + 1;
END;

CREATE TRIGGER recordings_fts_insert AFTER INSERT ON recordings BEGIN
  INSERT INTO fts (rowid, body, ref, time) VALUES (new.id * 4 + 2, new.topic, new.meeting_uuid, new.start_time);
END;
CREATE TRIGGER recordings_fts_update AFTER UPDATE OF topic, start_time ON recordings
WHEN old.topic IS NOT new.topic OR old.start_time IS NOT new.start_time BEGIN
  UPDATE fts SET body = new.topic, time = new.start_time WHERE rowid = new.id * 4 + 2;
END;
CREATE TRIGGER recordings_fts_delete AFTER DELETE ON recordings BEGIN
  DELETE FROM fts WHERE rowid = old.id * 4 + 2;
END;

CREATE TRIGGER calls_fts_insert AFTER INSERT ON calls BEGIN
  INSERT INTO fts (rowid, body, ref, time) VALUES (
    new.id * 4 + 3,
    concat_ws(' ', new.caller_name, new.caller_number, new.callee_name, new.callee_number),
    new.history_id,
    new.start_time
  );
END;
CREATE TRIGGER calls_fts_update AFTER UPDATE OF caller_name, caller_number, callee_name, callee_number, start_time ON calls
WHEN old.caller_name IS NOT new.caller_name OR old.caller_number IS NOT new.caller_number
  OR old.callee_name IS NOT new.callee_name OR old.callee_number IS NOT new.callee_number
  OR old.start_time IS NOT new.start_time BEGIN
  UPDATE fts SET
    body = concat_ws(' ', new.caller_name, new.caller_number, new.callee_name, new.callee_number),
    time = new.start_time
  WHERE rowid = new.id * 4 + 3;
END;
CREATE TRIGGER calls_fts_delete AFTER DELETE ON calls BEGIN
  DELETE FROM fts WHERE rowid = old.id * 4 + 3;
END;
