// The typed outcomes of a Zoom API request that did not succeed, and how an HTTP answer maps to
// them. Failures carry status-derived codes and endpoint labels only: never a token, never a
// response body (bodies can hold content).

import { z } from 'zod';

export type ZoomFailure =
  | { kind: 'dead-grant'; reason: string }
  /**
   * Zoom refused the grant for a reason that does not prove it dead (4711 scope change, 4717 app
   * disabled, 4737 authentication not found, 4738 disabled by an admin): the user must sign in again.
   */
  | { kind: 'needs-auth'; reason: string }
  /** A daily limit (or 429s that would not stop): nothing more of this category until `until`. */
  | { kind: 'throttled'; until: number }
  /** A next_page_token Zoom no longer accepts: restart the listing from its first page. */
  | { kind: 'page-token-expired' }
  | { kind: 'not-found' }
  /** The scope, plan or licence does not allow this resource for this user (reason: Zoom's code). */
  | { kind: 'forbidden'; reason: string }
  | { kind: 'bad-request'; code: number | null }
  /** The answer was not the JSON, or not the shape, expected from `endpoint` (a path template). */
  | { kind: 'malformed'; endpoint: string }
  /** 5xx, network errors or timeouts, after retries. */
  | { kind: 'unavailable' }
  | { kind: 'aborted' };

const zoomErrorBody = z.object({ code: z.number().int().optional() });

function zoomCodeOf(body: unknown): number | null {
  const parsed = zoomErrorBody.safeParse(body);
  return parsed.success ? (parsed.data.code ?? null) : null;
}

/**
 * Codes Zoom answers when the user's plan, licence or the grant's scopes do not allow an endpoint:
 * 200 "Only available for paid account" / "No permission", 4700 missing scope, 4711 scope
 * mismatch. Retrying cannot help; sync stops the resource.
 */
const FORBIDDEN_CODES = new Set([200, 4700, 4711]);
/** 1001 user does not exist, 3001 meeting does not exist, 12702 meeting older than a year. */
const NOT_FOUND_CODES = new Set([1001, 3001, 12702]);
/**
 * Zoom's 400 codes for a bad parameter: 300 "Invalid field" (meetings, recordings) and 301 "Invalid
 * request param: {paramName}" (Zoom Phone).
 */
const INVALID_PARAMETER = new Set([300, 301]);

/** What to do with a non-2xx answer. `hadPageToken`: the request carried a next_page_token. */
export type ErrorAction =
  | { action: 'reauthenticate'; reason: string }
  | { action: 'rate-limited' }
  | { action: 'retry' }
  | { action: 'fail'; failure: ZoomFailure };

export function classifyError(status: number, body: unknown, hadPageToken: boolean): ErrorAction {
  const code = zoomCodeOf(body);
  if (status === 401) return { action: 'reauthenticate', reason: String(code ?? status) };
  if (status === 429) return { action: 'rate-limited' };
  if (status >= 500) return { action: 'retry' };
  if (status === 404 || (code !== null && NOT_FOUND_CODES.has(code))) return { action: 'fail', failure: { kind: 'not-found' } };
  if (status === 403 || (code !== null && FORBIDDEN_CODES.has(code))) return { action: 'fail', failure: { kind: 'forbidden', reason: String(code ?? status) } };
  // A page after the first differs from the first only by its token, which Zoom accepted the
  // query with: a bad parameter there is the token (expired after 15 minutes). The caller restarts
  // the listing once, so a wrong reading costs one request.
  if (status === 400 && code !== null && INVALID_PARAMETER.has(code) && hadPageToken) return { action: 'fail', failure: { kind: 'page-token-expired' } };
  return { action: 'fail', failure: { kind: 'bad-request', code } };
}
