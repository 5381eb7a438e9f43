/**
 * Capped exponential backoff with "equal jitter": the wait before retry `retry` (0 for the first)
 * is half of min(capMs, baseMs * 2^retry) fixed and half random, so clients that failed together
 * do not retry together, and no wait is near zero. The Zoom client, the relay link and the IPC
 * client each keep their own base and cap.
 */
export function equalJitterDelay(retry: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  // 2^40 times any base passes every cap; a larger exponent would only overflow to Infinity.
  const step = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, retry), 40));
  return Math.round(step / 2 + random() * (step / 2));
}
