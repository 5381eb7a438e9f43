// The relay's sweep of Zoom content past its purpose, on the injected clock: at start, then at the
// moment the next piece falls due or within the hour, whichever is sooner.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { CONTENT_SWEEP_EVERY_MS, ContentSweeper, nextSweepIn } from '../../src/relay/contentSweep.js';
import { LedgerUnavailableError, UNUSABLE_BODY_KEPT_MS, type ContentSweep, type Ledger } from '../../src/relay/ledger.js';
import { openSqliteLedger } from '../../src/relay/sqliteLedger.js';
import { must } from './fixture.js';

const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);
const MINUTE = 60_000;

describe('the content sweep', () => {
  let dir: string;
  let ledger: Ledger;
  let clock: FakeClock;
  let sweeper: ContentSweeper | null = null;
  const sweeps: Array<ContentSweep & { at: number }> = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cv-sweep-'));
    ledger = must(openSqliteLedger(join(dir, 'relay.db'))).ledger;
    clock = new FakeClock(T0);
    sweeps.length = 0;
  });
  afterEach(async () => {
    await sweeper?.stop();
    sweeper = null;
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startSweeper(on: Ledger = ledger): ContentSweeper {
    sweeper = new ContentSweeper({ ledger: on, clock, log: silentLogger(), onSwept: (sweep, at) => sweeps.push({ ...sweep, at }) });
    sweeper.start();
    return sweeper;
  }

  it('sweeps at start, then when the next body falls due, then every hour; stopping ends it', async () => {
    const dueIn = 30 * MINUTE;
    await ledger.keepUnusableEvent({ id: 'a'.repeat(64), receivedAt: T0 - UNUSABLE_BODY_KEPT_MS + dueIn, event: null, problem: 'not a Zoom event', body: '"x"' });
    const running = startSweeper();
    await clock.advance(0);
    expect(sweeps).toEqual([{ noticesDropped: 0, bodiesDropped: 0, nextDueAt: T0 + dueIn, at: T0 }]);

    await clock.advance(dueIn - 1);
    expect(sweeps).toHaveLength(1);
    await clock.advance(1);
    expect(sweeps.at(-1)).toEqual({ noticesDropped: 0, bodiesDropped: 1, nextDueAt: null, at: T0 + dueIn });
    expect((await ledger.unusableEvents())[0]).toMatchObject({ body: null, bodyDroppedAt: T0 + dueIn });

    await clock.advance(CONTENT_SWEEP_EVERY_MS);
    expect(sweeps.map((s) => s.at - T0)).toEqual([0, dueIn, dueIn + CONTENT_SWEEP_EVERY_MS]);

    await running.stop();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(3 * CONTENT_SWEEP_EVERY_MS);
    expect(sweeps).toHaveLength(3);
  });

  it('never waits longer than an hour, however far away the next piece falls due', async () => {
    await ledger.keepUnusableEvent({ id: 'b'.repeat(64), receivedAt: T0, event: null, problem: 'not a Zoom event', body: '"y"' });
    startSweeper();
    await clock.advance(2 * CONTENT_SWEEP_EVERY_MS);
    expect(sweeps.map((s) => [s.at - T0, s.nextDueAt])).toEqual([
      [0, T0 + UNUSABLE_BODY_KEPT_MS],
      [CONTENT_SWEEP_EVERY_MS, T0 + UNUSABLE_BODY_KEPT_MS],
      [2 * CONTENT_SWEEP_EVERY_MS, T0 + UNUSABLE_BODY_KEPT_MS],
    ]);
    expect(nextSweepIn(T0 + 5 * MINUTE, T0)).toBe(5 * MINUTE);
    expect(nextSweepIn(T0 - 5 * MINUTE, T0)).toBe(0);
    expect(nextSweepIn(null, T0)).toBe(CONTENT_SWEEP_EVERY_MS);
  });

  it('tries again a minute after a sweep that failed (the ledger unreachable)', async () => {
    let failures = 1;
    const flaky: Ledger = Object.assign(Object.create(ledger) as Ledger, {
      sweepContent: async (now: number) => {
        if (failures-- > 0) throw new LedgerUnavailableError('PostgreSQL at db:5432/callvault is unreachable (ECONNREFUSED)');
        return ledger.sweepContent(now);
      },
    });
    startSweeper(flaky);
    await clock.advance(0);
    expect(sweeps).toEqual([]);
    await clock.advance(MINUTE);
    expect(sweeps).toEqual([{ noticesDropped: 0, bodiesDropped: 0, nextDueAt: null, at: T0 + MINUTE }]);
  });
});
