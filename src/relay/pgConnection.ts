import pg from 'pg';
import { LedgerUnavailableError } from './ledger.js';

// How the relay connects to PostgreSQL: the settings every connection shares, a description of the
// server that never shows the password, and which failures mean "the database is unreachable".

/** The relay's tables live in their own schema, so a database shared with other software is safe. */
export const LEDGER_SCHEMA = 'callvault_relay';

/** A wipe must be answered within Zoom's 3 s webhook window, so a connection attempt gives up first. */
const CONNECT_TIMEOUT_MS = 2_000;
/** A query that hangs (a database frozen mid-failover) is abandoned and its connection discarded. */
const QUERY_TIMEOUT_MS = 10_000;
/** TCP keepalive finds a database host that vanished without closing the socket. */
const KEEPALIVE_MS = 10_000;

const INT8_OID = pg.types.builtins.INT8;

/** Times are milliseconds since the epoch in BIGINT columns: well inside a double's exact range. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export function connectionConfig(url: string, applicationName: string): pg.ClientConfig {
  return {
    connectionString: url,
    options: `-c search_path=${LEDGER_SCHEMA}`,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_MS,
    types,
  };
}

/** host:port/database: for messages and logs (the URL may hold a password). */
export function describeServer(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return 'the configured PostgreSQL server';
  }
}

// SQLSTATE classes that say the server cannot serve us now: connection exceptions, too many
// connections, and a server shutting down or starting up.
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0)/;

/** The SQLSTATE or the socket's error code, never a message (it could quote a value). */
export function pgErrorCode(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'connection lost';
}

/**
 * A failure from a pg call: the server's error about our SQL is a bug and stays as it is;
 * everything else (refused, reset, timed out, terminated, server shutting down) means the
 * database is unreachable for now.
 */
export function translatePgError(e: unknown, server: string): Error {
  if (e instanceof pg.DatabaseError && !UNAVAILABLE_SQLSTATE.test(e.code ?? '')) return e;
  return new LedgerUnavailableError(`PostgreSQL at ${server} is unreachable (${pgErrorCode(e)})`);
}
