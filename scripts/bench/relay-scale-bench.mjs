// The relay at a vendor's scale (issue 14): 3 relay instances (child processes) on one PostgreSQL,
// 10,000 lightweight devices (lightDevice.mjs: verify every wipe, answer with a signed receipt)
// spread over the instances, and deauthorizations posted round-robin to the instances, so two in
// three reach a device held by another instance (the wake goes through LISTEN/NOTIFY).
// 1. Paced: 1,000 deauthorizations at 100/s: webhook -> receipt stored, p50 and p99, overall and
//    for the webhook and the device on different instances.
// 2. Burst: 1,000 more, 50 in flight: deauthorizations per second end to end (receipt stored), and
//    PostgreSQL round trips per deauthorization (every query of every instance, from /metrics).
// 3. SIGKILL: 1,000 more at 100/s with one instance killed after the 500th: its devices reconnect
//    to the others; receipts stored (counted in the database), how long until the killed
//    instance's devices were all connected elsewhere, and until the last receipt.
// Devices are enrolled straight through the ledger (enrollment is not what is measured).
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { publicKeyFromBase64, publicKeyToBase64 } from '../../dist/core/receipt.js';
import { systemClock } from '../../dist/core/clock.js';
import { silentLogger } from '../../dist/platform/logger.js';
import { loadOrCreateRelayKey } from '../../dist/relay/keys.js';
import { openLedger } from '../../dist/relay/ledgerSpec.js';
import { LightDevice } from './lightDevice.mjs';
import { ACCOUNT, deauthorization, inBatches, metric, percentile, postWebhook, round, startRelayProcess, until } from './relay-common.mjs';

const INSTANCES = 3;
const DEVICES = 10_000;
const PER_PHASE = 1_000;
const PACED_PER_SECOND = 100;
const BURST_IN_FLIGHT = 50;
const SEED_CONCURRENCY = 32;
const CONNECT_BATCH = 250;

const userOf = (i) => `scale-user-${i}`;
/** A fixed permutation of the devices (7919 is prime to 10,000): each phase deauthorizes a different thousand. */
const deviceAt = (k) => (k * 7_919) % DEVICES;

async function seed(databaseUrl, devicePublicKey) {
  const opened = await openLedger({ engine: 'postgres', url: databaseUrl }, { clock: systemClock, log: silentLogger() });
  if (!opened.ok) throw new Error(opened.error);
  const { ledger } = opened.value;
  const credentials = Array.from({ length: DEVICES }, () => randomUUID());
  const now = Date.now();
  await inBatches(
    credentials.map((credential, i) => ({ credential, i })),
    SEED_CONCURRENCY,
    async ({ credential, i }) => {
      const deviceId = `scale-device-${i}`;
      await ledger.addDevice({ deviceId, publicKey: devicePublicKey, credentialHash: createHash('sha256').update(credential).digest('hex'), enrolledAt: now });
      await ledger.enrollUser(deviceId, { zoomAccountId: ACCOUNT, zoomUserId: userOf(i) }, now);
    },
  );
  await ledger.close();
  return credentials;
}

async function roundTrips(instances) {
  const counts = await Promise.all(instances.map((r) => metric(r.url, 'callvault_relay_ledger_round_trips_total')));
  return counts.reduce((a, b) => a + b, 0);
}

