// The relay's benchmark, run against the compiled code in dist/ (`npm run build` first):
//   node scripts/bench/relay-bench.mjs
// The relay runs in a child process (so its memory is its own); Zoom is a stub that answers
// /v2/users/me; devices are link clients (dist/link) whose onWipe puts a signed receipt in the
// outbox at once (the daemon's real wipe is measured elsewhere).
// 1. Latency: webhook sent -> the relay has stored the device's receipt (the receipt-ack reaches
//    the device, which the relay sends after the ledger commit), 100 trials on loopback, once on
//    SQLite and once on PostgreSQL (one instance each).
// 2. Fan-out: 1,000 devices connected, all enrolled for one Zoom user: the relay's RSS per
//    connection, then one deauthorization fanned out to all and 1,000 receipts collected.
// 3. Many instances on PostgreSQL (relay-scale-bench.mjs).
// 4. The auditor's report over 100,000 users (relay-report-bench.mjs).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../dist/core/clock.js';
import { publicKeyToBase64, signReceipt } from '../../dist/core/receipt.js';
import { enrollDevice, startLink } from '../../dist/link/index.js';
import { silentLogger } from '../../dist/platform/logger.js';
import { startPgCluster } from '../pgCluster.mjs';
import { ACCOUNT, deauthorization, inBatches, percentile, postWebhook, round, startRelayProcess, until } from './relay-common.mjs';
import { runRelayReportBench } from './relay-report-bench.mjs';
import { runRelayScaleBench } from './relay-scale-bench.mjs';
import { printWhenRunDirectly } from './table.mjs';

const LATENCY_TRIALS = 100;
const FAN_OUT_DEVICES = 1_000;
const ENROLL_CONCURRENCY = 25;

