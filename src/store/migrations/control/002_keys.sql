-- Crypto-shredding. Every vault is encrypted with its own random data key, kept here only wrapped
-- (AES-256-GCM) by the device key, which lives outside this file: in the OS credential store, or in
-- a 0600 file where there is none. A wipe deletes the account's row (secure_delete is on for this
-- file, and a TRUNCATE checkpoint follows), which makes every copy of its vault unreadable, and
-- then replaces the device key, so that a stale copy of this file unwraps nothing.

-- Where the device key is kept and its id there. Chosen on first use, never silently changed.
CREATE TABLE device_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  custody TEXT NOT NULL CHECK (custody IN ('keyring', 'file')),
  key_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  -- Why this custody was chosen (e.g. no credential store answered), for `status`.
  note TEXT
);

CREATE TABLE data_keys (
  account_key TEXT PRIMARY KEY,
  -- 12-byte nonce, 16-byte tag, then the 32-byte key encrypted.
  wrapped BLOB NOT NULL,
  device_key_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
