// The history endpoints (ZOOM.md section 4): previous meetings, past meeting details, instances
// and participants, the report API, cloud recordings and Zoom Phone call history, each with its
// horizon, window limit and plan rules.
//
// Choices where Zoom's behaviour is not documented, kept the same everywhere:
// - Lists are ordered by start time, oldest first.
// - A window that ends before the horizon is refused (400, code 300) by the endpoints whose docs
//   say the month "must fall within" it (report, call history); previous_meetings ("at most 6
//   months") simply lists nothing older. See dateWindow.ts for windows.
// - A plan or licence that does not allow an endpoint gets 400 with code 200 (Zoom's "Only
//   available for paid account" / "No permission"); a missing scope gets 400 with code 4700.

import { checkOneMonth, parseWindow, withinHorizon } from './dateWindow.js';
import type { UserProfile } from './directory.js';
import { REPORT_SCOPES } from './grants.js';
import { parsePageSize, type Page, type PageTokens } from './paging.js';
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
  /** The scopes of the caller's access token. */
  scopes: ReadonlySet<string>;
  paging: PageTokens;
  emptyParticipants: boolean;
}

export const HORIZON_MONTHS = { previousMeetings: 6, report: 6, pastMeetings: 12, instances: 15, callHistory: 6 } as const;

const INVALID_PAGE_TOKEN = zoomError(400, 300, 'The next page token is invalid or expired.');

function paidOnly(profile: UserProfile): Reply | null {
  return profile.user.plan === 'free' ? zoomError(400, 200, `Only available for paid account: ${profile.user.accountId}`) : null;
}

function scopeMissing(ctx: RequestContext, scope: string): Reply | null {
  return ctx.scopes.has(scope) ? null : zoomError(400, 4700, `Invalid access token, does not contain scopes:[${scope}].`);
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
  };
}

export function getMe(ctx: RequestContext): Reply {
  return json(200, meJson(ctx.profile));
}

/** Zoom's page fields, then the items under `key`. */
function pageBody<T>(page: Page<T>, key: string, extra: Record<string, string> = {}): Record<string, unknown> {
  return {
    ...extra,
    page_count: page.pageCount,
    page_size: page.pageSize,
    total_records: page.totalRecords,
    next_page_token: page.nextPageToken,
    [key]: page.items,
  };
}

interface Listing<T> {
  items: readonly T[];
  range: { lo: number; hi: number };
  /** The endpoint and query: a page token works only for the same user and scope. */
  scope: string;
  /** The field the items go under. */
  key: string;
  /** Fields served before the page fields (e.g. from/to). */
  extra?: Record<string, string>;
}

/** Serves one page of `items[range]`, each item as `project` makes it. */
function servePage<T>(ctx: RequestContext, listing: Listing<T>, project: (item: T) => unknown): Reply {
  const pageSize = parsePageSize(ctx.query.get('page_size'));
  if (pageSize === null) return zoomError(400, 300, 'Invalid field: page_size.');
  const page = ctx.paging.page(listing.items, listing.range, `${ctx.profile.user.userId}|${listing.scope}`, pageSize, ctx.query.get('next_page_token') || null);
  if (!page.ok) return INVALID_PAGE_TOKEN;
  return json(200, pageBody({ ...page.value, items: page.value.items.map(project) }, listing.key, listing.extra));
}

/** previous_meetings: scheduled meetings only (no instant ones), at most 6 months back. */
export function listMeetings(ctx: RequestContext): Reply {
  const type = ctx.query.get('type') ?? 'scheduled';
  if (!['scheduled', 'live', 'upcoming', 'upcoming_meetings', 'previous_meetings'].includes(type)) return zoomError(400, 300, 'Invalid field: type.');
  const window = parseWindow(ctx.query, false);
  if (!window.ok) return window.error;
  const horizon = monthsBack(ctx.now, HORIZON_MONTHS.previousMeetings);
  const from = Math.max(horizon, window.value?.from ?? horizon);
  const to = window.value?.to ?? Number.POSITIVE_INFINITY;
  // The simulator holds history only: no live or upcoming meetings, so other types list nothing.
  const range = type === 'previous_meetings' ? rangeOf(ctx.data.previous, from, to) : { lo: 0, hi: 0 };
  const scope = `meetings|${type}|${window.value?.fromText}|${window.value?.toText}`;
  return servePage(ctx, { items: ctx.data.previous, range, scope, key: 'meetings' }, (m) => m.listItem);
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
  return found.ok ? json(200, found.meeting.past) : found.reply;
}

