// The history endpoints (ZOOM.md section 4) as typed, paged calls returning records. Each call
// fetches one page; the sync layer drives paging and stores a page before asking for the next.

import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingRecord } from '../core/records.js';
import { err, ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import type { z } from 'zod';
import { ENDPOINTS, type EndpointSpec } from './endpoints.js';
import type { ZoomFailure } from './failures.js';
import { toCall, toMeeting, toParticipant, toRecording, toReportMeeting, toZoomUser, type ZoomUser } from './mapping.js';
import { dateWindow, encodeMeetingUuid } from './requestPaths.js';
import { callHistoryPageSchema, meetingsPageSchema, participantsPageSchema, recordingsPageSchema, reportMeetingsPageSchema, userMeSchema } from './schemas.js';
import type { Query, ZoomApi } from './zoomApi.js';

export interface ZoomPage<T> {
  items: T[];
  /** null on the last page. */
  nextPageToken: string | null;
}

export type ZoomPageResult<T> = Result<ZoomPage<T>, ZoomFailure>;

export interface WindowQuery {
  /** ms; its UTC day is the first day asked for. */
  from: number;
  /** ms; its UTC day is the last day asked for (inclusive). At most 31 days after `from`'s. */
  to: number;
  /** Default 300, Zoom's maximum: fewer requests against the rate limits. */
  pageSize?: number;
  pageToken?: string;
  signal?: AbortSignal;
}

export interface ParticipantsQuery {
  /** Use /report/meetings/{id}/participants (admin report scope) instead of /past_meetings. */
  report?: boolean;
  pageSize?: number;
  pageToken?: string;
  signal?: AbortSignal;
}

export const DEFAULT_PAGE_SIZE = 300;
const ME = { userId: 'me' };

export class ZoomClient {
  constructor(
    private readonly api: ZoomApi,
    private readonly log: Logger,
  ) {}

  /** Who the grant belongs to. The email and name are content: store them in the vault only. */
  async getMe(signal?: AbortSignal): Promise<Result<ZoomUser, ZoomFailure>> {
    const body = await this.api.get(ENDPOINTS.me, ME, {}, signal);
    if (!body.ok) return body;
    const me = this.parse(ENDPOINTS.me, userMeSchema, body.value);
    return me.ok ? ok(toZoomUser(me.value)) : me;
  }

  /** /users/me/meetings?type=previous_meetings: scheduled meetings of the last 6 months (no instant ones). */
  listPreviousMeetings(q: WindowQuery): Promise<ZoomPageResult<MeetingRecord>> {
    return this.page(ENDPOINTS.previousMeetings, ME, { type: 'previous_meetings', ...windowQuery(q) }, q.signal, meetingsPageSchema, (p) => (p.meetings ?? []).map(toMeeting));
  }

  /** The report API (admin scope, Heavy): meetings with two or more participants, with end times. */
  listReportMeetings(q: WindowQuery): Promise<ZoomPageResult<MeetingRecord>> {
    return this.page(ENDPOINTS.reportMeetings, ME, { type: 'past', ...windowQuery(q) }, q.signal, reportMeetingsPageSchema, (p) => (p.meetings ?? []).map(toReportMeeting));
  }

  listParticipants(meetingUuid: string, q: ParticipantsQuery = {}): Promise<ZoomPageResult<ParticipantRecord>> {
    const endpoint = q.report ? ENDPOINTS.reportParticipants : ENDPOINTS.pastParticipants;
    const query = { page_size: q.pageSize ?? DEFAULT_PAGE_SIZE, next_page_token: q.pageToken };
    return this.page(endpoint, { meetingId: encodeMeetingUuid(meetingUuid) }, query, q.signal, participantsPageSchema, (p) =>
      (p.participants ?? []).map((row) => toParticipant(meetingUuid, row)),
    );
  }

  /** Cloud recording metadata (the media stay at Zoom). */
  listRecordings(q: WindowQuery): Promise<ZoomPageResult<RecordingRecord>> {
    return this.page(ENDPOINTS.recordings, ME, windowQuery(q), q.signal, recordingsPageSchema, (p) => (p.meetings ?? []).map(toRecording));
  }

  /** Zoom Phone call history (the successor of the deprecated call logs). */
  listCallHistory(q: WindowQuery): Promise<ZoomPageResult<CallRecord>> {
    return this.page(ENDPOINTS.callHistory, ME, windowQuery(q), q.signal, callHistoryPageSchema, (p) => (p.call_logs ?? []).map(toCall));
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
