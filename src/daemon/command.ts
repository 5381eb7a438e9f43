import { parseWords, usageLine } from '../platform/commandLine.js';
import { formatConfigError, loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { configFile, resolvePaths } from '../platform/paths.js';
import { startDaemon } from './daemon.js';

export interface DaemonCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Stops the daemon when aborted; by default SIGINT and SIGTERM. */
  signal?: AbortSignal;
}

const defaultIo: DaemonCommandIo = { stdout: process.stdout, stderr: process.stderr };

/**
 * `callvault daemon`: runs in the foreground until SIGINT or SIGTERM. Exit codes: 0 (stopped, or
 * already running), 1 (could not start), 2 (bad config or usage).
 */
export async function runDaemonCommand(argv: string[], io: DaemonCommandIo = defaultIo): Promise<number> {
  // The daemon takes no words: it reads config.json.
  const words = parseWords(argv, {}, false);
  if (!words.ok) {
    io.stderr.write(`${usageLine('daemon', words.error)}\n`);
    return 2;
  }
  const paths = resolvePaths();
  const config = loadConfig(configFile(paths));
  if (!config.ok) {
    io.stderr.write(`callvault daemon: ${formatConfigError(config.error)}\n`);
    return 2;
  }
  const log = createLogger({ dir: paths.logs, name: 'daemon', level: config.value.log.level });
  // Listening before starting: a SIGTERM while the daemon starts, or the moment its socket
  // appears, must get the fixed stop order (after the start finishes), not the default death.
  const stopRequested = stopSignal(io.signal);
  const daemon = await startDaemon({ paths, config: config.value, log, startTray: true });
  if (!daemon.ok) {
    if (daemon.error.kind === 'already-running') {
      io.stdout.write(`callvault daemon is already running: ${daemon.error.message}\n`);
      return 0;
    }
    io.stderr.write(`callvault daemon: ${daemon.error.message}\n`);
    return 1;
  }
  io.stdout.write(`callvault daemon running (pid ${process.pid}); socket ${daemon.value.socketPath}\n`);
  await stopRequested;
  await daemon.value.stop();
  return 0;
}

function stopSignal(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    // The handlers stay: a second signal during shutdown (a process group signalled twice, an
    // impatient Ctrl-C) must not kill the daemon halfway through its fixed stop order.
    const done = (): void => resolve();
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
