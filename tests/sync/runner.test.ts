import { describe, expect, it } from 'vitest';
import { CoalescingRunner } from '../../src/sync/runner.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('CoalescingRunner', () => {
  it('never runs two jobs at once and coalesces requests made during a run into one', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const gates = [gate(), gate()];
    const runner = new CoalescingRunner(async () => {
      const index = runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      await gates[index]!.promise;
      active--;
      return index;
    }, () => -1);
    const first = runner.request();
    const second = runner.request();
    const third = runner.request();
    expect(second).toBe(third);
    gates[0]!.open();
    expect(await first).toBe(0);
    gates[1]!.open();
    expect(await second).toBe(1);
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
  });

  it('cancel aborts the running job, resolves the queued one as cancelled, and waits', async () => {
    let sawAbort = false;
    const runner = new CoalescingRunner(
      (signal) =>
        new Promise<string>((resolve) => {
          signal.addEventListener('abort', () => {
            sawAbort = true;
            resolve('aborted');
          });
        }),
      () => 'cancelled',
    );
    const running = runner.request();
    const queued = runner.request();
    await runner.cancel({ forever: true });
    expect(sawAbort).toBe(true);
    expect(await running).toBe('aborted');
    expect(await queued).toBe('cancelled');
    expect(runner.running).toBe(false);
    expect(runner.request()).toBeNull();
  });
});