/** Zoom's /v2/users/me for bearer `tok-<userId>`: who the token belongs to. */
async function startZoomStub() {
  const server = createServer((req, res) => {
    const match = /^Bearer tok-(\S+)$/.exec(req.headers.authorization ?? '');
    if (req.url !== '/v2/users/me' || !match) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":124,"message":"Invalid access token."}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: match[1], account_id: ACCOUNT }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function checkedPost(relayUrl, body) {
  const status = await postWebhook(relayUrl, body);
  if (status !== 200) throw new Error(`the webhook answered ${status}`);
}

/** A device: its key, its accounts, an outbox that its onWipe fills at once, and its link. */
function newDevice() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { deviceId: randomUUID(), privateKey, publicKey: publicKeyToBase64(publicKey), credential: null, accounts: [], outbox: new Map(), onAck: () => {} };
}

async function enroll(relay, device, userId) {
  const enrolled = await enrollDevice({
    relayUrl: relay.url,
    relayPublicKey: relay.publicKey,
    zoomAccessToken: `tok-${userId}`,
    deviceId: device.deviceId,
    devicePublicKey: device.publicKey,
    credential: device.credential,
  });
  if (!enrolled.ok) throw new Error(`enrollment failed: ${enrolled.error.kind}`);
  device.credential ??= enrolled.value.credential;
  device.accounts.push({ zoomAccountId: ACCOUNT, zoomUserId: userId, state: 'ready', leaseDeadline: null });
}

function connect(relay, device) {
  return startLink({
    relayUrl: relay.url,
    relayPublicKey: relay.publicKey,
    deviceId: device.deviceId,
    credential: () => device.credential,
    accounts: () => device.accounts,
    onLease: () => {},
    onWipe: async (command) => {
      const now = Date.now();
      const receipt = signReceipt(
        { v: 1, id: randomUUID(), deviceId: device.deviceId, commandId: command.commandId, zoomAccountId: command.zoomAccountId, zoomUserId: command.zoomUserId,
          reason: command.reason, requestedAt: now, completedAt: now, filesRemoved: 1, bytesRemoved: 4096, verified: true },
        device.privateKey,
      );
      device.outbox.set(receipt.id, receipt);
    },
    outbox: {
      unacked: () => [...device.outbox.values()],
      ack: (id) => {
        device.outbox.delete(id);
        device.onAck(id);
      },
    },
    clock: systemClock,
    log: silentLogger(),
  });
}

/** One device enrolled for LATENCY_TRIALS users; trial n deauthorizes user n. */
async function measureLatency(relay) {
  const device = newDevice();
  const users = Array.from({ length: LATENCY_TRIALS }, (_, n) => `latency-user-${n}`);
  for (const userId of users) await enroll(relay, device, userId);
  const link = connect(relay, device);
  try {
    await until(() => link.state === 'online', 'the latency device online');
    const samples = [];
    for (const userId of users) {
      const acked = new Promise((resolve) => {
        device.onAck = resolve;
      });
      const started = performance.now();
      await checkedPost(relay.url, deauthorization(userId));
      await acked;
      samples.push(performance.now() - started);
    }
    return samples;
  } finally {
    await link.stop();
  }
}

/**
 * Enrolls the devices, then restarts the relay on the same ledger so that the memory the
 * enrollments churned through does not hide what the connections hold.
 */
async function measureFanOut(enrolling, restart) {
  const userId = 'fan-out-user';
  const devices = Array.from({ length: FAN_OUT_DEVICES }, newDevice);
  await inBatches(devices, ENROLL_CONCURRENCY, (device) => enroll(enrolling, device, userId));
  const relay = await restart();
  const rssBefore = await relay.rss();
  const links = devices.map((device) => connect(relay, device));
  try {
    await until(() => links.every((l) => l.state === 'online'), `${FAN_OUT_DEVICES} devices online`);
    const rssAfter = await relay.rss();
    let acks = 0;
    for (const device of devices) device.onAck = () => (acks += 1);
    const started = performance.now();
    await checkedPost(relay.url, deauthorization(userId));
    const answeredMs = performance.now() - started;
    await until(() => acks === FAN_OUT_DEVICES, `${FAN_OUT_DEVICES} receipts`);
    return { rssPerConnection: (rssAfter - rssBefore) / FAN_OUT_DEVICES, answeredMs, fanOutMs: performance.now() - started };
  } finally {
    await Promise.all(links.map((l) => l.stop()));
  }
}

export async function runRelayBench() {
  const dir = mkdtempSync(join(tmpdir(), 'cv-bench-'));
  const zoom = await startZoomStub();
  const cluster = await startPgCluster();
  const relays = [];
  const started = async (options) => {
    const relay = await startRelayProcess({ zoomApiUrl: zoom.url, ...options });
    relays.push(relay);
    return relay;
  };
  try {
    // The same trials on each engine, one instance each, so the cost of the engine shows.
    const sqlite = await started({ dataDir: join(dir, 'sqlite') });
    const sqliteLatency = await measureLatency(sqlite);
    const database = await cluster.createDatabase();
    const postgres = await started({ dataDir: join(dir, 'postgres'), ledger: database.url });
    const postgresLatency = await measureLatency(postgres);
    await postgres.close();

    let relay = sqlite;
    const fanOut = await measureFanOut(relay, async () => {
      await relay.close();
      relay = await started({ dataDir: join(dir, 'sqlite') });
      return relay;
    });
    const latencyRows = [
      ['SQLite', sqliteLatency],
      ['PostgreSQL', postgresLatency],
    ].flatMap(([engine, samples]) => [
      { name: `webhook -> receipt stored, p50 (${LATENCY_TRIALS} trials, 1 instance, ${engine})`, value: round(percentile(samples, 0.5)), unit: 'ms' },
      { name: `webhook -> receipt stored, p99 (${LATENCY_TRIALS} trials, 1 instance, ${engine})`, value: round(percentile(samples, 0.99)), unit: 'ms', target: '<= 250' },
    ]);
    return [
      ...latencyRows,
      { name: `RSS per connected device (${FAN_OUT_DEVICES.toLocaleString('en')} devices, SQLite)`, value: Math.round(fanOut.rssPerConnection / 102.4) / 10, unit: 'KiB' },
      { name: `webhook answered with ${FAN_OUT_DEVICES.toLocaleString('en')} devices to wipe`, value: round(fanOut.answeredMs), unit: 'ms', target: '<= 3000' },
      { name: `one wipe fanned out to ${FAN_OUT_DEVICES.toLocaleString('en')} devices, all receipts stored`, value: round(fanOut.fanOutMs), unit: 'ms' },
      ...(await runRelayScaleBench(cluster, join(dir, 'scale'))),
      ...(await runRelayReportBench(cluster, dir)),
    ];
  } finally {
    try {
      await Promise.all(relays.map((r) => r.close()));
    } finally {
      await Promise.all(relays.map((r) => r.kill()));
      await cluster.close();
      await zoom.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

await printWhenRunDirectly(import.meta.url, 'relay', runRelayBench);
