// The relay's benchmark, run against the compiled code in dist/ (`npm run build` first):
//   node scripts/bench/relay-bench.mjs
// The relay runs in a child process (so its memory is its own); Zoom is a stub that answers
// /v2/users/me; devices are link clients (dist/link) whose onWipe puts a signed receipt in the
// outbox at once (the daemon's real wipe is measured elsewhere).
// 1. Latency: webhook sent -> the relay has stored the device's receipt (the receipt-ack reaches
//    the device, which the relay sends after the ledger commit), 100 trials on loopback.
// 2. Scale: 1,000 devices connected, all enrolled for one Zoom user: the relay's RSS per
//    connection, then one deauthorization fanned out to all and 1,000 receipts collected.
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { systemClock } from '../../dist/core/clock.js';
import { publicKeyToBase64, signReceipt } from '../../dist/core/receipt.js';
import { enrollDevice, startLink } from '../../dist/link/index.js';
import { silentLogger } from '../../dist/platform/logger.js';
import { printWhenRunDirectly } from './table.mjs';

const LATENCY_TRIALS = 100;
const FAN_OUT_DEVICES = 1_000;
const ENROLL_CONCURRENCY = 25;
const SECRET = 'bench-webhook-secret';
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const ACCOUNT = 'bench-account';
const distUrl = pathToFileURL(join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'dist')).href;

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

const CHILD = `
const { startRelay } = await import(process.env.BENCH_DIST + '/relay/index.js');
const options = JSON.parse(process.env.BENCH_RELAY);
const started = await startRelay(options);
if (!started.ok) { process.send({ error: started.error.message }); process.exit(1); }
const relay = started.value;
process.send({ url: relay.url, publicKey: relay.publicKey });
process.on('message', async (m) => {
  if (m === 'rss') { globalThis.gc(); globalThis.gc(); process.send({ rss: process.memoryUsage().rss }); }
  if (m === 'close') { await relay.close(); process.disconnect(); }
});
`;

/** The relay in its own process; `ask` sends a command and waits for the answer. */
async function startRelayProcess(dataDir, zoomApiUrl) {
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_DIST: distUrl, BENCH_RELAY: JSON.stringify({ dataDir, zoomApiUrl, webhookSecretToken: SECRET, adminToken: ADMIN_TOKEN }) },
  });
  const next = () => new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the relay exited (${code})`)));
  });
  const hello = await next();
  if (hello.error) throw new Error(hello.error);
  return {
    ...hello,
    pid: child.pid,
    rss: async () => {
      child.send('rss');
      return (await next()).rss;
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
    },
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}

function deauthorization(userId) {
  const at = Date.now();
  return JSON.stringify({
    event: 'app_deauthorized',
    event_ts: at,
    payload: { account_id: ACCOUNT, user_id: userId, signature: randomUUID(), deauthorization_time: new Date(at).toISOString(), client_id: 'bench', user_data_retention: 'false' },
  });
}

async function postWebhook(relayUrl, body) {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const response = await fetch(`${relayUrl}/zoom/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': String(timestamp), 'x-zm-signature': signature },
    body,
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`the webhook answered ${response.status}`);
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

async function inBatches(items, size, fn) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function until(probe, what, timeoutMs = 120_000) {
  const started = performance.now();
  while (!probe()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

const round = (ms) => Math.round(ms * 10) / 10;

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
      await postWebhook(relay.url, deauthorization(userId));
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
    await postWebhook(relay.url, deauthorization(userId));
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
  let relay;
  try {
    relay = await startRelayProcess(dir, zoom.url);
    const latency = await measureLatency(relay);
    const fanOut = await measureFanOut(relay, async () => {
      await relay.close();
      relay = await startRelayProcess(dir, zoom.url);
      return relay;
    });
    return [
      { name: `webhook -> receipt stored, p50 (${LATENCY_TRIALS} trials, loopback)`, value: round(percentile(latency, 0.5)), unit: 'ms' },
      { name: `webhook -> receipt stored, p99 (${LATENCY_TRIALS} trials, loopback)`, value: round(percentile(latency, 0.99)), unit: 'ms', target: '<= 250' },
      { name: `RSS per connected device (${FAN_OUT_DEVICES.toLocaleString('en')} devices)`, value: Math.round(fanOut.rssPerConnection / 102.4) / 10, unit: 'KiB' },
      { name: `webhook answered with ${FAN_OUT_DEVICES.toLocaleString('en')} devices to wipe`, value: round(fanOut.answeredMs), unit: 'ms', target: '<= 3000' },
      { name: `one wipe fanned out to ${FAN_OUT_DEVICES.toLocaleString('en')} devices, all receipts stored`, value: round(fanOut.fanOutMs), unit: 'ms' },
    ];
  } finally {
    try {
      await relay?.close();
    } finally {
      relay?.kill();
      await zoom.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

await printWhenRunDirectly(import.meta.url, 'relay', runRelayBench);
