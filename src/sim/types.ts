// The simulator's public contract (docs: /work/briefs/sim.md). The Zoom client is written against
// it by another engineer at the same time, so names and shapes here change only by agreement.

import type { Clock } from '../core/clock.js';
import type { CallLogJson, MeetingListItemJson, ParticipantJson, PastMeetingJson, RecordingMeetingJson, ReportMeetingJson, UserMeJson } from './zoomJson.js';

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
  /** Where app_deauthorized is POSTed. */
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
  /** Grants the report:read:user:admin scope, so the report API works; default false. */
  admin?: boolean;
  /** Has a Zoom Phone licence; default true. */
  phone?: boolean;
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
  phone: boolean;
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
  /** New meetings that ended just now (for incremental sync). */
  addMeetings(userId: string, n: number): MeetingTruth[];
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

/** Which endpoints answer this user at all, given the plan, the Phone licence and the admin scope. */
export interface ServedEndpoints {
  previousMeetings: boolean;
  pastMeetings: boolean;
  /** /past_meetings/{id}/participants: Pro and up. */
  participants: boolean;
  /** /report/users/{userId}/meetings and /report/meetings/{id}/participants: Pro and up, admin scope. */
  report: boolean;
  /** /users/{userId}/recordings: Pro and up. */
  recordings: boolean;
  /** /phone/users/{userId}/call_history: a Phone licence. */
  callHistory: boolean;
}

/** Where each endpoint's horizon starts, as of the groundTruth() call (ms, UTC midnight). */
export interface Horizons {
  previousMeetings: number;
  report: number;
  pastMeetings: number;
  instances: number;
  callHistory: number;
}

export interface MeetingTruth {
  /** The item as /users/{userId}/meetings?type=previous_meetings lists it. */
  meeting: MeetingListItemJson;
  /** As /past_meetings/{uuid} serves it. */
  pastMeeting: PastMeetingJson;
  /** As /report/users/{userId}/meetings lists it; null when fewer than two people attended. */
  reportMeeting: ReportMeetingJson | null;
  /** What both participants endpoints serve (ordered by join time); empty when one person attended. */
  participants: ParticipantJson[];
  /** Listed by previous_meetings now: not an instant meeting (type 1), within 6 months. */
  inPreviousMeetings: boolean;
  /** Listed by the report now: two or more participants, within 6 months. */
  inReport: boolean;
  /** /past_meetings/{uuid} and its participants answer now: within 1 year. */
  inPastMeetings: boolean;
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
  /** Ordered by start time, oldest first (the order every list endpoint uses). */
  meetings: MeetingTruth[];
  /** Recordings have no horizon: every one is listed by /users/{userId}/recordings when `serves.recordings`. */
  recordings: RecordingMeetingJson[];
  calls: CallTruth[];
}
