// The shapes of Zoom history as callvault stores and serves it: normalized from Zoom's JSON by
// src/zoom, written by src/store, read by viewers over IPC. Every field here except ids, counts
// and times is Zoom content and lives only in the account's vault (DESIGN.md, invariant 1).

/** Milliseconds since the Unix epoch, UTC. */
export type Timestamp = number;

/** The history resources synced from Zoom. */
export const RESOURCES = ['meetings', 'recordings', 'calls'] as const;
export type Resource = (typeof RESOURCES)[number];

/**
 * The resources Zoom lists by date, one calendar month per request: each is synced in its own
 * windows with their own checkpoints. Meetings are not: they come from meeting IDs.
 */
export const WINDOWED_RESOURCES = ['recordings', 'calls'] as const;
export type WindowedResource = (typeof WINDOWED_RESOURCES)[number];

export interface MeetingRecord {
  /** The meeting instance UUID: unique per occurrence of a meeting. */
  uuid: string;
  /** The numeric meeting ID, as a string (it may exceed 2^53 in future). */
  meetingId: string;
  hostId: string;
  topic: string;
  type: number;
  startTime: Timestamp;
  durationMinutes: number;
  timezone: string | null;
  /** Null while only the start is known. */
  endTime: Timestamp | null;
  participantsCount: number | null;
  /** 'meetings' (the meetings API, or Zoom's meeting.ended event); 'report' only in vaults synced before issue 12. */
  source: 'meetings' | 'report';
}

export interface ParticipantRecord {
  meetingUuid: string;
  /**
   * Identity of one attendance within the meeting: one person who joins twice has two rows. Derived
   * from Zoom's participant id (or name when the id is empty) and the join time.
   */
  key: string;
  participantId: string | null;
  userId: string | null;
  name: string;
  email: string | null;
  joinTime: Timestamp | null;
  leaveTime: Timestamp | null;
  durationSeconds: number;
}

export interface RecordingFileRecord {
  id: string;
  fileType: string | null;
  recordingType: string | null;
  recordingStart: Timestamp | null;
  recordingEnd: Timestamp | null;
  fileSize: number | null;
}

/** Metadata of one meeting's cloud recording; the media stay at Zoom. */
export interface RecordingRecord {
  meetingUuid: string;
  meetingId: string;
  topic: string;
  startTime: Timestamp;
  durationMinutes: number;
  totalSize: number | null;
  files: RecordingFileRecord[];
}

export interface CallRecord {
  /** The call history id. */
  id: string;
  callId: string;
  direction: string;
  callerName: string | null;
  callerNumber: string | null;
  calleeName: string | null;
  calleeNumber: string | null;
  startTime: Timestamp;
  answerTime: Timestamp | null;
  endTime: Timestamp | null;
  result: string | null;
  talkTimeSeconds: number | null;
  recordingId: string | null;
}

/** A meeting with its attendance, as `meetings.get` serves it. */
export interface MeetingDetail extends MeetingRecord {
  participants: ParticipantRecord[];
}

export type SearchHitKind = 'meeting' | 'participant' | 'call' | 'recording';

export interface SearchHit {
  accountKey: string;
  kind: SearchHitKind;
  /** The meeting UUID for meetings, participants and recordings; the call id for calls. */
  ref: string;
  time: Timestamp;
  /** A short excerpt around the match. */
  snippet: string;
}
