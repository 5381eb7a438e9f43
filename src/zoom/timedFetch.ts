// One HTTP exchange with Zoom under a deadline on the injected Clock, as a value: the response
// (status, headers, body text) or why there is none. Nothing here looks at the body.
//
// Built on node:http and node:https rather than the global fetch: fetch loads undici, about 5 MB
// of the always-running daemon's own memory and 8 MB more of mapped code, for two kinds of
// request (a GET with a bearer token, a form POST) that http.request does as well.

import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';

/** Response headers by case-insensitive name, as fetch's Headers would give them. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface TimedResponse {
  status: number;
  headers: ResponseHeaders;
  text: string;
}

/**
 * 'timeout': no complete answer within the deadline. 'network': the connection failed (refused,
 * reset, DNS) or the server answered with a redirect, which Zoom's API never should.
 * 'aborted': the caller's signal fired.
 */
export type FetchFailure = 'timeout' | 'network' | 'aborted';

export interface TimedRequest {
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface TimedFetchOptions {
  clock: Clock;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

// Connections are kept open between requests, as fetch did: a sync makes hundreds in a row. An
// idle one is closed after 4 s, before servers commonly drop theirs (Node's own after 5 s), so a
// request rarely lands on a connection the server is closing.
const IDLE_CONNECTION_MS = 4_000;
const agents = {
  'http:': new HttpAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
  'https:': new HttpsAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
};

export function timedFetch(url: string, init: TimedRequest, options: TimedFetchOptions): Promise<Result<TimedResponse, FetchFailure>> {
  if (options.signal?.aborted) return Promise.resolve(err('aborted'));
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(err('network'));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.resolve(err('network'));
  const secure = target.protocol === 'https:';

  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Result<TimedResponse, FetchFailure>): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      options.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const headers = init.body === undefined ? init.headers : { ...init.headers, 'Content-Length': String(Buffer.byteLength(init.body)) };
    const requestOptions = { method: init.method ?? 'GET', headers, agent: secure ? agents['https:'] : agents['http:'] };
    const request = secure ? httpsRequest(target, requestOptions) : httpRequest(target, requestOptions);
    // The body is read under the same deadline: a server may stall after the headers.
    const timer = options.clock.setTimeout(() => {
      finish(err('timeout'));
      request.destroy();
    }, options.timeoutMs);
    const onAbort = (): void => {
      finish(err('aborted'));
      request.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    request.once('error', () => finish(err('network')));
    request.once('response', (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        response.resume();
        finish(err('network'));
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', () => finish(err('network')));
      // 'aborted' and an early close mean the body was cut short: no complete answer.
      response.once('close', () => {
        if (!response.complete) finish(err('network'));
      });
      response.once('end', () => finish(ok({ status, headers: headerReader(response.headers), text: Buffer.concat(chunks).toString('utf8') })));
    });
    request.end(init.body);
  });
}

function headerReader(headers: IncomingHttpHeaders): ResponseHeaders {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
