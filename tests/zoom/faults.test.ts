// Transient trouble at Zoom (the simulator's faults): retried with backoff, or reported as typed
// failures once the retries are spent.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { startSimulator, type FaultKind, type Simulator } from '../../src/sim/index.js';
import { connect, countOf, DAY_MS, FAST_RETRY, MemoryTokenStore, wire, type Wired } from './helpers.js';

const MEETINGS = 'GET /v2/users/{userId}/meetings';

let sim: Simulator;
let w: Wired;

beforeAll(async () => {
  // A held request is let go by the client's 300 ms deadline long before the simulator's 10 s.
  sim = await startSimulator({ faultDelayMs: 10_000 });
  w = wire(sim, { clock: systemClock, store: new MemoryTokenStore(await connect(sim, systemClock)), timeoutMs: 300 });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.admin.setFaults({});
  sim.admin.resetCounts();
});

function lastMonth() {
  const now = systemClock.now();
  return w.client.listPreviousMeetings();
}

function inject(kind: FaultKind, count: number): void {
  sim.admin.setFaults({ next: [{ kind, count, endpoint: MEETINGS }] });
}

describe('faults', () => {
  it.each([['5xx'], ['timeout'], ['malformed']] as const)('%s is retried and the page arrives', async (kind) => {
    inject(kind, 2);
    const page = await lastMonth();
    expect(page.ok).toBe(true);
    expect(countOf(sim, MEETINGS, 200)).toBe(kind === 'malformed' ? 3 : 1);
  });

  it('5xx that does not stop is unavailable after the last try', async () => {
    inject('5xx', 100);
    expect(await lastMonth()).toEqual({ ok: false, error: { kind: 'unavailable' } });
    const counts = sim.admin.counts()[MEETINGS] ?? {};
    expect((counts['500'] ?? 0) + (counts['503'] ?? 0)).toBe(FAST_RETRY.attempts);
  });

  it('timeouts that do not stop are unavailable', async () => {
    inject('timeout', 100);
    expect(await lastMonth()).toEqual({ ok: false, error: { kind: 'unavailable' } });
    expect(countOf(sim, MEETINGS, 'timeout')).toBe(FAST_RETRY.attempts);
  });

  it('a body that stays cut off is malformed, naming the endpoint', async () => {
    inject('malformed', 100);
    expect(await lastMonth()).toEqual({ ok: false, error: { kind: 'malformed', endpoint: '/users/{userId}/meetings' } });
  });

  it('a random mix of faults still yields every page', async () => {
    sim.admin.setFaults({ rate: 0.3, seed: 7, kinds: ['5xx', 'malformed', '429-headerless'] });
    const results = await Promise.all(Array.from({ length: 6 }, () => lastMonth()));
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('stops retrying when the caller aborts', async () => {
    inject('timeout', 100);
    const controller = new AbortController();
    const pending = w.client.listPreviousMeetings({ signal: controller.signal });
    controller.abort();
    expect(await pending).toEqual({ ok: false, error: { kind: 'aborted' } });
  });
});
