// The history endpoints (ZOOM.md sections 4 and 7): previous meetings, past meeting details,
// instances and participants, the report API, cloud recordings and Zoom Phone call history, each
// with its horizon, window limit and plan rules. Every body is typed with Rivet's response type.
//
// Choices where Zoom's behaviour is not documented, kept the same everywhere:
// - Lists are ordered by start time, oldest first; previous_meetings by the start of each meeting
//   ID's latest instance.
// - A window that ends before the horizon is refused (400, code 300) by the endpoints whose docs
//   say the month "must fall within" it (report, call history). See dateWindow.ts for windows.
// - A plan that does not allow an endpoint gets 400 with code 200 (Zoom's "Only available for paid
//   account"). A missing scope is answered before any handler runs (api.ts).

import type {
  CloudRecordingListAllRecordingsResponse,
  MeetingsGetPastMeetingDetailsResponse,
  MeetingsGetPastMeetingParticipantsResponse,
  MeetingsListMeetingsResponse,
  MeetingsListPastMeetingInstancesResponse,
  ReportsGetMeetingParticipantReportsResponse,
  ReportsGetMeetingReportsResponse,
} from '@zoom/rivet/meetings';
import type { CallLogsGetUsersCallHistoryResponse } from '@zoom/rivet/phone';
import type { UsersGetUserResponse } from '@zoom/rivet/users';
import { checkOneMonth, parseWindow, withinHorizon } from './dateWindow.js';
import type { UserProfile } from './directory.js';
import { parsePageSize, type PageTokens } from './paging.js';
import { zoomError, json, type Reply } from './reply.js';
import { findMeeting, type MeetingLookup } from './meetingLookup.js';
import { rangeOf, type SimMeeting, type UserData } from './userData.js';
import { DAY_MS, SECOND_MS, isoDate, monthsBack, utcDay } from './zoomTime.js';
import type { UserMeJson } from './zoomJson.js';

export interface RequestContext {
  profile: UserProfile;
  data: UserData;
  now: number;
  query: URLSearchParams;
  /** Path parameters, still percent-encoded as they arrived. */
  params: Record<string, string>;
  paging: PageTokens;
  emptyParticipants: boolean;
}

export const HORIZON_MONTHS = { report: 6, pastMeetings: 12, instances: 15, callHistory: 6 } as const;

const INVALID_PAGE_TOKEN = zoomError(400, 300, 'The next page token is invalid or expired.');
/** Zoom Phone's documented 400 (code 301 "Invalid request param: {paramName}"), for its expired page tokens. */
const INVALID_PHONE_PAGE_TOKEN = zoomError(400, 301, 'Invalid request param: next_page_token.');

function paidOnly(profile: UserProfile): Reply | null {
  return profile.user.plan === 'free' ? zoomError(400, 200, `Only available for paid account: ${profile.user.accountId}`) : null;
}

export function meJson(profile: UserProfile): UserMeJson {
  const { user } = profile;
  return {
    id: user.userId,
    account_id: user.accountId,
    email: user.email,
    first_name: profile.firstName,
    last_name: profile.lastName,
    type: user.plan === 'free' ? 1 : 2,
    role_name: user.admin ? 'Admin' : 'Member',
    timezone: profile.timezone,
    status: 'active',
    pmi: profile.pmi,
    use_pmi: false,
  };
}

export function getMe(ctx: RequestContext): Reply {
  const body: UsersGetUserResponse = meJson(ctx.profile);
  return json(200, body);
}

/** Zoom's page fields. */
interface PageFields {
  page_count: number;
  page_size: number;
  total_records: number;
  next_page_token: string;
}

interface Listing<T> {
  items: readonly T[];
  range: { lo: number; hi: number };
  /** The endpoint and query: a page token works only for the same user and scope. */
  scope: string;
  /** What an unknown or expired page token gets. */
  invalidToken?: Reply;
}

