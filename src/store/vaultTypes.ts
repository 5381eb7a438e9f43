import type { CallRecord, MeetingRecord, RecordingRecord, Resource } from '../core/records.js';

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
  | { resource: 'meetings'; window: WindowKey; items: MeetingRecord[]; next: PageCursor | null; fetchedAt: number }
  | { resource: 'recordings'; window: WindowKey; items: RecordingRecord[]; next: PageCursor | null; fetchedAt: number }
  | { resource: 'calls'; window: WindowKey; items: CallRecord[]; next: PageCursor | null; fetchedAt: number };

export interface SyncWindow {
  resource: Resource;
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
