import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Numbered `.sql` migration files, shared by the local stores (SQLite) and the relay's PostgreSQL
// ledger: each engine applies them its own way.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE_PATTERN = /^(\d{3})_[a-z0-9_]+\.sql$/;

/**
 * Reads the numbered `.sql` files of one schema, in order. They ship beside the compiled module,
 * so a gap or a duplicate number is a packaging bug and throws.
 */
export function loadMigrations(dir: URL): Migration[] {
  const path = fileURLToPath(dir);
  const migrations = readdirSync(path)
    .map((name) => ({ name, match: FILE_PATTERN.exec(name) }))
    .filter((f) => f.match !== null)
    .map((f) => ({ version: Number(f.match?.[1]), name: f.name, sql: readFileSync(join(path, f.name), 'utf8') }))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations in ${path} are not numbered 001, 002, ... (found ${m.name} at position ${i + 1})`);
  });
  if (migrations.length === 0) throw new Error(`no migrations in ${path}`);
  return migrations;
}
