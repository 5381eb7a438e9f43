// The IPC benchmark, run against the compiled code in dist/ (`npm run build` first):
//   node scripts/bench/ipc-bench.mjs
// Every daemon here is the real one, `node bin/callvault.js daemon` under a private CALLVAULT_HOME,
// talking to the Zoom simulator (run in this process); every client is the real typed client.
// Every daemon is started with the command line the login services use (node options included).
// 1. Cold start (spawn to the first answered `status`) and idle RSS, on an empty home.
// 2. A daemon making a full sync of the simulator's 'year' dataset, then left alone with no client:
//    its RSS, and its CPU over 60 s (utime + stime from /proc/<pid>/stat).
// 3. On that daemon, `status` round trips (p50, p99, requests per second) next to a bare node-ipc
//    9.2.1 echo server (rawBuffer, newline framing) in a child process, in the same run: with the
//    bare client the echo is measured with (so that only the server differs), and with the typed
//    client. Then its cold start with the synced account.
// 4. A vault of 100,000 meetings and 1,000,000 participants (raw inserts into a vault the daemon
//    created), served by a daemon: meetings.list(limit 50) and search through IPC, next to the
//    same reads made directly on the vault file: one client; 20 concurrent clients each sending
//    requests at random moments (an open loop: how viewers use a daemon, and what latency they
//    see); and 20 clients each sending its next request the moment the last is answered (a closed
//    loop: the daemon's capacity). In a closed loop a request waits behind the other 19, so its
//    latency is about 20 / throughput whatever the server does (Little's law); the bare echo
//    server in the same loop shows that floor. meetings.list is also given as a ratio to the bare
//    echo server echoing the daemon's own page answers, both measured with the same bare client,
//    which parses every answer, in alternating rounds (issue 16: at most 2x, with 1 and with 20
//    clients; see listVersusEcho).
// 5. The same daemon read by the Python example client (examples/python), next to a bare Python
//    line client and a Python echo server (ipc_python_bench.py): status and meetings.list as ratios
//    to the echo of the same messages, so the cost of the envelope shows from outside Node too.
// The machine is shared: the output says how busy it was and with what.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectIpc } from '../../dist/ipc/client.js';
import { ipcEndpoint } from '../../dist/platform/instance.js';
import { callvaultLaunch, daemonCommand } from '../../dist/platform/serviceLaunch.js';
import { resolvePaths } from '../../dist/platform/paths.js';
import { FIRST_NAMES, LAST_NAMES } from '../../dist/sim/directory.js';
import { startSimulator } from '../../dist/sim/index.js';
import { openControl, openVault } from '../../dist/store/index.js';
import { homeKeys, keyedConnection, mustKey } from './keys.mjs';
import { printWhenRunDirectly } from './table.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [NODE, ...DAEMON_ARGS] = daemonCommand(callvaultLaunch());
const COLD_STARTS = 5;
// status and the echo in alternating short rounds: the machine's speed drifts (a shared VM), and
// each round's ratio compares neighbours in time. The ratio reported is the median of the rounds'.
const STATUS_ROUNDS = 12;
const STATUS_WARMUP = 100;
const STATUS_PER_ROUND = 500;
const THROUGHPUT_CLIENTS = 8;
const THROUGHPUT_REQUESTS = 20_000;
const IDLE_SECONDS = 60;
const LARGE_MEETINGS = 100_000;
const PARTICIPANTS_PER_MEETING = 10;
const BUILD_BATCH = 5_000;
const CONCURRENT_CLIENTS = 20;
const LIST_REQUESTS = 4_000;
const SEARCH_REQUESTS = 600;
// The open loop: each of the 20 clients lists 20 pages a second (400 a second in all), or runs 2
// searches a second (40 in all): far more than people clicking through viewers, well below capacity.
const LIST_RATE_PER_CLIENT = 20;
const LIST_PER_CLIENT = 100;
// meetings.list next to the echo of its answers: 1 client in alternating rounds, and 20 clients in
// alternating open loops (each a third of the open loop above); the echo cycles through this many
// real answers.
const LIST_ROUNDS = 8;
const LIST_WARMUP = 50;
const LIST_PER_ROUND = 300;
const OPEN_ROUNDS = 3;
const OPEN_PER_CLIENT = 34;
const ECHO_PAGES = 40;
const SEARCH_RATE_PER_CLIENT = 2;
const SEARCH_PER_CLIENT = 30;
const LIMIT = 50;
const DAY_MS = 86_400_000;
const TOPIC_WORDS = ['weekly', 'sync', 'planning', 'review', 'design', 'budget', 'hiring', 'roadmap', 'standup', 'retro', 'customer', 'onboarding', 'security', 'launch', 'quarterly', 'interview', 'demo', 'incident', 'training', 'offsite', 'pricing', 'release', 'research', 'partner'];
const SEARCHES = ['roadmap', 'budget review', 'kowalski', 'priya', 'tanaka yuki', 'onboard', 'quarterly plan', 'johans', 'incident retro', 'mei dubois'];
// Placement. A round trip between two processes on one core costs a context switch (about 15 µs
// here); between two cores it costs a cross-core wake-up (about 75 µs on this VM). Left to the
// scheduler, one series of a comparison can land on one core and the other on two: the ratio then
// measures the scheduler's mood (a status/echo ratio of 5 in one idle run, 1.2 in a loaded one).
// So with two cores or more, the measuring clients run on CPU 0 and every server (the daemon, the
// echo servers) on CPU 1: what a viewer and the daemon see on an idle desktop, the same for both
// sides of every ratio.
const PINNED = cpus().length >= 2 && (() => {
  try {
    execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const CLIENT_CPU = 0;
const SERVER_CPU = 1;

/** `command args` as spawn's arguments, run on `cpu` when pinning (taskset execs: the pid stays the command's). */
function onCpu(cpu, command, args) {
  return PINNED ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

// ---------------------------------------------------------------------------------------------
// Measuring

export function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

const round3 = (ms) => Math.round(ms * 1000) / 1000;
const ratio = (a, b) => Math.round((a / b) * 100) / 100;

/** Runs `request` `total` times spread over `clients` loops, each with one request in flight. */
async function load(clients, total, request) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (let n = next++; n < total; n = next++) {
        const t0 = performance.now();
        await request(client, n);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: total / seconds };
}

/**
 * Each of `series` (name: [client, request]) measured in turn, `rounds` times, each after a
 * warm-up: on a shared machine the speed drifts, and neighbours in time drift together.
 */
async function alternating(rounds, warmup, perRound, series) {
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const measured = {};
    for (const [name, [client, request]] of Object.entries(series)) {
      await load([client], warmup, request);
      measured[name] = await load([client], perRound, request);
    }
    results.push(measured);
  }
  return results;
}

/**
 * An open loop: each client sends `perClient` requests at random moments (exponential gaps averaging
 * 1 / `ratePerClient` s), whether or not its last one was answered, as independent viewers do.
 * Latency runs from sending to the answer.
 */
async function paced(clients, perClient, ratePerClient, request) {
  const latencies = [];
  const started = performance.now();
  let sent = 0;
  await Promise.all(
    clients.map(async (client) => {
      const answers = [];
      for (let i = 0; i < perClient; i++) {
        await sleep(-Math.log(1 - Math.random()) * (1000 / ratePerClient));
        const n = sent++;
        const t0 = performance.now();
        answers.push(request(client, n).then(() => latencies.push(performance.now() - t0)));
      }
      await Promise.all(answers);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: latencies.length / seconds };
}

function must(result, what) {
  if (!result.ok) throw new Error(`${what}: ${JSON.stringify(result.error)}`);
  return result.value;
}

// ---------------------------------------------------------------------------------------------
// What else the machine is doing (/proc, Linux only)

function cpuTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + (fields[4] ?? 0);
  return { total: fields.reduce((a, b) => a + b, 0), idle };
}

/** utime + stime of a process, in ticks; null when it is gone. */
function processTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Resident memory: all of it, the process's own (anonymous) pages, and pages of mapped files. */
function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { total: kb('VmRSS'), own: kb('RssAnon'), files: kb('RssFile') };
}

/** Every process with its CPU ticks so far, named by its command and script (never its full argv). */
function processTable() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ticks = processTicks(entry);
    if (ticks === null) continue;
    table.set(Number(entry), { name: processName(entry), ticks });
  }
  return table;
}

