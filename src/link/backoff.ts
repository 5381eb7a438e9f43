import { equalJitterDelay } from '../core/backoff.js';

export const DEFAULT_BACKOFF_BASE_MS = 1_000;
export const DEFAULT_BACKOFF_MAX_MS = 5 * 60_000;

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export function backoffPolicy(options: { baseMs?: number; maxMs?: number } = {}): BackoffPolicy {
  const baseMs = Math.max(1, options.baseMs ?? DEFAULT_BACKOFF_BASE_MS);
  return { baseMs, maxMs: Math.max(baseMs, options.maxMs ?? DEFAULT_BACKOFF_MAX_MS) };
}

/** The wait before retry number `attempt` (0-based): devices that lost the relay together spread out. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  return equalJitterDelay(attempt, policy.baseMs, policy.maxMs, random);
}
