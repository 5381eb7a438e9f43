import type { CallRecord, RecordingRecord, WindowedResource } from '../core/records.js';

/** The account's Zoom OAuth tokens. The Zoom client's token store is built on these. */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires. */
  expiresAt: number;
  scope: string;
  /** The regional API base Zoom returned with the token. */
  apiUrl: string;
  updatedAt: number;
}

export interface VaultIdentity {
  zoomUserId: string;
  zoomAccountId: string;
  email: string | null;
  displayName: string | null;
}

/** A sync window of one resource: `start` inclusive, `end` exclusive. */
export interface WindowKey {
  start: number;
  end: number;
}

/** Zoom's token for the next page, and when it was issued (Zoom's page tokens expire). */
export interface PageCursor {
  token: string;
  issuedAt: number;
}

export type PageToSave =
  | { resource: 'recordings'; window: WindowKey; items: RecordingRecord[]; next: PageCursor | null; fetchedAt: number }
  | { resource: 'calls'; window: WindowKey; items: CallRecord[]; next: PageCursor | null; fetchedAt: number };

export interface SyncWindow {
  resource: WindowedResource;
  start: number;
  end: number;
  /** open: a pass over the window is under way (or was cut short); complete: the last pass finished. */
  status: 'open' | 'complete';
  /** Where an interrupted pass resumes; null before the first page and after the last. */
  pageToken: string | null;
  pageTokenIssuedAt: number | null;
  /** Pages and items stored by the current (or last) pass. */
  pages: number;
  items: number;
  /** When the last page was stored. */
  fetchedAt: number | null;
  /** When a pass last finished. */
  completedAt: number | null;
  /** When the current (or last) pass stored its first page: rows it did not list since are gone at Zoom. */
  passStartedAt: number | null;
}

/** Where the sync learned a meeting ID. */
export type MeetingIdSource = 'listed' | 'pmi' | 'recording' | 'event';

/** A meeting instance Zoom has named whose details are not stored yet. */
export interface PendingInstance {
  uuid: string;
  meetingId: string;
  startTime: number;
}

/** A recording, or some of its files, deleted at Zoom. `fileIds` null: the whole recording. */
export interface RecordingRemoval {
  meetingUuid: string;
  fileIds: string[] | null;
}

/** A meeting whose participant list has not been fetched yet. */
export interface ParticipantsDue {
  uuid: string;
  meetingId: string;
  startTime: number;
  endTime: number | null;
  /** The known end, or the start plus the scheduled duration when Zoom did not say. */
  endsAt: number;
  source: 'meetings' | 'report';
}

// Type aliases (not interfaces) so that they also fit `Record<string, number>`.
export type VaultCounts = { meetings: number; participants: number; recordings: number; calls: number };
export type RetentionCounts = VaultCounts;
