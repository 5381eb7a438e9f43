// Time is injected everywhere a decision depends on it (leases, expiry, retention, backoff,
// schedules), so that a test of a 7-day lease advances a FakeClock instead of sleeping.

/** Node fires a setTimeout longer than this at once; longer waits are chained. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch: the wall clock, which a user or NTP may set back or forward. */
  now(): number;
  /**
   * Milliseconds on a clock that only moves forward with elapsed time (no origin meaning). With
   * `now`, it lets trusted time advance even while the wall clock is set back.
   */
  monotonic(): number;
  /** Runs `fn` once after `ms` of this clock's time. Any `ms` is allowed; long waits are chained. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Resolves after `ms` of this clock's time, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function clampTimerMs(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

function sleepWith(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The wall clock. Timers longer than 2^31-1 ms are chained so they never fire early. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const due = Date.now() + Math.max(0, ms);
    let handle: NodeJS.Timeout;
    const arm = (): void => {
      const remaining = due - Date.now();
      handle = globalThis.setTimeout(remaining > MAX_TIMER_MS ? arm : fn, clampTimerMs(remaining));
      handle.unref?.();
    };
    arm();
    return { cancel: () => globalThis.clearTimeout(handle) };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }
}

export const systemClock: Clock = new SystemClock();

interface FakeTimer {
  due: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. `advance` fires due timers in order, letting promise
 * callbacks run between them, so code awaiting `sleep` observes the time it expects.
 */
export class FakeClock implements Clock {
  private current: number;
  private elapsed = 0;
  private timers: FakeTimer[] = [];
  private seq = 0;

  constructor(start: number | Date = Date.UTC(2026, 0, 15, 12, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return this.elapsed;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = { due: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return {
      cancel: () => {
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(target: number): Promise<void> {
    for (;;) {
      await flushMicrotasks();
      const next = this.nextDue(target);
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.moveTo(next.due);
      next.fn();
    }
    this.moveTo(target);
    await flushMicrotasks();
  }

  /**
   * Sets the wall clock to `time` without firing timers or moving the monotonic clock: a user
   * changing the system clock, or a machine waking from sleep. Timers keep their due times.
   */
  jumpTo(time: number): void {
    this.current = time;
  }

  private moveTo(time: number): void {
    if (time <= this.current) return;
    this.elapsed += time - this.current;
    this.current = time;
  }

  private nextDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.due > limit) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

async function flushMicrotasks(): Promise<void> {
  // A few macrotask turns let chains of awaits (and I/O callbacks already queued) settle.
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
