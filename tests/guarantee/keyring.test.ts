// The device key in the OS credential store, for real: gnome-keyring's Secret Service on a private
// D-Bus session. The daemon keeps its key there (secret-tool, which reads the keyring without our
// library, sees it), a wipe replaces it there, and a keyring that is locked or out of reach is a
// state `status` and the CLI show, never a crash, never a key file, never plaintext.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { KEYRING_SERVICE } from '../../src/guard/deviceKeyStore.js';
import { ChildDaemon, InProcessDaemon, client, connectAccount, spawnDaemon, syncAndWait, waitFor } from '../helpers/daemonHarness.js';
import { describeWith } from '../helpers/realComponents.js';
import { SecretService } from '../helpers/secretService.js';
import { requireBuild, runCallvault, tracesOf } from './support.js';

describeWith('keyring', 'the device key in the Secret Service', () => {
  let keyring: SecretService;
  let savedAddress: string | undefined;

  beforeAll(async () => {
    keyring = await SecretService.start();
    // The in-process daemons reach the keyring through this process's environment.
    savedAddress = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = keyring.env.DBUS_SESSION_BUS_ADDRESS;
  });

  afterAll(async () => {
    if (savedAddress === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = savedAddress;
    await keyring?.stop();
  });

  /** The entries this home's daemon keeps in the keyring (entries are named by the device id). */
  const entriesOf = async (h: InProcessDaemon): Promise<string[]> => {
    const c = await client(h.home);
    const status = await c.call('status');
    await c.close();
    const deviceId = status.ok ? status.value.deviceId : '';
    return keyring.entries(KEYRING_SERVICE).filter((name) => name.startsWith(`${deviceId}/`));
  };

  it('is where the device key goes when one answers; a wipe replaces it there and the receipt says so', async () => {
    const h = await InProcessDaemon.start({ config: { keyStore: 'auto' } });
    try {
      const c = await client(h.home);
      const [user] = h.sim.admin.users();
      const account = await connectAccount(c, h.sim, user!.userId);
      expect((await syncAndWait(c, account)).error).toBeNull();
      const status = await c.call('status');
      expect(status.ok && status.value.keys).toEqual({ custody: 'keyring', state: 'ready', detail: null });
      const before = await entriesOf(h);
      expect(before).toHaveLength(1);
      expect(existsSync(join(h.home.paths.data, 'keys'))).toBe(false);
      expect(tracesOf(h.home, user!.canaries)).toEqual([]);

      const purged = await c.call('purge', { account, confirm: true });
      expect(purged.ok).toBe(true);
      const receipts = await c.call('receipts.list', {});
      expect(receipts.ok && receipts.value.receipts).toEqual([expect.objectContaining({ reason: 'user-purge', method: 'crypto-erase+overwrite', keyCustody: 'keyring' })]);
      const after = await entriesOf(h);
      expect(after).toHaveLength(1);
      expect(after).not.toEqual(before);
      expect(h.home.holdsDataKey(account)).toBe(false);
      await c.close();
    } finally {
      await h.close();
    }
  });

  it('locked: the vaults stay closed and status says why; nothing falls back to a key file; unlocked, they open at the next minute', async () => {
    const clock = new FakeClock(Date.now());
    // A history small enough that the first sync stays inside the rate limiter's burst: the fake clock
    // does not move until the test moves it, so a limiter waiting for tokens would wait forever.
    const tiny = { meetings: 6, participantsPerMeeting: 2, calls: 4, recordings: 1, days: 30 };
    const sim = { seed: 11, accounts: [{ plan: 'business' as const, users: [{ dataset: tiny }, { dataset: tiny }] }] };
    const h = await InProcessDaemon.start({ config: { keyStore: 'keyring' }, clock, sim });
    try {
      let c = await client(h.home);
      const [, user] = h.sim.admin.users();
      const account = await connectAccount(c, h.sim, user!.userId);
      expect((await syncAndWait(c, account)).error).toBeNull();
      await c.close();
      await h.stop();

      keyring.lock();
      await h.startDaemon({ clock });
      c = await client(h.home);
      const status = await c.call('status');
      expect(status.ok && status.value.keys).toMatchObject({ custody: 'keyring', state: 'locked', detail: expect.stringContaining('locked') });
      const read = await c.call('meetings.list', { account, limit: 1 });
      expect(read).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringContaining('locked') } });
      expect(existsSync(join(h.home.paths.data, 'keys'))).toBe(false);
      expect(readdirSync(join(h.home.paths.data, 'vaults'))).toEqual([`${account}.db`]);
      expect(tracesOf(h.home, user!.canaries)).toEqual([]);

      keyring.unlock();
      await clock.advance(60_000);
      // The minute's retry asks the keyring again (asynchronously): served once it has answered.
      const served = await waitFor(async () => {
        const page = await c.call('meetings.list', { account, limit: 1 });
        return page.ok ? page.value : null;
      });
      expect(served.items).toHaveLength(1);
      const ready = await c.call('status');
      expect(ready.ok && ready.value.keys).toEqual({ custody: 'keyring', state: 'ready', detail: null });
      await c.close();
    } finally {
      await h.close();
    }
  });

  it('out of reach (a daemon started with no session bus): it still starts and wipes; `callvault status` names the keyring; no key file appears', async () => {
    requireBuild();
    const h = await InProcessDaemon.start({ config: { keyStore: 'auto' } });
    try {
      const c = await client(h.home);
      const [user] = h.sim.admin.users();
      const account = await connectAccount(c, h.sim, user!.userId);
      await c.close();
      await h.stop();

      const daemon = new ChildDaemon(h.home, spawnDaemon(h.home, { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/callvault-test-bus' }));
      try {
        const child = await daemon.connectTheInstantItServes();
        const status = await child.call('status');
        expect(status.ok && status.value.keys).toMatchObject({ custody: 'keyring', state: 'unavailable' });
        expect(await child.call('meetings.list', { account })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
        const shown = await runCallvault(h.home, 'status');
        expect(shown.stdout).toMatch(/device key: OS credential store · vaults closed: unavailable/);
        // A wipe needs no key: it destroys the wrapped key and the files; it cannot replace the
        // device key, so the receipt claims only the overwrite.
        expect((await child.call('purge', { account, confirm: true })).ok).toBe(true);
        const receipts = await child.call('receipts.list', {});
        expect(receipts.ok && receipts.value.receipts).toEqual([expect.objectContaining({ verified: true, method: 'overwrite', keyCustody: 'keyring' })]);
        expect(h.home.holdsDataKey(account)).toBe(false);
        expect(existsSync(join(h.home.paths.data, 'keys'))).toBe(false);
        await child.close();
        expect(await daemon.stop()).toBe(0);
      } finally {
        await daemon.kill();
      }
    } finally {
      await h.close();
    }
  });
});