/** Serves one page of `items[range]`, its body as `body` builds it from the page fields and the items. */
function servePage<T>(ctx: RequestContext, listing: Listing<T>, body: (page: PageFields, items: T[]) => unknown): Reply {
  const pageSize = parsePageSize(ctx.query.get('page_size'));
  if (pageSize === null) return zoomError(400, 300, 'Invalid field: page_size.');
  const page = ctx.paging.page<T>(listing.items, listing.range, `${ctx.profile.user.userId}|${listing.scope}`, pageSize, ctx.query.get('next_page_token') || null);
  if (!page.ok) return listing.invalidToken ?? INVALID_PAGE_TOKEN;
  const p = page.value;
  return json(200, body({ page_count: p.pageCount, page_size: p.pageSize, total_records: p.totalRecords, next_page_token: p.nextPageToken }, p.items));
}

/**
 * previous_meetings: one row per scheduled or recurring meeting ID that has not expired (never an
 * instant meeting, nor one on the PMI). `from`/`to`, when given, keep the rows whose listed start
 * falls within them.
 */
export function listMeetings(ctx: RequestContext): Reply {
  const type = ctx.query.get('type') ?? 'scheduled';
  if (!['scheduled', 'live', 'upcoming', 'upcoming_meetings', 'previous_meetings'].includes(type)) return zoomError(400, 300, 'Invalid field: type.');
  const window = parseWindow(ctx.query, false);
  if (!window.ok) return window.error;
  // The simulator holds history only: no live or upcoming meetings, so other types list nothing.
  let items = type === 'previous_meetings' ? ctx.data.previousMeetings(ctx.now) : [];
  const w = window.value;
  if (w) {
    items = items.filter((m) => {
      const start = m.start_time === undefined ? Number.NaN : Date.parse(m.start_time);
      return start >= w.from && start < w.to;
    });
  }
  const scope = `meetings|${type}|${w?.fromText}|${w?.toText}`;
  return servePage(ctx, { items, range: { lo: 0, hi: items.length }, scope }, (page, meetings): MeetingsListMeetingsResponse => ({ ...page, meetings }));
}

/** A meeting that /past_meetings serves: found, and no more than a year old. */
function pastMeeting(ctx: RequestContext): MeetingLookup {
  const found = findMeeting(ctx.data, ctx.params.meetingId ?? '');
  if (found.ok && found.meeting.startMs < monthsBack(ctx.now, HORIZON_MONTHS.pastMeetings)) {
    return { ok: false, reply: zoomError(400, 12702, 'Can not access a meeting a year ago.') };
  }
  return found;
}

export function getPastMeeting(ctx: RequestContext): Reply {
  const found = pastMeeting(ctx);
  if (!found.ok) return found.reply;
  const body: MeetingsGetPastMeetingDetailsResponse = found.meeting.past;
  return json(200, body);
}

/** Ended instances of a meeting ID (any kind, the PMI included), up to 15 months back. The ID must be numeric. */
export function listInstances(ctx: RequestContext): Reply {
  const raw = ctx.params.meetingId ?? '';
  if (!/^\d+$/.test(raw) || !ctx.data.meetingId(Number(raw))) return zoomError(404, 3001, `Meeting does not exist: ${raw}.`);
  const horizon = monthsBack(ctx.now, HORIZON_MONTHS.instances);
  const body: MeetingsListPastMeetingInstancesResponse = {
    meetings: ctx.data
      .instancesOf(Number(raw))
      .filter((m) => m.startMs >= horizon)
      .map((m) => ({ uuid: m.uuid, start_time: m.past.start_time })),
  };
  return json(200, body);
}

function participantsOf(ctx: RequestContext, meeting: SimMeeting, endpoint: string): Listing<SimMeeting['participants'][number]> {
  const items = ctx.emptyParticipants ? [] : meeting.participants;
  return { items, range: { lo: 0, hi: items.length }, scope: `${endpoint}|${meeting.uuid}` };
}

/** Pro and up; empty when one person attended. */
export function listPastParticipants(ctx: RequestContext): Reply {
  const refused = paidOnly(ctx.profile);
  if (refused) return refused;
  const found = pastMeeting(ctx);
  if (!found.ok) return found.reply;
  return servePage(ctx, participantsOf(ctx, found.meeting, 'past-participants'), (page, participants): MeetingsGetPastMeetingParticipantsResponse => ({ ...page, participants }));
}

