// A real PostgreSQL for the tests (component 'postgres': use describeWith), owned by the test file that starts it: `initdb` and `pg_ctl` into a
// temporary folder, on a free loopback port, trust authentication on loopback only. Run as the
// `postgres` user when the tests run as root (PostgreSQL refuses to run as root; CI runs as root),
// as the current user otherwise. Every test creates and drops its own database; close() stops the
// server and removes the folder.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { postgresBinDir } from '../../scripts/components.mjs';
import { newId } from '../../src/core/ids.js';
import { freePort } from '../relay/fixture.js';

const run = promisify(execFile);

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export interface PgCluster {
  port: number;
  url(database: string): string;
  /** A fresh, empty database. */
  createDatabase(): Promise<TestDatabase>;
  /** Stops the server (fast shutdown: sessions are cut, as in a restart). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const runAsPostgres = userInfo().uid === 0;

async function pgCommand(binDir: string, program: string, args: string[]): Promise<void> {
  const path = join(binDir, program);
  if (runAsPostgres) await run('runuser', ['-u', 'postgres', '--', path, ...args]);
  else await run(path, args);
}

export async function startPgCluster(): Promise<PgCluster> {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error('initdb and pg_ctl not found (Debian package postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'cv-pg-'));
  if (runAsPostgres) {
    const id = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(id), Number(gid));
  }
  const dataDir = join(dir, 'data');
  const port = await freePort();
  await pgCommand(binDir, 'initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  // fsync off: the tests restart the server cleanly or kill it with the data thrown away.
  const serverOptions = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  let running = false;
  const start = async (): Promise<void> => {
    await pgCommand(binDir, 'pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', serverOptions, 'start']);
    running = true;
  };
  const stopNow = (): void => {
    if (running) execFileSync(runAsPostgres ? 'runuser' : join(binDir, 'pg_ctl'), [...(runAsPostgres ? ['-u', 'postgres', '--', join(binDir, 'pg_ctl')] : []), '-D', dataDir, '-m', 'immediate', 'stop'], { stdio: 'ignore' });
    running = false;
  };
  // A test process that dies without its afterAll still leaves no server behind.
  process.once('exit', stopNow);
  await start();
  const url = (database: string): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url('postgres') });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    url,
    async createDatabase() {
      const name = `t_${newId().replaceAll('-', '_').toLowerCase()}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      return {
        name,
        url: url(name),
        drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
      };
    },
    async stop() {
      await pgCommand(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      running = false;
    },
    start,
    async close() {
      process.off('exit', stopNow);
      stopNow();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

