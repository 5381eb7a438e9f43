import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connectIpc, type IpcClient } from '../ipc/client.js';
import type { EventDataOf } from '../ipc/protocol.js';
import { ipcEndpoint } from '../platform/instance.js';
import { createLogger } from '../platform/logger.js';
import { resolvePaths, type AppPaths } from '../platform/paths.js';
import { callvaultLaunch, daemonCommand } from '../platform/serviceLaunch.js';
import { shellSetup } from '../platform/shellWords.js';
import { startRelay, type Relay } from '../relay/index.js';
import { startSimulator, type Simulator } from '../sim/index.js';

// `callvault demo` (npm start): the whole story on one machine, with no Zoom account and no
// network — the simulator stands in for Zoom, the relay for the vendor's backend, and the daemon
// is the real one, started as its own process under a demo home.


export interface DemoState {
  home: string;
  simUrl: string;
  relayUrl: string;
  adminToken: string;
  zoomAccountId: string;
  zoomUserId: string;
  accountKey: string;
}

export interface DemoIo {
  out(text: string): void;
  /** Ends the demo; default SIGINT/SIGTERM. */
  signal: AbortSignal;
}

export function demoHome(): string {
  return process.env.CALLVAULT_HOME ?? join(process.cwd(), '.demo');
}

export function stateFile(home: string): string {
  return join(home, 'demo.json');
}

/**
 * The demo relay's settings, for a vendor who wants to send the running demo webhooks signed as
 * Zoom signs them (x-zm-signature over `v0:{timestamp}:{body}` with the secret token).
 */
export interface DemoRelayConfig {
  url: string;
  port: number;
  webhookUrl: string;
  webhookSecretToken: string;
  adminToken: string;
  zoomApiUrl: string;
}

