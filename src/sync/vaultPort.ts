import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingRecord, Resource } from '../core/records.js';
import type { WindowKey } from './windows.js';

export interface StoredWindow {
  status: 'open' | 'complete';
  pageToken: string | null;
  pageTokenIssuedAt: number | null;
  completedAt: number | null;
}

export type PageToSave =
  | { resource: 'meetings'; window: WindowKey; items: MeetingRecord[]; next: { token: string; issuedAt: number } | null; fetchedAt: number }
  | { resource: 'recordings'; window: WindowKey; items: RecordingRecord[]; next: { token: string; issuedAt: number } | null; fetchedAt: number }
  | { resource: 'calls'; window: WindowKey; items: CallRecord[]; next: { token: string; issuedAt: number } | null; fetchedAt: number };

/** What one sync run needs from the account's vault. */
export interface SyncVault {
  getWindow(resource: Resource, start: number): StoredWindow | null;
  savePage(page: PageToSave): void;
  completeWindow(resource: Resource, start: number, completedAt: number): void;
  restartWindow(resource: Resource, start: number): void;
  /** Meetings without a participant list yet, newest first; `endsAt` is the known or estimated end. */
  meetingsNeedingParticipants(limit: number): Array<{ uuid: string; endsAt: number }>;
  saveParticipants(meetingUuid: string, rows: ParticipantRecord[], syncedAt: number): void;
  markParticipantsUnavailable(meetingUuid: string, at: number): void;
  lastRetentionSweep(): number | null;
  sweepRetention(cutoff: number, now: number): Record<string, number>;
}
