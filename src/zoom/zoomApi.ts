// The HTTP core: one GET against Zoom's REST API, paced by the rate limiter, authenticated by a
// bearer token in the Authorization header only, retried on transient trouble, answered with a
// typed failure otherwise.

import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { fillTemplate, type EndpointSpec } from './endpoints.js';
import { classifyError, type ZoomFailure } from './failures.js';
import type { RateLimiter } from './rateLimiter.js';
import { timedFetch } from './timedFetch.js';
import type { AccessTokens, TokenFailure } from './tokenManager.js';

export interface ZoomApiOptions {
  tokens: AccessTokens;
  /** The Zoom account's shared limiter (limiterFor). */
  limiter: RateLimiter;
  clock: Clock;
  log: Logger;
  /** The API base without /v2, used when the grant's token response named none. */
  apiUrl: string;
  /** Deadline of one request; default 20 s. */
  timeoutMs?: number;
  /** Retries of 5xx, network errors, timeouts and unreadable JSON. Default: 6 tries, 500 ms to 30 s. */
  retry?: BackoffPolicy;
  /** Per-second 429s one request may meet before it reports `throttled`; default 8. */
  maxRateLimited?: number;
  random?: () => number;
}

export type Query = Readonly<Record<string, string | number | undefined>>;

export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

function tokenFailure(failure: TokenFailure): ZoomFailure {
  switch (failure.kind) {
    case 'dead-grant':
      return failure;
    case 'refused':
      return { kind: 'needs-auth', reason: failure.reason };
    case 'unavailable':
    case 'aborted':
      return { kind: failure.kind };
  }
}

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** One try's outcome: final, try again at once (after a refresh or a 429 pause), or back off first. */
type Step = { kind: 'done'; result: Result<unknown, ZoomFailure> } | { kind: 'again' } | { kind: 'transient'; failure: ZoomFailure };

interface Attempt {
  endpoint: EndpointSpec;
  path: string;
  hadPageToken: boolean;
  signal: AbortSignal | undefined;
  reauthenticated: boolean;
  rateLimited: number;
}

export class ZoomApi {
  constructor(private readonly o: ZoomApiOptions) {}

  /**
   * GET `endpoint` with its (already encoded) path parameters. Resolves with the parsed JSON, whose
   * shape the caller checks.
   */
  async get(endpoint: EndpointSpec, params: Readonly<Record<string, string>>, query: Query, signal?: AbortSignal): Promise<Result<unknown, ZoomFailure>> {
    const policy = this.o.retry ?? DEFAULT_BACKOFF;
    const attempt: Attempt = {
      endpoint,
      path: `/v2${fillTemplate(endpoint, params)}${queryString(query)}`,
      hadPageToken: query.next_page_token !== undefined,
      signal,
      reauthenticated: false,
      rateLimited: 0,
    };
    for (let transientFailures = 0; ; ) {
      const step = await this.once(attempt);
      if (step.kind === 'done') return step.result;
      if (step.kind === 'again') continue;
      transientFailures++;
      if (transientFailures >= policy.attempts) return err(step.failure);
      try {
        await this.o.clock.sleep(backoffDelay(transientFailures - 1, policy, this.o.random), signal);
      } catch {
        return err({ kind: 'aborted' });
      }
    }
  }

  private async once(a: Attempt): Promise<Step> {
    const { tokens, limiter, clock, log } = this.o;
    const { endpoint } = a;
    const label = endpoint.template;
    const done = (result: Result<unknown, ZoomFailure>): Step => ({ kind: 'done', result });

    const slot = await limiter.acquire(endpoint.category, a.signal);
    if (!slot.ok) return done(slot);
    const token = await tokens.accessToken(a.signal);
    if (!token.ok) return done(err(tokenFailure(token.error)));
    const base = tokens.apiBase() ?? this.o.apiUrl.replace(/\/+$/, '');
    const response = await timedFetch(
      `${base}${a.path}`,
      { headers: { Authorization: `Bearer ${token.value}`, Accept: 'application/json' } },
      { clock, timeoutMs: this.o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, signal: a.signal },
    );
    if (!response.ok) {
      if (response.error === 'aborted') return done(err({ kind: 'aborted' }));
      log.warn({ endpoint: label, cause: response.error }, 'zoom request failed');
      return { kind: 'transient', failure: { kind: 'unavailable' } };
    }

    const { status, headers, text } = response.value;
    let body: unknown = null;
    let readable = true;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      readable = false;
    }
    if (status >= 200 && status < 300) {
      if (!readable) {
        // A cut-off body is transport trouble more often than not: worth another try.
        log.warn({ endpoint: label, status }, 'zoom answered with unreadable JSON');
        return { kind: 'transient', failure: { kind: 'malformed', endpoint: label } };
      }
      limiter.onSuccess(endpoint.category);
      tokens.noteGrantAlive();
      return done(ok(body));
    }

    const action = classifyError(status, body, a.hadPageToken);
    switch (action.action) {
      case 'reauthenticate':
        if (a.reauthenticated) {
          tokens.declareDead(action.reason);
          return done(err({ kind: 'dead-grant', reason: action.reason }));
        }
        // An access token Zoom no longer accepts: one refresh decides whether the grant lives.
        log.info({ endpoint: label, reason: action.reason }, 'zoom refused the access token; refreshing');
        a.reauthenticated = true;
        tokens.invalidate(token.value);
        return { kind: 'again' };
      case 'rate-limited': {
        const verdict = limiter.onTooManyRequests(endpoint.category, { type: headers.get('x-ratelimit-type'), retryAfter: headers.get('retry-after') });
        log.warn({ endpoint: label, category: endpoint.category, verdict: verdict.kind, until: verdict.until }, 'zoom rate limit hit');
        a.rateLimited++;
        if (verdict.kind === 'daily' || a.rateLimited > (this.o.maxRateLimited ?? 8)) return done(err({ kind: 'throttled', until: verdict.until }));
        return { kind: 'again' };
      }
      case 'retry':
        log.warn({ endpoint: label, status }, 'zoom server error');
        return { kind: 'transient', failure: { kind: 'unavailable' } };
      case 'fail':
        limiter.onSuccess(endpoint.category);
        log.info({ endpoint: label, status, failure: action.failure.kind }, 'zoom request refused');
        return done(err(action.failure));
    }
  }
}