function processName(pid) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (argv.length === 0) return `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`;
    const script = argv.slice(1).find((arg) => !arg.startsWith('-') && /[./]/.test(arg));
    return `${basename(argv[0])}${script ? ` ${basename(script)}` : ''}`;
  } catch {
    return `pid ${pid}`;
  }
}

/**
 * Watches the whole machine from `start` to `report`: busy share of all cores, and the processes
 * other than this bench's that used the most CPU. The process table is sampled every 2 s so that
 * processes that start and end in between (test runs, compilers) are counted too.
 */
function machineWatch() {
  let cpu0;
  let timer;
  const seen = new Map();
  const sample = (baseline) => {
    for (const [pid, { name, ticks }] of processTable()) {
      const known = seen.get(pid);
      if (known) known.last = ticks;
      else seen.set(pid, { name, first: baseline ? ticks : 0, last: ticks });
    }
  };
  return {
    start() {
      cpu0 = cpuTicks();
      sample(true);
      timer = setInterval(() => sample(false), 2_000);
      timer.unref();
    },
    report(ownPids) {
      clearInterval(timer);
      sample(false);
      const cpu1 = cpuTicks();
      const busy = 1 - (cpu1.idle - cpu0.idle) / Math.max(1, cpu1.total - cpu0.total);
      const others = new Map();
      for (const [pid, { name, first, last }] of seen) {
        if (ownPids.has(pid) || last <= first) continue;
        others.set(name, (others.get(name) ?? 0) + last - first);
      }
      const top = [...others.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
      return { busyPercent: busy * 100, top: top.map(([name, ticks]) => `${name} ${(ticks / CLK_TCK).toFixed(0)} s`).join(', ') || 'nothing else' };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Daemons, homes and accounts

export function newHome(parent, name, sim) {
  const dir = join(parent, name);
  mkdirSync(join(dir, 'config'), { recursive: true });
  // A weekly schedule keeps scheduled syncs out of the measurements.
  const config = { zoom: { clientId: sim.clientId, oauthUrl: sim.url, apiUrl: sim.url }, plan: 'business', sync: { schedule: '0 3 * * 1', jitterSeconds: 0 } };
  writeFileSync(join(dir, 'config', 'config.json'), JSON.stringify(config));
  const paths = resolvePaths({ platform: process.platform, env: { CALLVAULT_HOME: dir }, home: dir, uid: 0, username: 'bench' });
  return { dir, paths, endpoint: ipcEndpoint(paths) };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spawns `callvault daemon` and returns once `status` has been answered, with the time that took. */
export async function startDaemon(home, ownPids, nodeOptions = []) {
  const started = performance.now();
  const child = spawn(...onCpu(SERVER_CPU, NODE, [...nodeOptions, ...DAEMON_ARGS]), { env: { ...process.env, CALLVAULT_HOME: home.dir }, stdio: ['ignore', 'ignore', 'pipe'] });
  ownPids.add(child.pid);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}: ${stderr}`);
    if (performance.now() - started > 60_000) {
      child.kill('SIGKILL');
      throw new Error('daemon did not answer status within 60 s');
    }
    const connected = await connectIpc({ ...home.endpoint, timeoutMs: 10_000 });
    if (connected.ok) {
      const status = await connected.value.call('status');
      if (status.ok) return { child, client: connected.value, coldStartMs: performance.now() - started };
      await connected.value.close();
    }
    await sleep(2);
  }
}

export async function stopDaemon(daemon) {
  await daemon.client?.close();
  if (daemon.child.exitCode !== null) return;
  const exited = new Promise((resolve) => daemon.child.once('exit', resolve));
  daemon.child.kill('SIGTERM');
  await exited;
}

export async function connectUser(client, sim, userId) {
  const outcomes = [];
  const unsubscribe = must(await client.on('account.connected', (e) => outcomes.push(e)), 'subscribe');
  const login = must(await client.call('accounts.connect', {}), 'accounts.connect');
  const consent = await fetch(`${login.url}&sim_user=${encodeURIComponent(userId)}`, { redirect: 'manual' });
  await (await fetch(consent.headers.get('location'))).text();
  while (!outcomes.some((o) => o.loginId === login.loginId)) await sleep(10);
  await unsubscribe();
  const outcome = outcomes.find((o) => o.loginId === login.loginId);
  if (outcome.outcome !== 'connected') throw new Error(`login ${outcome.outcome}`);
  return outcome.accountKey;
}

/**
 * Until every account has finished a sync since the daemon started (the sync after a connect or a
 * start): a restarted daemon shows the last sync before it from the start.
 */
export async function settled(client) {
  for (;;) {
    const status = must(await client.call('status'), 'status');
    if (status.accounts.every((a) => a.syncing === null && a.lastSyncAt !== null && a.lastSyncAt >= status.startedAt)) return status;
    await sleep(100);
  }
}

export async function clients(home, n) {
  return Promise.all(Array.from({ length: n }, async () => must(await connectIpc({ ...home.endpoint, timeoutMs: 60_000 }), 'connect')));
}

// ---------------------------------------------------------------------------------------------
// The bare node-ipc echo server: the floor any node-ipc server sits on

const ECHO_SERVER = `
const { createRequire } = await import('node:module');
const { IPC } = createRequire(process.argv[1])('node-ipc');
const ipc = new IPC();
Object.assign(ipc.config, { silent: true, rawBuffer: true, encoding: 'latin1', unlink: true });
ipc.serve(process.argv[2], () => {
  const rest = new Map();
  ipc.server.on('data', (data, socket) => {
    let buffered = rest.has(socket) ? Buffer.concat([rest.get(socket), data]) : data;
    for (let end = buffered.indexOf(10); end !== -1; end = buffered.indexOf(10)) {
      ipc.server.emit(socket, buffered.subarray(0, end + 1));
      buffered = buffered.subarray(end + 1);
    }
    rest.set(socket, buffered);
  });
  process.stdout.write('ready\\n');
});
ipc.server.start();
`;

export async function startEcho(dir, ownPids) {
  const socketPath = join(dir, 'echo.sock');
  const child = spawn(...onCpu(SERVER_CPU, process.execPath, ['--input-type=module', '-e', ECHO_SERVER, join(ROOT, 'package.json'), socketPath]), { stdio: ['ignore', 'pipe', 'inherit'] });
  ownPids.add(child.pid);
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
  });
  return { child, socketPath };
}

/**
 * A bare newline-framed JSON client (for the echo server, and for the daemon after its hello):
 * answers come back in the order sent, each parsed. A message given as text is sent as it is.
 */
export function echoClient(socketPath) {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath });
    const waiting = [];
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        waiting.shift()(JSON.parse(frame));
      }
    });
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        request: (message) => new Promise((answer) => (waiting.push(answer), socket.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`))),
        close: () => socket.destroy(),
      }),
    );
  });
}

