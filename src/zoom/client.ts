// The history endpoints (ZOOM.md sections 4 and 7) as typed calls returning records. Each call
// fetches one page; the sync layer drives paging and stores a page before asking for the next.

import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingRecord } from '../core/records.js';
import { err, ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import type { z } from 'zod';
import { ENDPOINTS, type EndpointSpec } from './endpoints.js';
import type { ZoomFailure } from './failures.js';
import { toCall, toListedMeeting, toParticipant, toPastMeeting, toRecording, toZoomUser, type ListedMeeting, type MeetingInstance, type ZoomUser } from './mapping.js';
import { dateWindow, encodeMeetingUuid } from './requestPaths.js';
import { callHistoryPageSchema, instancesSchema, meetingsPageSchema, participantsPageSchema, pastMeetingSchema, recordingsPageSchema, userMeSchema } from './schemas.js';
import type { Query, ZoomApi } from './zoomApi.js';

export interface ZoomPage<T> {
  items: T[];
  /** null on the last page. */
  nextPageToken: string | null;
}

export type ZoomPageResult<T> = Result<ZoomPage<T>, ZoomFailure>;

export interface PageQuery {
  /** Default 300, Zoom's maximum: fewer requests against the rate limits. */
  pageSize?: number;
  pageToken?: string;
  signal?: AbortSignal;
}

export interface WindowQuery extends PageQuery {
  /** ms; its UTC day is the first day asked for. */
  from: number;
  /** ms; its UTC day is the last day asked for (inclusive), within one calendar month of `from`'s. */
  to: number;
}

export const DEFAULT_PAGE_SIZE = 300;
const ME = { userId: 'me' };

const present = <T>(item: T | null): item is T => item !== null;

/**
 * The endpoints a user-managed app may call (user-level scopes only: ZOOM.md section 7), one page
 * per call. The history they give together: every meeting ID the user has (previous_meetings for
 * scheduled and recurring ones, `pmi` from /users/me, the IDs of recordings), the ended instances
 * of each ID, each instance's details and participants, cloud recordings and Zoom Phone calls.
 */
export class ZoomClient {
  constructor(
    private readonly api: ZoomApi,
    private readonly log: Logger,
  ) {}

  /** Who the grant belongs to, with the personal meeting ID. The email and name are content: store them in the vault only. */
  async getMe(signal?: AbortSignal): Promise<Result<ZoomUser, ZoomFailure>> {
    const body = await this.api.get(ENDPOINTS.me, ME, {}, signal);
    if (!body.ok) return body;
    const me = this.parse(ENDPOINTS.me, userMeSchema, body.value);
    return me.ok ? ok(toZoomUser(me.value)) : me;
  }

  /**
   * previous_meetings: the user's scheduled and recurring meeting IDs that have not expired (a
   * meeting ID may expire 30 days after its last use), never instant meetings nor the PMI.
   */
  listPreviousMeetings(q: PageQuery = {}): Promise<ZoomPageResult<ListedMeeting>> {
    const query = { type: 'previous_meetings', page_size: q.pageSize ?? DEFAULT_PAGE_SIZE, next_page_token: q.pageToken };
    return this.page(ENDPOINTS.previousMeetings, ME, query, q.signal, meetingsPageSchema, (p) => (p.meetings ?? []).map(toListedMeeting));
  }

  /** The ended instances of a meeting ID, 15 months back (Zoom does not page this list). */
  async listInstances(meetingId: string, signal?: AbortSignal): Promise<Result<MeetingInstance[], ZoomFailure>> {
    const body = await this.api.get(ENDPOINTS.pastInstances, { meetingId: encodeURIComponent(meetingId) }, {}, signal);
    if (!body.ok) return body;
    const parsed = this.parse(ENDPOINTS.pastInstances, instancesSchema, body.value);
    return parsed.ok ? ok((parsed.value.meetings ?? []).map((m) => ({ uuid: m.uuid, startTime: m.start_time }))) : parsed;
  }

  /** One instance's details (a year back at most: older ones are not-found). */
  async getPastMeeting(meetingUuid: string, signal?: AbortSignal): Promise<Result<MeetingRecord, ZoomFailure>> {
    const body = await this.api.get(ENDPOINTS.pastMeeting, { meetingId: encodeMeetingUuid(meetingUuid) }, {}, signal);
    if (!body.ok) return body;
    const parsed = this.parse(ENDPOINTS.pastMeeting, pastMeetingSchema, body.value);
    return parsed.ok ? ok(toPastMeeting(parsed.value)) : parsed;
  }

  listParticipants(meetingUuid: string, q: PageQuery = {}): Promise<ZoomPageResult<ParticipantRecord>> {
    const query = { page_size: q.pageSize ?? DEFAULT_PAGE_SIZE, next_page_token: q.pageToken };
    return this.page(ENDPOINTS.pastParticipants, { meetingId: encodeMeetingUuid(meetingUuid) }, query, q.signal, participantsPageSchema, (p) =>
      (p.participants ?? []).map((row) => toParticipant(meetingUuid, row)),
    );
  }

  /** Cloud recording metadata (the media stay at Zoom), recorded instant meetings included. */
  listRecordings(q: WindowQuery): Promise<ZoomPageResult<RecordingRecord>> {
    return this.page(ENDPOINTS.recordings, ME, windowQuery(q), q.signal, recordingsPageSchema, (p) => (p.meetings ?? []).map(toRecording).filter(present));
  }

  /** Zoom Phone call history (the successor of the deprecated call logs). */
  listCallHistory(q: WindowQuery): Promise<ZoomPageResult<CallRecord>> {
    return this.page(ENDPOINTS.callHistory, ME, windowQuery(q), q.signal, callHistoryPageSchema, (p) => (p.call_logs ?? []).map(toCall).filter(present));
  }

  private async page<S extends z.ZodType<{ next_page_token?: string | null | undefined }>, T>(
    endpoint: EndpointSpec,
    params: Record<string, string>,
    query: Query,
    signal: AbortSignal | undefined,
    schema: S,
    items: (page: z.output<S>) => T[],
  ): Promise<ZoomPageResult<T>> {
    const body = await this.api.get(endpoint, params, query, signal);
    if (!body.ok) return body;
    const parsed = this.parse(endpoint, schema, body.value);
    if (!parsed.ok) return parsed;
    return ok({ items: items(parsed.value), nextPageToken: parsed.value.next_page_token || null });
  }

  private parse<S extends z.ZodType>(endpoint: EndpointSpec, schema: S, body: unknown): Result<z.output<S>, ZoomFailure> {
    const parsed = schema.safeParse(body);
    if (parsed.success) return ok(parsed.data);
    // Field paths only: zod's messages could quote values, and values are content.
    const fields = parsed.error.issues.slice(0, 3).map((issue) => issue.path.join('.'));
    this.log.warn({ endpoint: endpoint.template, issues: parsed.error.issues.length, fields }, 'zoom answer has an unexpected shape');
    return err({ kind: 'malformed', endpoint: endpoint.template });
  }
}

function windowQuery(q: WindowQuery): Query {
  const { from, to } = dateWindow(q.from, q.to);
  return { from, to, page_size: q.pageSize ?? DEFAULT_PAGE_SIZE, next_page_token: q.pageToken };
}
