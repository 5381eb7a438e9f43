// The admin API: in process (SimAdmin) and over HTTP under /__admin (loopback only, JSON in and
// out). Both call the same functions.

import { z } from 'zod';
import { callHistoryCompleted, callHistoryDeleted, meetingEnded, recordingCompleted, recordingRemoved } from './events.js';
import { faultPlanSchema } from './faults.js';
import { HORIZON_MONTHS, meJson } from './history.js';
import { json, type Reply } from './reply.js';
import type { SimState } from './state.js';
import type { GroundTruth, Horizons, MeetingTruth, ServedEndpoints, SimAdmin } from './types.js';
import { MEETING_KINDS, idExpiresAt, type MeetingKind, type SimMeeting, type UserData } from './userData.js';
import type { ZoomEventJson } from './zoomJson.js';
import { monthsBack } from './zoomTime.js';

function horizonsAt(now: number): Horizons {
  return {
    report: monthsBack(now, HORIZON_MONTHS.report),
    pastMeetings: monthsBack(now, HORIZON_MONTHS.pastMeetings),
    instances: monthsBack(now, HORIZON_MONTHS.instances),
    callHistory: monthsBack(now, HORIZON_MONTHS.callHistory),
  };
}

/** The meeting IDs of the recordings Zoom lists now. */
const recordedIds = (data: UserData): ReadonlySet<number> => new Set(data.recordings.map((r) => r.json.id));

function meetingTruth(m: SimMeeting, data: UserData, now: number, recorded = recordedIds(data)): MeetingTruth {
  const horizons = horizonsAt(now);
  const meetingId = data.meetingId(m.id);
  const inPreviousMeetings = meetingId !== undefined && meetingId.listType !== null && idExpiresAt(meetingId) > now;
  const idKnowable = m.kind === 'pmi' || inPreviousMeetings || recorded.has(m.id);
  return {
    kind: m.kind,
    recorded: m.recorded,
    pastMeeting: m.past,
    reportMeeting: m.report,
    participants: m.participants,
    inPreviousMeetings,
    inReport: m.report !== null && m.startMs >= horizons.report,
    inPastMeetings: m.startMs >= horizons.pastMeetings,
    inInstances: m.startMs >= horizons.instances,
    discoverable: idKnowable && m.startMs >= horizons.instances && m.startMs >= horizons.pastMeetings,
  };
}

