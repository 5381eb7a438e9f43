// The relay as operators run it, on either engine: health and readiness, Prometheus metrics, and
// the auditor's report over HTTP; on PostgreSQL, a webhook while the database is down.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import type { SimUser } from '../../src/sim/index.js';
import { startPgCluster, type PgCluster, type TestDatabase } from '../../scripts/pgCluster.mjs';
import { describeWith } from '../helpers/realComponents.js';
import {
  ADMIN_TOKEN,
  DAY_MS,
  RawDevice,
  adminGet,
  compliance,
  deauthorizationBody,
  enrollAs,
  newDeviceIdentity,
  postWebhook,
  receiptFrom,
  startWorld,
  type TestDeviceIdentity,
  type World,
  waitFor,
} from './fixture.js';

const METRICS_TOKEN = 'metrics-token-0123456789';
const MINUTE = 60_000;

interface ReportJson {
  overdue: { count: number; devices: { deviceId: string }[] };
  items: { eventKey: string; zoomUserId: string; cloudCopyDeletedAt: string | null; devices: { deviceId: string; outcome: string; statement: string; signatureVerified: boolean | null }[] }[];
  next: string | null;
}

async function get(url: string, token?: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** The value of one sample line in Prometheus text, e.g. sample(text, 'callvault_relay_commands_pending'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function operations(ledgerUrl: () => Promise<string | undefined>, expectedWakes: string): void {
  let clock: FakeClock;
  let world: World;
  let alice: SimUser;
  let bob: SimUser;
  const sockets: RawDevice[] = [];

  async function start(): Promise<void> {
    clock = new FakeClock(Date.UTC(2026, 2, 3, 10, 0, 0));
    world = await startWorld({ clock, ledger: await ledgerUrl(), metricsToken: METRICS_TOKEN });
    [alice, bob] = world.users as [SimUser, SimUser];
  }

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    await world.close();
  });

  async function onlineDevice(user: SimUser): Promise<{ device: TestDeviceIdentity; socket: RawDevice }> {
    const device = newDeviceIdentity();
    const credential = (await enrollAs(world, device, user)).credential ?? '';
    const socket = await RawDevice.connect(world.relay.url, credential);
    sockets.push(socket);
    await socket.greeting(device.deviceId);
    return { device, socket };
  }

  it('answers /healthz, and /readyz once its ledger answers', async () => {
    await start();
    expect(await get(`${world.relay.url}/healthz`)).toMatchObject({ status: 200, text: '{"status":"ok"}' });
    const ready = await get(`${world.relay.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({ ready: true, ledger: 'up', wakes: expectedWakes });
  });

  it('exposes Prometheus metrics behind its token: devices, pending commands and their age, the alarm, webhook outcomes, receipt latency', async () => {
    await start();
    const metrics = async (): Promise<string> => {
      const answer = await get(`${world.relay.url}/metrics`, METRICS_TOKEN);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return answer.text;
    };
    expect((await get(`${world.relay.url}/metrics`)).status).toBe(401);
    const online = await onlineDevice(alice);
    const offline = newDeviceIdentity();
    await enrollAs(world, offline, bob);
    let text = await metrics();
    expect(sample(text, 'callvault_relay_devices_connected')).toBe(1);
    expect(sample(text, 'callvault_relay_commands_pending')).toBe(0);
    expect(sample(text, 'callvault_relay_ledger_up')).toBe(1);

    await world.sim.admin.deauthorize(alice.userId);
    await world.sim.admin.deauthorize(bob.userId);
    const [wipe] = await online.socket.waitFor('wipe');
    await clock.advance(1_500);
    const command = wipe?.command.body;
    if (!command) throw new Error('no wipe');
    online.socket.send({ type: 'receipt', receipt: receiptFrom(online.device, { commandId: command.commandId, zoomAccountId: command.zoomAccountId, zoomUserId: command.zoomUserId, reason: 'deauthorized' }) });
    await online.socket.waitFor('receipt-ack');
    await clock.advance(60_000);

    text = await metrics();
    expect(sample(text, 'callvault_relay_commands_pending')).toBe(1);
    expect(sample(text, 'callvault_relay_commands_pending_oldest_age_seconds')).toBe(61.5);
    expect(sample(text, 'callvault_relay_obligations_past_deadline')).toBe(0);
    expect(sample(text, 'callvault_relay_http_requests_total{route="POST /zoom/webhook",status="200"}')).toBe(2);
    expect(sample(text, 'callvault_relay_receipt_latency_seconds_count')).toBe(1);
    expect(sample(text, 'callvault_relay_receipt_latency_seconds_bucket{le="2.5"}')).toBe(1);
    expect(sample(text, 'callvault_relay_receipt_latency_seconds_bucket{le="1"}')).toBe(0);

    await clock.advance(8 * DAY_MS);
    expect(sample(await metrics(), 'callvault_relay_obligations_past_deadline')).toBe(1);
  });

  it('keeps Zoom content no longer than it serves: the notices of a device that never came back go at its lease deadline, an unusable body after 10 days', async () => {
    await start();
    const metrics = async (): Promise<string> => (await get(`${world.relay.url}/metrics`, METRICS_TOKEN)).text;
    const post = async (body: string): Promise<void> => {
      expect((await postWebhook(world.relay.url, body, Math.floor(clock.now() / 1000))).status).toBe(200);
    };
    const meetingEnded = (uuid: string) => JSON.stringify({ event: 'meeting.ended', event_ts: clock.now(), payload: { account_id: alice.accountId, object: { uuid, host_id: alice.userId } } });
    interface UnusableView {
      body: string | null;
      bodyDroppedAt: number | null;
      bodyRetention: string;
    }
    const unusable = async (): Promise<UnusableView[]> => (await adminGet<{ items: UnusableView[] }>(world, '/v1/admin/unusable-events')).body.items;
    /** Restarts the relay (its start-up sweep runs) and waits until that sweep is done. */
    const restartAndSweep = async (): Promise<void> => {
      await world.restartRelay();
      const now = clock.now() / 1000;
      await waitFor(async () => sample(await metrics(), 'callvault_relay_zoom_content_last_sweep_timestamp_seconds') === now, 'the start-up sweep');
    };

    // An offline device, leased until T0 + 7 days, holds a notice; an unusable event keeps its body.
    const offline = newDeviceIdentity();
    await enrollAs(world, offline, alice);
    const deadline = clock.now() + 7 * DAY_MS;
    await post(meetingEnded('m-1'));
    await post('"just a string"');
    let text = await metrics();
    expect(sample(text, 'callvault_relay_zoom_content_held{kind="notice"}')).toBe(1);
    expect(sample(text, 'callvault_relay_zoom_content_held{kind="unusable_body"}')).toBe(1);
    expect((await unusable())[0]?.bodyRetention).toBe('body kept until 2026-03-13T10:00:00.000Z (Zoom content is kept at most 10 days)');

    // Half an hour before the deadline the notice is still held; at the deadline the sweep drops it.
    await clock.advanceTo(deadline - 30 * MINUTE);
    await restartAndSweep();
    expect((await compliance(world, alice)).heldNotices).toBe(1);
    await clock.advance(30 * MINUTE);
    await waitFor(async () => (await compliance(world, alice)).heldNotices === 0, 'the notice dropped at the lease deadline');
    text = await metrics();
    expect(sample(text, 'callvault_relay_zoom_content_dropped_total{kind="notice"}')).toBe(1);
    expect(sample(text, 'callvault_relay_zoom_content_held{kind="notice"}')).toBe(0);
    expect(sample(text, 'callvault_relay_unusable_body_oldest_age_seconds')).toBe((7 * DAY_MS) / 1000);
    // The device wiped itself then: what Zoom sends for the user now is held for nobody.
    await post(meetingEnded('m-2'));
    expect((await compliance(world, alice)).heldNotices).toBe(0);
    expect((await compliance(world, alice)).devices).toEqual([expect.objectContaining({ deviceId: offline.deviceId, status: 'active' })]);

    // The body goes 10 days after it arrived; what the operator needs stays.
    const bodyDue = deadline + 3 * DAY_MS;
    await clock.advanceTo(bodyDue - 30 * MINUTE);
    await restartAndSweep();
    expect((await unusable())[0]?.body).toBe('"just a string"');
    await clock.advance(30 * MINUTE);
    await waitFor(async () => (await unusable())[0]?.body === null, 'the body dropped');
    expect(await unusable()).toEqual([
      expect.objectContaining({
        event: null,
        problem: 'the body is not a Zoom event',
        bodyDroppedAt: bodyDue,
        bodyRetention: 'body dropped at 2026-03-13T10:00:00.000Z (Zoom content is kept at most 10 days); this record stays until dismissed',
      }),
    ]);
    text = await metrics();
    expect(sample(text, 'callvault_relay_zoom_content_dropped_total{kind="unusable_body"}')).toBe(1);
    expect(sample(text, 'callvault_relay_zoom_content_held{kind="unusable_body"}')).toBe(0);
    expect(sample(text, 'callvault_relay_unusable_body_oldest_age_seconds')).toBe(0);
  });

  it("serves the auditor's report a page at a time, as JSON or CSV, with the admin token", async () => {
    await start();
    const online = await onlineDevice(alice);
    const offline = newDeviceIdentity();
    await enrollAs(world, offline, bob);
    await world.sim.admin.deauthorize(alice.userId);
    const [wipe] = await online.socket.waitFor('wipe');
    const command = wipe?.command.body;
    if (!command) throw new Error('no wipe');
    const receipt = receiptFrom(online.device, { commandId: command.commandId, zoomAccountId: command.zoomAccountId, zoomUserId: command.zoomUserId, reason: 'deauthorized' });
    online.socket.send({ type: 'receipt', receipt });
    await online.socket.waitFor('receipt-ack');
    await clock.advance(1_000);
    await world.sim.admin.deauthorize(bob.userId);

    expect((await adminGet(world, '/v1/report', 'wrong-token-0123456789')).status).toBe(401);
    const first = await adminGet<ReportJson>(world, '/v1/report?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.items.map((i) => i.zoomUserId)).toEqual([alice.userId]);
    expect(first.body.items[0]?.devices).toEqual([
      expect.objectContaining({ deviceId: online.device.deviceId, outcome: 'wiped', signatureVerified: true, statement: expect.stringMatching(new RegExp(`^wiped at .+, receipt ${receipt.id}, signature verified$`)) }),
    ]);
    expect(first.body.next).toEqual(expect.any(String));
    const second = await adminGet<ReportJson>(world, `/v1/report?limit=1&cursor=${first.body.next}`);
    expect(second.body.items[0]?.devices).toEqual([
      expect.objectContaining({ deviceId: offline.deviceId, outcome: 'offline', signatureVerified: null, statement: 'offline; will self-wipe by 2026-03-10T10:00:00.000Z at the latest (lease issued at 2026-03-03T10:00:00.000Z)' }),
    ]);
    expect(second.body.next).toBeNull();
    expect(second.body.overdue).toEqual({ count: 0, devices: [] });

    const csv = await get(`${world.relay.url}/v1/report?format=csv&since=2026-03-03T10:00:01Z`, ADMIN_TOKEN);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('x-overdue-devices')).toBe('0');
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^event_key,zoom_account_id,zoom_user_id,/);
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual([bob.userId]);

    for (const bad of ['since=yesterday', 'limit=0', 'limit=5000', 'cursor=nonsense', 'format=xml']) {
      expect((await adminGet(world, `/v1/report?${bad}`)).status).toBe(400);
    }

    await clock.advance(8 * DAY_MS);
    const alarm = await adminGet<ReportJson>(world, '/v1/report');
    expect(alarm.body.overdue).toEqual({ count: 1, devices: [expect.objectContaining({ deviceId: offline.deviceId })] });
    expect(alarm.body.items[1]?.devices[0]).toMatchObject({ outcome: 'overdue', statement: expect.stringMatching(/^ALARM: past its self-wipe deadline/) });
  });
}

describe('the relay, operated, on SQLite', () => {
  operations(async () => undefined, 'single instance');
});

describeWith('postgres', 'the relay, operated, on PostgreSQL', () => {
  let cluster: PgCluster;
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    cluster = await startPgCluster();
  });
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });
  afterAll(async () => {
    await cluster?.close();
  });

  operations(async () => {
    database = await cluster.createDatabase();
    return database.url;
  }, 'listening');

  it('answers a webhook 503 while PostgreSQL is down, and is not ready; the retry after the restart is recorded', async () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 3, 10, 0, 0));
    database = await cluster.createDatabase();
    const world = await startWorld({ clock, ledger: database.url });
    try {
      const [alice] = world.users as [SimUser];
      const device = newDeviceIdentity();
      await enrollAs(world, device, alice);
      const body = deauthorizationBody(alice, 'sig-1', clock.now());
      const post = () => postWebhook(world.relay.url, body, Math.floor(clock.now() / 1000));

      await cluster.stop();
      try {
        const refused = await post();
        expect(refused.status).toBe(503);
        expect(refused.body).toEqual({ error: { code: 'UNAVAILABLE', message: 'the ledger is unreachable; try again' } });
        const ready = await get(`${world.relay.url}/readyz`);
        expect(ready.status).toBe(503);
        expect(JSON.parse(ready.text)).toMatchObject({ ready: false, ledger: 'unreachable' });
        expect(sample((await get(`${world.relay.url}/metrics`)).text, 'callvault_relay_ledger_up')).toBe(0);
      } finally {
        await cluster.start();
      }
      // Zoom retries the same event (a fresh timestamp and signature, the same payload).
      await clock.advance(60_000);
      expect((await post()).status).toBe(200);
      const record = await adminGet<{ devices: { deviceId: string; status: string }[] }>(world, `/v1/compliance/${alice.accountId}/${alice.userId}`);
      expect(record.body.devices).toEqual([expect.objectContaining({ deviceId: device.deviceId, status: 'pending' })]);
    } finally {
      await world.close();
    }
  });
});
