import { randomBytes, randomUUID } from 'node:crypto';

/** A random, URL- and filename-safe identifier with `bytes` bytes of entropy. */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * The local name of an account: random, so that vault file names and log lines say nothing about
 * who the account belongs to.
 */
export function newAccountKey(): string {
  return `a_${randomBytes(12).toString('hex')}`;
}

export const ACCOUNT_KEY_PATTERN = /^a_[0-9a-f]{24}$/;

export function isAccountKey(value: string): boolean {
  return ACCOUNT_KEY_PATTERN.test(value);
}

export function newId(): string {
  return randomUUID();
}
