// Jittered, capped exponential backoff: clients that failed together do not retry together.

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /** Tries in all, the first included. */
  attempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000, attempts: 6 };

/**
 * The wait before retry number `retry` (0 for the first retry): "equal jitter", half of the
 * exponential step fixed and half random, so a wait is never near zero.
 */
export function backoffDelay(retry: number, policy: Pick<BackoffPolicy, 'baseMs' | 'capMs'>, random: () => number = Math.random): number {
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry));
  return Math.round(step / 2 + random() * (step / 2));
}
