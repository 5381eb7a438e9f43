import { systemClock, type Clock } from '../core/clock.js';
import type { Result } from '../core/result.js';
import { connectIpc, describeClientError, type ClientError, type ConnectOptions, type IpcClient } from '../ipc/client.js';
import { parseWords, usageLine } from '../platform/commandLine.js';
import { hasDisplay } from '../platform/display.js';
import { ipcEndpoint, type IpcEndpoint } from '../platform/instance.js';
import { currentPathEnv, resolvePaths } from '../platform/paths.js';
import { callvaultLaunch } from '../platform/serviceLaunch.js';
import { TrayController } from './controller.js';
import type { MenuModel } from './menu.js';
import { openHistory } from './openHistory.js';
import { describeHostError, startSystrayHost, type HostError, type HostOptions, type TrayHost } from './systrayHost.js';

// `callvault tray`: the tray icon, its own process and an IPC client like any viewer, so a tray
// crash never touches the daemon. The daemon starts it once its socket listens, so the tray does
// not wait for a daemon: run before one, it exits 3 and names the command that starts it. Once
// connected it outlives daemon restarts: the icon turns grey and the client dials again.
//
// Exit codes: 0 Quit or a signal; 1 no display or no tray, or the connection ended for good;
// 2 bad arguments; 3 the daemon is not running.

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
  /** Called once the icon is up: resolves with the exit code when the process is asked to stop. */
  untilSignal: () => Promise<number>;
}

/** The icon must be up by then, so that a tray without a display ends within 5 s of starting. */
export const READY_TIMEOUT_MS = 4000;

const NO_TRAY = 'the daemon keeps running without a tray';

export async function runTray(argv: readonly string[], io: Partial<TrayIo> = {}): Promise<number> {
  const full = { ...defaultIo(io), ...io };
  const parsed = parseWords(argv, {}, false);
  if (!parsed.ok) {
    full.err(`${usageLine('tray', parsed.error)}\n`);
    return 2;
  }
  if (!hasDisplay(full.env, full.platform)) {
    full.err(`callvault tray: no display (neither DISPLAY nor WAYLAND_DISPLAY is set); ${NO_TRAY}\n`);
    return 1;
  }

  const connected = await full.connect({ ...full.endpoint, reconnect: true, clock: full.clock });
  if (!connected.ok) {
    full.err(`callvault tray: ${describeClientError(connected.error)}\n`);
    return connected.error.kind === 'not-running' ? 3 : 1;
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

  const code = await Promise.race([finished, full.untilSignal()]);
  controller.stop();
  await host.value.close();
  await client.close();
  return code;
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
