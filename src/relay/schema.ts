// The ledger's SQLite schema, one entry per version (PRAGMA user_version). Later versions append.

export interface LedgerMigration {
  version: number;
  sql: string;
}

export const LEDGER_MIGRATIONS: LedgerMigration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  credential_hash TEXT NOT NULL UNIQUE,
  enrolled_at INTEGER NOT NULL
) STRICT;

CREATE TABLE device_users (
  device_id TEXT NOT NULL REFERENCES devices (device_id),
  zoom_account_id TEXT NOT NULL,
  zoom_user_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'pending', 'wiped', 'self-expired')),
  enrolled_at INTEGER NOT NULL,
  lease_deadline INTEGER,
  receipt_id TEXT,
  PRIMARY KEY (device_id, zoom_account_id, zoom_user_id)
) STRICT;
CREATE INDEX device_users_by_user ON device_users (zoom_account_id, zoom_user_id);
CREATE INDEX device_users_by_status ON device_users (status, lease_deadline);

CREATE TABLE deauthorizations (
  event_key TEXT PRIMARY KEY,
  zoom_account_id TEXT NOT NULL,
  zoom_user_id TEXT NOT NULL,
  deauthorized_at INTEGER NOT NULL,
  user_data_retention TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  cloud_copy_deleted_at INTEGER
) STRICT;
CREATE INDEX deauthorizations_by_user ON deauthorizations (zoom_account_id, zoom_user_id, received_at);

CREATE TABLE commands (
  command_id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  zoom_account_id TEXT NOT NULL,
  zoom_user_id TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  signed TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'done', 'superseded')),
  receipt_id TEXT,
  FOREIGN KEY (device_id, zoom_account_id, zoom_user_id) REFERENCES device_users (device_id, zoom_account_id, zoom_user_id)
) STRICT;
CREATE INDEX commands_open ON commands (device_id, zoom_account_id, zoom_user_id, issued_at) WHERE state = 'open';

CREATE TABLE receipts (
  device_id TEXT NOT NULL,
  receipt_id TEXT NOT NULL,
  zoom_account_id TEXT NOT NULL,
  zoom_user_id TEXT NOT NULL,
  command_id TEXT,
  reason TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  signed TEXT NOT NULL,
  PRIMARY KEY (device_id, receipt_id)
) STRICT;
`,
  },
  {
    version: 2,
    sql: `
CREATE INDEX deauthorizations_by_time ON deauthorizations (zoom_account_id, zoom_user_id, deauthorized_at);

CREATE TABLE zoom_event_keys (
  event_key TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX zoom_event_keys_by_age ON zoom_event_keys (received_at);

CREATE TABLE notices (
  seq INTEGER PRIMARY KEY,
  notice_id TEXT NOT NULL UNIQUE,
  device_id TEXT NOT NULL,
  zoom_account_id TEXT NOT NULL,
  zoom_user_id TEXT NOT NULL,
  event TEXT NOT NULL,
  event_ts INTEGER NOT NULL,
  object TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  FOREIGN KEY (device_id, zoom_account_id, zoom_user_id) REFERENCES device_users (device_id, zoom_account_id, zoom_user_id)
) STRICT;
CREATE INDEX notices_by_pair ON notices (device_id, zoom_account_id, zoom_user_id);
CREATE INDEX notices_by_user ON notices (zoom_account_id, zoom_user_id);

CREATE TABLE unusable_events (
  id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,
  event TEXT,
  problem TEXT NOT NULL,
  body TEXT NOT NULL
) STRICT;
`,
  },
  {
    // The auditor's report: which deauthorization issued each wipe command, and when the lease
    // that sets a device's self-wipe deadline was issued. Commands from before this version are
    // matched to their user's latest deauthorization received no later than they were issued
    // (they were recorded in the same transaction).
    version: 3,
    sql: `
ALTER TABLE device_users ADD COLUMN lease_issued_at INTEGER;
ALTER TABLE commands ADD COLUMN event_key TEXT REFERENCES deauthorizations (event_key);
UPDATE commands SET event_key = (
  SELECT d.event_key FROM deauthorizations d
  WHERE d.zoom_account_id = commands.zoom_account_id AND d.zoom_user_id = commands.zoom_user_id AND d.received_at <= commands.issued_at
  ORDER BY d.received_at DESC, d.rowid DESC LIMIT 1)
WHERE json_extract(signed, '$.body.reason') = 'deauthorized';
CREATE INDEX commands_by_event ON commands (event_key);
CREATE INDEX deauthorizations_by_arrival ON deauthorizations (received_at, event_key);
`,
  },
  {
    // Zoom content is kept no longer than it serves: an unusable event's body goes
    // UNUSABLE_BODY_KEPT_MS after it arrived while its metadata stays for the operator. A body that
    // may be null needs a new table; `seq` orders events of the same millisecond, as on PostgreSQL
    // (an implicit rowid may change on VACUUM).
    version: 4,
    sql: `
CREATE TABLE unusable_events_4 (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  received_at INTEGER NOT NULL,
  event TEXT,
  problem TEXT NOT NULL,
  body TEXT,
  body_dropped_at INTEGER,
  CHECK ((body IS NULL) = (body_dropped_at IS NOT NULL))
) STRICT;
INSERT INTO unusable_events_4 (seq, id, received_at, event, problem, body)
  SELECT rowid, id, received_at, event, problem, body FROM unusable_events ORDER BY rowid;
DROP TABLE unusable_events;
ALTER TABLE unusable_events_4 RENAME TO unusable_events;
CREATE INDEX unusable_events_bodies_by_age ON unusable_events (received_at) WHERE body IS NOT NULL;
`,
  },
];
