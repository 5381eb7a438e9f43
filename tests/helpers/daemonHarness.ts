import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Clock } from '../../src/core/clock.js';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { connectIpc, type IpcClient } from '../../src/ipc/client.js';
import type { EventDataOf } from '../../src/ipc/protocol.js';
import { parseConfig, type ConfigInput } from '../../src/platform/config.js';
import { ipcEndpoint } from '../../src/platform/instance.js';
import { createLogger } from '../../src/platform/logger.js';
import { resolvePaths, type AppPaths } from '../../src/platform/paths.js';
import { openControl } from '../../src/store/index.js';
import { startSimulator, type SimOptions, type Simulator } from '../../src/sim/index.js';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'callvault.js');

/** A private CALLVAULT_HOME with a config pointing at `sim`. */
export class Home {
  readonly dir = mkdtempSync(join(tmpdir(), 'cv-home-'));
  readonly paths: AppPaths = resolvePaths({ platform: 'linux', env: { CALLVAULT_HOME: this.dir }, home: this.dir, uid: 0, username: 'test' });

  /**
   * Writes config.json. The device key goes to a file unless the config says otherwise: a test run
   * on a desktop must not leave keys in the user's own keyring.
   */
  writeConfig(config: ConfigInput): void {
    const withKeyStore: ConfigInput = { keyStore: 'file', ...config };
    const parsed = parseConfig(withKeyStore);
    if (!parsed.ok) throw new Error(`test config invalid: ${JSON.stringify(parsed.error)}`);
    mkdirSync(this.paths.config, { recursive: true });
    writeFileSync(join(this.paths.config, 'config.json'), JSON.stringify(withKeyStore, null, 2));
  }

  config(): ReturnType<typeof parseConfig> {
    return parseConfig(JSON.parse(readFileSync(join(this.paths.config, 'config.json'), 'utf8')));
  }

  endpoint(): { socketPath: string; tokenFile: string } {
    return ipcEndpoint(this.paths);
  }

