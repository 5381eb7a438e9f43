// The HTTP core against a scripted server, for answers the simulator does not give: a JSON body of
// the wrong shape, a 401 that survives a refresh, where the token travels.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { err, ok, type Result } from '../../src/core/result.js';
import { silentLogger } from '../../src/platform/logger.js';
import { createZoomClient, ENDPOINTS, RateLimiter, ZoomApi, type AccessTokens, type TokenFailure } from '../../src/zoom/index.js';
import { FAST_RETRY } from './helpers.js';

type Reply = { status: number; body: string; headers?: Record<string, string> };

let server: Server;
let base: string;
let replies: Array<(req: IncomingMessage) => Reply>;
let seen: IncomingMessage[];

beforeEach(async () => {
  replies = [];
  seen = [];
  server = createServer((req, res) => {
    seen.push(req);
    req.resume();
    const next = replies.shift() ?? ((): Reply => ({ status: 500, body: '{}' }));
    const reply = next(req);
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Hands out tok-1, tok-2, … : a new one after each invalidate. */
class ScriptedTokens implements AccessTokens {
  n = 1;
  invalidated: string[] = [];
  dead: string | null = null;
  alive = 0;
  failure: TokenFailure | null = null;
  constructor(private readonly base: string | null) {}
  async accessToken(): Promise<Result<string, TokenFailure>> {
    if (this.failure) return err(this.failure);
    return ok(`tok-${this.n}`);
  }
  invalidate(token: string): void {
    this.invalidated.push(token);
    if (token === `tok-${this.n}`) this.n++;
  }
  declareDead(reason: string): void {
    this.dead = reason;
  }
  apiBase(): string | null {
    return this.base;
  }
  noteGrantAlive(): void {
    this.alive++;
  }
}

function apiWith(tokens: AccessTokens): ZoomApi {
  return new ZoomApi({ tokens, limiter: new RateLimiter('pro', systemClock), clock: systemClock, log: silentLogger(), apiUrl: 'http://127.0.0.1:9', retry: FAST_RETRY, timeoutMs: 2000 });
}

describe('HTTP core', () => {
  it('sends the token in the Authorization header only, to the base the grant names', async () => {
    replies.push(() => ({ status: 200, body: '{"id":"u","account_id":"a"}' }));
    const tokens = new ScriptedTokens(base);
    expect((await apiWith(tokens).get(ENDPOINTS.me, { userId: 'me' }, { page_size: 30, skip: undefined })).ok).toBe(true);
    expect(seen[0]?.headers.authorization).toBe('Bearer tok-1');
    expect(seen[0]?.url).toBe('/v2/users/me?page_size=30');
    expect(tokens.alive).toBe(1);
  });

  it('refreshes once on a 401; a second 401 is a dead grant', async () => {
    const invalid = (): Reply => ({ status: 401, body: '{"code":124,"message":"Invalid access token."}' });
    replies.push(invalid, invalid);
    const tokens = new ScriptedTokens(base);
    expect(await apiWith(tokens).get(ENDPOINTS.me, { userId: 'me' }, {})).toEqual({ ok: false, error: { kind: 'dead-grant', reason: '124' } });
    expect(seen.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(tokens.invalidated).toEqual(['tok-1']);
    expect(tokens.dead).toBe('124');
  });

  it('reports JSON of the wrong shape as malformed, naming only the endpoint', async () => {
    replies.push(() => ({ status: 200, body: '{"meetings":[{"uuid":"x","topic":"secret topic","start_time":"not a time","id":1}]}' }));
    const client = createZoomClient({ tokens: new ScriptedTokens(base), limiter: new RateLimiter('pro', systemClock), clock: systemClock, log: silentLogger(), apiUrl: base, retry: FAST_RETRY });
    const result = await client.listPreviousMeetings();
    expect(result).toEqual({ ok: false, error: { kind: 'malformed', endpoint: '/users/{userId}/meetings' } });
    expect(seen).toHaveLength(1);
  });

  it('turns a refused refresh into needs-auth, and the caller abort into aborted', async () => {
    const tokens = new ScriptedTokens(base);
    tokens.failure = { kind: 'refused', reason: '4738' };
    expect(await apiWith(tokens).get(ENDPOINTS.me, { userId: 'me' }, {})).toEqual({ ok: false, error: { kind: 'needs-auth', reason: '4738' } });

    const controller = new AbortController();
    replies.push(() => {
      controller.abort();
      return { status: 503, body: '{}' };
    });
    expect(await apiWith(new ScriptedTokens(base)).get(ENDPOINTS.me, { userId: 'me' }, {}, controller.signal)).toEqual({ ok: false, error: { kind: 'aborted' } });
  });
});
