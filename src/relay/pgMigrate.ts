import type pg from 'pg';
import { err, ok, type Result } from '../core/result.js';
import { loadMigrations, type Migration } from '../platform/sqlMigrations.js';
import type { SchemaChange } from './ledger.js';
import { LEDGER_SCHEMA, pgErrorCode } from './pgConnection.js';

// The numbered .sql files of src/relay/migrations/postgres, applied in order by whichever relay
// instance (or `callvault relay migrate`) gets there first.

let migrations: Migration[] | undefined;

export function postgresMigrations(): Migration[] {
  migrations ??= loadMigrations(new URL('./migrations/postgres/', import.meta.url));
  return migrations;
}

/** Held while migrating: instances starting together apply each migration once, one after another. */
const MIGRATION_LOCK = 0x63_76_6c_74; // "cvlt"

async function currentVersion(client: pg.ClientBase): Promise<number> {
  const result = await client.query<{ version: number }>(`SELECT COALESCE(MAX(version), 0)::int AS version FROM ${LEDGER_SCHEMA}.schema_migrations`);
  return result.rows[0]?.version ?? 0;
}

/**
 * Brings the ledger's schema up to the newest migration; each migration and its row in
 * schema_migrations commit together, so a failure leaves the schema at the last good version.
 * A schema newer than this code is refused: its tables may mean what this code cannot know.
 */
export async function migratePostgres(client: pg.ClientBase, server: string): Promise<Result<SchemaChange, string>> {
  const all = postgresMigrations();
  const latest = all.at(-1)?.version ?? 0;
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${LEDGER_SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${LEDGER_SCHEMA}.schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const from = await currentVersion(client);
    if (from > latest) return err(`the ledger at ${server} has schema version ${from}, newer than this relay knows (${latest}); update callvault`);
    for (const m of all) {
      if (m.version <= from) continue;
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL search_path TO ${LEDGER_SCHEMA}`);
        await client.query(m.sql);
        await client.query(`INSERT INTO ${LEDGER_SCHEMA}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        return err(`the ledger at ${server}: migration ${m.name} failed (${pgErrorCode(e)})`);
      }
    }
    return ok({ from, to: await currentVersion(client) });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
  }
}