export function createAdmin(state: SimState): SimAdmin {
  /** Tells the app's endpoint (when there is one) and returns the events. */
  const notified = <E extends ZoomEventJson>(events: E[]): E[] => {
    for (const event of events) state.notify(event);
    return events;
  };
  const hold: SimAdmin['holdMeeting'] = (userId, kind, options = {}) => {
    const entry = state.require(userId);
    const now = state.now();
    const { meeting, recording } = entry.generator.hold(entry.data, now, kind, options);
    const events: ZoomEventJson[] = [meetingEnded(entry.profile, meeting, now)];
    if (recording) events.push(recordingCompleted(entry.profile, recording, now));
    return { meeting: meetingTruth(meeting, entry.data, now), events: notified(events) };
  };
  return {
    users: () => state.entries.map((e) => ({ ...e.profile.user, canaries: [...e.profile.user.canaries] })),
    groundTruth(userId: string): GroundTruth {
      const { profile, data } = state.require(userId);
      const { user } = profile;
      const paid = user.plan !== 'free';
      const serves: ServedEndpoints = {
        previousMeetings: true,
        pastMeetings: true,
        participants: paid,
        report: paid && state.appType === 'admin-managed',
        recordings: paid,
        callHistory: paid && user.phone === true,
      };
      const now = state.now();
      const horizons = horizonsAt(now);
      const ids = recordedIds(data);
      return {
        user: { ...user, canaries: [...user.canaries] },
        me: meJson(profile),
        serves,
        horizons,
        previousMeetings: data.previousMeetings(now),
        meetings: data.meetings.map((m) => meetingTruth(m, data, now, ids)),
        recordings: data.recordings.map((r) => r.json),
        calls: data.calls.map((c) => ({ log: c.log, inCallHistory: c.startMs >= horizons.callHistory })),
      };
    },
    counts: () => state.counts.snapshot(),
    resetCounts: () => state.counts.reset(),
    setFaults(plan) {
      if (plan.revokeAfterRequests) state.require(plan.revokeAfterRequests.userId);
      state.faults.set(plan);
      const now = state.faults.revokeNow();
      if (now) state.grants.revokeUser(now);
    },
    setRateLimitHeaders(mode) {
      state.rateLimitHeaders = mode;
    },
    revokeGrant(userId) {
      state.require(userId);
      state.grants.revokeUser(userId);
    },
    deleteUser(userId) {
      state.require(userId).deleted = true;
    },
    deauthorize: (userId) => state.deauthorize(userId),
    addMeetings(userId, n) {
      if (!Number.isInteger(n) || n < 0) throw new Error('addMeetings: n must be a non-negative integer');
      state.require(userId);
      return Array.from({ length: n }, () => hold(userId, 'scheduled').meeting);
    },
    holdMeeting: hold,
    deleteRecording(userId, meetingUuid, how) {
      const entry = state.require(userId);
      const removed = entry.data.removeRecording(meetingUuid);
      return removed ? (notified([recordingRemoved(how, entry.profile, removed, state.now())])[0] ?? null) : null;
    },
    deleteCalls(userId, callIds) {
      const entry = state.require(userId);
      const removed = entry.data.removeCalls(callIds);
      return removed.length > 0 ? (notified([callHistoryDeleted(entry.profile, removed, state.now())])[0] ?? null) : null;
    },
    addCalls(userId, n) {
      if (!Number.isInteger(n) || n < 0) throw new Error('addCalls: n must be a non-negative integer');
      const entry = state.require(userId);
      if (entry.profile.user.phone !== true) throw new Error('addCalls: the user has no Zoom Phone licence');
      const now = state.now();
      const calls = Array.from({ length: n }, () => entry.generator.holdCall(entry.data, now));
      return {
        calls: calls.map((c) => ({ log: c.log, inCallHistory: true })),
        events: notified(calls.map((c) => callHistoryCompleted(entry.profile, c.log, now))),
      };
    },
    setGrantFault(userId, fault) {
      state.require(userId);
      state.grants.setFault(userId, fault === 'clear' ? null : fault);
    },
    advanceClock: (ms) => state.advanceClock(ms),
    issuedTokens: (userId) => {
      state.require(userId);
      return state.grants.issuedTokens(userId);
    },
  };
}

const userBody = z.strictObject({ userId: z.string().min(1) });
const OK = json(200, { ok: true });

type Handler = (admin: SimAdmin, state: SimState, body: unknown, query: URLSearchParams) => Reply | Promise<Reply>;

/** Parses `body` with `schema`, or answers 400 naming the first problem. */
function withBody<T>(schema: z.ZodType<T>, fn: (admin: SimAdmin, value: T, state: SimState) => Reply | Promise<Reply>): Handler {
  return (admin, state, body) => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return json(400, { error: `invalid body: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}` });
    }
    return fn(admin, parsed.data, state);
  };
}

function knownUser(state: SimState, userId: string | null): Reply | null {
  return userId && state.find(userId) ? null : json(404, { error: 'unknown user' });
}

