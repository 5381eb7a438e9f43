import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { LEDGER_MIGRATIONS } from '../../src/relay/schema.js';
import { openSqliteLedger } from '../../src/relay/sqliteLedger.js';
import { must } from './fixture.js';

describe('the SQLite ledger file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('brings a version-1 relay.db forward, keeping its devices and deauthorizations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cv-ledger-'));
    dirs.push(dir);
    const file = join(dir, 'relay.db');
    const old = new Database(file);
    old.exec(LEDGER_MIGRATIONS[0]!.sql);
    old.pragma('user_version = 1');
    old.prepare(`INSERT INTO devices VALUES ('d1', 'key', 'hash', 1)`).run();
    old.prepare(`INSERT INTO device_users (device_id, zoom_account_id, zoom_user_id, status, enrolled_at) VALUES ('d1', 'a', 'u', 'active', 1)`).run();
    old.prepare(`INSERT INTO deauthorizations VALUES ('k', 'a', 'u', 5, 'null', 6, NULL)`).run();
    old.close();

    const { ledger } = must(openSqliteLedger(file));
    try {
      expect(await ledger.compliance({ zoomAccountId: 'a', zoomUserId: 'u' })).toMatchObject({ deauthorizedAt: 5, heldNotices: 0, devices: [{ deviceId: 'd1', status: 'active' }] });
      const held = await ledger.recordZoomEvent({ zoomAccountId: 'a', zoomUserId: 'u', eventKey: 'e', event: 'meeting.ended', eventTs: 7, object: {}, receivedAt: 8 });
      expect(held?.map((h) => h.deviceId)).toEqual(['d1']);
    } finally {
      await ledger.close();
    }
  });

  it('brings a version-3 relay.db forward, keeping its unusable events, their bodies and their order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cv-ledger-'));
    dirs.push(dir);
    const file = join(dir, 'relay.db');
    const old = new Database(file);
    for (const m of LEDGER_MIGRATIONS.filter((m) => m.version <= 3)) old.exec(m.sql);
    old.pragma('user_version = 3');
    const insert = old.prepare('INSERT INTO unusable_events (id, received_at, event, problem, body) VALUES (?, ?, ?, ?, ?)');
    insert.run('second', 10, null, 'not a Zoom event', '"x"');
    insert.run('first', 5, 'meeting.ended', 'no host', '{"event":"meeting.ended"}');
    insert.run('tie', 10, null, 'not a Zoom event', '"y"');
    old.close();

    const { ledger, schema } = must(openSqliteLedger(file));
    try {
      expect(schema).toEqual({ from: 3, to: LEDGER_MIGRATIONS.at(-1)?.version });
      expect((await ledger.unusableEvents()).map((e) => [e.id, e.body, e.bodyDroppedAt])).toEqual([
        ['first', '{"event":"meeting.ended"}', null],
        ['second', '"x"', null],
        ['tie', '"y"', null],
      ]);
    } finally {
      await ledger.close();
    }
  });
});
