import { equalJitterDelay } from '../core/backoff.js';

// How often and how long the Zoom client retries a transient failure.

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /** Tries in all, the first included. */
  attempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000, attempts: 6 };

/** The wait before retry number `retry` (0 for the first retry). */
export function backoffDelay(retry: number, policy: Pick<BackoffPolicy, 'baseMs' | 'capMs'>, random: () => number = Math.random): number {
  return equalJitterDelay(retry, policy.baseMs, policy.capMs, random);
}
