import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingRecord } from '../core/records.js';
import type { Result } from '../core/result.js';
import type { ZoomFailure } from '../zoom/index.js';

/**
 * What the sync engine needs from Zoom, as outcomes rather than exceptions: the Zoom client's own
 * failures. The client provides the source (see ./zoomSource.ts); tests may provide their own.
 */
export type SourceFailure = ZoomFailure;

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
