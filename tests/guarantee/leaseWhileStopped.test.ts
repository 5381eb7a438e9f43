// The lease when no daemon runs: the real `callvault daemon` (a child process, compiled dist/)
// started after a deadline passed wipes before its socket serves anything.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiptView } from '../../src/ipc/schemas.js';
import { ChildDaemon, Home } from '../helpers/daemonHarness.js';
import { expectHeldEncrypted, expectNoTraceOf, expectReceiptsVerify, logLines, requireBuild, runCallvault, syncedAccounts, withControl } from './support.js';

describe('the lease, while no daemon runs', () => {
  beforeAll(requireBuild);
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('a deadline passed while stopped: wiped before the socket serves; `callvault receipts` lists it beside a `callvault purge`', async () => {
    const { h, keys, users } = await syncedAccounts();
    cleanups.push(() => h.close());
    const [a, b] = keys;
    const [userA, userB] = users;
    withControl(h.home, (control) => {
      const lease = control.leases.get(a)!;
      control.leases.set(a, { ...lease, deadline: Date.now() - 60_000 });
    });
    expectHeldEncrypted(h.home, h.sim, userA, a);

    const daemon = new ChildDaemon(h.home);
    cleanups.push(() => daemon.kill());
    const c = await daemon.connectTheInstantItServes();
    cleanups.push(() => c.close());
    // The first request on the first connection: the receipt is there already.
    const first = await c.call('receipts.list', {});
    expect(first.ok && first.value.receipts.map((r) => [r.zoomUserId, r.reason])).toEqual([[userA.userId, 'lease-expired']]);
    expect(await c.call('meetings.list', { account: a })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    const merged = await c.call('meetings.list', { limit: 500 });
    expect(merged.ok && merged.value.items.length).toBeGreaterThan(0);
    expect(merged.ok && merged.value.items.filter((m) => m.accountKey !== b)).toEqual([]);
    expect(await c.call('search', { q: userA.canaries[0]! })).toEqual({ ok: true, value: { hits: [], nextCursor: null, omitted: [] } });
    expectNoTraceOf(h.home, h.sim, userA, a);
    // The child's own log lines come after the first daemon's last one.
    const messages = logLines(h.home).map((line) => line.msg);
    const childRun = messages.slice(messages.lastIndexOf('daemon stopped') + 1);
    expect(childRun.indexOf('wipe complete')).toBeGreaterThanOrEqual(0);
    expect(childRun.indexOf('wipe complete')).toBeLessThan(childRun.indexOf('IPC server listening'));

    const purge = await runCallvault(h.home, 'purge', '--account', b, '--yes');
    expect(purge).toMatchObject({ code: 0, stdout: expect.stringContaining('Deleted.') });
    const listed = await runCallvault(h.home, 'receipts', '--json');
    expect(listed.code).toBe(0);
    const receipts = (JSON.parse(listed.stdout) as { receipts: ReceiptView[] }).receipts;
    // Newest first: the purge, then the wipe at start.
    expect(receipts.map((r) => [r.zoomUserId, r.reason, r.verified])).toEqual([
      [userB.userId, 'user-purge', true],
      [userA.userId, 'lease-expired', true],
    ]);
    const table = await runCallvault(h.home, 'receipts');
    expect(table.stdout).toMatch(/user-purge[\s\S]*lease-expired/);
    expect(await expectReceiptsVerify(c)).toHaveLength(2);
    expectNoTraceOf(h.home, h.sim, userB, b);
    await c.close();
    expect(await daemon.stop()).toBe(0);
  });

  it('a config with lease.days 10 is refused: exit 2 with a message naming lease.days, and nothing starts', async () => {
    const home = new Home();
    cleanups.push(async () => home.remove());
    mkdirSync(home.paths.config, { recursive: true });
    writeFileSync(join(home.paths.config, 'config.json'), JSON.stringify({ lease: { days: 10 } }));
    const daemon = new ChildDaemon(home);
    cleanups.push(() => daemon.kill());
    expect(await daemon.exit).toBe(2);
    expect(daemon.stderr).toContain('lease.days');
    expect(existsSync(home.endpoint().socketPath)).toBe(false);
    expect(existsSync(join(home.paths.data, 'control.db'))).toBe(false);
  });
});