/** The bare client connected to the daemon, past its hello. */
async function bareDaemonClient(home) {
  const client = await echoClient(home.endpoint.socketPath);
  const token = readFileSync(home.endpoint.tokenFile, 'utf8').trim();
  must(answerOf(await client.request({ jsonrpc: '2.0', id: 0, method: 'hello', params: { token, protocol: 2 } })), 'hello');
  return client;
}

/** A JSON-RPC answer as a Result. */
const answerOf = (message) => ('result' in message ? { ok: true, value: message.result } : { ok: false, error: message.error });

/**
 * `status` next to the bare echo server. The echo is measured with a bare newline-JSON client; so
 * is one `status` series (after its hello), which makes that pair differ only in the server. The
 * typed client's series is what the CLI and the tray see.
 */
async function statusVersusEcho(dir, home, ownPids) {
  const echo = await startEcho(dir, ownPids);
  try {
    const [daemonClient] = await clients(home, 1);
    const bareToDaemon = await bareDaemonClient(home);
    const echoOne = await echoClient(echo.socketPath);
    const callStatus = async (client) => must(await client.call('status'), 'status');
    const callBareStatus = async (client, n) => must(answerOf(await client.request({ jsonrpc: '2.0', id: n + 1, method: 'status', params: {} })), 'status');
    const callEcho = (client, n) => client.request({ jsonrpc: '2.0', id: n, method: 'status', params: {} });
    // Alternating rounds, so all three see the same machine.
    const rounds = await alternating(STATUS_ROUNDS, STATUS_WARMUP, STATUS_PER_ROUND, { typed: [daemonClient, callStatus], bare: [bareToDaemon, callBareStatus], echoed: [echoOne, callEcho] });
    await daemonClient.close();
    bareToDaemon.close();
    echoOne.close();
    const many = await clients(home, THROUGHPUT_CLIENTS);
    const statusRate = await load(many, THROUGHPUT_REQUESTS, callStatus);
    await Promise.all(many.map((c) => c.close()));
    const echoes = await Promise.all(Array.from({ length: THROUGHPUT_CLIENTS }, () => echoClient(echo.socketPath)));
    const echoRate = await load(echoes, THROUGHPUT_REQUESTS, callEcho);
    for (const e of echoes) e.close();
    const median = (values) => percentile(values, 50);
    const series = (key) => ({ p50: median(rounds.map((r) => r[key].p50)), p99: median(rounds.map((r) => r[key].p99)) });
    return {
      status: series('typed'),
      bareStatus: series('bare'),
      echo: series('echoed'),
      bareRatio: median(rounds.map((r) => r.bare.p50 / r.echoed.p50)),
      typedRatio: median(rounds.map((r) => r.typed.p50 / r.echoed.p50)),
      statusRate,
      echoRate,
    };
  } finally {
    const exited = new Promise((resolve) => echo.child.once('exit', resolve));
    echo.child.kill('SIGTERM');
    await exited;
  }
}

