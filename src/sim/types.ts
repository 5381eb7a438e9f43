// The simulator's public contract (docs: /work/briefs/sim.md). The Zoom client is written against
// it by another engineer at the same time, so names and shapes here change only by agreement.

import type { Clock } from '../core/clock.js';
import type { MeetingKind } from './userData.js';
import type { CallLogJson, MeetingListItemJson, ParticipantJson, PastMeetingJson, RecordingMeetingJson, ReportMeetingJson, UserMeJson, ZoomEventJson } from './zoomJson.js';

export type { MeetingKind } from './userData.js';

/**
 * Zoom's two kinds of OAuth app (developers.zoom.us/docs/build-flow/basic-info/app-mgmt/): a
 * user-managed app is added by each user and may hold user-level scopes only; an admin-managed app
 * is added by an admin for the whole account and holds admin-level scopes (among them the report
 * API). "There's no app type that combines both."
 */
export type SimAppType = 'user-managed' | 'admin-managed';

export type SimPlan = 'free' | 'pro' | 'business';

export interface SimOptions {
  /** Default 0 (random); the simulator always binds 127.0.0.1. */
  port?: number;
  /** Default 1; the same seed gives the same accounts, users, ids and content (1 and '1' are the same seed). */
  seed?: string | number;
  /**
   * Default systemClock. Decides token, code and page-token expiry, buckets and daily caps; data
   * times are relative to clock.now() at start.
   */
  clock?: Clock;
  /** The public (PKCE) client id accepted; default 'callvault-demo'. */
  clientId?: string;
  /** Default [{ plan: 'pro', users: [{}] }]. */
  accounts?: SimAccountSpec[];
  /** Default 'user-managed', as a desktop app logging its user in with PKCE is. */
  appType?: SimAppType;
  /** Where app_deauthorized and the subscribed events (meeting.ended, recordings, call history) are POSTed. */
  webhook?: { url: string; secretToken: string };
  /** How long a 'timeout' fault holds a request before destroying the socket; default 30_000. */
  faultDelayMs?: number;
}

export interface SimAccountSpec {
  plan: SimPlan;
  users: SimUserSpec[];
}

export interface SimUserSpec {
  /** Default 'small'. */
  dataset?: 'small' | 'year' | DatasetSize;
  /**
   * The user's role at Zoom is Admin; default false. Only an admin may add an admin-managed app;
   * for a user-managed app the role changes nothing.
   */
  admin?: boolean;
  /**
   * true (default): a Zoom Phone licence. false: none, and Zoom answers call history with 404 code
   * 300 ("User does not exist"). 'not-enabled': the account has no Zoom Phone set up (403).
   */
  phone?: boolean | 'not-enabled';
}

export interface DatasetSize {
  meetings: number;
  participantsPerMeeting: number;
  calls: number;
  /** Cloud recordings; a Free account has none (Zoom records to the cloud on paid plans only). */
  recordings: number;
  /** How far back the history reaches. */
  days: number;
}

export interface Simulator {
  /** http://127.0.0.1:PORT: both the OAuth base and the API base (the API lives under /v2). */
  url: string;
  clientId: string;
  /** The same functions the /__admin HTTP routes expose. */
  admin: SimAdmin;
  /** Closes the server and all sockets and cancels timers; idempotent. */
  close(): Promise<void>;
}

export interface SimUser {
  accountId: string;
  userId: string;
  email: string;
  plan: SimPlan;
  admin: boolean;
  phone: boolean | 'not-enabled';
  /** The personal meeting ID (/users/me serves it as `pmi`). */
  pmi: number;
  /** Distinctive strings embedded in this user's content: the canary token and the phone digit run. */
  canaries: string[];
}

/** { [endpointLabel]: { [status]: count } }, e.g. 'GET /v2/users/{userId}/meetings' -> { '200': 12, '429': 1 }. */
export type RequestCounts = Record<string, Record<string, number>>;

