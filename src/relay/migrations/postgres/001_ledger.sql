-- The relay's ledger on PostgreSQL: the same tables as the SQLite ledger (src/relay/schema.ts, up
-- to its version 3), shared by every relay instance. Times are milliseconds since the epoch.
-- Unique keys make concurrent deliveries idempotent: one row per deauthorization, per Zoom event
-- key, per receipt, and at most one open wipe command per device and Zoom user.

CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  credential_hash TEXT NOT NULL UNIQUE,
  enrolled_at BIGINT NOT NULL
);

CREATE TABLE device_users (
  device_id TEXT NOT NULL REFERENCES devices (device_id),
  zoom_account_id TEXT NOT NULL,
  zoom_user_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'pending', 'wiped', 'self-expired')),
  enrolled_at BIGINT NOT NULL,
  lease_deadline BIGINT,
  lease_issued_at BIGINT,
  receipt_id TEXT,
  PRIMARY KEY (device_id, zoom_account_id, zoom_user_id)
);
CREATE INDEX device_users_by_user ON device_users (zoom_account_id, zoom_user_id);
CREATE INDEX device_users_by_status ON device_users (status, lease_deadline);

CREATE TABLE deauthorizations (
  event_key TEXT PRIMARY KEY,
  zoom_account_id TEXT NOT NULL,
  zoom_user_id TEXT NOT NULL,
  deauthorized_at BIGINT NOT NULL,
  user_data_retention TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  cloud_copy_deleted_at BIGINT,
  -- Breaks ties between deauthorizations of one user received in the same millisecond.
  seq BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX deauthorizations_by_user ON deauthorizations (zoom_account_id, zoom_user_id, received_at);
CREATE INDEX deauthorizations_by_time ON deauthorizations (zoom_account_id, zoom_user_id, deauthorized_at);
CREATE INDEX deauthorizations_by_arrival ON deauthorizations (received_at, event_key);
CREATE INDEX deauthorizations_cloud_copy_pending ON deauthorizations (received_at) WHERE cloud_copy_deleted_at IS NULL;

CREATE TABLE commands (
  command_id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  zoom_account_id TEXT NOT NULL,
  zoom_user_id TEXT NOT NULL,
  event_key TEXT REFERENCES deauthorizations (event_key),
  issued_at BIGINT NOT NULL,
  signed TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'done', 'superseded')),
  receipt_id TEXT,
  FOREIGN KEY (device_id, zoom_account_id, zoom_user_id) REFERENCES device_users (device_id, zoom_account_id, zoom_user_id)
);
CREATE UNIQUE INDEX commands_one_open_per_pair ON commands (device_id, zoom_account_id, zoom_user_id) WHERE state = 'open';
CREATE INDEX commands_open_by_device ON commands (device_id, issued_at) WHERE state = 'open';
CREATE INDEX commands_by_event ON commands (event_key);

CREATE TABLE receipts (
  device_id TEXT NOT NULL,
  receipt_id TEXT NOT NULL,
  zoom_account_id TEXT NOT NULL,
  zoom_user_id TEXT NOT NULL,
  command_id TEXT,
  reason TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  signed TEXT NOT NULL,
  PRIMARY KEY (device_id, receipt_id)
);

-- Zoom events already seen (deduplication of Zoom's retries), kept EVENT_KEY_MEMORY_MS at least.
CREATE TABLE zoom_event_keys (
  event_key TEXT PRIMARY KEY,
  received_at BIGINT NOT NULL
);
CREATE INDEX zoom_event_keys_by_age ON zoom_event_keys (received_at);

-- Zoom event notices held per device until it acks them: Zoom content in the vendor's cloud.
CREATE TABLE notices (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  notice_id TEXT NOT NULL UNIQUE,
  device_id TEXT NOT NULL,
  zoom_account_id TEXT NOT NULL,
  zoom_user_id TEXT NOT NULL,
  event TEXT NOT NULL,
  event_ts BIGINT NOT NULL,
  object TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  FOREIGN KEY (device_id, zoom_account_id, zoom_user_id) REFERENCES device_users (device_id, zoom_account_id, zoom_user_id)
);
CREATE INDEX notices_by_pair ON notices (device_id, zoom_account_id, zoom_user_id);
CREATE INDEX notices_by_user ON notices (zoom_account_id, zoom_user_id);

-- Correctly signed webhooks the relay could not use, kept for an operator.
CREATE TABLE unusable_events (
  id TEXT PRIMARY KEY,
  received_at BIGINT NOT NULL,
  event TEXT,
  problem TEXT NOT NULL,
  body TEXT NOT NULL,
  seq BIGINT GENERATED ALWAYS AS IDENTITY
);
