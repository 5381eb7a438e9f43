// One HTTP exchange with Zoom under a deadline on the injected Clock, as a value: the response
// (status, headers, body text) or why there is none. Nothing here looks at the body.

import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';

export interface TimedResponse {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * 'timeout': no complete answer within the deadline. 'network': the connection failed (refused,
 * reset, DNS). 'aborted': the caller's signal fired.
 */
export type FetchFailure = 'timeout' | 'network' | 'aborted';

export interface TimedFetchOptions {
  clock: Clock;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export async function timedFetch(url: string, init: RequestInit, options: TimedFetchOptions): Promise<Result<TimedResponse, FetchFailure>> {
  if (options.signal?.aborted) return err('aborted');
  const controller = new AbortController();
  let timedOut = false;
  const timer = options.clock.setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    // The body is read under the same deadline: a server may stall after the headers.
    const text = await response.text();
    return ok({ status: response.status, headers: response.headers, text });
  } catch {
    if (options.signal?.aborted) return err('aborted');
    return err(timedOut ? 'timeout' : 'network');
  } finally {
    timer.cancel();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
