// One API request (/v2/...), in order: route, fault, bearer token, rate limit, user check, handler.

import type { IncomingHttpHeaders } from 'node:http';
import { matchRoute } from './endpoints.js';
import { grantsScope } from './grants.js';
import type { RequestContext } from './history.js';
import { CATEGORY_HEADER } from './rateLimits.js';
import { zoomError, type Reply } from './reply.js';
import type { SimState, UserEntry } from './state.js';

export type ApiOutcome =
  | { label: string; reply: Reply }
  /** A 'timeout' fault: the server holds the socket, then destroys it. */
  | { label: string; hold: true };

const INVALID_TOKEN: Reply = zoomError(401, 124, 'Invalid access token.');

/** Only the Authorization header carries a token: one in the query string is ignored (and so refused). */
function bearerOf(headers: IncomingHttpHeaders): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1] ?? null;
}

/** `me`, the user's own id or email; anything else names a user this token cannot read. */
function isSelf(raw: string, entry: UserEntry): boolean {
  let ref: string;
  try {
    ref = decodeURIComponent(raw);
  } catch {
    return false;
  }
  const { user } = entry.profile;
  return ref === 'me' || ref === user.userId || ref.toLowerCase() === user.email.toLowerCase();
}

function withHeaders(reply: Reply, headers: Record<string, string>): Reply {
  return { ...reply, headers: { ...reply.headers, ...headers } };
}

export function handleApi(state: SimState, method: string, rawPath: string, query: URLSearchParams, headers: IncomingHttpHeaders): ApiOutcome {
  const match = matchRoute(rawPath);
  if (!match) return { label: `${method} /v2/(unknown)`, reply: zoomError(404, 404, 'Not found.') };
  const { endpoint, params } = match;
  const label = `${method} ${endpoint.template}`;
  if (method !== 'GET') return { label, reply: zoomError(405, 405, 'Method not allowed.') };

  const fault = state.faults.decide(endpoint.label);
  if (fault) return fault.kind === 'timeout' ? { label, hold: true } : { label, reply: fault.reply };

  const category = { 'X-RateLimit-Category': CATEGORY_HEADER[endpoint.rate.category] };
  const token = bearerOf(headers);
  const caller = token ? state.grants.authenticate(token) : null;
  const entry = caller ? state.find(caller.userId) : undefined;
  if (!caller || !entry) return { label, reply: withHeaders(INVALID_TOKEN, category) };
  if (state.faults.countRequest(caller.userId)) state.grants.revokeUser(caller.userId);

  const now = state.now();
  const rate = state.limitsOf(entry.profile.user.accountId).take(endpoint.rate, now);
  if (!rate.ok) {
    const reply = zoomError(429, rate.body.code, rate.body.message);
    return { label, reply: state.rateLimitHeaders === 'full' ? withHeaders(reply, rate.headers) : reply };
  }
  if (!grantsScope(caller.scopes, endpoint.scope)) {
    return { label, reply: withHeaders(zoomError(400, 4700, `Invalid access token, does not contain scopes:[${endpoint.scope}].`), rate.headers) };
  }
  if (params.userId !== undefined && !isSelf(params.userId, entry)) {
    const shown = params.userId.includes('%40') || params.userId.includes('@') ? '' : `: ${params.userId}`;
    return { label, reply: withHeaders(zoomError(404, 1001, `User does not exist${shown}.`), rate.headers) };
  }
  const ctx: RequestContext = {
    profile: entry.profile,
    data: entry.data,
    now,
    query,
    params,
    paging: state.paging,
    emptyParticipants: state.faults.emptyParticipants,
  };
  return { label, reply: withHeaders(endpoint.handle(ctx), rate.headers) };
}
