import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingRecord } from '../core/records.js';
import type { Result } from '../core/result.js';
import type { ListedMeeting, MeetingInstance, ZoomFailure, ZoomUser } from '../zoom/index.js';

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

export interface PageQuery {
  pageToken?: string;
  signal?: AbortSignal;
}

export interface ListQuery extends PageQuery {
  /** UTC midnight of the first day, inclusive. */
  from: number;
  /** UTC midnight of the last day, inclusive. */
  to: number;
}

/** Everything a user-managed grant can read of the user's history (ZOOM.md section 7). */
export interface HistorySource {
  /** Who the grant belongs to; its `pmi` is a meeting ID no list names. */
  getMe(signal?: AbortSignal): Promise<Result<ZoomUser, SourceFailure>>;
  /** One row per unexpired scheduled or recurring meeting ID. */
  listPreviousMeetings(query: PageQuery): Promise<PageResult<ListedMeeting>>;
  listInstances(meetingId: string, signal?: AbortSignal): Promise<Result<MeetingInstance[], SourceFailure>>;
  getPastMeeting(meetingUuid: string, signal?: AbortSignal): Promise<Result<MeetingRecord, SourceFailure>>;
  listParticipants(meetingUuid: string, query: PageQuery): Promise<PageResult<ParticipantRecord>>;
  listRecordings(query: ListQuery): Promise<PageResult<RecordingRecord>>;
  listCalls(query: ListQuery): Promise<PageResult<CallRecord>>;
}
