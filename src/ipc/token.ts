import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { err, ok, type Result } from '../core/result.js';

// The IPC token proves a client can read a file only the user can read (0600 in a 0700 folder).
// It changes at every server start, so a token copied once is useless after a restart.

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Writes a fresh token file; an existing file is replaced, never reused, so its mode is ours. */
export function writeTokenFile(file: string, token: string): Result<void, string> {
  try {
    unlinkSync(file);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') return err(codeOf(error));
  }
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return ok(undefined);
  } catch (error) {
    return err(codeOf(error));
  }
}

export function readTokenFile(file: string): Result<string, string> {
  try {
    return ok(readFileSync(file, 'utf8').trim());
  } catch (error) {
    return err(codeOf(error));
  }
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes before comparing. */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function codeOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return 'UNKNOWN';
}