// ---------------------------------------------------------------------------------------------
// The large vault

/**
 * Adds `LARGE_MEETINGS` meetings and their participants to a vault the daemon created, with raw
 * SQL: rows are generated inside SQLite (a recursive CTE), in batches, each its own statement and
 * transaction so the search index's triggers flush as they go. Words and names cycle at different
 * periods, so every pair occurs about equally often (each word in 1 of 24 topics, each surname in 1
 * of 20 participants). Start times spread over the last
 * 300 days (inside the retention window, so the daemon's sweep keeps them); participant lists are
 * marked synced, so the daemon's sync does not fetch them from Zoom.
 */
export function fillVault(file, key, now) {
  const db = keyedConnection(file, key);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const step = Math.floor((300 * DAY_MS) / LARGE_MEETINGS);
  const start = now - 301 * DAY_MS;
  const pick = (list, expr) => `json_extract('${JSON.stringify(list)}', '$[' || ((${expr}) % ${list.length}) || ']')`;
  const meetings = db.prepare(`WITH RECURSIVE n(i) AS (SELECT CAST(@from AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < @to)
    INSERT INTO meetings (uuid, meeting_id, host_id, topic, type, start_time, duration_minutes, timezone, end_time, participants_count, source, participants_state, participants_at)
    SELECT 'bench' || printf('%08d', i) || '==', CAST(80000000000 + i AS TEXT), 'benchhost',
           ${pick(TOPIC_WORDS, 'i')} || ' ' || ${pick(TOPIC_WORDS, `i / ${TOPIC_WORDS.length}`)} || ' ' || ${pick(TOPIC_WORDS, `i / ${TOPIC_WORDS.length ** 2}`)} || ' ' || i,
           8, @start + i * @step, 30 + i % 60, 'UTC', NULL, ${PARTICIPANTS_PER_MEETING}, 'meetings', 'synced', @now
    FROM n`);
  const participants = db.prepare(`WITH RECURSIVE n(j) AS (SELECT CAST(@from AS INTEGER) * ${PARTICIPANTS_PER_MEETING} UNION ALL SELECT j + 1 FROM n WHERE j + 1 < @to * ${PARTICIPANTS_PER_MEETING}),
    people(j, first, last) AS (SELECT j, ${pick(FIRST_NAMES, 'j')}, ${pick(LAST_NAMES, `j / ${FIRST_NAMES.length}`)} FROM n)
    INSERT INTO participants (meeting_uuid, key, participant_id, user_id, name, email, join_time, leave_time, duration_seconds)
    SELECT 'bench' || printf('%08d', j / ${PARTICIPANTS_PER_MEETING}) || '==', CAST(j AS TEXT), CAST(j AS TEXT), NULL, first || ' ' || last,
           lower(first || '.' || last) || '@example.com', @start + (j / ${PARTICIPANTS_PER_MEETING}) * @step + (j % ${PARTICIPANTS_PER_MEETING}) * 1000,
           @start + (j / ${PARTICIPANTS_PER_MEETING}) * @step + 1500000, 1500
    FROM people`);
  const batch = db.transaction((from, to) => {
    meetings.run({ from, to, start, step, now });
    participants.run({ from, to, start, step });
  });
  for (let i = 0; i < LARGE_MEETINGS; i += BUILD_BATCH) batch(i, Math.min(i + BUILD_BATCH, LARGE_MEETINGS));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { start, end: start + LARGE_MEETINGS * step };
}

/** The account's data key, as the (stopped) daemon of `home` unwraps it. */
export async function dataKeyOf(home, account) {
  const control = must(openControl(join(home.paths.data, 'control.db')), 'open control.db');
  try {
    return mustKey((await homeKeys(control, home.paths.data)).dataKey(account, { create: false }));
  } finally {
    control.close();
  }
}

/**
 * The same reads as the IPC benchmark, made on the vault file directly: the floor IPC adds to. A
 * list is read as the daemon reads it for one account, as JSON text.
 */
