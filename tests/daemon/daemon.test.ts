import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { verifyReceipt, publicKeyFromBase64, type SignedReceipt } from '../../src/core/receipt.js';
import type { ResultOf } from '../../src/ipc/protocol.js';
import type { AccountStatus } from '../../src/ipc/schemas.js';
import { startDaemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/platform/logger.js';
import { InProcessDaemon, client, connectAccount, syncAndWait, waitFor } from '../helpers/daemonHarness.js';

describe('daemon', () => {
  let h: InProcessDaemon | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('connects an account through PKCE, syncs it, serves it, and purges it with a verifiable receipt', async () => {
    h = await InProcessDaemon.start();
    const c = await client(h.home);
    const [first, second] = h.sim.admin.users();
    const a = await connectAccount(c, h.sim, first!.userId);
    const b = await connectAccount(c, h.sim, second!.userId);
    expect((await syncAndWait(c, a)).error).toBeNull();
    expect((await syncAndWait(c, b)).error).toBeNull();

    const meetings = await c.call('meetings.list', { account: a, limit: 5 });
    expect(meetings.ok && meetings.value.items.length).toBe(5);
    const merged = await c.call('meetings.list', { limit: 500 });
    const keys = new Set(merged.ok ? merged.value.items.map((m) => m.accountKey) : []);
    expect(keys).toEqual(new Set([a, b]));
    const uuid = meetings.ok ? meetings.value.items[0]!.uuid : '';
    const detail = await c.call('meetings.get', { uuid });
    expect(detail.ok && detail.value.accountKey).toBe(a);

    const canary = first!.canaries[0]!;
    // Held, and encrypted: the data key is in control.db, and no file shows the canary.
    expect(h.home.holdsDataKey(a)).toBe(true);
    expect(h.home.filesContaining(canary)).toEqual([]);
    const purged = await c.call('purge', { account: a, confirm: true });
    expect(purged.ok).toBe(true);

    expect(await c.call('meetings.list', { account: a })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    const stillThere = await c.call('meetings.list', { account: b, limit: 1 });
    expect(stillThere.ok && stillThere.value.items.length).toBe(1);
    expect(h.home.filesContaining(canary)).toEqual([]);
    expect(h.home.holdsDataKey(a)).toBe(false);
    expect(h.home.holdsDataKey(b)).toBe(true);

    const status = await c.call('status');
    const receipts = await c.call('receipts.list', {});
    expect(receipts.ok && receipts.value.receipts).toHaveLength(1);
    const view = receipts.ok ? receipts.value.receipts[0]! : null;
    expect(view).toMatchObject({ reason: 'user-purge', zoomUserId: first!.userId, verified: true, acked: false });
    const key = publicKeyFromBase64(status.ok ? status.value.devicePublicKey! : '');
    // A viewer can verify a receipt with the device id and public key from status.
    const { acked: _acked, ...rest } = view!;
    const deviceId = status.ok ? status.value.deviceId : '';
    expect(verifyReceipt({ ...rest, v: 1, deviceId } satisfies SignedReceipt, key!)).toBe(true);
    expect(verifyReceipt({ ...rest, v: 1, deviceId, bytesRemoved: rest.bytesRemoved + 1 }, key!)).toBe(false);
    await c.close();
  });

  it('pages a search of every account with its cursor: each hit once, in the order of one big page; a cursor of other words or another list is refused', async () => {
    h = await InProcessDaemon.start();
    const c = await client(h.home);
    const [first, second] = h.sim.admin.users();
    const a = await connectAccount(c, h.sim, first!.userId);
    const b = await connectAccount(c, h.sim, second!.userId);
    expect((await syncAndWait(c, a)).error).toBeNull();
    expect((await syncAndWait(c, b)).error).toBeNull();
    // The commonest word of the topics: a search with hits in both vaults.
    const all = await c.call('meetings.list', { limit: 500 });
    const counts = new Map<string, number>();
    for (const m of all.ok ? all.value.items : []) for (const w of m.topic.toLowerCase().split(/[^a-z]+/)) if (w.length > 3) counts.set(w, (counts.get(w) ?? 0) + 1);
    const [q] = [...counts.entries()].sort((x, y) => y[1] - x[1])[0]!;
    const whole = await c.call('search', { q, limit: 200 });
    if (!whole.ok) throw new Error(whole.error.message);
    expect(whole.value.hits.length).toBeGreaterThan(6);
    expect(whole.value.hits.length).toBeLessThan(200);
    expect(new Set(whole.value.hits.map((hit) => hit.accountKey))).toEqual(new Set([a, b]));
    const paged: typeof whole.value.hits = [];
    let cursor: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(100);
      const page = await c.call('search', { q, limit: 3, cursor });
      if (!page.ok) throw new Error(page.error.message);
      expect(page.value.omitted).toEqual([]);
      paged.push(...page.value.hits);
      if (page.value.nextCursor === null) break;
      cursor = page.value.nextCursor;
    }
    expect(paged).toEqual(whole.value.hits);
    expect(new Set(paged.map((hit) => `${hit.accountKey}|${hit.kind}|${hit.ref}|${hit.time}`)).size).toBe(paged.length);
    // One account's search pages too, and its cursor names it.
    const ofA = await c.call('search', { q, account: a, limit: 1 });
    const cursorOfA = ofA.ok ? ofA.value.nextCursor : null;
    if (cursorOfA) {
      const next = await c.call('search', { q, cursor: cursorOfA });
      expect(next.ok && next.value.hits.every((hit) => hit.accountKey === a)).toBe(true);
      expect(await c.call('search', { q, account: b, cursor: cursorOfA })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    const firstPage = await c.call('search', { q, limit: 1 });
    const cursorOfQ = firstPage.ok ? firstPage.value.nextCursor! : '';
    expect(await c.call('search', { q: `${q} other`, cursor: cursorOfQ })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'cursor is not one this search (these words) gave out' } });
    expect(await c.call('meetings.list', { cursor: cursorOfQ })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    await c.close();
  });

  it('status shows each change at once, though it is kept as JSON between changes', async () => {
    h = await InProcessDaemon.start();
    const [first] = h.sim.admin.users();
    let c = await client(h.home);
    const account = await connectAccount(c, h.sim, first!.userId);
    const firstSync = await syncAndWait(c, account);
    expect(firstSync.error).toBeNull();
    await c.close();
    await h.stop();
    const stoppedAt = Date.now();

    // A clock that stands still: nothing below is shown merely because a second went by.
    const clock = new FakeClock(Date.now());
    await h.startDaemon({ clock });
    c = await client(h.home);
    const status = async (): Promise<ResultOf<'status'>> => {
      const answered = await c.call('status');
      if (!answered.ok) throw new Error(answered.error.message);
      return answered.value;
    };
    const shown = async (): Promise<AccountStatus> => (await status()).accounts.find((a) => a.accountKey === account)!;
    const before = await shown();
    // The vault remembers its last sync: a restarted daemon does not say "not synced yet".
    // (A sync the first daemon started on its own may have finished after the one asked for.)
    expect(before).toMatchObject({ state: 'active', syncing: null });
    expect(before.lastSyncAt).toBeGreaterThanOrEqual(firstSync.finishedAt);
    expect(before.lastSyncAt).toBeLessThanOrEqual(stoppedAt);
    expect(await shown()).toEqual(before);

    // A sync that writes nothing to control.db (its lease proof is under a minute old).
    expect((await syncAndWait(c, account)).error).toBeNull();
    const synced = await shown();
    expect(synced.lastSyncAt).toBe(clock.now());
    expect(synced.counts.meetings).toBeGreaterThan(0);

    expect((await c.call('sync.pause', { paused: true })).ok).toBe(true);
    expect(await status()).toMatchObject({ syncPaused: true, accounts: [{ accountKey: account, nextSyncAt: null }] });
    expect((await c.call('sync.pause', { paused: false })).ok).toBe(true);
    expect((await status()).syncPaused).toBe(false);

    // The lease runs out by the clock alone: no write, no event, and status says so at once.
    clock.jumpTo(synced.leaseDeadline! + 1);
    expect((await shown()).state).not.toBe('active');
    await c.close();
  });

  it('a second daemon refuses without disturbing the first, whose clients keep working', async () => {
    h = await InProcessDaemon.start();
    const c = await client(h.home);
    const config = h.home.config();
    if (!config.ok) throw new Error('config');
    const second = await startDaemon({ paths: h.home.paths, config: config.value, log: silentLogger(), syncAtStart: false });
    expect(second).toMatchObject({ ok: false, error: { kind: 'already-running' } });
    expect((await c.call('status')).ok).toBe(true);
    await c.close();
  });

  it('wipes an account whose grant Zoom reports dead mid-sync, and leaves the other untouched', async () => {
    h = await InProcessDaemon.start();
    const c = await client(h.home);
    const [first, second] = h.sim.admin.users();
    const a = await connectAccount(c, h.sim, first!.userId);
    const b = await connectAccount(c, h.sim, second!.userId);
    await syncAndWait(c, b);
    const wiped: string[] = [];
    await c.on('data.wiped', (e) => wiped.push(`${e.accountKey}:${e.reason}`));
    await syncAndWait(c, a);
    h.sim.admin.setFaults({ revokeAfterRequests: { userId: first!.userId, requests: 2 } });
    expect((await syncAndWait(c, a)).error).toBe('dead-grant');
    await waitFor(() => wiped.length > 0);
    expect(wiped).toEqual([`${a}:dead-grant`]);
    expect(h.home.filesContaining(first!.canaries[0]!)).toEqual([]);
    const other = await c.call('meetings.list', { account: b, limit: 1 });
    expect(other.ok && other.value.items.length).toBe(1);
    await c.close();
  });
});
