-- Search results are the newest matches first. FTS5 stops reading a match list early only in its
-- own rowid order, so an entry's rowid is a time-ordered key: `time_ms * 65536 + n`, where n tells
-- apart the entries of one millisecond. Newest = highest rowid; a search is
-- `WHERE fts MATCH ? ORDER BY rowid DESC LIMIT ?` and reads only as many entries as it returns.
-- Keys exceed 2^53: JavaScript reads them exactly only as BigInt (better-sqlite3 safeIntegers).
--
-- `search_entries` holds the indexed text under that key (it is the index's external content, so
-- the text is stored once) and maps each source row to its key: `source` = id * 4 + kind
-- (0 meeting, 1 participant, 2 recording, 3 call), as the 001 schema's rowids were.
--
-- The old index is rebuilt from the source tables. `secure_delete` is on while this runs, so the
-- pages the old index leaves behind are zeroed.

DROP TRIGGER meetings_fts_insert;
DROP TRIGGER meetings_fts_update;
DROP TRIGGER meetings_fts_delete;
DROP TRIGGER participants_fts_insert;
DROP TRIGGER participants_fts_update;
DROP TRIGGER participants_fts_delete;
DROP TRIGGER recordings_fts_insert;
DROP TRIGGER recordings_fts_update;
DROP TRIGGER recordings_fts_delete;
DROP TRIGGER calls_fts_insert;
DROP TRIGGER calls_fts_update;
DROP TRIGGER calls_fts_delete;
DROP TABLE fts;

CREATE TABLE search_entries (
  entry INTEGER PRIMARY KEY,
  source INTEGER NOT NULL UNIQUE,
  time INTEGER NOT NULL,
  body TEXT NOT NULL,
  ref TEXT NOT NULL
);