function directReads(file, key, span, account) {
  const vault = must(openVault(file, { key }), 'open vault');
  try {
    const list = [];
    for (let n = 0; n < 400; n++) {
      const t0 = performance.now();
      must(vault.listMeetingsJson({ limit: LIMIT, to: listTo(n, span) }, account), 'listMeetingsJson');
      list.push(performance.now() - t0);
    }
    const search = [];
    for (let n = 0; n < 100; n++) {
      const t0 = performance.now();
      must(vault.search(SEARCHES[n % SEARCHES.length], LIMIT), 'search');
      search.push(performance.now() - t0);
    }
    return { listP50: percentile(list, 50), searchP50: percentile(search, 50) };
  } finally {
    vault.close();
  }
}

/** Half first pages, half pages ending at a point of the history spread evenly by `n`. */
export function listTo(n, span) {
  return n % 2 === 0 ? undefined : span.start + Math.floor(((n * 7919) % 1000) / 1000 * (span.end - span.start));
}

async function largeVaultReads(home, account, span, work, ownPids) {
  const list = async (client, n) => must(await client.call('meetings.list', { account, limit: LIMIT, to: listTo(n, span) }), 'meetings.list');
  const search = async (client, n) => must(await client.call('search', { q: SEARCHES[n % SEARCHES.length], account, limit: LIMIT }), 'search');
  const status = async (client) => must(await client.call('status'), 'status');
  const [one] = await clients(home, 1);
  await load([one], 200, list);
  const single = { search: await load([one], 100, search), status: await load([one], 200, status) };
  await one.close();
  const pages = await listVersusEcho(home, account, span, work, ownPids);
  const many = await clients(home, CONCURRENT_CLIENTS);
  await load(many, 400, list);
  const open = { list: await paced(many, LIST_PER_CLIENT, LIST_RATE_PER_CLIENT, list), search: await paced(many, SEARCH_PER_CLIENT, SEARCH_RATE_PER_CLIENT, search) };
  const closed = { list: await load(many, LIST_REQUESTS, list), search: await load(many, SEARCH_REQUESTS, search) };
  await Promise.all(many.map((c) => c.close()));
  return { single, pages, open, closed, echoClosed: await echoClosedLoop(work, ownPids) };
}

/**
 * meetings.list(50) next to the bare echo server echoing the daemon's own answers (issue 16: at
 * most 2x, with 1 and with 20 clients). Like with like: both are measured with the same bare
 * client, which parses each answer; the echo's message is a real page answer, taken from the
 * daemon and sent as text, so the client parses the same 50 meetings either way. (An echo of one
 * long string, as before, spared the client the parse the list's answer costs it: about half the
 * echo's whole round trip.) The echo's request carries the page too, so its floor is, if
 * anything, high. Half the pages are first pages, half end anywhere in the history (listTo); the
 * pages away from the first are also measured alone. 1 client: alternating short rounds, as for
 * status; 20 clients: alternating open loops. Ratios are the medians of the rounds'.
 */
async function listVersusEcho(home, account, span, work, ownPids) {
  const request = (n, to) => ({ jsonrpc: '2.0', id: n + 1, method: 'meetings.list', params: { account, limit: LIMIT, to } });
  const bareList = async (client, n) => must(answerOf(await client.request(request(n, listTo(n, span)))), 'meetings.list');
  const bareDeep = async (client, n) => must(answerOf(await client.request(request(n, listTo(2 * n + 1, span)))), 'meetings.list');
  const typedList = async (client, n) => must(await client.call('meetings.list', { account, limit: LIMIT, to: listTo(n, span) }), 'meetings.list');
  const bare = await bareDaemonClient(home);
  const answers = [];
  for (let n = 0; n < ECHO_PAGES; n++) answers.push(JSON.stringify({ jsonrpc: '2.0', id: n + 1, result: await bareList(bare, n) }));
  const echoPage = (client, n) => client.request(answers[n % ECHO_PAGES]);
  const echo = await startEcho(work, ownPids);
  try {
    const [typed] = await clients(home, 1);
    const echoOne = await echoClient(echo.socketPath);
    const rounds = await alternating(LIST_ROUNDS, LIST_WARMUP, LIST_PER_ROUND, { listed: [bare, bareList], deep: [bare, bareDeep], typedListed: [typed, typedList], echoed: [echoOne, echoPage] });
    await typed.close();
    echoOne.close();
    const listers = await Promise.all(Array.from({ length: CONCURRENT_CLIENTS }, () => bareDaemonClient(home)));
    const echoes = await Promise.all(Array.from({ length: CONCURRENT_CLIENTS }, () => echoClient(echo.socketPath)));
    const openRounds = [];
    for (let round = 0; round < OPEN_ROUNDS; round++) {
      const listed = await paced(listers, OPEN_PER_CLIENT, LIST_RATE_PER_CLIENT, bareList);
      const echoed = await paced(echoes, OPEN_PER_CLIENT, LIST_RATE_PER_CLIENT, echoPage);
      openRounds.push({ listed, echoed });
    }
    for (const client of [...listers, ...echoes]) client.close();
    const median = (values) => percentile(values, 50);
    const p50 = (list, key) => median(list.map((r) => r[key].p50));
    const ratioOf = (list, key) => median(list.map((r) => r[key].p50 / r.echoed.p50));
    return {
      answerBytes: Buffer.byteLength(answers[0]),
      single: { list: p50(rounds, 'listed'), deep: p50(rounds, 'deep'), typed: p50(rounds, 'typedListed'), echo: p50(rounds, 'echoed') },
      singleRatio: { list: ratioOf(rounds, 'listed'), deep: ratioOf(rounds, 'deep'), typed: ratioOf(rounds, 'typedListed') },
      open: { list: p50(openRounds, 'listed'), echo: p50(openRounds, 'echoed'), ratio: ratioOf(openRounds, 'listed') },
    };
  } finally {
    bare.close();
    const exited = new Promise((resolve) => echo.child.once('exit', resolve));
    echo.child.kill('SIGTERM');
    await exited;
  }
}

