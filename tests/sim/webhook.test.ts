import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { signZoomWebhook, startSimulator, type Simulator } from '../../src/sim/index.js';
import { api, login, postForm, refresh } from './helpers.js';

const SECRET = 'whsec-test-secret';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
}

describe('app_deauthorized webhook', () => {
  let receiver: Server;
  let received: Received[];
  let answer: number;
  let receiverUrl: string;
  let sim: Simulator | undefined;
  const clock = new FakeClock(Date.UTC(2026, 4, 30, 9, 30, 15));

  beforeEach(async () => {
    received = [];
    answer = 200;
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/zoom/deauth`;
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('deauthorize revokes the grant and posts a body whose signature verifies over the raw bytes', async () => {
    sim = await startSimulator({ clock, webhook: { url: receiverUrl, secretToken: SECRET } });
    const [user] = sim.admin.users();
    const tokens = await login(sim);
    expect(await sim.admin.deauthorize(user?.userId ?? '')).toEqual({ delivered: true, status: 200 });
    expect((await api(sim, tokens.access_token, '/v2/users/me')).status).toBe(401);
    expect((await refresh(sim, tokens.refresh_token)).body.error).toBe('invalid_grant');

    expect(received).toHaveLength(1);
    const { headers, raw } = received[0] as Received;
    expect(headers['content-type']).toBe('application/json');
    const timestamp = headers['x-zm-request-timestamp'] as string;
    expect(timestamp).toBe(String(Math.floor(clock.now() / 1000)));
    const expected = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:`).update(raw).digest('hex')}`;
    expect(headers['x-zm-signature']).toBe(expected);
    expect(signZoomWebhook(SECRET, Number(timestamp), raw.toString('utf8'))).toBe(expected);
    expect(signZoomWebhook('other-secret', Number(timestamp), raw.toString('utf8'))).not.toBe(expected);

    const body = JSON.parse(raw.toString('utf8')) as { event: string; event_ts: number; payload: Record<string, string> };
    expect(body.event).toBe('app_deauthorized');
    expect(body.event_ts).toBe(clock.now());
    expect(body.payload).toMatchObject({
      account_id: user?.accountId,
      user_id: user?.userId,
      client_id: sim.clientId,
      user_data_retention: 'false',
      deauthorization_time: new Date(clock.now()).toISOString(),
    });
    expect(body.payload.signature).toMatch(/^[0-9a-f]{64}$/);
  });

  it('/oauth/revoke also posts app_deauthorized, as Zoom does after Revoke', async () => {
    sim = await startSimulator({ clock, webhook: { url: receiverUrl, secretToken: SECRET } });
    const tokens = await login(sim);
    await postForm(`${sim.url}/oauth/revoke`, { token: tokens.access_token, client_id: sim.clientId });
    for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(received).toHaveLength(1);
    // Revoking a dead grant again sends nothing more.
    await postForm(`${sim.url}/oauth/revoke`, { token: tokens.access_token, client_id: sim.clientId });
    await sim.close();
    expect(received).toHaveLength(1);
  });

  it('reports a refused or failed delivery, and nothing without a webhook', async () => {
    answer = 500;
    sim = await startSimulator({ clock, webhook: { url: receiverUrl, secretToken: SECRET } });
    const userId = sim.admin.users()[0]?.userId ?? '';
    expect(await sim.admin.deauthorize(userId)).toEqual({ delivered: false, status: 500 });
    await sim.close();

    sim = await startSimulator({ clock, webhook: { url: 'http://127.0.0.1:1/unreachable', secretToken: SECRET } });
    expect(await sim.admin.deauthorize(userId)).toEqual({ delivered: false, status: null });
    await sim.close();

    sim = await startSimulator({ clock });
    expect(await sim.admin.deauthorize(userId)).toEqual({ delivered: false, status: null });
  });
});
