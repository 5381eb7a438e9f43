// The typed outcomes of a Zoom API request that did not succeed, and how an HTTP answer maps to
// them. Failures carry status-derived codes and endpoint labels only: never a token, never a
// response body (bodies can hold content).

import { z } from 'zod';

export type ZoomFailure =
  | { kind: 'dead-grant'; reason: string }
  /** A daily limit (or 429s that would not stop): nothing more of this category until `until`. */
  | { kind: 'throttled'; until: number }
  /** Zoom 400 code 300 for a next_page_token: restart the listing from its first page. */
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

const zoomErrorBody = z.object({ code: z.number().int().optional(), message: z.string().optional() });

function zoomErrorOf(body: unknown): { code: number | null; message: string } {
  const parsed = zoomErrorBody.safeParse(body);
  return parsed.success ? { code: parsed.data.code ?? null, message: parsed.data.message ?? '' } : { code: null, message: '' };
}

/**
 * Codes Zoom answers when the user's plan, licence or the grant's scopes do not allow an endpoint:
 * 200 "Only available for paid account" / "No permission", 4700 missing scope, 4711 scope
 * mismatch. Retrying cannot help; sync stops the resource.
 */
const FORBIDDEN_CODES = new Set([200, 4700, 4711]);
/** 1001 user does not exist, 3001 meeting does not exist, 12702 meeting older than a year. */
const NOT_FOUND_CODES = new Set([1001, 3001, 12702]);
const INVALID_FIELD = 300;

/** What to do with a non-2xx answer. `hadPageToken`: the request carried a next_page_token. */
export type ErrorAction =
  | { action: 'reauthenticate'; reason: string }
  | { action: 'rate-limited' }
  | { action: 'retry' }
  | { action: 'fail'; failure: ZoomFailure };

export function classifyError(status: number, body: unknown, hadPageToken: boolean): ErrorAction {
  const { code, message } = zoomErrorOf(body);
  if (status === 401) return { action: 'reauthenticate', reason: String(code ?? status) };
  if (status === 429) return { action: 'rate-limited' };
  if (status >= 500) return { action: 'retry' };
  if (status === 404 || (code !== null && NOT_FOUND_CODES.has(code))) return { action: 'fail', failure: { kind: 'not-found' } };
  if (status === 403 || (code !== null && FORBIDDEN_CODES.has(code))) return { action: 'fail', failure: { kind: 'forbidden', reason: String(code ?? status) } };
  // Zoom uses 300 for every invalid field; only a request that sent a page token can have an
  // expired one.
  if (code === INVALID_FIELD && hadPageToken && /page token/i.test(message)) return { action: 'fail', failure: { kind: 'page-token-expired' } };
  return { action: 'fail', failure: { kind: 'bad-request', code } };
}
