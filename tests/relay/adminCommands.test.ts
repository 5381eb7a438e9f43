// `callvault relay migrate` and `callvault relay report`, on both engines.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { runRelayCommand } from '../../src/relay/index.js';
import type { Ledger, ZoomUser } from '../../src/relay/ledger.js';
import { openLedger, parseLedgerSpec } from '../../src/relay/ledgerSpec.js';
import { postgresMigrations } from '../../src/relay/pgMigrate.js';
import { LEDGER_MIGRATIONS } from '../../src/relay/schema.js';
import { DAY_MS, RelaySigner } from '../../src/relay/signer.js';
import { startPgCluster, type PgCluster, type TestDatabase } from '../../scripts/pgCluster.mjs';
import { describeWith } from '../helpers/realComponents.js';
import { ADMIN_TOKEN, SECRET, freePort, must, newDeviceIdentity, receiptFrom } from './fixture.js';

function capture() {
  const out: string[] = [];
  const errors: string[] = [];
  return { out, errors, io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => errors.push(t) } } };
}

interface ReportDocument {
  since: string;
  overdue: { count: number; devices: { deviceId: string; zoomUserId: string }[] };
  deauthorizations: { zoomUserId: string; devices: { deviceId: string; outcome: string; receiptId: string | null; signatureVerified: boolean | null }[] }[];
}

const user = (n: number): ZoomUser => ({ zoomAccountId: 'acct', zoomUserId: `user-${n}` });

