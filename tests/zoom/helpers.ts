// Shared fixtures of the Zoom client tests: an in-memory token store, the test "browser", a login
// against the simulator, and a client wired the way the daemon wires one.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/clock.js';
import { createLogger, silentLogger, type Logger } from '../../src/platform/logger.js';
import type { Simulator } from '../../src/sim/index.js';
import { createZoomClient, RateLimiter, startLogin, TokenManager, type BackoffPolicy, type TokenSet, type TokenStore, type ZoomClient, type ZoomPlan } from '../../src/zoom/index.js';

/** A token store that keeps every save, and can be told to fail the next one (a crash or a full disk). */
export class MemoryTokenStore implements TokenStore {
  readonly saved: TokenSet[] = [];
  failNextSave = false;

  constructor(initial?: TokenSet) {
    if (initial) this.saved.push(initial);
  }

  load(): TokenSet | null {
    return this.saved.at(-1) ?? null;
  }

  save(tokens: TokenSet): void {
    if (this.failNextSave) {
      this.failNextSave = false;
      throw new Error('simulated crash while saving');
    }
    this.saved.push(tokens);
  }
}

/** The browser: follows Zoom's redirect to the loopback callback, as a user's browser would. */
export async function browse(authorizeUrl: string, changeLocation: (location: URL) => void = () => {}): Promise<{ status: number; text: string }> {
  const first = await fetch(authorizeUrl, { redirect: 'manual' });
  await first.text();
  if (first.status !== 302) throw new Error(`authorize answered ${first.status}`);
  const location = new URL(first.headers.get('location') ?? '');
  changeLocation(location);
  const callback = await fetch(location);
  return { status: callback.status, text: await callback.text() };
}

export function oauthOf(sim: Simulator): { oauthUrl: string; clientId: string } {
  return { oauthUrl: sim.url, clientId: sim.clientId };
}

/** A full PKCE login through the loopback redirect, as `userId` (default: the first user). */
export async function connect(sim: Simulator, clock: Clock, userId?: string): Promise<TokenSet> {
  const session = await startLogin({ oauth: oauthOf(sim), clock, log: silentLogger(), extraAuthorizeParams: userId ? { sim_user: userId } : undefined });
  if (!session.ok) throw new Error(`login could not start: ${session.error.kind}`);
  await browse(session.value.url);
  const result = await session.value.done;
  if (!result.ok) throw new Error(`login failed: ${result.error.kind}`);
  return result.value;
}

export const FAST_RETRY: BackoffPolicy = { baseMs: 5, capMs: 20, attempts: 4 };

export interface Wired {
  client: ZoomClient;
  tokens: TokenManager;
  limiter: RateLimiter;
  store: MemoryTokenStore;
  alive: number[];
}

export interface WireOptions {
  clock: Clock;
  store: MemoryTokenStore;
  plan?: ZoomPlan;
  log?: Logger;
  limiter?: RateLimiter;
  timeoutMs?: number;
  retry?: BackoffPolicy;
}

export function wire(sim: Simulator, o: WireOptions): Wired {
  const log = o.log ?? silentLogger();
  const alive: number[] = [];
  const tokens = new TokenManager({ store: o.store, oauth: oauthOf(sim), clock: o.clock, log, onGrantAlive: (at) => alive.push(at), retry: o.retry ?? FAST_RETRY });
  const limiter = o.limiter ?? new RateLimiter(o.plan ?? 'pro', o.clock);
  const client = createZoomClient({ tokens, limiter, clock: o.clock, log, apiUrl: 'http://127.0.0.1:9', timeoutMs: o.timeoutMs, retry: o.retry ?? FAST_RETRY });
  return { client, tokens, limiter, store: o.store, alive };
}

/** A temp folder with a debug-level log file, for scanning what the client wrote. */
export function tempLog(): { dir: string; log: Logger; read(): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cv-'));
  const log = createLogger({ dir, name: 'zoom', level: 'trace' });
  return { dir, log, read: () => readFileSync(join(dir, 'zoom.log'), 'utf8'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** How many requests the simulator answered on `label` with `status`. */
export function countOf(sim: Simulator, label: string, status: string | number): number {
  return sim.admin.counts()[label]?.[String(status)] ?? 0;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