export function relayConfigFile(home: string): string {
  return join(home, 'relay.json');
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function runDemo(io: DemoIo): Promise<number> {
  const home = demoHome();
  // A fresh demo each time: the previous run's vaults, receipts and relay ledger go.
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const paths = resolvePaths({ platform: process.platform, env: { CALLVAULT_HOME: home }, home, uid: process.getuid?.() ?? 0, username: 'demo' });

  const webhookSecretToken = randomBytes(24).toString('base64url');
  const adminToken = randomBytes(24).toString('base64url');
  const relayPort = await freePort();
  const relayUrl = `http://127.0.0.1:${relayPort}`;

  let sim: Simulator | null = null;
  let relay: Relay | null = null;
  let daemon: ChildProcess | null = null;
  let client: IpcClient | null = null;
  const stopAll = async (): Promise<void> => {
    await client?.close();
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((r) => daemon?.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    await relay?.close();
    await sim?.close();
  };

  try {
    io.out('callvault demo: the simulated Zoom, the relay and the daemon, under ' + home + '\n');
    sim = await startSimulator({ seed: 42, accounts: [{ plan: 'pro', users: [{}] }], webhook: { url: `${relayUrl}/zoom/webhook`, secretToken: webhookSecretToken } });
    io.out(`  Zoom simulator   ${sim.url}`);
    const relayStarted = await startRelay({
      port: relayPort,
      dataDir: join(home, 'relay'),
      webhookSecretToken,
      adminToken,
      zoomApiUrl: sim.url,
      log: createLogger({ dir: paths.logs, name: 'relay' }),
    });
    if (!relayStarted.ok) throw new Error(`the relay did not start: ${relayStarted.error.message}`);
    relay = relayStarted.value;
    const relayConfig: DemoRelayConfig = { url: relay.url, port: relayPort, webhookUrl: `${relay.url}/zoom/webhook`, webhookSecretToken, adminToken, zoomApiUrl: sim.url };
    // Secrets: readable by this user only.
    writeFileSync(relayConfigFile(home), `${JSON.stringify(relayConfig, null, 2)}\n`, { mode: 0o600 });
    io.out(`  Relay            ${relay.url}  (webhook secret, admin token and port: ${relayConfigFile(home)})`);

    writeDaemonConfig(paths, sim, relay);
    // Started the way the login service starts it (node options included).
    const [node = process.execPath, ...args] = daemonCommand(callvaultLaunch());
    daemon = spawn(node, args, { env: { ...process.env, CALLVAULT_HOME: home }, stdio: ['ignore', 'ignore', 'inherit'] });
    client = await connectWhenReady(paths, daemon);
    const status = await client.call('status');
    io.out(`  Daemon           pid ${status.ok ? status.value.pid : '?'}, socket ${ipcEndpoint(paths).socketPath}\n`);

    const user = sim.admin.users()[0];
    if (!user) throw new Error('the simulator has no user');
    io.out('Connecting a Zoom account through the real PKCE flow (the simulated Zoom consents at once)…');
    const syncs = collect(client, 'sync.done');
    const accountKey = await connectDemoAccount(client);
    io.out(`  connected as account ${accountKey}`);
    io.out('Syncing the history (within the Pro plan rate limits)…');
    const done = await waitUntil(() => syncs.find((e) => e.accountKey === accountKey), 120_000, 'the first sync');
    const listed = await client.call('accounts.list');
    const account = listed.ok ? listed.value.accounts.find((a) => a.accountKey === accountKey) : undefined;
    io.out(
      `  synced${done.error ? ` (with problems: ${done.error})` : ''}: ${account?.counts.meetings ?? 0} meetings, ${account?.counts.participants ?? 0} participants, ` +
        `${account?.counts.calls ?? 0} calls, ${account?.counts.recordings ?? 0} recordings\n`,
    );

    const state: DemoState = { home, simUrl: sim.url, relayUrl: relay.url, adminToken, zoomAccountId: user.accountId, zoomUserId: user.userId, accountKey };
    writeFileSync(stateFile(home), JSON.stringify(state, null, 2), { mode: 0o600 });
    io.out(tryThis(home, accountKey));
    await new Promise<void>((r) => (io.signal.aborted ? r() : io.signal.addEventListener('abort', () => r(), { once: true })));
    io.out('\nStopping the daemon, the relay and the simulator…');
    return 0;
  } finally {
    await stopAll();
  }
}

function writeDaemonConfig(paths: AppPaths, sim: Simulator, relay: Relay): void {
  mkdirSync(paths.config, { recursive: true, mode: 0o700 });
  const config = {
    zoom: { clientId: sim.clientId, oauthUrl: sim.url, apiUrl: sim.url },
    plan: 'pro',
    relay: { url: relay.url, publicKey: relay.publicKey },
  };
  writeFileSync(join(paths.config, 'config.json'), JSON.stringify(config, null, 2));
}

async function connectWhenReady(paths: AppPaths, daemon: ChildProcess): Promise<IpcClient> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (daemon.exitCode !== null) throw new Error(`the daemon exited (code ${daemon.exitCode}); see ${paths.logs}`);
    const connected = await connectIpc({ ...ipcEndpoint(paths), reconnect: false, timeoutMs: 2000 });
    if (connected.ok) return connected.value;
    if (Date.now() > deadline) throw new Error('the daemon did not open its socket within 20 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a browser does: open Zoom's authorize URL and follow its redirect to the daemon's loopback. */
async function connectDemoAccount(client: IpcClient): Promise<string> {
  const outcomes = collect(client, 'account.connected');
  const login = await client.call('accounts.connect', {});
  if (!login.ok) throw new Error(`accounts.connect: ${login.error.message}`);
  const consent = await fetch(login.value.url, { redirect: 'manual' });
  const callback = consent.headers.get('location');
  if (!callback) throw new Error(`the simulated Zoom answered ${consent.status} to the sign-in`);
  await (await fetch(callback)).text();
  const outcome = await waitUntil(() => outcomes.find((o) => o.loginId === login.value.loginId), 20_000, 'the sign-in');
  if (outcome.outcome !== 'connected' || !outcome.accountKey) throw new Error(`the sign-in ${outcome.outcome}`);
  return outcome.accountKey;
}

/** Events of one topic, gathered from now on (subscribe before the action that causes them). */
function collect<T extends 'sync.done' | 'account.connected'>(client: IpcClient, topic: T): Array<EventDataOf<T>> {
  const events: Array<EventDataOf<T>> = [];
  void client.on(topic, (e) => events.push(e));
  return events;
}

async function waitUntil<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    const value = probe();
    if (value !== undefined) return value;
  }
  throw new Error(`${what} did not finish within ${timeoutMs / 1000} s`);
}

function tryThis(home: string, accountKey: string): string {
  return [
    'Try it — in another terminal, paste these two lines first:',
    '',
    ...shellSetup(callvaultLaunch(), home, process.platform).map((line) => `  ${line}`),
    '',
    'then:',
    '',
    '  callvault status                 # the daemon, the relay link, the lease deadline',
    '  callvault meetings --limit 10    # the offline copy, newest first',
    '  callvault search planning        # full-text search',
    '  callvault calls --limit 5        # Zoom Phone history',
    '  callvault watch                  # what the daemon does, as it does it',
    '  callvault demo deauth            # remove the app at Zoom: watch the wipe reach this device',
    '  callvault receipts               # signed deletion receipts',
    `  callvault purge --account ${accountKey}   # or delete it yourself, now`,
    '',
    'Ctrl-C here stops everything the demo started.',
  ].join('\n');
}

export function readDemoState(home = demoHome()): DemoState | null {
  const file = stateFile(home);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as DemoState;
}