/** Ended instances of a meeting id, up to 15 months back. The id must be numeric. */
export function listInstances(ctx: RequestContext): Reply {
  const raw = ctx.params.meetingId ?? '';
  if (!/^\d+$/.test(raw) || !ctx.data.hasMeetingId(Number(raw))) return zoomError(404, 3001, `Meeting does not exist: ${raw}.`);
  const horizon = monthsBack(ctx.now, HORIZON_MONTHS.instances);
  const meetings = ctx.data
    .instancesOf(Number(raw))
    .filter((m) => m.startMs >= horizon)
    .map((m) => ({ uuid: m.uuid, start_time: m.past.start_time }));
  return json(200, { meetings });
}

function serveParticipants(ctx: RequestContext, meeting: SimMeeting, endpoint: string): Reply {
  const items = ctx.emptyParticipants ? [] : meeting.participants;
  return servePage(ctx, { items, range: { lo: 0, hi: items.length }, scope: `${endpoint}|${meeting.uuid}`, key: 'participants' }, (p) => p);
}

/** Pro and up; empty when one person attended. */
export function listPastParticipants(ctx: RequestContext): Reply {
  const refused = paidOnly(ctx.profile);
  if (refused) return refused;
  const found = pastMeeting(ctx);
  return found.ok ? serveParticipants(ctx, found.meeting, 'past-participants') : found.reply;
}

export function listReportParticipants(ctx: RequestContext): Reply {
  const refused = paidOnly(ctx.profile) ?? scopeMissing(ctx, REPORT_SCOPES.participants);
  if (refused) return refused;
  const found = pastMeeting(ctx);
  return found.ok ? serveParticipants(ctx, found.meeting, 'report-participants') : found.reply;
}

/** The report: meetings with two or more participants; from/to required, one month, last 6 months. */
export function listReportMeetings(ctx: RequestContext): Reply {
  const refused = paidOnly(ctx.profile) ?? scopeMissing(ctx, REPORT_SCOPES.meetings);
  if (refused) return refused;
  const type = ctx.query.get('type') ?? 'past';
  if (!['past', 'pastOne', 'pastJoined'].includes(type)) return zoomError(400, 300, 'Invalid field: type.');
  const window = parseWindow(ctx.query, false);
  if (!window.ok) return window.error;
  if (!window.value) return zoomError(400, 300, 'from and to are required.');
  const bounds = withinHorizon(window.value, ctx.now, HORIZON_MONTHS.report, 'The report');
  if (!bounds.ok) return bounds.error;
  const { fromText, toText } = window.value;
  const range = rangeOf(ctx.data.reported, bounds.value.from, bounds.value.to);
  const listing = { items: ctx.data.reported, range, scope: `report|${type}|${fromText}|${toText}`, key: 'meetings', extra: { from: fromText, to: toText } };
  return servePage(ctx, listing, (m) => m.report);
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
  const listing = { items: ctx.data.recordings, range, scope: `recordings|${chosen.fromText}|${chosen.toText}`, key: 'meetings', extra: { from: chosen.fromText, to: chosen.toText } };
  return servePage(ctx, listing, (r) => r.json);
}

/** Needs a Phone licence; one month within the last 6; without from/to, the last 24 hours. */
export function listCallHistory(ctx: RequestContext): Reply {
  if (!ctx.profile.user.phone) return zoomError(400, 200, 'No permission: the user has no Zoom Phone license.');
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
  const listing = { items: ctx.data.calls, range, scope: `calls|${echo.from}|${echo.to}`, key: 'call_logs', extra: echo };
  return servePage(ctx, listing, (c) => c.log);
}
