import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingRecord } from '../core/records.js';
import type { Result } from '../core/result.js';

/**
 * What the sync engine needs from Zoom, as outcomes rather than exceptions. The Zoom client
 * provides it (see ./zoomSource.ts); tests may provide their own.
 */
export type SourceFailure =
  | { kind: 'dead-grant'; reason: string }
  /** A daily limit (or a pause long enough to give up this run): nothing more of it until `until`. */
  | { kind: 'throttled'; until: number }
  | { kind: 'page-token-expired' }
  | { kind: 'not-found' }
  /** The plan, licence or scope does not allow this resource for this user. */
  | { kind: 'forbidden'; reason: string }
  | { kind: 'bad-request'; code: number | null }
  | { kind: 'malformed'; endpoint: string }
  | { kind: 'unavailable' }
  | { kind: 'aborted' };

export interface SourcePage<T> {
  items: T[];
  nextPageToken: string | null;
}

export type PageResult<T> = Result<SourcePage<T>, SourceFailure>;

export interface ListQuery {
  /** UTC midnight of the first day, inclusive. */
  from: number;
  /** UTC midnight of the last day, inclusive. */
  to: number;
  pageToken?: string;
  signal?: AbortSignal;
}

export interface HistorySource {
  /** True when the grant may use the report API (admin scope): meetings then come from it. */
  readonly usesReport: boolean;
  listMeetings(query: ListQuery): Promise<PageResult<MeetingRecord>>;
  listParticipants(meetingUuid: string, query: { pageToken?: string; signal?: AbortSignal }): Promise<PageResult<ParticipantRecord>>;
  listRecordings(query: ListQuery): Promise<PageResult<RecordingRecord>>;
  listCalls(query: ListQuery): Promise<PageResult<CallRecord>>;
}