export function listReportParticipants(ctx: RequestContext): Reply {
  const refused = paidOnly(ctx.profile);
  if (refused) return refused;
  const found = pastMeeting(ctx);
  if (!found.ok) return found.reply;
  return servePage(ctx, participantsOf(ctx, found.meeting, 'report-participants'), (page, participants): ReportsGetMeetingParticipantReportsResponse => ({ ...page, participants }));
}

/** The report: meetings with two or more participants; from/to required, one month, last 6 months. */
export function listReportMeetings(ctx: RequestContext): Reply {
  const refused = paidOnly(ctx.profile);
  if (refused) return refused;
  const type = ctx.query.get('type') ?? 'past';
  if (!['past', 'pastOne', 'pastJoined'].includes(type)) return zoomError(400, 300, 'Invalid field: type.');
  const window = parseWindow(ctx.query, false);
  if (!window.ok) return window.error;
  if (!window.value) return zoomError(400, 300, 'from and to are required.');
  const bounds = withinHorizon(window.value, ctx.now, HORIZON_MONTHS.report, 'The report');
  if (!bounds.ok) return bounds.error;
  const { fromText: from, toText: to } = window.value;
  const range = rangeOf(ctx.data.reported, bounds.value.from, bounds.value.to);
  return servePage(ctx, { items: ctx.data.reported, range, scope: `report|${type}|${from}|${to}` }, (page, meetings): ReportsGetMeetingReportsResponse => ({
    from,
    to,
    ...page,
    meetings: meetings.flatMap((m) => (m.report ? [m.report] : [])),
  }));
}

/** Pro and up; one month at most; without from/to, today (Zoom's default: from today to tomorrow). */
export function listRecordings(ctx: RequestContext): Reply {
  const refused = paidOnly(ctx.profile);
  if (refused) return refused;
  const window = parseWindow(ctx.query, false);
  if (!window.ok) return window.error;
  const today = utcDay(ctx.now);
  const chosen = window.value ?? { from: today, to: today + 2 * DAY_MS, toStart: today + DAY_MS, fromText: isoDate(today), toText: isoDate(today + DAY_MS) };
  const tooLong = checkOneMonth(chosen);
  if (tooLong) return tooLong;
  const range = rangeOf(ctx.data.recordings, chosen.from, chosen.to);
  const { fromText: from, toText: to } = chosen;
  return servePage(ctx, { items: ctx.data.recordings, range, scope: `recordings|${from}|${to}` }, (page, meetings): CloudRecordingListAllRecordingsResponse => ({
    from,
    to,
    ...page,
    meetings: meetings.map((r) => r.json),
  }));
}

/**
 * Needs Zoom Phone: a user without a licence is not a phone user ("User does not exist", 404 code
 * 300, as Zoom Phone's reference documents it); an account without Zoom Phone is refused (403).
 * One month within the last 6; without from/to, the last 24 hours.
 */
export function listCallHistory(ctx: RequestContext): Reply {
  const { phone, plan } = ctx.profile.user;
  if (phone === 'not-enabled' || plan === 'free') return zoomError(403, 403, 'Zoom Phone has not been enabled for this account.');
  if (!phone) return zoomError(404, 300, `User does not exist: ${decodeURIComponent(ctx.params.userId ?? 'me')}.`);
  const window = parseWindow(ctx.query, true);
  if (!window.ok) return window.error;
  let bounds: { from: number; to: number };
  let echo: { from: string; to: string };
  if (window.value) {
    const checked = withinHorizon(window.value, ctx.now, HORIZON_MONTHS.callHistory, 'Call history');
    if (!checked.ok) return checked.error;
    bounds = checked.value;
    echo = { from: window.value.fromText, to: window.value.toText };
  } else {
    bounds = { from: ctx.now - DAY_MS, to: ctx.now + SECOND_MS };
    echo = { from: isoDate(ctx.now - DAY_MS), to: isoDate(ctx.now) };
  }
  const range = rangeOf(ctx.data.calls, bounds.from, bounds.to);
  const listing = { items: ctx.data.calls, range, scope: `calls|${echo.from}|${echo.to}`, invalidToken: INVALID_PHONE_PAGE_TOKEN };
  return servePage(ctx, listing, (page, calls): CallLogsGetUsersCallHistoryResponse => ({ ...echo, ...page, call_logs: calls.map((c) => c.log) }));
}
