import { join, resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import type { OpenedLedger } from './ledger.js';
import { openPgLedger } from './pgLedger.js';
import { openSqliteLedger } from './sqliteLedger.js';

// The config's "ledger": "sqlite:<path>" (the embedded default, one relay) or "postgres://…" (any
// number of relay instances sharing one database).

export type LedgerSpec = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string };

export function defaultLedgerSpec(dataDir: string): LedgerSpec {
  return { engine: 'sqlite', file: join(dataDir, 'relay.db') };
}

/** A relative SQLite path is taken from the working directory. */
export function parseLedgerSpec(text: string): Result<LedgerSpec, string> {
  if (text.startsWith('sqlite:')) {
    const file = text.slice('sqlite:'.length);
    return file ? ok({ engine: 'sqlite', file: resolve(file) }) : err('ledger: sqlite: needs a file path, e.g. sqlite:/var/lib/callvault/relay.db');
  }
  if (/^postgres(ql)?:\/\//.test(text)) {
    try {
      new URL(text);
    } catch {
      return err('ledger: the postgres:// URL cannot be parsed');
    }
    return ok({ engine: 'postgres', url: text });
  }
  return err('ledger must be "sqlite:<path>" or a "postgres://user:password@host:port/database" URL');
}

export interface OpenLedgerOptions {
  clock: Clock;
  log: Logger;
}

/** Opens the ledger and brings its schema up to date (every start does; so does `callvault relay migrate`). */
export async function openLedger(spec: LedgerSpec, o: OpenLedgerOptions): Promise<Result<OpenedLedger, string>> {
  return spec.engine === 'sqlite' ? openSqliteLedger(spec.file) : openPgLedger(spec.url, o);
}
