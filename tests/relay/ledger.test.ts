import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { silentLogger } from '../../src/platform/logger.js';
import { openPgLedger } from '../../src/relay/pgLedger.js';
import { openSqliteLedger } from '../../src/relay/sqliteLedger.js';
import { FakeClock } from '../../src/core/clock.js';
import { startPgCluster, type PgCluster } from '../../scripts/pgCluster.mjs';
import { describeWith } from '../helpers/realComponents.js';
import { must } from './fixture.js';
import { ledgerContract } from './ledgerContract.js';

describe('the ledger on SQLite', () => {
  ledgerContract({
    networked: false,
    async freshStore() {
      const dir = mkdtempSync(join(tmpdir(), 'cv-ledger-'));
      const file = join(dir, 'relay.db');
      return {
        open: async () => must(openSqliteLedger(file)),
        async setNewerSchema() {
          const db = new Database(file);
          db.pragma('user_version = 999');
          db.close();
        },
        dispose: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  });
});

describeWith('postgres', 'the ledger on PostgreSQL', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPgCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  ledgerContract({
    networked: true,
    async freshStore() {
      const database = await cluster.createDatabase();
      return {
        open: async () => must(await openPgLedger(database.url, { clock: new FakeClock(), log: silentLogger() })),
        async setNewerSchema() {
          const client = new pg.Client({ connectionString: database.url });
          await client.connect();
          await client.query('INSERT INTO callvault_relay.schema_migrations (version, name) VALUES (999, $1)', ['999_from_the_future.sql']);
          await client.end();
        },
        dispose: () => database.drop(),
      };
    },
  });
});
