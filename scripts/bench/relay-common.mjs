// What the relay benchmarks share: a relay in a child process of its own (so its memory is its
// own), signed deauthorization webhooks, and small measuring helpers. Runs against dist/.
import { createHmac, randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const SECRET = 'bench-webhook-secret';
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const ACCOUNT = 'bench-account';
const distUrl = pathToFileURL(join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'dist')).href;

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

/**
 * The relay in its own process; `options` are RelayOptions (dataDir, zoomApiUrl, and e.g. ledger,
 * keyFile). rss() asks it for its RSS after a full GC; kill() is SIGKILL.
 */
export async function startRelayProcess(options) {
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_DIST: distUrl, BENCH_RELAY: JSON.stringify({ webhookSecretToken: SECRET, adminToken: ADMIN_TOKEN, ...options }) },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const next = () =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`the relay exited (${code})`));
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m);
      });
      child.once('exit', onExit);
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
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send('close');
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export function deauthorization(userId) {
  const at = Date.now();
  return JSON.stringify({
    event: 'app_deauthorized',
    event_ts: at,
    payload: { account_id: ACCOUNT, user_id: userId, signature: randomUUID(), deauthorization_time: new Date(at).toISOString(), client_id: 'bench', user_data_retention: 'false' },
  });
}

/** Posts a signed webhook; resolves with the status (0 when the connection failed). */
export async function postWebhook(relayUrl, body) {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  try {
    const response = await fetch(`${relayUrl}/zoom/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': String(timestamp), 'x-zm-signature': signature },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

export async function inBatches(items, size, fn) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

export async function until(probe, what, timeoutMs = 120_000) {
  const started = performance.now();
  while (!probe()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

export const round = (ms) => Math.round(ms * 10) / 10;

/** A sample's value in a relay's /metrics text. */
export async function metric(relayUrl, series) {
  const text = await (await fetch(`${relayUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}
