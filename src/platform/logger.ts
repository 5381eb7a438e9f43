import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Field names that carry Zoom content or secrets. Code logs ids and counts only (DESIGN.md,
 * invariant 1); this list is the safety net should a record ever reach a log call by mistake.
 */
const CONTENT_FIELDS = [
  'topic',
  'email',
  'user_email',
  'caller_name',
  'callee_name',
  'caller_did_number',
  'callee_did_number',
  'callerName',
  'calleeName',
  'callerNumber',
  'calleeNumber',
  'phone_number',
  'access_token',
  'refresh_token',
  'accessToken',
  'refreshToken',
  'token',
  'authorization',
  'code_verifier',
  'q',
  'query',
];

// `name` is the logger's own field at the top level, so only nested names are redacted.
const redactPaths = [...CONTENT_FIELDS.flatMap((field) => [field, `*.${field}`]), '*.name'];

export interface LoggerOptions {
  /** Folder of the log file; the file is `<name>.log`. Omit to log to nothing (tests of pure code). */
  dir?: string;
  name: string;
  level?: LogLevel;
}

/**
 * JSON lines, written synchronously: the volume is low, and a line written just before a crash
 * (or a SIGKILL) must be on disk and in order.
 */
export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level ?? 'info', base: { name: options.name }, redact: { paths: redactPaths, censor: '[redacted]' } };
  if (!options.dir) return pino({ ...base, enabled: false });
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const file = join(options.dir, `${options.name}.log`);
  // Created private before pino opens it: logs hold ids and counts only, but they are the user's.
  closeSync(openSync(file, 'a', 0o600));
  const destination = pino.destination({ dest: file, sync: true });
  return pino(base, destination);
}

export function silentLogger(): Logger {
  return pino({ enabled: false });
}