const ROUTES: Record<string, Handler> = {
  'GET /__admin/users': (admin) => json(200, admin.users()),
  'GET /__admin/truth': (admin, state, _body, query) => knownUser(state, query.get('user')) ?? json(200, admin.groundTruth(query.get('user') ?? '')),
  'GET /__admin/issued-tokens': (admin, state, _body, query) => knownUser(state, query.get('user')) ?? json(200, admin.issuedTokens(query.get('user') ?? '')),
  'GET /__admin/counts': (admin) => json(200, admin.counts()),
  'POST /__admin/reset-counts': (admin) => {
    admin.resetCounts();
    return OK;
  },
  'POST /__admin/faults': withBody(faultPlanSchema, (admin, plan, state) => {
    const unknown = plan.revokeAfterRequests ? knownUser(state, plan.revokeAfterRequests.userId) : null;
    if (unknown) return unknown;
    admin.setFaults(plan);
    return OK;
  }),
  'POST /__admin/rate-limit-headers': withBody(z.strictObject({ mode: z.enum(['full', 'none']) }), (admin, { mode }) => {
    admin.setRateLimitHeaders(mode);
    return OK;
  }),
  'POST /__admin/revoke': withBody(userBody, (admin, { userId }, state) => {
    const unknown = knownUser(state, userId);
    if (unknown) return unknown;
    admin.revokeGrant(userId);
    return OK;
  }),
  'POST /__admin/delete-user': withBody(userBody, (admin, { userId }, state) => {
    const unknown = knownUser(state, userId);
    if (unknown) return unknown;
    admin.deleteUser(userId);
    return OK;
  }),
  'POST /__admin/deauthorize': withBody(userBody, async (admin, { userId }, state) => knownUser(state, userId) ?? json(200, await admin.deauthorize(userId))),
  'POST /__admin/add-meetings': withBody(z.strictObject({ userId: z.string().min(1), n: z.number().int().min(0).max(10_000) }), (admin, { userId, n }, state) => {
    return knownUser(state, userId) ?? json(200, admin.addMeetings(userId, n));
  }),
  'POST /__admin/hold-meeting': withBody(
    z.strictObject({ userId: z.string().min(1), kind: z.enum(MEETING_KINDS as [MeetingKind, ...MeetingKind[]]), recorded: z.boolean().optional() }),
    (admin, { userId, kind, recorded }, state) => knownUser(state, userId) ?? json(200, admin.holdMeeting(userId, kind, { recorded: recorded ?? false })),
  ),
  'POST /__admin/delete-recording': withBody(
    z.strictObject({ userId: z.string().min(1), meetingUuid: z.string().min(1), how: z.enum(['trash', 'delete']) }),
    (admin, { userId, meetingUuid, how }, state) => knownUser(state, userId) ?? json(200, { event: admin.deleteRecording(userId, meetingUuid, how) }),
  ),
  'POST /__admin/delete-calls': withBody(
    z.strictObject({ userId: z.string().min(1), callIds: z.array(z.string().min(1)).min(1).max(1_000) }),
    (admin, { userId, callIds }, state) => knownUser(state, userId) ?? json(200, { event: admin.deleteCalls(userId, callIds) }),
  ),
  'POST /__admin/grant-fault': withBody(
    z.strictObject({ userId: z.string().min(1), fault: z.union([z.literal(4737), z.literal(4738), z.literal('clear')]) }),
    (admin, { userId, fault }, state) => {
      const unknown = knownUser(state, userId);
      if (unknown) return unknown;
      admin.setGrantFault(userId, fault);
      return OK;
    },
  ),
  'POST /__admin/advance-clock': withBody(z.strictObject({ ms: z.number().min(0) }), (admin, { ms }) => {
    try {
      admin.advanceClock(ms);
    } catch {
      return json(409, { error: 'the simulator was given a clock; advance that clock instead' });
    }
    return OK;
  }),
};

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.has(address);
}

/** Answers an /__admin request; `body` is the parsed JSON body (undefined for GET). */
export async function handleAdmin(admin: SimAdmin, state: SimState, method: string, path: string, query: URLSearchParams, body: unknown): Promise<Reply> {
  const route = ROUTES[`${method} ${path}`];
  return route ? route(admin, state, body, query) : json(404, { error: 'no such admin route' });
}
