import { dirname } from 'node:path';
import { equalJitterDelay } from '../core/backoff.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Result } from '../core/result.js';
import { connectIpc, describeClientError, type ClientError, type ConnectOptions, type IpcClient } from '../ipc/client.js';
import { parseWords, usageLine } from '../platform/commandLine.js';
import { hasDisplay } from '../platform/display.js';
import { acquireLock, describeInstanceError, ipcEndpoint, type IpcEndpoint } from '../platform/instance.js';
import { currentPathEnv, resolvePaths } from '../platform/paths.js';
import { callvaultLaunch } from '../platform/serviceLaunch.js';
import { TrayController } from './controller.js';
import type { MenuModel } from './menu.js';
import { openHistory } from './openHistory.js';
import { describeHostError, startSystrayHost, type HostError, type HostOptions, type TrayHost } from './systrayHost.js';

// `callvault tray`: the tray icon, its own process and an IPC client like any viewer, so a tray
// crash never touches the daemon. It is started by the daemon (when the daemon has a display) or
// by the desktop session (the XDG autostart entry `callvault service install` writes), which may
// come before the daemon: so it waits for the daemon rather than failing, and shows the icon once
// connected. Once connected it outlives daemon restarts: the icon turns grey and the client
// dials again. One tray runs per runtime folder; a second one leaves the first alone.
//
// Exit codes: 0 Quit, a signal, or a tray is running already; 1 no display or no tray, or the
// connection ended for good; 2 bad arguments.

export interface TrayIo {
  platform: NodeJS.Platform;
  arch: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Where the daemon listens; by default the one of CALLVAULT_HOME or the platform's folders. */
  endpoint: IpcEndpoint;
  connect: (options: ConnectOptions) => Promise<Result<IpcClient, ClientError>>;
  startHost: (model: MenuModel, options: HostOptions) => Promise<Result<TrayHost, HostError>>;
  openHistory: () => boolean;
  /** Resolves with the exit code when the process is asked to stop (SIGINT, SIGTERM). */
  untilSignal: () => Promise<number>;
}

/** The icon must be up by then, so that a tray without a display ends within 5 s of starting. */
export const READY_TIMEOUT_MS = 4000;
/** The single-instance lock, beside the daemon's in the runtime folder. */
export const TRAY_LOCK = 'tray.lock';
/** Dialling a daemon that is not there yet: from a quarter second up to this, with jitter. */
const WAIT_FIRST_MS = 250;
const WAIT_MAX_MS = 5000;

const NO_TRAY = 'the daemon keeps running without a tray';

export async function runTray(argv: readonly string[], io: Partial<TrayIo> = {}): Promise<number> {
  const full = { ...defaultIo(io), ...io };
  const parsed = parseWords(argv, {}, false);
  if (!parsed.ok) {
    full.err(`${usageLine('tray', parsed.error)}\n`);
    return 2;
  }
  if (!hasDisplay(full.env, full.platform)) {
    // Said before anything is dialled: whether a daemon runs is another matter.
    full.err('callvault tray: no display (neither DISPLAY nor WAYLAND_DISPLAY is set): the tray shows only in a desktop session\n');
    return 1;
  }
  const lock = await acquireLock(dirname(full.endpoint.tokenFile), TRAY_LOCK, { clock: full.clock });
  if (!lock.ok) {
    if (lock.error.kind === 'already-running') {
      full.out(`callvault tray is already running${lock.error.pid === null ? '' : ` (pid ${lock.error.pid})`}; this one leaves it alone.\n`);
      return 0;
    }
    full.err(`callvault tray: ${describeInstanceError(lock.error)}\n`);
    return 1;
  }
  try {
    return await showTray(full);
  } finally {
    lock.value.release();
  }
}

async function showTray(full: TrayIo): Promise<number> {
  const signalled = full.untilSignal();
  const stop = new AbortController();
  void signalled.then(() => stop.abort());
  // The clock's timers do not hold the process open (a daemon's timers must not keep it from
  // exiting); while nothing else runs, this does, so the tray waits instead of ending.
  const holdOpen = setInterval(() => {}, 60_000);
  const connected = await waitForDaemon(full, stop.signal).finally(() => clearInterval(holdOpen));
  if (connected === null) return 0;
  if (!connected.ok) {
    full.err(`callvault tray: ${describeClientError(connected.error)}\n`);
    return 1;
  }
  const client = connected.value;

  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const controller = new TrayController({
    client,
    clock: full.clock,
    openHistory: full.openHistory,
    onQuit: () => finish(0),
    onClosed: () => {
      full.err('callvault tray: the connection to the daemon ended for good (another protocol version?)\n');
      finish(1);
    },
  });
  const loaded = await controller.load();
  if (!loaded.ok) {
    full.err(`callvault tray: the daemon did not answer: ${loaded.error.message}\n`);
    controller.stop();
    await client.close();
    return 1;
  }

  const host = await full.startHost(controller.menu(), { platform: full.platform, arch: full.arch, clock: full.clock, readyTimeoutMs: READY_TIMEOUT_MS });
  if (!host.ok) {
    full.err(`callvault tray: ${describeHostError(host.error)}; ${NO_TRAY}\n`);
    controller.stop();
    await client.close();
    return 1;
  }
  host.value.onExit((detail) => {
    full.err(`callvault tray: ${detail}; ${NO_TRAY}\n`);
    finish(1);
  });
  controller.attach(host.value);

  const code = await Promise.race([finished, signalled]);
  controller.stop();
  await host.value.close();
  await client.close();
  return code;
}

/**
 * Dials until the daemon answers. A daemon that is not running yet (the desktop session started
 * before it) is waited for, said once; any other failure ends the wait. Null: stopped while waiting.
 */
async function waitForDaemon(full: TrayIo, stop: AbortSignal): Promise<Result<IpcClient, ClientError> | null> {
  for (let attempt = 0; ; attempt++) {
    const connected = await full.connect({ ...full.endpoint, reconnect: true, clock: full.clock });
    if (stop.aborted) {
      if (connected.ok) await connected.value.close();
      return null;
    }
    if (connected.ok || connected.error.kind !== 'not-running') return connected;
    if (attempt === 0) full.out('callvault tray: waiting for the daemon to start (callvault daemon, or at login: callvault service install)…\n');
    try {
      await full.clock.sleep(equalJitterDelay(attempt, WAIT_FIRST_MS, WAIT_MAX_MS), stop);
    } catch {
      return null;
    }
  }
}

function defaultIo(io: Partial<TrayIo>): TrayIo {
  const launch = callvaultLaunch();
  const platform = io.platform ?? process.platform;
  const env = io.env ?? process.env;
  return {
    platform,
    arch: process.arch,
    env,
    clock: systemClock,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    endpoint: io.endpoint ?? ipcEndpoint(resolvePaths({ ...currentPathEnv(), platform, env }), platform),
    connect: connectIpc,
    startHost: startSystrayHost,
    openHistory: () => openHistory(platform, env, launch),
    untilSignal,
  };
}

/** SIGINT and SIGTERM end the tray like Quit: the tray program is told to exit, not orphaned. */
function untilSignal(): Promise<number> {
  return new Promise((resolve) => {
    const stop = (): void => resolve(0);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
