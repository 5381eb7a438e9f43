// Many relay instances on one PostgreSQL, as real processes (the compiled dist/, built by npm test):
// a wipe recorded anywhere reaches the device wherever it is connected; one Zoom event at two
// instances at once gives one command per device; an instance SIGKILLed loses nothing; PostgreSQL
// restarted under load answers 5xx (never 200) meanwhile and every wipe still arrives after.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { loadOrCreateRelayKey } from '../../src/relay/keys.js';
import { startSimulator, type Simulator, type SimUser } from '../../src/sim/index.js';
import { startPgCluster, type PgCluster, type TestDatabase } from '../../scripts/pgCluster.mjs';
import { describeWith } from '../helpers/realComponents.js';
import { ADMIN_TOKEN, SECRET, deauthorizationBody, must, postWebhook, waitFor, type HttpAnswer } from './fixture.js';
import { LinkDevice, TcpBalancer, spawnRelay, type RelayProcess } from './instances.js';

interface ReportJson {
  items: { zoomUserId: string; devices: { deviceId: string; outcome: string; signatureVerified: boolean | null }[] }[];
  next: string | null;
}

async function get<T>(url: string, token = ADMIN_TOKEN): Promise<HttpAnswer<T>> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as T };
}

describeWith('postgres', 'many relay instances on one PostgreSQL', () => {
  let cluster: PgCluster;
  let database: TestDatabase;
  let dir: string;
  let configFile: string;
  let sim: Simulator;
  let users: SimUser[];
  const relays: RelayProcess[] = [];
  const devices: LinkDevice[] = [];
  let balancer: TcpBalancer | undefined;

  beforeAll(async () => {
    cluster = await startPgCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  async function setUp(userCount: number): Promise<void> {
    database = await cluster.createDatabase();
    dir = mkdtempSync(join(tmpdir(), 'cv-instances-'));
    sim = await startSimulator({ accounts: [{ plan: 'pro', users: Array.from({ length: userCount }, () => ({})) }] });
    users = sim.admin.users();
    // One signing key for every instance: devices pin one relay key.
    const keyFile = join(dir, 'relay-key.pem');
    must(loadOrCreateRelayKey(keyFile));
    configFile = join(dir, 'relay.json');
    writeFileSync(configFile, JSON.stringify({ webhookSecretToken: SECRET, adminToken: ADMIN_TOKEN, zoomApiUrl: sim.url, ledger: database.url, keyFile }));
  }

  async function startInstances(count: number): Promise<RelayProcess[]> {
    const started = await Promise.all(Array.from({ length: count }, (_, i) => spawnRelay(configFile, join(dir, `instance-${i}`))));
    relays.push(...started);
    expect(new Set(started.map((r) => r.publicKey)).size).toBe(1);
    return started;
  }

  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.stop()));
    await balancer?.close();
    balancer = undefined;
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await sim.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function enroll(via: RelayProcess, user: SimUser): Promise<LinkDevice> {
    const device = await LinkDevice.enroll(sim, via.url, via.publicKey, user);
    devices.push(device);
    return device;
  }

  async function deauthorize(relayUrl: string, user: SimUser, signature = `sig-${user.userId}`): Promise<HttpAnswer> {
    return postWebhook(relayUrl, deauthorizationBody(user, signature, Date.now()), Math.floor(Date.now() / 1000));
  }

  /** Zoom's delivery: the event again (fresh timestamp and signature) at the next instance until one answers 200. */
  async function deliverLikeZoom(urls: () => string[], user: SimUser, answers: number[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const targets = urls();
      const url = targets[attempt % targets.length] ?? '';
      const status = await deauthorize(url, user).then(
        (a) => a.status,
        () => 0,
      );
      answers.push(status);
      if (status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function pendingAt(relay: RelayProcess): Promise<unknown[]> {
    return (await get<{ items: unknown[] }>(`${relay.url}/v1/compliance?status=pending`)).body.items;
  }

  it('a notice and a wipe recorded at one instance reach a device held by another; one Zoom event at two instances at once gives one command per device', async () => {
    await setUp(2);
    const [a, b] = await startInstances(2);
    if (!a || !b) throw new Error('instances');
    const [alice, bob] = users as [SimUser, SimUser];
    const onA = await enroll(a, alice);
    const onB = [await enroll(b, alice), await enroll(a, alice)];
    const bobsOnB = await enroll(a, bob);
    onA.connect(a.url);
    for (const d of [...onB, bobsOnB]) d.connect(b.url);
    await Promise.all(devices.map((d) => d.waitOnline()));

    // Bob's only device is held by b; his meeting's end, then his deauthorization, arrive at a.
    const meetingEnded = JSON.stringify({ event: 'meeting.ended', event_ts: Date.now(), payload: { account_id: bob.accountId, object: { uuid: 'm-1', id: 1, host_id: bob.userId } } });
    expect((await postWebhook(a.url, meetingEnded, Math.floor(Date.now() / 1000))).status).toBe(200);
    await waitFor(() => bobsOnB.notices.length === 1, "bob's notice at b");
    await waitFor(async () => (await get<{ heldNotices: number }>(`${a.url}/v1/compliance/${bob.accountId}/${bob.userId}`)).body.heldNotices === 0, 'the notice acked');
    expect((await deauthorize(a.url, bob)).status).toBe(200);
    await bobsOnB.waitStored();

    // Zoom's delivery of one event reaching two instances at the same moment.
    const body = deauthorizationBody(alice, 'sig-alice', Date.now());
    const timestamp = Math.floor(Date.now() / 1000);
    const answers = await Promise.all([postWebhook(a.url, body, timestamp), postWebhook(b.url, body, timestamp)]);
    expect(answers.map((x) => x.status)).toEqual([200, 200]);
    await Promise.all([onA, ...onB].map((d) => d.waitStored()));
    for (const d of [onA, ...onB, bobsOnB]) expect(new Set(d.wipes).size).toBe(1);

    const report = (await get<ReportJson>(`${b.url}/v1/report`)).body;
    expect(report.items.map((i) => [i.zoomUserId, i.devices.length])).toEqual([
      [bob.userId, 1],
      [alice.userId, 3],
    ]);
    expect(report.items.flatMap((i) => i.devices.map((d) => [d.outcome, d.signatureVerified]))).toEqual(Array.from({ length: 4 }, () => ['wiped', true]));
    expect(await pendingAt(a)).toEqual([]);
  });

  it('SIGKILL of an instance: its devices reconnect to the others and no pending wipe is lost', async () => {
    await setUp(6);
    const instances = await startInstances(3);
    balancer = await TcpBalancer.start(instances.map((r) => r.port));
    const [a, , c] = instances as [RelayProcess, RelayProcess, RelayProcess];
    const all: LinkDevice[] = [];
    for (const user of users) all.push(await enroll(a, user));
    // Connected one at a time through the round-robin: two devices on each instance.
    for (const device of all) {
      device.connect(balancer.url);
      await device.waitOnline();
    }
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toMatch(/^callvault_relay_devices_connected 2$/m);

    // Three deauthorizations recorded at c, which dies right after answering them; three more
    // arrive at a while c's devices are still finding another instance.
    for (const user of users.slice(0, 3)) expect((await deauthorize(c.url, user)).status).toBe(200);
    await c.sigkill();
    for (const user of users.slice(3)) expect((await deauthorize(a.url, user)).status).toBe(200);

    await Promise.all(all.map((d) => d.waitStored()));
    await Promise.all(all.map((d) => d.waitOnline()));
    expect(await pendingAt(a)).toEqual([]);
    const report = (await get<ReportJson>(`${a.url}/v1/report`)).body;
    expect(report.items.flatMap((i) => i.devices.map((d) => d.outcome))).toEqual(Array.from({ length: 6 }, () => 'wiped'));
  });

  it('PostgreSQL restarted under load: webhooks meanwhile are answered 5xx, never 200; instances reconnect and every wipe arrives', async () => {
    await setUp(6);
    const instances = await startInstances(2);
    const [a, b] = instances as [RelayProcess, RelayProcess];
    const all: LinkDevice[] = [];
    for (const [i, user] of users.entries()) {
      const device = await enroll(a, user);
      device.connect((i % 2 === 0 ? a : b).url);
      all.push(device);
    }
    await Promise.all(all.map((d) => d.waitOnline()));

    await cluster.stop();
    const answers: number[] = [];
    let deliveries: Promise<void>[];
    try {
      for (const relay of instances) await waitFor(async () => (await fetch(`${relay.url}/readyz`)).status === 503, 'not ready while the database is down');
      // Zoom keeps delivering while the database is down; each event is retried until a 200.
      deliveries = users.map((user) => deliverLikeZoom(() => instances.map((r) => r.url), user, answers));
      await waitFor(() => answers.length >= users.length, 'every event refused once');
    } finally {
      await cluster.start();
    }
    await Promise.all(deliveries);
    expect(answers.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(answers.filter((s) => s === 200)).toHaveLength(users.length);
    for (const relay of instances) await waitFor(async () => (await fetch(`${relay.url}/readyz`)).status === 200, 'ready again');

    await Promise.all(all.map((d) => d.waitStored()));
    expect(await pendingAt(b)).toEqual([]);
    const report = (await get<ReportJson>(`${b.url}/v1/report`)).body;
    expect(report.items.map((i) => [i.devices.length, i.devices[0]?.outcome])).toEqual(Array.from({ length: users.length }, () => [1, 'wiped']));
  });
});
