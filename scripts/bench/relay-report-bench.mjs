// The auditor's report on a vendor's scale: 100,000 deauthorized users on PostgreSQL, each with a
// device of its own (its own enrolled key, as enrollment gives) that sent a signed receipt, reported
// by `callvault relay report --format csv` (every receipt's signature checked against its device's
// key). The ledger's tables are filled directly (the report is what is
// measured); the report runs in a child process so that its peak RSS is its own.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { publicKeyToBase64, signReceipt } from '../../dist/core/receipt.js';
import { systemClock } from '../../dist/core/clock.js';
import { silentLogger } from '../../dist/platform/logger.js';
import { openLedger } from '../../dist/relay/ledgerSpec.js';
import { ACCOUNT, ADMIN_TOKEN, SECRET, round } from './relay-common.mjs';

const USERS = 100_000;
const BATCH = 5_000;
const DAY_MS = 86_400_000;
const distUrl = pathToFileURL(join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'dist')).href;

// Counts what the report writes without keeping it, then says how long it took and its peak RSS.
const CHILD = `
const { runRelayCommand } = await import(process.env.BENCH_DIST + '/relay/index.js');
let bytes = 0, lines = 0;
const stdout = { write: (t) => { bytes += t.length; for (const c of t) if (c === '\\n') lines++; } };
const started = performance.now();
const code = await runRelayCommand(['report', '--config', process.env.BENCH_CONFIG, '--format', 'csv'], { stdout, stderr: process.stderr });
process.send({ code, lines, bytes, ms: performance.now() - started, maxRssKiB: process.resourceUsage().maxRSS });
`;

async function fill(url) {
  const opened = await openLedger({ engine: 'postgres', url }, { clock: systemClock, log: silentLogger() });
  if (!opened.ok) throw new Error(opened.error);
  await opened.value.ledger.close();
  const client = new pg.Client({ connectionString: url, options: '-c search_path=callvault_relay' });
  await client.connect();
  const now = Date.now();
  try {
    for (let from = 0; from < USERS; from += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, USERS - from) }, (_, j) => {
        const n = from + j;
        const deviceId = `report-device-${n}`;
        const zoomUserId = `report-user-${n}`;
        const commandId = randomUUID();
        const { privateKey, publicKey } = generateKeyPairSync('ed25519');
        const receivedAt = now - DAY_MS + n;
        const receipt = signReceipt(
          { v: 1, id: randomUUID(), deviceId, commandId, zoomAccountId: ACCOUNT, zoomUserId, reason: 'deauthorized', requestedAt: receivedAt + 5, completedAt: receivedAt + 9, filesRemoved: 3, bytesRemoved: 4096, verified: true },
          privateKey,
        );
        return { deviceId, zoomUserId, commandId, receivedAt, receipt, eventKey: `report-event-${n}`, devicePublicKey: publicKeyToBase64(publicKey) };
      });
      const col = (f) => rows.map(f);
      await client.query('BEGIN');
      await client.query(`INSERT INTO devices SELECT d, k, 'h-' || d, $3 FROM unnest($1::text[], $2::text[]) AS x (d, k)`, [
        col((r) => r.deviceId),
        col((r) => r.devicePublicKey),
        now - 30 * DAY_MS,
      ]);
      await client.query(
        `INSERT INTO device_users (device_id, zoom_account_id, zoom_user_id, status, enrolled_at, lease_deadline, lease_issued_at, receipt_id)
         SELECT d, $3, u, 'wiped', $4::bigint, $4::bigint + ${7 * DAY_MS}, $4::bigint, r FROM unnest($1::text[], $2::text[], $5::text[]) AS x (d, u, r)`,
        [col((r) => r.deviceId), col((r) => r.zoomUserId), ACCOUNT, now - 2 * DAY_MS, col((r) => r.receipt.id)],
      );
      await client.query(
        `INSERT INTO deauthorizations (event_key, zoom_account_id, zoom_user_id, deauthorized_at, user_data_retention, received_at, cloud_copy_deleted_at)
         SELECT e, $3, u, t, 'false', t, t + 1 FROM unnest($1::text[], $2::text[], $4::bigint[]) AS x (e, u, t)`,
        [col((r) => r.eventKey), col((r) => r.zoomUserId), ACCOUNT, col((r) => r.receivedAt)],
      );
      await client.query(
        `INSERT INTO commands (command_id, device_id, zoom_account_id, zoom_user_id, event_key, issued_at, signed, state, receipt_id)
         SELECT c, d, $4, u, e, t, '{}', 'done', r FROM unnest($1::text[], $2::text[], $3::text[], $5::text[], $6::bigint[], $7::text[]) AS x (c, d, u, e, t, r)`,
        [col((r) => r.commandId), col((r) => r.deviceId), col((r) => r.zoomUserId), ACCOUNT, col((r) => r.eventKey), col((r) => r.receivedAt), col((r) => r.receipt.id)],
      );
      await client.query(
        `INSERT INTO receipts (device_id, receipt_id, zoom_account_id, zoom_user_id, command_id, reason, received_at, signed)
         SELECT d, r, $3, u, c, 'deauthorized', t, s FROM unnest($1::text[], $2::text[], $4::text[], $5::text[], $6::bigint[], $7::text[]) AS x (d, r, u, c, t, s)`,
        [col((r) => r.deviceId), col((r) => r.receipt.id), ACCOUNT, col((r) => r.zoomUserId), col((r) => r.commandId), col((r) => r.receivedAt + 10), col((r) => JSON.stringify(r.receipt))],
      );
      await client.query('COMMIT');
    }
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

export async function runRelayReportBench(cluster, dir) {
  const database = await cluster.createDatabase();
  await fill(database.url);
  const config = join(dir, 'report-relay.json');
  writeFileSync(config, JSON.stringify({ webhookSecretToken: SECRET, adminToken: ADMIN_TOKEN, ledger: database.url }));
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_DIST: distUrl, BENCH_CONFIG: config },
  });
  const result = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the report exited (${code})`)));
  });
  child.disconnect();
  if (result.code !== 0 || result.lines !== USERS + 1) throw new Error(`the report exited ${result.code} after ${result.lines} lines`);
  await database.drop();
  return [
    { name: `auditor's report, ${USERS.toLocaleString('en')} deauthorized users (PostgreSQL, CSV, a key per device, every signature checked): time`, value: round(result.ms / 1000), unit: 's' },
    { name: `auditor's report, ${USERS.toLocaleString('en')} deauthorized users: peak RSS of the process`, value: Math.round(result.maxRssKiB / 1024), unit: 'MiB' },
  ];
}