function adminCommands(ledgerSetting: () => Promise<string | undefined>, schemaVersion: number): void {
  let dir: string;
  let configFile: string;
  let ledgerText: string | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cv-admin-'));
    ledgerText = await ledgerSetting();
    configFile = join(dir, 'relay.json');
    writeFileSync(configFile, JSON.stringify({ webhookSecretToken: SECRET, adminToken: ADMIN_TOKEN, ledger: ledgerText }));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (...args: string[]) => {
    const c = capture();
    const code = await runRelayCommand([...args, '--config', configFile, '--data-dir', dir], c.io);
    return { code, out: c.out.join(''), err: c.errors.join('') };
  };

  async function ledger(): Promise<Ledger> {
    const spec = ledgerText === undefined ? { engine: 'sqlite' as const, file: join(dir, 'relay.db') } : must(parseLedgerSpec(ledgerText));
    return must(await openLedger(spec, { clock: systemClock, log: silentLogger() })).ledger;
  }

  it('migrate brings a new ledger to the newest schema, then finds it current', async () => {
    expect(await run('migrate')).toEqual({ code: 0, out: `the ledger schema migrated from version 0 to ${schemaVersion}\n`, err: '' });
    expect(await run('migrate')).toEqual({ code: 0, out: `the ledger schema is current (version ${schemaVersion})\n`, err: '' });
  });

  it('report prints every deauthorization with each device as wiped (receipt, signature) or offline until its deadline; exit 3 and the alarm once a deadline passes', async () => {
    const now = Date.now();
    const signer = new RelaySigner(generateKeyPairSync('ed25519').privateKey, systemClock, 7 * DAY_MS);
    const l = await ledger();
    const wiped = newDeviceIdentity();
    const offline = newDeviceIdentity();
    try {
      for (const [device, u] of [
        [wiped, user(1)],
        [offline, user(2)],
      ] as const) {
        await l.addDevice({ deviceId: device.deviceId, publicKey: device.publicKey, credentialHash: `h-${device.deviceId}`, enrolledAt: now });
        await l.enrollUser(device.deviceId, u, now);
        await l.recordLease(signer.lease(device.deviceId, u).body);
      }
      const [command] = (await l.recordDeauthorization({ ...user(1), eventKey: 'ev-1', deauthorizedAt: now - 10, userDataRetention: false, receivedAt: now - 10 }, (t) => signer.wipe(t.deviceId, t, 'deauthorized'), now)) ?? [];
      if (!command) throw new Error('no command');
      const receipt = receiptFrom(wiped, { commandId: command.body.commandId, ...user(1), reason: 'deauthorized' });
      await l.recordReceipt(receipt, true, now);
      await l.recordDeauthorization({ ...user(2), eventKey: 'ev-2', deauthorizedAt: now - 5, userDataRetention: false, receivedAt: now - 5 }, (t) => signer.wipe(t.deviceId, t, 'deauthorized'), now);

      const json = await run('report');
      expect(json.code).toBe(0);
      const doc = JSON.parse(json.out) as ReportDocument;
      expect(doc.overdue).toEqual({ count: 0, devices: [] });
      expect(doc.deauthorizations.map((d) => [d.zoomUserId, d.devices.map((x) => [x.deviceId, x.outcome, x.receiptId, x.signatureVerified])])).toEqual([
        ['user-1', [[wiped.deviceId, 'wiped', receipt.id, true]]],
        ['user-2', [[offline.deviceId, 'offline', null, null]]],
      ]);

      const csv = await run('report', '--format', 'csv', '--since', new Date(now - 6).toISOString());
      expect(csv.code).toBe(0);
      const lines = csv.out.trimEnd().split('\r\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`,${offline.deviceId},`);
      expect(lines[1]).toMatch(/,offline,.*,"?offline; will self-wipe by \d{4}-\d\d-\d\dT[\d:.]+Z at the latest \(lease issued at [\d\-T:.]+Z\)"?$/);

      // The offline device's lease ran out a day ago and no receipt came: the alarm.
      await l.enrollUser(offline.deviceId, user(3), now);
      await l.recordLease({ ...signer.lease(offline.deviceId, user(3)).body, validUntil: now - DAY_MS });
      await l.recordDeauthorization({ ...user(3), eventKey: 'ev-3', deauthorizedAt: now - 2, userDataRetention: null, receivedAt: now - 2 }, (t) => signer.wipe(t.deviceId, t, 'deauthorized'), now);
      const alarm = await run('report', '--format', 'json');
      expect(alarm.code).toBe(3);
      expect(alarm.err).toBe('callvault relay report: ALARM: 1 device(s) past their self-wipe deadline without a receipt\n');
      expect((JSON.parse(alarm.out) as ReportDocument).overdue.devices).toEqual([expect.objectContaining({ deviceId: offline.deviceId, zoomUserId: 'user-3' })]);
    } finally {
      await l.close();
    }
  });

  it('report refuses a bad --since or --format with exit 2', async () => {
    expect(await run('report', '--since', 'last tuesday')).toMatchObject({ code: 2, err: expect.stringContaining('--since') });
    expect(await run('report', '--format', 'xml')).toMatchObject({ code: 2, err: expect.stringContaining('--format') });
  });
}

describe('callvault relay migrate and report, on SQLite', () => {
  adminCommands(async () => undefined, LEDGER_MIGRATIONS.length);

  it('a relay.db from before the report gets each command matched to the deauthorization that issued it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cv-admin-'));
    try {
      const file = join(dir, 'relay.db');
      const db = new Database(file);
      db.exec(LEDGER_MIGRATIONS[0]?.sql ?? '');
      db.pragma('user_version = 1');
      db.exec(`INSERT INTO devices VALUES ('dev-1', 'key', 'hash', 1);
        INSERT INTO device_users (device_id, zoom_account_id, zoom_user_id, status, enrolled_at, lease_deadline) VALUES ('dev-1', 'acct', 'user-1', 'pending', 1, 900);
        INSERT INTO deauthorizations VALUES ('ev-old', 'acct', 'user-1', 5, 'null', 10, NULL), ('ev-new', 'acct', 'user-1', 95, 'null', 100, NULL);
        INSERT INTO commands (command_id, device_id, zoom_account_id, zoom_user_id, issued_at, signed, state) VALUES
          ('cmd-old', 'dev-1', 'acct', 'user-1', 10, '{"body":{"reason":"deauthorized"}}', 'superseded'),
          ('cmd-admin', 'dev-1', 'acct', 'user-1', 50, '{"body":{"reason":"admin"}}', 'superseded'),
          ('cmd-new', 'dev-1', 'acct', 'user-1', 101, '{"body":{"reason":"deauthorized"}}', 'open');`);
      db.close();
      const ledger = must(await openLedger({ engine: 'sqlite', file }, { clock: systemClock, log: silentLogger() }));
      expect(ledger.schema).toEqual({ from: 1, to: LEDGER_MIGRATIONS.length });
      const entries = await ledger.ledger.deauthorizationReport({ since: 0, after: null, limit: 10 });
      await ledger.ledger.close();
      expect(entries.map((e) => [e.eventKey, e.commands.map((c) => c.commandId)])).toEqual([
        ['ev-old', ['cmd-old']],
        ['ev-new', ['cmd-new']],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWith('postgres', 'callvault relay migrate and report, on PostgreSQL', () => {
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

  adminCommands(async () => {
    database = await cluster.createDatabase();
    return database.url;
  }, postgresMigrations().length);

  it('names the server it cannot reach, never the password, and exits 1; a ledger setting it cannot use is exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cv-admin-'));
    try {
      const port = await freePort();
      const write = (ledger: string): string => {
        const file = join(dir, 'relay.json');
        writeFileSync(file, JSON.stringify({ webhookSecretToken: SECRET, adminToken: ADMIN_TOKEN, ledger }));
        return file;
      };
      const c = capture();
      expect(await runRelayCommand(['migrate', '--config', write(`postgres://relay:s3cret-pw@127.0.0.1:${port}/vault`)], c.io)).toBe(1);
      expect(c.errors.join('')).toBe(`callvault relay migrate: cannot reach PostgreSQL at 127.0.0.1:${port}/vault (ECONNREFUSED)\n`);
      const bad = capture();
      expect(await runRelayCommand(['migrate', '--config', write('mysql://somewhere')], bad.io)).toBe(2);
      expect(bad.errors.join('')).toContain('ledger');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
