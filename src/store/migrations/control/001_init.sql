-- control.db: what the daemon needs to guarantee deletion. Ids, times and counts only; never Zoom
-- content (that lives in the vaults). Times are integer milliseconds since the epoch.

-- This device's identity; its Ed25519 key signs wipe receipts.
CREATE TABLE device (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  device_id TEXT NOT NULL,
  -- SPKI DER
  public_key BLOB NOT NULL,
  -- PKCS8 DER
  private_key BLOB NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE accounts (
  account_key TEXT PRIMARY KEY,
  zoom_account_id TEXT NOT NULL,
  zoom_user_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('connecting', 'active', 'needs-auth', 'wiping', 'wiped')),
  created_at INTEGER NOT NULL,
  state_changed_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The absolute time by which an account's data is wiped unless a new proof of a live grant comes.
CREATE TABLE leases (
  account_key TEXT PRIMARY KEY REFERENCES accounts (account_key) ON DELETE CASCADE,
  deadline INTEGER NOT NULL,
  last_proof_at INTEGER NOT NULL,
  proof_kind TEXT NOT NULL CHECK (proof_kind IN ('relay', 'zoom'))
) WITHOUT ROWID;

-- The wipe journal. Not tied to `accounts`: a wipe must be recordable whatever the registry says.
CREATE TABLE wipes (
  id TEXT PRIMARY KEY,
  account_key TEXT NOT NULL,
  reason TEXT NOT NULL,
  -- The relay's command, when the relay asked for the wipe; it re-sends a command until a receipt
  -- arrives, so one command starts at most one wipe.
  command_id TEXT UNIQUE,
  requested_at INTEGER NOT NULL,
  step TEXT NOT NULL,
  step_at INTEGER NOT NULL,
  finished_at INTEGER
) WITHOUT ROWID;
CREATE INDEX wipes_unfinished ON wipes (requested_at) WHERE finished_at IS NULL;

-- The receipt outbox: exactly one receipt per wipe, kept until the relay acknowledges it.
CREATE TABLE receipts (
  id TEXT PRIMARY KEY,
  wipe_id TEXT NOT NULL UNIQUE REFERENCES wipes (id),
  -- The exact signed text.
  body TEXT NOT NULL,
  signature TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  acked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX receipts_unacked ON receipts (created_at) WHERE acked_at IS NULL;

-- The latest time this device has seen: a wall clock set back cannot revive an expired lease.
CREATE TABLE clock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  high_water INTEGER NOT NULL
);
INSERT INTO clock (id, high_water) VALUES (1, 0);

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