/** The bare echo server under the closed loop of 20 clients: the latency floor of that loop. */
async function echoClosedLoop(dir, ownPids) {
  const echo = await startEcho(dir, ownPids);
  try {
    const echoes = await Promise.all(Array.from({ length: CONCURRENT_CLIENTS }, () => echoClient(echo.socketPath)));
    const callEcho = (client, n) => client.request({ jsonrpc: '2.0', id: n, method: 'meetings.list', params: { limit: LIMIT } });
    await load(echoes, 2_000, callEcho);
    const result = await load(echoes, LIST_REQUESTS, callEcho);
    for (const e of echoes) e.close();
    return result;
  } finally {
    const exited = new Promise((resolve) => echo.child.once('exit', resolve));
    echo.child.kill('SIGTERM');
    await exited;
  }
}

// ---------------------------------------------------------------------------------------------
// The Python rows: the example client (examples/python) next to a Python echo server

const PYTHON_BENCH = join(ROOT, 'scripts', 'bench', 'ipc_python_bench.py');

async function pythonRows(home, account, span, dir, ownPids) {
  const echoPath = join(dir, 'python-echo.sock');
  const echo = spawn(...onCpu(SERVER_CPU, 'python3', ['-B', PYTHON_BENCH, 'echo', echoPath]), { stdio: ['ignore', 'pipe', 'inherit'] });
  ownPids.add(echo.pid);
  try {
    await new Promise((resolve, reject) => {
      echo.stdout.once('data', resolve);
      echo.once('exit', (code) => reject(new Error(`python echo server exited with ${code}`)));
    });
    const options = { ...home.endpoint, echo: echoPath, account, span, limit: LIMIT, clients: CONCURRENT_CLIENTS, perClient: OPEN_PER_CLIENT, rate: LIST_RATE_PER_CLIENT, openRounds: OPEN_ROUNDS, echoPages: ECHO_PAGES };
    const measured = spawn(...onCpu(CLIENT_CPU, 'python3', ['-B', PYTHON_BENCH, 'measure', JSON.stringify({ ...options, socket: options.socketPath })]), { stdio: ['ignore', 'pipe', 'inherit'] });
    ownPids.add(measured.pid);
    let out = '';
    measured.stdout.on('data', (chunk) => (out += chunk));
    const code = await new Promise((resolve) => measured.once('exit', resolve));
    if (code !== 0) throw new Error(`the Python bench exited with ${code}`);
    return JSON.parse(out);
  } finally {
    const exited = new Promise((resolve) => echo.once('exit', resolve));
    echo.kill('SIGTERM');
    await exited;
  }
}

// ---------------------------------------------------------------------------------------------

