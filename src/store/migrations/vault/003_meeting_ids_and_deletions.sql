-- The whole history a user-managed grant can read (issue 12): every meeting ID the sync learns,
-- the instances of each still waiting for their details, and what is needed to notice deletions
-- made at Zoom.

-- Meeting IDs the sync has learned: from previous_meetings, the user's PMI, recordings, or Zoom's
-- meeting.ended event. `instances_at` is when the ID's ended instances were last listed; NULL
-- means they are to be listed at the next sync.
CREATE TABLE meeting_ids (
  meeting_id TEXT PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('listed', 'pmi', 'recording', 'event')),
  learned_at INTEGER NOT NULL,
  instances_at INTEGER
) WITHOUT ROWID;
CREATE INDEX meeting_ids_to_list ON meeting_ids (meeting_id) WHERE instances_at IS NULL;

-- Meeting instances Zoom has named (an instances list, a recording) whose details are not stored
-- yet. A row leaves when its meeting is stored; 'unavailable' rows stay, so that Zoom listing the
-- instance again does not ask for details Zoom refused (older than a year, or gone).
CREATE TABLE meeting_instances (
  uuid TEXT PRIMARY KEY,
  meeting_id TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'unavailable')),
  at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX meeting_instances_pending ON meeting_instances (start_time, uuid) WHERE state = 'pending';

-- When Zoom last listed the row in a window: a window pass that ends finds the rows it did not
-- list, which Zoom no longer has.
ALTER TABLE recordings ADD COLUMN listed_at INTEGER;
ALTER TABLE calls ADD COLUMN listed_at INTEGER;
-- When the window's current pass began.
ALTER TABLE sync_windows ADD COLUMN pass_started_at INTEGER;

-- Windows are calendar months now, no longer 30 days on a fixed grid: the old checkpoints name no
-- window, and every window is fetched once more. The meeting windows are gone altogether: meetings
-- come from meeting IDs.
DELETE FROM sync_windows;

-- Meetings stored from the meeting list before this version have no end time: their details are
-- fetched once, like any instance's.
INSERT INTO meeting_instances (uuid, meeting_id, start_time, state, at)
SELECT uuid, meeting_id, start_time, 'pending', 0 FROM meetings WHERE end_time IS NULL;
