// A throwaway PostgreSQL cluster for the tests and the benchmark: `initdb` and `pg_ctl` into a
// temporary folder, on a free loopback port, trust authentication on loopback only. It runs as the
// `postgres` user when we are root (PostgreSQL refuses to run as root; CI runs as root), as the
// current user otherwise. close() stops it and removes the folder; a process that exits without
// close() still stops its server. The binaries come from scripts/components.mjs ('postgres').
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { postgresBinDir } from './components.mjs';

const run = promisify(execFile);
const asPostgres = userInfo().uid === 0;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** argv that runs `program` from `binDir` as the right user. */
function command(binDir, program, args) {
  const path = join(binDir, program);
  return asPostgres ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

/**
 * Starts a cluster. `settings`: extra server settings (name -> value), e.g. { max_connections: 300 }.
 * fsync is off unless settings say otherwise: the data is thrown away at close().
 */
export async function startPgCluster(settings = {}) {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error('initdb and pg_ctl not found (Debian package postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'cv-pg-'));
  if (asPostgres) {
    const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const dataDir = join(dir, 'data');
  const port = await freePort();
  await run(...command(binDir, 'initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']));
  const all = { listen_addresses: '127.0.0.1', port, unix_socket_directories: dir, fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: 200, ...settings };
  const serverOptions = Object.entries(all)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  let running = false;
  const pgCtl = (...args) => run(...command(binDir, 'pg_ctl', ['-D', dataDir, ...args]));
  const start = async () => {
    await pgCtl('-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', serverOptions, 'start');
    running = true;
  };
  const stopNow = () => {
    if (running) execFileSync(...command(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
    running = false;
  };
  process.once('exit', stopNow);
  await start();

  const url = (database) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: url('postgres') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    url,
    async createDatabase() {
      const name = `t_${randomUUID().replaceAll('-', '_')}`;
      await admin(`CREATE DATABASE ${name}`);
      return { name, url: url(name), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
    },
    /** Fast shutdown: sessions are cut, as in a restart. */
    async stop() {
      await pgCtl('-m', 'fast', '-w', 'stop');
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