export async function runIpcBench() {
  const work = mkdtempSync(join(tmpdir(), 'cv-ipc-bench-'));
  const ownPids = new Set([process.pid]);
  const machine = machineWatch();
  machine.start();
  const sim = await startSimulator({ seed: 'ipc-bench', accounts: [{ plan: 'business', users: [{ dataset: 'year' }, { dataset: 'small' }] }] });
  const [yearUser, smallUser] = sim.admin.users();
  const running = [];
  const rows = [];
  const mb = (bytes) => Math.round(bytes / 1024 / 102.4) / 10;
  try {
    // 1. Cold start, and the idle footprint, on an empty home.
    const empty = newHome(work, 'empty', sim);
    const coldStarts = [];
    let emptyRss = null;
    for (let i = 0; i < COLD_STARTS; i++) {
      const daemon = await startDaemon(empty, ownPids);
      coldStarts.push(daemon.coldStartMs);
      if (i === COLD_STARTS - 1) {
        await daemon.client.close();
        await sleep(2_000);
        emptyRss = rssBytes(daemon.child.pid);
      }
      await stopDaemon(daemon);
    }
    rows.push(
      { name: `daemon cold start to first answered status, empty home (median of ${COLD_STARTS})`, value: Math.round(percentile(coldStarts, 50)), unit: 'ms' },
      { name: 'daemon idle RSS, empty home (no account, nothing synced)', value: mb(emptyRss.total), unit: 'MB' },
      { name: '  of which its own memory (anonymous pages)', value: mb(emptyRss.own), unit: 'MB' },
      { name: '  of which mapped files (the node binary and libraries, shared)', value: mb(emptyRss.files), unit: 'MB' },
    );

    // 2. The daemon that makes a full sync of a year of history: then idle for IDLE_SECONDS, with no client.
    const year = newHome(work, 'year', sim);
    let daemon = await startDaemon(year, ownPids);
    running.push(daemon);
    const syncStarted = performance.now();
    await connectUser(daemon.client, sim, yearUser.userId);
    const counts = (await settled(daemon.client)).accounts[0].counts;
    const syncSeconds = (performance.now() - syncStarted) / 1000;
    await daemon.client.close();
    daemon.client = null;
    await sleep(2_000);
    const pid = daemon.child.pid;
    const idleWatch = machineWatch();
    idleWatch.start();
    const ticks0 = processTicks(pid);
    await sleep(IDLE_SECONDS * 1000);
    const ticks1 = processTicks(pid);
    const idleRss = rssBytes(pid);
    const idleMachine = idleWatch.report(ownPids);
    rows.push(
      { name: `full sync of the simulator's 'year' dataset by the daemon (business plan)`, value: Math.round(syncSeconds), unit: 's' },
      { name: `daemon idle RSS after that sync (${counts.meetings} meetings, ${counts.participants} participants, ${counts.calls} calls; schedule in UTC, the default)`, value: mb(idleRss.total), unit: 'MB', target: '< 80' },
      { name: '  of which its own memory (anonymous pages)', value: mb(idleRss.own), unit: 'MB' },
      { name: '  of which mapped files (the node binary and libraries, shared)', value: mb(idleRss.files), unit: 'MB' },
      { name: `daemon idle CPU over the next ${IDLE_SECONDS} s`, value: Math.round(((ticks1 - ticks0) / CLK_TCK / IDLE_SECONDS) * 100 * 1000) / 1000, unit: '%', target: '< 0.5' },
      { name: `machine busy meanwhile (all ${cpus().length} cores; others, top: ${idleMachine.top})`, value: Math.round(idleMachine.busyPercent), unit: '%' },
    );

    // 3. status round trips on that daemon, next to the bare echo server.
    const rt = await statusVersusEcho(work, year, ownPids);
    rows.push(
      { name: `bare node-ipc echo round trip p50 (the status request echoed; bare newline-JSON client; median of ${STATUS_ROUNDS} rounds)`, value: round3(rt.echo.p50), unit: 'ms' },
      { name: 'bare node-ipc echo round trip p99', value: round3(rt.echo.p99), unit: 'ms' },
      { name: 'status round trip p50, the same bare client (1 in flight)', value: round3(rt.bareStatus.p50), unit: 'ms' },
      { name: 'status round trip p99, the same bare client', value: round3(rt.bareStatus.p99), unit: 'ms' },
      { name: 'status p50 / echo p50, the same client: what the server adds (median of the rounds)', value: Math.round(rt.bareRatio * 100) / 100, unit: 'x', target: '<= 1.3' },
      { name: 'status round trip p50, the typed client (what the CLI and tray use)', value: round3(rt.status.p50), unit: 'ms' },
      { name: 'status round trip p99, the typed client', value: round3(rt.status.p99), unit: 'ms' },
      { name: 'status p50 with the typed client / echo p50 (median of the rounds)', value: Math.round(rt.typedRatio * 100) / 100, unit: 'x' },
      { name: `status requests per second (${THROUGHPUT_CLIENTS} clients)`, value: Math.round(rt.statusRate.perSecond), unit: 'req/s' },
      { name: `bare echo requests per second (${THROUGHPUT_CLIENTS} clients)`, value: Math.round(rt.echoRate.perSecond), unit: 'req/s' },
    );
    await stopDaemon(daemon);
    daemon = await startDaemon(year, ownPids);
    running.push(daemon);
    rows.push({ name: `daemon cold start to first answered status, the synced year`, value: Math.round(daemon.coldStartMs), unit: 'ms' });
    await stopDaemon(daemon);

    // 4. The large vault.
    const large = newHome(work, 'large', sim);
    daemon = await startDaemon(large, ownPids);
    running.push(daemon);
    const account = await connectUser(daemon.client, sim, smallUser.userId);
    await settled(daemon.client);
    await stopDaemon(daemon);
    const file = join(large.paths.data, 'vaults', `${account}.db`);
    const buildStarted = performance.now();
    const key = await dataKeyOf(large, account);
    const span = fillVault(file, key, Date.now());
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    daemon = await startDaemon(large, ownPids);
    running.push(daemon);
    const bigCounts = (await settled(daemon.client)).accounts[0].counts;
    const shape = `${bigCounts.meetings.toLocaleString('en')} meetings, ${bigCounts.participants.toLocaleString('en')} participants`;
    rows.push(
      { name: `build the large vault (${shape}), raw inserts`, value: Math.round(buildSeconds), unit: 's' },
      { name: 'daemon cold start to first answered status, large vault', value: Math.round(daemon.coldStartMs), unit: 'ms' },
    );
    const reads = await largeVaultReads(large, account, span, work, ownPids);
    const python = await pythonRows(large, account, span, work, ownPids);
    await stopDaemon(daemon);
    const direct = directReads(file, key, span, account);
    rows.push(
      { name: `meetings.list(limit ${LIMIT}) p50, direct on the vault (as the daemon reads it: JSON text, no IPC)`, value: round3(direct.listP50), unit: 'ms' },
      { name: `meetings.list(limit ${LIMIT}) p50, 1 client (bare newline-JSON client; half first pages, half anywhere in the history)`, value: round3(reads.pages.single.list), unit: 'ms' },
      { name: `  pages away from the first only`, value: round3(reads.pages.single.deep), unit: 'ms' },
      { name: `bare node-ipc echo p50 of the daemon's page answers (${(reads.pages.answerBytes / 1024).toFixed(1)} KB each way), the same client, which parses them`, value: round3(reads.pages.single.echo), unit: 'ms' },
      { name: `meetings.list(limit ${LIMIT}) p50 / echo p50, 1 client (median of ${LIST_ROUNDS} rounds' ratios)`, value: ratio(reads.pages.singleRatio.list, 1), unit: 'x', target: '<= 2' },
      { name: `  pages away from the first only / echo p50`, value: ratio(reads.pages.singleRatio.deep, 1), unit: 'x' },
      { name: `meetings.list(limit ${LIMIT}) p50, 1 client, the typed client (what the CLI and tray use)`, value: round3(reads.pages.single.typed), unit: 'ms' },
      { name: `  typed client / echo p50`, value: ratio(reads.pages.singleRatio.typed, 1), unit: 'x' },
      { name: `meetings.list(limit ${LIMIT}) p50, ${CONCURRENT_CLIENTS} concurrent typed clients, ${LIST_RATE_PER_CLIENT * CONCURRENT_CLIENTS} req/s in all (open loop)`, value: round3(reads.open.list.p50), unit: 'ms', target: '<= 0.5' },
      { name: `meetings.list(limit ${LIMIT}) p99, the same`, value: round3(reads.open.list.p99), unit: 'ms' },
      { name: `meetings.list(limit ${LIMIT}) p50, ${CONCURRENT_CLIENTS} bare clients in that open loop (median of ${OPEN_ROUNDS} loops)`, value: round3(reads.pages.open.list), unit: 'ms' },
      { name: `bare node-ipc echo p50 of the page answers in the same open loop, alternating with it (the floor of the row above)`, value: round3(reads.pages.open.echo), unit: 'ms' },
      { name: `meetings.list(limit ${LIMIT}) p50 / echo p50, ${CONCURRENT_CLIENTS} clients (open loop; median of ${OPEN_ROUNDS} loops' ratios)`, value: ratio(reads.pages.open.ratio, 1), unit: 'x', target: '<= 2' },
      { name: `meetings.list(limit ${LIMIT}) requests per second, ${CONCURRENT_CLIENTS} clients flat out (closed loop: capacity)`, value: Math.round(reads.closed.list.perSecond), unit: 'req/s' },
      { name: `meetings.list(limit ${LIMIT}) p50 in that closed loop (waits behind the other ${CONCURRENT_CLIENTS - 1})`, value: round3(reads.closed.list.p50), unit: 'ms' },
      { name: `bare node-ipc echo p50 in the same closed loop (its floor: ${Math.round(reads.echoClosed.perSecond)} req/s)`, value: round3(reads.echoClosed.p50), unit: 'ms' },
      { name: `search(limit ${LIMIT}) p50, direct on the vault (no IPC)`, value: round3(direct.searchP50), unit: 'ms' },
      { name: `search(limit ${LIMIT}) p50, 1 client`, value: round3(reads.single.search.p50), unit: 'ms' },
      { name: `search(limit ${LIMIT}) p50, ${CONCURRENT_CLIENTS} concurrent clients, ${SEARCH_RATE_PER_CLIENT * CONCURRENT_CLIENTS} req/s in all (open loop)`, value: round3(reads.open.search.p50), unit: 'ms', target: '<= 10' },
      { name: `search(limit ${LIMIT}) p99, the same`, value: round3(reads.open.search.p99), unit: 'ms' },
      { name: `search(limit ${LIMIT}) requests per second, ${CONCURRENT_CLIENTS} clients flat out (closed loop: capacity)`, value: Math.round(reads.closed.search.perSecond * 10) / 10, unit: 'req/s' },
      { name: `search(limit ${LIMIT}) p50 in that closed loop`, value: round3(reads.closed.search.p50), unit: 'ms' },
      { name: 'status p50 on the large vault, 1 client', value: round3(reads.single.status.p50), unit: 'ms' },
      { name: 'Python example client: status p50 (examples/python, on the large vault)', value: round3(python.statusP50), unit: 'ms' },
      { name: 'Python bare line client: echo p50 of the status request, Python echo server', value: round3(python.echoP50), unit: 'ms' },
      { name: `Python: status p50 / echo p50 (median of the rounds' ratios)`, value: Math.round(python.statusRatio * 100) / 100, unit: 'x', target: '<= 1.3' },
      { name: `Python example client: meetings.list(limit ${LIMIT}) p50, 1 client (half first pages, half anywhere in the history)`, value: round3(python.listP50), unit: 'ms' },
      { name: `Python bare line client: echo p50 of the daemon's page answers, parsed, Python echo server`, value: round3(python.pageEchoP50), unit: 'ms' },
      { name: `Python: meetings.list(limit ${LIMIT}) p50 / echo p50, 1 client (median of the rounds' ratios)`, value: Math.round(python.listRatio * 100) / 100, unit: 'x', target: '<= 2' },
      { name: `Python: meetings.list(limit ${LIMIT}) p50 / echo p50, ${CONCURRENT_CLIENTS} client threads (open loop; ${round3(python.listOpenP50)} ms / ${round3(python.echoOpenP50)} ms; median of ${OPEN_ROUNDS} loops' ratios)`, value: Math.round(python.openRatio * 100) / 100, unit: 'x', target: '<= 2' },
    );
    const whole = machine.report(ownPids);
    rows.push({ name: `machine busy during the whole ipc bench (all ${cpus().length} cores; others, top: ${whole.top})`, value: Math.round(whole.busyPercent), unit: '%' });
    rows.push({ name: PINNED ? `placement: measuring clients on CPU ${CLIENT_CPU}, every server (daemon, echo servers) on CPU ${SERVER_CPU}` : 'placement: left to the scheduler (one core, or no taskset)', value: PINNED ? 'pinned' : 'free', unit: '' });
    return rows;
  } finally {
    for (const daemon of running) await stopDaemon(daemon).catch(() => daemon.child.kill('SIGKILL'));
    await sim.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await printWhenRunDirectly(import.meta.url, 'ipc', runIpcBench);