  /** Every file under the data, log and runtime folders that contains `needle`. */
  filesContaining(needle: string): string[] {
    const hits: string[] = [];
    for (const folder of [this.paths.data, this.paths.logs, this.paths.runtime, this.paths.config]) {
      if (!existsSync(folder)) continue;
      for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
        if (!entry.isFile()) continue;
        const path = join(entry.parentPath, entry.name);
        if (readFileSync(path).includes(needle)) hits.push(path);
      }
    }
    return hits;
  }

  /**
   * Whether control.db holds the account's (wrapped) data key: while it does, the encrypted vault
   * can be read; once a wipe destroyed it, no copy of the vault anywhere can.
   */
  holdsDataKey(accountKey: string): boolean {
    const control = openControl(join(this.paths.data, 'control.db'));
    if (!control.ok) throw new Error(`control.db: ${control.error.message}`);
    try {
      return control.value.keys.get(accountKey) !== null;
    } finally {
      control.value.close();
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function simConfig(sim: Simulator, extra: Partial<ConfigInput> = {}): ConfigInput {
  return { zoom: { clientId: sim.clientId, oauthUrl: sim.url, apiUrl: sim.url }, plan: 'business', ...extra };
}

export async function client(home: Home): Promise<IpcClient> {
  const connected = await connectIpc({ ...home.endpoint(), reconnect: false, timeoutMs: 5000 });
  if (!connected.ok) throw new Error(`cannot connect: ${JSON.stringify(connected.error)}`);
  return connected.value;
}

/**
 * Connects a Zoom account the way a user does: accounts.connect gives the URL, the "browser"
 * follows Zoom's (the simulator's) redirect to the daemon's loopback, the event says connected.
 */
export async function connectAccount(c: IpcClient, sim: Simulator, simUserId?: string): Promise<string> {
  const outcomes: Array<EventDataOf<'account.connected'>> = [];
  const subscribed = await c.on('account.connected', (e) => outcomes.push(e));
  if (!subscribed.ok) throw new Error('subscribe failed');
  const login = await c.call('accounts.connect', {});
  if (!login.ok) throw new Error(`connect failed: ${login.error.message}`);
  const url = simUserId ? `${login.value.url}&sim_user=${encodeURIComponent(simUserId)}` : login.value.url;
  const consent = await fetch(url, { redirect: 'manual' });
  const callback = consent.headers.get('location');
  if (!callback) throw new Error(`authorize answered ${consent.status}`);
  await (await fetch(callback)).text();
  const outcome = await waitFor(() => outcomes.find((o) => o.loginId === login.value.loginId));
  await subscribed.value();
  if (outcome.outcome !== 'connected' || !outcome.accountKey) throw new Error(`login ${outcome.outcome}`);
  return outcome.accountKey;
}

/**
 * Runs a sync of the account and returns its sync.done: the sync this call asked for, never one that
 * was already running (a connect's first sync, say), which sync.now would only queue behind.
 */
export async function syncAndWait(c: IpcClient, accountKey: string): Promise<EventDataOf<'sync.done'>> {
  const done: Array<EventDataOf<'sync.done'>> = [];
  const subscribed = await c.on('sync.done', (e) => {
    if (e.accountKey === accountKey) done.push(e);
  });
  if (!subscribed.ok) throw new Error('subscribe failed');
  const status = await c.call('status');
  if (!status.ok) throw new Error(`status: ${status.error.message}`);
  // Events and answers come in order on one connection: what came before this answer is older.
  const earlier = done.length;
  // A run going now ends with a sync.done of its own first, whether sync.now queues behind it or
  // (had it ended meanwhile) starts afresh.
  const running = status.value.accounts.find((a) => a.accountKey === accountKey)?.syncing != null;
  const started = await c.call('sync.now', { account: accountKey });
  if (!started.ok) throw new Error(`sync.now: ${started.error.message}`);
  const event = await waitFor(() => done[earlier + (running ? 1 : 0)], 60_000);
  await subscribed.value();
  return event;
}

export async function waitFor<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A simulator plus a daemon started in this process, under a private home. */
export class InProcessDaemon {
  daemon!: Daemon;
  private constructor(
    readonly home: Home,
    readonly sim: Simulator,
  ) {}

  static async start(options: { sim?: SimOptions; config?: Partial<ConfigInput>; clock?: Clock; syncAtStart?: boolean; home?: Home; simulator?: Simulator } = {}): Promise<InProcessDaemon> {
    const home = options.home ?? new Home();
    const sim = options.simulator ?? (await startSimulator({ seed: 11, accounts: [{ plan: 'business', users: [{}, {}] }], ...options.sim }));
    home.writeConfig(simConfig(sim, options.config));
    const harness = new InProcessDaemon(home, sim);
    await harness.startDaemon(options);
    return harness;
  }

  async startDaemon(options: { clock?: Clock; syncAtStart?: boolean } = {}): Promise<void> {
    const config = this.home.config();
    if (!config.ok) throw new Error('config');
    const log = createLogger({ dir: this.home.paths.logs, name: 'daemon', level: 'debug' });
    const started = await startDaemon({ paths: this.home.paths, config: config.value, log, clock: options.clock, syncAtStart: options.syncAtStart ?? false, validateResults: true });
    if (!started.ok) throw new Error(`daemon did not start: ${started.error.message}`);
    this.daemon = started.value;
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.sim.close();
    this.home.remove();
  }
}

/** `callvault daemon` as a child process under `home` (the compiled dist/). */
export function spawnDaemon(home: Home, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [BIN, 'daemon'], {
    env: { ...process.env, CALLVAULT_HOME: home.dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** What `callvault daemon` prints once its socket serves. */
const RUNNING_LINE = 'callvault daemon running';

/** `callvault daemon` as a child process: output kept for diagnostics, ended only by its own pid. */
export class ChildDaemon {
  stdout = '';
  stderr = '';
  readonly exit: Promise<number | null>;

  constructor(
    readonly home: Home,
    readonly child: ChildProcess = spawnDaemon(home),
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exit = exited(child);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('daemon has no pid');
    return this.child.pid;
  }

  /** Spawns the daemon (with `env` over this process's) and waits for its "running" line (printed once the socket serves). */
  static async start(home: Home, env: NodeJS.ProcessEnv = {}): Promise<ChildDaemon> {
    const daemon = new ChildDaemon(home, spawnDaemon(home, env));
    const deadline = Date.now() + 20_000;
    while (!daemon.stdout.includes(RUNNING_LINE)) {
      if (!daemon.running || Date.now() > deadline) {
        await daemon.kill();
        throw new Error(`daemon did not start (exit ${daemon.child.exitCode}): ${daemon.stdout} ${daemon.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return daemon;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Connects the moment the daemon serves: the socket path is polled every millisecond and dialled
   * as soon as it exists. A socket file left by a killed daemon refuses connections; that is
   * retried too, until the new daemon listens.
   */
  async connectTheInstantItServes(timeoutMs = 20_000): Promise<IpcClient> {
    const { socketPath, tokenFile } = this.home.endpoint();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`daemon exited (${this.child.exitCode ?? this.child.signalCode}) before serving: ${this.stderr}`);
      if (existsSync(socketPath)) {
        const connected = await connectIpc({ socketPath, tokenFile, reconnect: false, timeoutMs: 10_000 });
        if (connected.ok) return connected.value;
        if (connected.error.kind !== 'not-running') throw new Error(`cannot connect: ${JSON.stringify(connected.error)}`);
      }
      if (Date.now() > deadline) throw new Error(`the daemon did not serve within ${timeoutMs} ms: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** SIGKILL, and waits until the process is gone. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exit;
  }

  /**
   * SIGTERM (the daemon's fixed stop order), then the exit code; a daemon stuck for 20 s is killed.
   * The daemon handles SIGTERM only from a moment after it prints its "running" line: a signal
   * before that kills it outright (stopOrder.test.ts shows it), so this waits for the line and a
   * little more.
   */
  async stop(): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    while (this.running && !this.stdout.includes(RUNNING_LINE)) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (!this.running) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }
}
