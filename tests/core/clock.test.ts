import { describe, expect, it } from 'vitest';
import { FakeClock, MAX_TIMER_MS, SystemClock, clampTimerMs } from '../../src/core/clock.js';

describe('FakeClock', () => {
  it('fires timers in due order as time advances, and not before', async () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 200);
    clock.setTimeout(() => fired.push('a'), 100);
    clock.setTimeout(() => fired.push('c'), 200);
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(101);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(200);
  });

  it('lets a 7-day sleep finish in one advance, with chained sleeps seeing their own times', async () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    const task = (async () => {
      await clock.sleep(7 * 86_400_000);
      seen.push(clock.now());
      await clock.sleep(1000);
      seen.push(clock.now());
    })();
    await clock.advance(7 * 86_400_000 + 1000);
    await task;
    expect(seen).toEqual([7 * 86_400_000, 7 * 86_400_000 + 1000]);
  });

  it('cancels timers and rejects aborted sleeps', async () => {
    const clock = new FakeClock(0);
    let fired = false;
    clock.setTimeout(() => (fired = true), 10).cancel();
    const controller = new AbortController();
    const sleeping = clock.sleep(1000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    await clock.advance(2000);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('jumpTo moves the wall clock without firing timers', async () => {
    const clock = new FakeClock(1000);
    let fired = false;
    clock.setTimeout(() => (fired = true), 10);
    clock.jumpTo(0);
    expect(clock.now()).toBe(0);
    await clock.advance(5);
    expect(fired).toBe(false);
  });
});

describe('SystemClock', () => {
  it('clamps timer lengths to what Node can arm', () => {
    expect(clampTimerMs(MAX_TIMER_MS * 4)).toBe(MAX_TIMER_MS);
    expect(clampTimerMs(-5)).toBe(0);
    expect(clampTimerMs(Number.NaN)).toBe(0);
  });

  it('does not fire a timer longer than 2^31-1 ms early', async () => {
    const clock = new SystemClock();
    let fired = false;
    const timer = clock.setTimeout(() => (fired = true), MAX_TIMER_MS * 3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    timer.cancel();
    expect(fired).toBe(false);
  });
});
