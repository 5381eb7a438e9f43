import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../src/core/clock.js';
import { timedFetch } from '../../src/zoom/timedFetch.js';

// The one HTTP exchange every Zoom call makes: what comes back for each way a server can answer.

let server: Server;
let base: string;
const received: Array<{ method: string; body: string; contentType: string | undefined }> = [];

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  received.push({ method: req.method ?? '', body, contentType: req.headers['content-type'] });
  switch (req.url) {
    case '/ok':
      res.setHeader('Retry-After', '7');
      res.setHeader('X-Many', ['a', 'b']);
      res.end('{"fine":"é"}');
      return;
    case '/redirect':
      res.writeHead(302, { Location: '/ok' }).end();
      return;
    case '/stall':
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"partial":');
      return;
    case '/cut':
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"partial":', () => res.socket?.destroy());
      return;
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const quick = { clock: systemClock, timeoutMs: 5_000 };

describe('timedFetch', () => {
  it('returns status, body text and headers by any case, several values joined', async () => {
    const answer = await timedFetch(`${base}/ok`, { headers: { Accept: 'application/json' } }, quick);
    if (!answer.ok) throw new Error(answer.error);
    expect(answer.value.status).toBe(200);
    expect(JSON.parse(answer.value.text)).toEqual({ fine: 'é' });
    expect(answer.value.headers.get('retry-after')).toBe('7');
    expect(answer.value.headers.get('RETRY-AFTER')).toBe('7');
    expect(answer.value.headers.get('x-many')).toBe('a, b');
    expect(answer.value.headers.get('x-absent')).toBeNull();
    const missing = await timedFetch(`${base}/missing`, { headers: {} }, quick);
    expect(missing.ok && missing.value.status).toBe(404);
  });

  it('sends a form body whole', async () => {
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'ü&=' }).toString();
    const answer = await timedFetch(`${base}/ok`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body }, quick);
    expect(answer.ok).toBe(true);
    expect(received.at(-1)).toEqual({ method: 'POST', body, contentType: 'application/x-www-form-urlencoded' });
  });

  it('treats a redirect, a refused connection and a body cut short as network failures', async () => {
    expect(await timedFetch(`${base}/redirect`, { headers: {} }, quick)).toEqual({ ok: false, error: 'network' });
    expect(await timedFetch(`${base}/cut`, { headers: {} }, quick)).toEqual({ ok: false, error: 'network' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await timedFetch(`http://127.0.0.1:${port}/`, { headers: {} }, quick)).toEqual({ ok: false, error: 'network' });
    expect(await timedFetch('ftp://127.0.0.1/', { headers: {} }, quick)).toEqual({ ok: false, error: 'network' });
  });

  it('gives up at the deadline on the injected clock when the body stalls after the headers', async () => {
    const clock = new FakeClock();
    const pending = timedFetch(`${base}/stall`, { headers: {} }, { clock, timeoutMs: 30_000 });
    // Let the headers arrive, then move the clock past the deadline.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await clock.advance(30_000);
    expect(await pending).toEqual({ ok: false, error: 'timeout' });
  });

  it('stops when the caller aborts, before or during the exchange', async () => {
    const before = new AbortController();
    before.abort();
    expect(await timedFetch(`${base}/ok`, { headers: {} }, { ...quick, signal: before.signal })).toEqual({ ok: false, error: 'aborted' });
    const during = new AbortController();
    const pending = timedFetch(`${base}/stall`, { headers: {} }, { ...quick, signal: during.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    during.abort();
    expect(await pending).toEqual({ ok: false, error: 'aborted' });
  });
});
