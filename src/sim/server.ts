// The simulator's HTTP server on 127.0.0.1: routes /oauth, /v2 and /__admin, holds sockets for
// 'timeout' faults, and closes everything it opened.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type TimerHandle } from '../core/clock.js';
import { createAdmin, handleAdmin, isLoopback } from './admin.js';
import { handleApi } from './api.js';
import { authorize, revoke, token, type OAuthDeps } from './oauth.js';
import { json, readBody, writeReply, type Reply } from './reply.js';
import { SimState } from './state.js';
import type { SimOptions, Simulator } from './types.js';

const DEFAULT_CLIENT_ID = 'callvault-demo';
const DEFAULT_FAULT_DELAY_MS = 30_000;

export async function startSimulator(options: SimOptions = {}): Promise<Simulator> {
  const state = new SimState({
    seed: options.seed,
    accounts: options.accounts,
    clock: options.clock ?? systemClock,
    ownsClock: options.clock === undefined,
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    appType: options.appType ?? 'user-managed',
    webhook: options.webhook,
  });
  const admin = createAdmin(state);
  const faultDelayMs = options.faultDelayMs ?? DEFAULT_FAULT_DELAY_MS;
  const held = new Map<IncomingMessage, TimerHandle>();
  let url = '';

  const oauthDeps = (): OAuthDeps => ({
    clientId: state.clientId,
    grants: state.grants,
    apiUrl: url,
    consentingUser: (ref) => {
      const entry = state.lookup(ref);
      return entry && !entry.deleted ? entry.profile.user.userId : null;
    },
    mayAdd: (userId) => state.mayAdd(userId),
    onRevoked: (userId) => void state.notifyDeauthorized(userId),
  });

  // A 'timeout' fault stands for a network that stops answering: it runs on real time (the
  // system clock), not on the clock that decides expiry, and ends when the client gives up.
  const hold = (req: IncomingMessage): void => {
    const timer = systemClock.setTimeout(() => {
      held.delete(req);
      req.socket.destroy();
    }, faultDelayMs);
    held.set(req, timer);
    req.socket.once('close', () => {
      timer.cancel();
      held.delete(req);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));

    if (rawPath === '/__admin' || rawPath.startsWith('/__admin/')) {
      if (!isLoopback(req.socket.remoteAddress)) return writeReply(res, json(403, { error: 'loopback only' }));
      const body = await jsonBody(req);
      if (!body.ok) return writeReply(res, json(400, { error: 'the body is not JSON' }));
      return writeReply(res, await handleAdmin(admin, state, method, rawPath, query, body.value));
    }

    if (rawPath.startsWith('/oauth/')) {
      const label = `${method} ${rawPath}`;
      const reply = await oauthReply(req, method, rawPath, query, oauthDeps());
      state.counts.add(label, reply.status);
      return writeReply(res, reply);
    }

    if (rawPath.startsWith('/v2/')) {
      const outcome = handleApi(state, method, rawPath, query, req.headers);
      if ('hold' in outcome) {
        state.counts.add(outcome.label, 'timeout');
        return hold(req);
      }
      state.counts.add(outcome.label, outcome.reply.status);
      return writeReply(res, outcome.reply);
    }

    state.counts.add(`${method} (unknown)`, 404);
    writeReply(res, json(404, { code: 404, message: 'Not found.' }));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) writeReply(res, json(500, { code: 500, message: 'Simulator error.' }));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const [req, timer] of held) {
        timer.cancel();
        req.socket.destroy();
      }
      held.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([closed, state.webhooks.close()]);
    })();
    return closing;
  };

  return { url, clientId: state.clientId, admin, close };
}

async function oauthReply(req: IncomingMessage, method: string, path: string, query: URLSearchParams, deps: OAuthDeps): Promise<Reply> {
  if (method === 'GET' && path === '/oauth/authorize') return authorize(query, deps);
  if (method === 'POST' && (path === '/oauth/token' || path === '/oauth/revoke')) {
    const body = await readBody(req);
    if (!body.ok) return json(400, { error: 'invalid_request', reason: 'Unreadable body' });
    return path === '/oauth/token' ? token(req.headers, body.value, deps) : revoke(req.headers, body.value, deps);
  }
  return json(404, { error: 'not_found', reason: 'No such OAuth endpoint' });
}

async function jsonBody(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const body = await readBody(req);
  if (!body.ok) return { ok: false };
  if (body.value.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(body.value) as unknown };
  } catch {
    return { ok: false };
  }
}