-- Rows inserted here get their key. `min(max(new.time, 0), 140737488355327) * 65536` below is the
-- first key of the entry's millisecond: the time is clamped to [0, 2^47) ms (1970 to the year 6429)
-- so that keys never overflow 64 bits. A millisecond has 65,536 keys, handed out in order
-- (last + 1, so inserting in time order appends). When they are all taken (a huge webinar whose
-- participants all share the meeting's start), the entry takes the next key of the nearest earlier
-- millisecond with one free: it sorts a little late, and the insert never fails. That search is the
-- second argument of coalesce, evaluated only when the first is NULL, because a recursive query
-- costs more than all the rest of an insert.
CREATE VIEW search_feed (source, time, body, ref) AS SELECT source, time, body, ref FROM search_entries;
CREATE TRIGGER search_feed_insert INSTEAD OF INSERT ON search_feed BEGIN
  INSERT INTO search_entries (entry, source, time, body, ref) VALUES (coalesce(
    (SELECT nullif(coalesce(max(entry) + 1, min(max(new.time, 0), 140737488355327) * 65536), min(max(new.time, 0), 140737488355327) * 65536 + 65536)
     FROM search_entries WHERE entry BETWEEN min(max(new.time, 0), 140737488355327) * 65536 AND min(max(new.time, 0), 140737488355327) * 65536 + 65535),
    (WITH RECURSIVE slot (base, last) AS (
       SELECT base, (SELECT max(entry) FROM search_entries WHERE entry BETWEEN base AND base + 65535)
       FROM (SELECT min(max(new.time, 0), 140737488355327) * 65536 AS base)
       UNION ALL
       SELECT base - 65536, (SELECT max(entry) FROM search_entries WHERE entry BETWEEN base - 65536 AND base - 1)
       FROM slot WHERE last = base + 65535
     )
     SELECT coalesce(last + 1, base) FROM slot WHERE last IS NULL OR last < base + 65535 LIMIT 1)
  ), new.source, new.time, new.body, new.ref);
END;

-- In time order, so that every entry is appended.
INSERT INTO search_feed (source, time, body, ref)
SELECT source, time, body, ref FROM (
  SELECT id * 4 AS source, start_time AS time, topic AS body, uuid AS ref FROM meetings
  UNION ALL
  SELECT p.id * 4 + 1, coalesce(p.join_time, m.start_time, 0), concat_ws(' ', p.name, p.email), p.meeting_uuid
  FROM participants p LEFT JOIN meetings m ON m.uuid = p.meeting_uuid
  UNION ALL
  SELECT id * 4 + 2, start_time, topic, meeting_uuid FROM recordings
  UNION ALL
  SELECT id * 4 + 3, start_time, concat_ws(' ', caller_name, caller_number, callee_name, callee_number), history_id FROM calls
) ORDER BY time, source;

-- columnsize=0: no per-row token counts; only bm25 needs them, and search no longer ranks by it.
CREATE VIRTUAL TABLE fts USING fts5 (
  body,
  source UNINDEXED,
  ref UNINDEXED,
  time UNINDEXED,
  content = 'search_entries',
  content_rowid = 'entry',
  columnsize = 0,
  tokenize = 'unicode61 remove_diacritics 2'
);
-- Deleted entries are removed from the index itself instead of being masked by delete markers.
INSERT INTO fts (fts, rank) VALUES ('secure-delete', 1);
INSERT INTO fts (fts) VALUES ('rebuild');

-- The index follows its content. Entries are never updated in place: a change deletes and re-adds.
CREATE TRIGGER search_entries_insert AFTER INSERT ON search_entries BEGIN
  INSERT INTO fts (rowid, body, source, ref, time) VALUES (new.entry, new.body, new.source, new.ref, new.time);
END;
CREATE TRIGGER search_entries_delete AFTER DELETE ON search_entries BEGIN
  INSERT INTO fts (fts, rowid, body, source, ref, time) VALUES ('delete', old.entry, old.body, old.source, old.ref, old.time);
END;

CREATE TRIGGER meetings_search_insert AFTER INSERT ON meetings BEGIN
  INSERT INTO search_feed (source, time, body, ref) VALUES (new.id * 4, new.start_time, new.topic, new.uuid);
END;
-- A new start time moves the meeting, and the participants whose time is the meeting's start.
CREATE TRIGGER meetings_search_update AFTER UPDATE OF topic, start_time ON meetings
WHEN old.topic IS NOT new.topic OR old.start_time IS NOT new.start_time BEGIN
  DELETE FROM search_entries WHERE source = new.id * 4;
  INSERT INTO search_feed (source, time, body, ref) VALUES (new.id * 4, new.start_time, new.topic, new.uuid);
  DELETE FROM search_entries WHERE old.start_time IS NOT new.start_time
    AND source IN (SELECT id * 4 + 1 FROM participants WHERE meeting_uuid = new.uuid AND join_time IS NULL);
  INSERT INTO search_feed (source, time, body, ref)
  SELECT id * 4 + 1, new.start_time, concat_ws(' ', name, email), meeting_uuid
  FROM participants WHERE old.start_time IS NOT new.start_time AND meeting_uuid = new.uuid AND join_time IS NULL ORDER BY id;
END;
CREATE TRIGGER meetings_search_delete AFTER DELETE ON meetings BEGIN
  DELETE FROM search_entries WHERE source = old.id * 4;
END;

CREATE TRIGGER participants_search_insert AFTER INSERT ON participants BEGIN
  INSERT INTO search_feed (source, time, body, ref) VALUES (
    new.id * 4 + 1,
    coalesce(new.join_time, (SELECT start_time FROM meetings WHERE uuid = new.meeting_uuid), 0),
    concat_ws(' ', new.name, new.email),
    new.meeting_uuid
  );
END;
CREATE TRIGGER participants_search_update AFTER UPDATE OF name, email, join_time ON participants
WHEN old.name IS NOT new.name OR old.email IS NOT new.email OR old.join_time IS NOT new.join_time BEGIN
  DELETE FROM search_entries WHERE source = new.id * 4 + 1;
  INSERT INTO search_feed (source, time, body, ref) VALUES (
    new.id * 4 + 1,
    coalesce(new.join_time, (SELECT start_time FROM meetings WHERE uuid = new.meeting_uuid), 0),
    concat_ws(' ', new.name, new.email),
    new.meeting_uuid
  );
END;
CREATE TRIGGER participants_search_delete AFTER DELETE ON participants BEGIN
  DELETE FROM search_entries WHERE source = old.id * 4 + 1;
END;

CREATE TRIGGER recordings_search_insert AFTER INSERT ON recordings BEGIN
  INSERT INTO search_feed (source, time, body, ref) VALUES (new.id * 4 + 2, new.start_time, new.topic, new.meeting_uuid);
END;
CREATE TRIGGER recordings_search_update AFTER UPDATE OF topic, start_time ON recordings
WHEN old.topic IS NOT new.topic OR old.start_time IS NOT new.start_time BEGIN
  DELETE FROM search_entries WHERE source = new.id * 4 + 2;
  INSERT INTO search_feed (source, time, body, ref) VALUES (new.id * 4 + 2, new.start_time, new.topic, new.meeting_uuid);
END;
CREATE TRIGGER recordings_search_delete AFTER DELETE ON recordings BEGIN
  DELETE FROM search_entries WHERE source = old.id * 4 + 2;
END;

CREATE TRIGGER calls_search_insert AFTER INSERT ON calls BEGIN
  INSERT INTO search_feed (source, time, body, ref) VALUES (
    new.id * 4 + 3,
    new.start_time,
    concat_ws(' ', new.caller_name, new.caller_number, new.callee_name, new.callee_number),
    new.history_id
  );
END;
CREATE TRIGGER calls_search_update AFTER UPDATE OF caller_name, caller_number, callee_name, callee_number, start_time ON calls
WHEN old.caller_name IS NOT new.caller_name OR old.caller_number IS NOT new.caller_number
  OR old.callee_name IS NOT new.callee_name OR old.callee_number IS NOT new.callee_number
  OR old.start_time IS NOT new.start_time BEGIN
  DELETE FROM search_entries WHERE source = new.id * 4 + 3;
  INSERT INTO search_feed (source, time, body, ref) VALUES (
    new.id * 4 + 3,
    new.start_time,
    concat_ws(' ', new.caller_name, new.caller_number, new.callee_name, new.callee_number),
    new.history_id
  );
END;
CREATE TRIGGER calls_search_delete AFTER DELETE ON calls BEGIN
  DELETE FROM search_entries WHERE source = old.id * 4 + 3;
END;
