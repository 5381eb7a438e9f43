-- Zoom content is kept no longer than it serves: an unusable event's body goes
-- UNUSABLE_BODY_KEPT_MS after it arrived (src/relay/ledger.ts), while its metadata stays for the
-- operator until dismissed. (The SQLite ledger's version 4.)

ALTER TABLE unusable_events
  ALTER COLUMN body DROP NOT NULL,
  ADD COLUMN body_dropped_at BIGINT,
  ADD CONSTRAINT unusable_events_body_or_dropped CHECK ((body IS NULL) = (body_dropped_at IS NOT NULL));
CREATE INDEX unusable_events_bodies_by_age ON unusable_events (received_at) WHERE body IS NOT NULL;