export async function runRelayScaleBench(cluster, dir) {
  const database = await cluster.createDatabase();
  const keyFile = join(dir, 'relay-key.pem');
  const key = loadOrCreateRelayKey(keyFile);
  if (!key.ok) throw new Error(key.error);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const credentials = await seed(database.url, publicKeyToBase64(publicKey));

  const instances = await Promise.all(
    Array.from({ length: INSTANCES }, (_, n) => startRelayProcess({ dataDir: join(dir, `instance-${n}`), zoomApiUrl: 'http://127.0.0.1:9', ledger: database.url, keyFile })),
  );
  const live = new Set(instances);
  let spread = 0;
  const anyLive = () => [...live][spread++ % live.size].url;
  const relayKey = publicKeyFromBase64(key.value.publicKeyBase64);
  const stored = new Map();
  const waiting = new Map();
  let greeted = 0;
  const greetedAt = new Array(DEVICES).fill(0);
  const devices = credentials.map(
    (credential, i) =>
      new LightDevice({
        deviceId: `scale-device-${i}`,
        credential,
        privateKey,
        relayKey,
        zoomUserId: userOf(i),
        nextUrl: anyLive,
        onGreeted: () => {
          greeted++;
          greetedAt[i] = performance.now();
        },
        onStored: (userId, at) => {
          stored.set(userId, at);
          waiting.get(userId)?.(at);
        },
      }),
  );

  try {
    const rssBefore = await Promise.all(instances.map((r) => r.rss()));
    for (let i = 0; i < DEVICES; i += CONNECT_BATCH) {
      for (const [j, d] of devices.slice(i, i + CONNECT_BATCH).entries()) d.connect(instances[(i + j) % INSTANCES].url);
      await until(() => greeted >= Math.min(DEVICES, i + CONNECT_BATCH), 'a batch of devices greeted');
    }
    await until(() => greeted >= DEVICES, `${DEVICES} devices greeted`);
    const rssAfter = await Promise.all(instances.map((r) => r.rss()));
    const rssPerDevice = rssAfter.reduce((sum, after, n) => sum + after - rssBefore[n], 0) / DEVICES;

    /** Posts event k of a phase; resolves with the latency to its receipt. Retries at another instance when one is gone. */
    const deliver = async (k, target) => {
      const i = deviceAt(k);
      const userId = userOf(i);
      const body = deauthorization(userId);
      const acked = new Promise((resolve) => waiting.set(userId, resolve));
      const started = performance.now();
      let url = target.url;
      for (;;) {
        const status = await postWebhook(url, body);
        if (status === 200) break;
        if (status !== 0 && status < 500) throw new Error(`the webhook answered ${status}`);
        url = anyLive();
      }
      const at = await acked;
      return { ms: at - started, cross: target !== instances[i % INSTANCES] };
    };

    // 1. Paced.
    const paced = [];
    const pacedStart = performance.now();
    await Promise.all(
      Array.from({ length: PER_PHASE }, async (_, k) => {
        await new Promise((resolve) => setTimeout(resolve, pacedStart + (k * 1000) / PACED_PER_SECOND - performance.now()));
        paced.push(await deliver(k, instances[k % INSTANCES]));
      }),
    );
    const all = paced.map((p) => p.ms);
    const cross = paced.filter((p) => p.cross).map((p) => p.ms);

    // 2. Burst.
    const tripsBefore = await roundTrips(instances);
    const burstStart = performance.now();
    let next = PER_PHASE;
    await Promise.all(
      Array.from({ length: BURST_IN_FLIGHT }, async () => {
        while (next < 2 * PER_PHASE) {
          const k = next++;
          await deliver(k, instances[k % INSTANCES]);
        }
      }),
    );
    const burstSeconds = (performance.now() - burstStart) / 1000;
    const tripsPerDeauthorization = ((await roundTrips(instances)) - tripsBefore) / PER_PHASE;

    // 3. SIGKILL of one instance in the middle.
    const victim = instances[INSTANCES - 1];
    let killedAt = 0;
    const killStart = performance.now();
    const phase = Array.from({ length: PER_PHASE }, (_, j) => 2 * PER_PHASE + j);
    await Promise.all(
      phase.map(async (k, j) => {
        await new Promise((resolve) => setTimeout(resolve, killStart + (j * 1000) / PACED_PER_SECOND - performance.now()));
        if (j === PER_PHASE / 2) {
          live.delete(victim);
          killedAt = performance.now();
          await victim.kill();
        }
        const preferred = instances[k % INSTANCES];
        await deliver(k, live.has(preferred) ? preferred : { url: anyLive() });
      }),
    );
    const lastReceipt = Math.max(...phase.map((k) => stored.get(userOf(deviceAt(k)))));
    const victimDevices = devices.map((_, i) => i).filter((i) => i % INSTANCES === INSTANCES - 1);
    await until(() => victimDevices.every((i) => greetedAt[i] > killedAt), "the killed instance's devices reconnected");
    const allReconnected = Math.max(...victimDevices.map((i) => greetedAt[i]));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const counted = await client.query('SELECT COUNT(*)::int AS n FROM callvault_relay.receipts WHERE zoom_user_id = ANY ($1)', [phase.map((k) => userOf(deviceAt(k)))]);
    await client.end();

    return [
      { name: `${INSTANCES} instances, ${DEVICES.toLocaleString('en')} devices: webhook -> receipt stored, p50 (${PER_PHASE.toLocaleString('en')} at ${PACED_PER_SECOND}/s)`, value: round(percentile(all, 0.5)), unit: 'ms' },
      { name: `${INSTANCES} instances: webhook -> receipt stored, p99 (all)`, value: round(percentile(all, 0.99)), unit: 'ms' },
      { name: `${INSTANCES} instances: webhook -> receipt stored, p99 (webhook and device on different instances, ${cross.length})`, value: round(percentile(cross, 0.99)), unit: 'ms', target: '<= 250' },
      { name: `${INSTANCES} instances: deauthorizations per second, receipt stored (${PER_PHASE.toLocaleString('en')}, ${BURST_IN_FLIGHT} in flight)`, value: Math.round(PER_PHASE / burstSeconds), unit: '/s' },
      { name: `${INSTANCES} instances: PostgreSQL round trips per deauthorization (all instances, receipt included)`, value: round(tripsPerDeauthorization), unit: '' },
      { name: `${INSTANCES} instances: relay RSS per connected device (${DEVICES.toLocaleString('en')} devices)`, value: Math.round(rssPerDevice / 102.4) / 10, unit: 'KiB' },
      { name: `SIGKILL of 1 of ${INSTANCES} instances mid-run: receipts stored of ${PER_PHASE.toLocaleString('en')}`, value: counted.rows[0].n, unit: '', target: `= ${PER_PHASE}` },
      { name: `SIGKILL: the killed instance's ${victimDevices.length.toLocaleString('en')} devices connected elsewhere, after the kill`, value: round(allReconnected - killedAt), unit: 'ms' },
      { name: `SIGKILL: the last receipt stored, after the kill (webhooks go on for ${PER_PHASE / 2 / PACED_PER_SECOND} s after it)`, value: round(lastReceipt - killedAt), unit: 'ms' },
    ];
  } finally {
    for (const d of devices) d.close();
    await Promise.all(instances.map((r) => (live.has(r) ? r.close() : undefined)));
    await Promise.all(instances.map((r) => r.kill()));
  }
}
