import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseWords, usageLine } from '../platform/commandLine.js';
import { MAX_LEASE_DAYS } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { resolvePaths } from '../platform/paths.js';
import { loadOrCreateRelayKey } from './keys.js';
import { DEFAULT_LEASE_DAYS, startRelay } from './server.js';

// `callvault relay --port N --data-dir D --config relay.json` and
// `callvault relay --print-public-key [--data-dir D]`.

export interface RelayCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Stops a running relay when aborted; default: SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

const relayConfig = z.strictObject({
  webhookSecretToken: z.string().min(1, 'must not be empty'),
  adminToken: z.string().min(16, 'must be at least 16 characters'),
  zoomApiUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).default('https://api.zoom.us'),
  leaseDays: z.number().positive().max(MAX_LEASE_DAYS).default(DEFAULT_LEASE_DAYS),
  host: z.string().min(1).default('127.0.0.1'),
});

type RelayConfig = z.infer<typeof relayConfig>;

/** The config, or a message naming the field that is wrong. */
function readConfig(file: string): { config: RelayConfig } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code ? `cannot read ${file} (${code})` : `${file} is not JSON` };
  }
  const parsed = relayConfig.safeParse(raw);
  if (parsed.success) return { config: parsed.data };
  const issue = parsed.error.issues[0];
  if (!issue) return { problem: `${file} is invalid` };
  if (issue.code === 'unrecognized_keys') return { problem: `${file}: unknown field ${issue.keys.join(', ')}` };
  return { problem: `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
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
  const parsed = parseWords(argv, { port: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string' }, 'print-public-key': { type: 'boolean' } }, false);
  if (!parsed.ok) {
    io.stderr.write(`${usageLine('relay', parsed.error)}\n`);
    return 2;
  }
  const values = parsed.value.flags as { port?: string; 'data-dir'?: string; config?: string; 'print-public-key'?: boolean };
  const dataDir = values['data-dir'] ?? join(resolvePaths().data, 'relay');

  if (values['print-public-key']) {
    const key = loadOrCreateRelayKey(join(dataDir, 'relay-key.pem'));
    if (!key.ok) {
      io.stderr.write(`callvault relay: ${key.error}\n`);
      return 1;
    }
    io.stdout.write(`${key.value.publicKeyBase64}\n`);
    return 0;
  }

  if (!values.config) {
    io.stderr.write(`${usageLine('relay', '--config is required')}\n`);
    return 2;
  }
  const port = parsePort(values.port);
  if (port === null) {
    io.stderr.write(`${usageLine('relay', '--port must be a number from 0 to 65535')}\n`);
    return 2;
  }
  const read = readConfig(values.config);
  if ('problem' in read) {
    io.stderr.write(`callvault relay: ${read.problem}\n`);
    return 2;
  }
  const { config } = read;

  const stop = stopSignal(io);
  try {
    const started = await startRelay({ ...config, port, dataDir, log: createLogger({ dir: join(dataDir, 'logs'), name: 'relay' }) });
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