export interface SimAdmin {
  users(): SimUser[];
  /** Everything the simulator holds for the user, in Zoom's JSON shapes, with what serves each item now. */
  groundTruth(userId: string): GroundTruth;
  counts(): RequestCounts;
  resetCounts(): void;
  /** Replaces the fault plan; setFaults({}) clears it. */
  setFaults(f: FaultPlan): void;
  /** 'none': 429s carry no X-RateLimit-* or Retry-After headers. */
  setRateLimitHeaders(mode: 'full' | 'none'): void;
  /** Every token of the user dies (refresh -> invalid_grant, API -> 401 124). */
  revokeGrant(userId: string): void;
  /** Refresh -> 4735-style error; API -> 401 124. */
  deleteUser(userId: string): void;
  /** Revokes every grant of the user, then POSTs a signed app_deauthorized webhook to options.webhook. */
  deauthorize(userId: string): Promise<{ delivered: boolean; status: number | null }>;
  /** New one-off scheduled meetings that ended just now (for incremental sync); meeting.ended is posted for each. */
  addMeetings(userId: string, n: number): MeetingTruth[];
  /**
   * A meeting of `kind` that ended just now (see HistoryGenerator.hold), and the events Zoom sends
   * for it: meeting.ended, and recording.completed when recorded. The events are also POSTed to
   * options.webhook when one is set.
   */
  holdMeeting(userId: string, kind: MeetingKind, options?: { recorded?: boolean; attendees?: number }): { meeting: MeetingTruth; events: ZoomEventJson[] };
  /**
   * The user moves a meeting's cloud recording to the trash ('trash', recording.trashed) or deletes
   * it for good ('delete', recording.deleted): the listing no longer serves it. Null when the
   * meeting has no recording.
   */
  deleteRecording(userId: string, meetingUuid: string, how: 'trash' | 'delete'): ZoomEventJson | null;
  /** The user deletes calls from the call history (phone.call_history_deleted); the event, or null when none was there. */
  deleteCalls(userId: string, callIds: string[]): ZoomEventJson | null;
  /** New calls that ended just now, and their phone.caller/callee_call_history_completed events. */
  addCalls(userId: string, n: number): { calls: CallTruth[]; events: ZoomEventJson[] };
  /**
   * From now on a refresh of the user's grant answers this OAuth error and the API refuses its
   * access tokens: 4737 (Zoom cannot find the authentication) or 4738 (an admin disabled the token).
   * 'clear' undoes it.
   */
  setGrantFault(userId: string, fault: 4737 | 4738 | 'clear'): void;
  /** Only when the simulator owns its clock (no options.clock given): an offset added to now. */
  advanceClock(ms: number): void;
  /** Every access and refresh token ever issued to the user (for canary scans). */
  issuedTokens(userId: string): string[];
}

export type FaultKind = '5xx' | 'timeout' | 'malformed' | '429-headerless';

export interface FaultPlan {
  /** 0..1: the probability that an API request (not /oauth, not /__admin) is faulted. */
  rate?: number;
  /** Chosen uniformly among these; default all of them. */
  kinds?: FaultKind[];
  /** Fault decisions are deterministic for a seed. */
  seed?: number;
  /**
   * Deterministic: the next `count` matching requests get `kind`. `endpoint` matches an endpoint
   * label ('GET /v2/users/{userId}/meetings') or its path template ('/v2/users/{userId}/meetings').
   */
  next?: { kind: FaultKind; count: number; endpoint?: string }[];
  /** Revokes the user's grant after N more authenticated API requests of that user. */
  revokeAfterRequests?: { userId: string; requests: number };
  /** Both participants endpoints return an empty list. */
  emptyParticipants?: boolean;
}

/** Which endpoints answer this user at all, given the app type, the plan and the Phone licence. */
export interface ServedEndpoints {
  previousMeetings: boolean;
  pastMeetings: boolean;
  /** /past_meetings/{id}/participants: Pro and up. */
  participants: boolean;
  /** /report/users/{userId}/meetings and /report/meetings/{id}/participants: Pro and up, an admin-managed app. */
  report: boolean;
  /** /users/{userId}/recordings: Pro and up. */
  recordings: boolean;
  /** /phone/users/{userId}/call_history: a Phone licence. */
  callHistory: boolean;
}

/** Where each endpoint's horizon starts, as of the groundTruth() call (ms, UTC midnight). */
export interface Horizons {
  report: number;
  pastMeetings: number;
  instances: number;
  callHistory: number;
}

export interface MeetingTruth {
  kind: MeetingKind;
  /** It was recorded to the cloud (a recording deleted since leaves this true). */
  recorded: boolean;
  /** As /past_meetings/{uuid} serves it: uuid, id, topic, type, start and end. */
  pastMeeting: PastMeetingJson;
  /** As /report/users/{userId}/meetings lists it; null when fewer than two people attended. */
  reportMeeting: ReportMeetingJson | null;
  /** What both participants endpoints serve (ordered by join time); empty when one person attended. */
  participants: ParticipantJson[];
  /** Its meeting ID is listed by previous_meetings now: a scheduled or recurring ID that has not expired. */
  inPreviousMeetings: boolean;
  /** Listed by the report now: two or more participants, within 6 months. */
  inReport: boolean;
  /** /past_meetings/{uuid} and its participants answer now: within 1 year. */
  inPastMeetings: boolean;
  /** Listed by /past_meetings/{its id}/instances now: within 15 months. */
  inInstances: boolean;
  /**
   * A user-managed app can find it now without Zoom's events: its meeting ID is the PMI, is listed
   * by previous_meetings, or is the ID of a cloud recording Zoom lists; and Zoom serves its instance
   * and its details (inInstances and inPastMeetings). Instant meetings on other IDs are not, unless
   * recorded.
   */
  discoverable: boolean;
}

export interface CallTruth {
  log: CallLogJson;
  /** Listed by call_history now: within 6 months. */
  inCallHistory: boolean;
}

export interface GroundTruth {
  user: SimUser;
  /** As /users/me serves it. */
  me: UserMeJson;
  serves: ServedEndpoints;
  horizons: Horizons;
  /** What previous_meetings lists now: one item per unexpired scheduled or recurring meeting ID. */
  previousMeetings: MeetingListItemJson[];
  /** Ordered by start time, oldest first (the order every list endpoint uses). */
  meetings: MeetingTruth[];
  /** Recordings have no horizon: every one is listed by /users/{userId}/recordings when `serves.recordings`. */
  recordings: RecordingMeetingJson[];
  calls: CallTruth[];
}
