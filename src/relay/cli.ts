import { join } from 'node:path';
import { parseWords, usageLine } from '../platform/commandLine.js';
import { createLogger } from '../platform/logger.js';
import { runMigrateCommand, runReportCommand, type CommandIo } from './adminCommands.js';
import { loadOrCreateRelayKey } from './keys.js';
import { keyFileOf, readRelayConfig, relayDataDir, type RelayConfig } from './relayConfig.js';
import { startRelay } from './server.js';

// `callvault relay --port N --data-dir D --config relay.json`,
// `callvault relay --print-public-key [--data-dir D] [--config relay.json]`,
// `callvault relay migrate …` and `callvault relay report …` (adminCommands.ts).

export interface RelayCommandIo extends CommandIo {
  /** Stops a running relay when aborted; default: SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

function parsePort(text: string | undefined): number | null {
  if (text === undefined) return 0;
  return /^\d{1,5}$/.test(text) && Number(text) <= 65_535 ? Number(text) : null;
}

function stopSignal(io: RelayCommandIo): { signal: AbortSignal; dispose(): void } {
  if (io.signal) return { signal: io.signal, dispose: () => {} };
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

const defaultIo: RelayCommandIo = { stdout: process.stdout, stderr: process.stderr };

/** Runs the relay until stopped; returns the exit code (2: bad usage or config, 1: cannot start). */
export async function runRelayCommand(argv: string[], io: RelayCommandIo = defaultIo): Promise<number> {
  if (argv[0] === 'migrate') return runMigrateCommand(argv.slice(1), io);
  if (argv[0] === 'report') return runReportCommand(argv.slice(1), io);
  const parsed = parseWords(argv, { port: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string' }, 'print-public-key': { type: 'boolean' } }, false);
  if (!parsed.ok) {
    io.stderr.write(`${usageLine('relay', parsed.error)}\n`);
    return 2;
  }
  const values = parsed.value.flags as { port?: string; 'data-dir'?: string; config?: string; 'print-public-key'?: boolean };
  const dataDir = relayDataDir(values['data-dir']);
  let config: RelayConfig | null = null;
  if (values.config) {
    const read = readRelayConfig(values.config);
    if ('problem' in read) {
      io.stderr.write(`callvault relay: ${read.problem}\n`);
      return 2;
    }
    config = read.config;
  }

  if (values['print-public-key']) {
    const key = loadOrCreateRelayKey(keyFileOf(config, dataDir));
    if (!key.ok) {
      io.stderr.write(`callvault relay: ${key.error}\n`);
      return 1;
    }
    io.stdout.write(`${key.value.publicKeyBase64}\n`);
    return 0;
  }

  if (!config) {
    io.stderr.write(`${usageLine('relay', '--config is required')}\n`);
    return 2;
  }
  const port = parsePort(values.port);
  if (port === null) {
    io.stderr.write(`${usageLine('relay', '--port must be a number from 0 to 65535')}\n`);
    return 2;
  }

  const stop = stopSignal(io);
  try {
    const log = createLogger({ dir: join(dataDir, 'logs'), name: 'relay' });
    const started = await startRelay({ ...config, keyFile: keyFileOf(config, dataDir), port, dataDir, log });
    if (!started.ok) {
      io.stderr.write(`callvault relay: ${started.error.message}\n`);
      return started.error.code === 'BAD_OPTIONS' ? 2 : 1;
    }
    const relay = started.value;
    io.stdout.write(`${JSON.stringify({ url: relay.url, publicKey: relay.publicKey })}\n`);
    if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
    await relay.close();
    return 0;
  } finally {
    stop.dispose();
  }
}
